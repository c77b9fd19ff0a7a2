"""A throwaway PostgreSQL server for the tests and the benchmarks.

initdb + pg_ctl in a temporary directory, on a free port and a private socket directory (no TCP
listener), fsync off, started from the newest /usr/lib/postgresql/*/bin that has both binaries.
Run as the ``postgres`` user when we are root (initdb and postgres refuse root). A server may
instead run inside a network namespace (``netns``, via `ip netns exec`) listening on ``host``
there, reached over TCP from ``trusted`` addresses (the cluster test's PostgreSQL host); its
restart starts it with the same options, so it listens where it did. Callers decide
what to do when the binaries are absent (`postgres_bin` returns None): the tests skip loudly, the
benchmarks say so in their report.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from backend.chain.node import free_port

# Overridable to point at another installation (or at nothing, to see the skip).
POSTGRES_BIN_GLOB = os.environ.get("TIERCREDIT_TEST_POSTGRES_BIN", "/usr/lib/postgresql/*/bin")


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: str
    port: int
    # Set when the server listens on TCP (inside a namespace): clients connect to this address.
    host: str | None = None
    # What restart needs: the binaries, the data directory, the log, the start options, the
    # namespace.
    bin_dir: Path | None = None
    data_dir: Path | None = None
    log_path: Path | None = None
    options: str = ""
    netns: str | None = None

    def url(self, database: str) -> str:
        if self.host is not None:
            return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def stop(self) -> None:
        """Stops the server (fast: connections are cut); its files stay for start."""
        _pg_ctl(self, "-m", "fast", "stop")

    def start(self) -> None:
        """Starts a stopped server with the options it first had: it listens where it did."""
        _pg_ctl(self, "-o", self.options, "-l", str(self.log_path), "-w", "start")

    def restart(self) -> None:
        self.stop()
        self.start()

    def admin(self, statement: str) -> None:
        with psycopg.connect(
            host=self.host or self.socket_dir,
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(statement)  # type: ignore[arg-type]

    def create_database(self, prefix: str = "db") -> str:
        """A fresh, empty database; returns its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.admin(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE {name} WITH (FORCE)")


def postgres_bin(pattern: str = POSTGRES_BIN_GLOB) -> Path | None:
    """The newest directory matching ``pattern`` with initdb and pg_ctl, or None."""
    for candidate in reversed(sorted(glob.glob(pattern))):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _as_postgres_user(command: list[str], netns: str | None = None) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return command if netns is None else ["ip", "netns", "exec", netns, *command]


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    assert server.bin_dir is not None and server.data_dir is not None
    subprocess.run(
        _as_postgres_user(
            [str(server.bin_dir / "pg_ctl"), "-D", str(server.data_dir), *args], server.netns
        ),
        check=True,
        capture_output=True,
    )


@contextmanager
def postgres_server(
    bin_dir: Path,
    *,
    max_connections: int = 200,
    netns: str | None = None,
    host: str | None = None,
    trusted: str | None = None,
) -> Iterator[PostgresServer]:
    """Starts a server from ``bin_dir``; on leaving (even on error) stops it, removes its files.

    With ``host`` it listens on that address (inside ``netns`` when given) and trusts clients
    from the ``trusted`` network (CIDR) without a password, as it trusts local ones."""
    root = Path(tempfile.mkdtemp(prefix="tiercredit-pg-"))
    data, sockets = root / "data", root / "sock"
    try:
        sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
            shutil.chown(sockets, "postgres")
        port = free_port()
        subprocess.run(
            _as_postgres_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        if trusted is not None:
            with open(data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {trusted} trust\n")
        options = (
            f"-p {port} -k {sockets} -c listen_addresses='{host or ''}' -c fsync=off "
            f"-c max_connections={max_connections}"
        )
        server = PostgresServer(
            str(sockets),
            port,
            host=host,
            bin_dir=bin_dir,
            data_dir=data,
            log_path=root / "server.log",
            options=options,
            netns=netns,
        )
        _pg_ctl(server, "-o", options, "-l", str(server.log_path), "-w", "start")
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres_user(
                    [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], netns
                ),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)
