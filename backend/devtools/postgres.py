"""A throwaway PostgreSQL server for the tests and the benchmarks.

initdb + pg_ctl in a temporary directory, on a free port and a private socket directory (no TCP
listener), fsync off, started from the newest /usr/lib/postgresql/*/bin that has both binaries.
Run as the ``postgres`` user when we are root (initdb and postgres refuse root). Callers decide
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

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def admin(self, statement: str) -> None:
        with psycopg.connect(
            host=self.socket_dir,
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


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server(bin_dir: Path, *, max_connections: int = 200) -> Iterator[PostgresServer]:
    """Starts a server from ``bin_dir``; on leaving (even on error) stops it, removes its files."""
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
        options = (
            f"-p {port} -k {sockets} -c listen_addresses='' -c fsync=off "
            f"-c max_connections={max_connections}"
        )
        subprocess.run(
            _as_postgres_user(
                [
                    str(bin_dir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(root / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        yield PostgresServer(str(sockets), port)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres_user(
                    [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
                ),
                check=False,
                capture_output=True,
            )
        shutil.rmtree(root, ignore_errors=True)
