"""Local development chains (Anvil, Ganache) as subprocesses on a free port.

Used by the tests, `tiercredit up` and the benchmarks. Both nodes run EVM shanghai, keep the
EIP-170 code-size limit, and fund accounts derived from one known mnemonic, so tests know
every private key.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.chain.compiler import PROJECT_ROOT

# Anvil's default development mnemonic; Ganache is given the same one.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_DERIVATION = "m/44'/60'/0'/0/{index}"
DEFAULT_ACCOUNTS = 20
DEFAULT_BALANCE_ETHER = 1_000_000
HARDFORK = "shanghai"
NodeKind = Literal["anvil", "ganache"]


class NodeStartError(RuntimeError):
    """The node exited or did not answer JSON-RPC in time."""


def dev_accounts(count: int = DEFAULT_ACCOUNTS, mnemonic: str = DEV_MNEMONIC) -> list[LocalAccount]:
    """The funded accounts of a node started here, with their private keys."""
    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(mnemonic, account_path=DEV_DERIVATION.format(index=index))
        for index in range(count)
    ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # A node just stopped leaves TIME_WAIT connections behind; they must not block a restart.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def anvil_binary(project_root: Path = PROJECT_ROOT) -> list[str]:
    """The native Anvil of npm's platform package, not the bin.mjs wrapper in front of it."""
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine(), platform.machine()
    )
    system = platform.system().lower()
    native = (
        project_root
        / "node_modules"
        / "@foundry-rs"
        / f"anvil-{system}-{machine}"
        / "bin"
        / "anvil"
    )
    if native.is_file():
        return [str(native)]
    on_path = shutil.which("anvil")
    if on_path is None:
        raise NodeStartError("anvil not found: run `npm ci` (or `make setup`)")
    return [on_path]


def ganache_command(project_root: Path = PROJECT_ROOT) -> list[str]:
    cli = project_root / "node_modules" / "ganache" / "dist" / "node" / "cli.js"
    if not cli.is_file():
        raise NodeStartError("ganache not found: run `npm ci` (or `make setup`)")
    return ["node", str(cli)]


def rpc_request(url: str, method: str, params: list | None = None, timeout: float = 5.0) -> object:
    """One JSON-RPC call with the standard library (no web3: this runs while the node boots)."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    ).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


@dataclass
class LocalNode:
    """A running local node; stop it with ``stop()`` or by leaving its ``with`` block."""

    kind: NodeKind
    url: str
    chain_id: int
    process: subprocess.Popen[bytes]
    accounts: list[LocalAccount] = field(repr=False)
    log_path: Path | None = None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        # The node runs in its own session: signal its group so no child outlives it.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)

    def is_running(self) -> bool:
        return self.process.poll() is None

    def __enter__(self) -> LocalNode:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _command(
    kind: NodeKind,
    port: int,
    chain_id: int | None,
    block_time: int | None,
    accounts: int,
    mnemonic: str,
    keep_states: int | None = None,
    gas_free: bool = False,
    host: str = "127.0.0.1",
) -> list[str]:
    if kind == "anvil":
        command = [
            *anvil_binary(),
            "--host",
            host,
            "--port",
            str(port),
            "--hardfork",
            HARDFORK,
            "--accounts",
            str(accounts),
            "--balance",
            str(DEFAULT_BALANCE_ETHER),
            "--mnemonic",
            mnemonic,
        ]
        if chain_id is not None:
            command += ["--chain-id", str(chain_id)]
        if block_time is not None:
            command += ["--block-time", str(block_time)]
        if keep_states is not None:
            command += ["--prune-history", str(keep_states)]
        if gas_free:
            command += ["--base-fee", "0", "--gas-price", "0", "--no-priority-fee"]
        return command
    command = [
        *ganache_command(),
        "--server.host",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--chain.hardfork",
        HARDFORK,
        "--wallet.totalAccounts",
        str(accounts),
        "--wallet.defaultBalance",
        str(DEFAULT_BALANCE_ETHER),
        "--wallet.mnemonic",
        mnemonic,
        "--logging.quiet",
    ]
    if chain_id is not None:
        command += ["--chain.chainId", str(chain_id)]
    if block_time is not None:
        command += ["--miner.blockTime", str(block_time)]
    return command


def start_node(
    kind: NodeKind = "anvil",
    *,
    port: int | None = None,
    chain_id: int | None = None,
    block_time: int | None = None,
    accounts: int = DEFAULT_ACCOUNTS,
    mnemonic: str = DEV_MNEMONIC,
    log_path: Path | None = None,
    startup_timeout: float = 60.0,
    keep_states: int | None = None,
    gas_free: bool = False,
) -> LocalNode:
    """Starts Anvil or Ganache (hardfork shanghai) and returns once it answers ``eth_chainId``.

    ``block_time`` None mines each transaction at once (automine); an integer mines on a clock.
    The node's output goes to ``log_path`` (else is discarded). ``keep_states`` (Anvil only)
    keeps the state of only that many recent blocks, in memory: calls at older blocks fail,
    and nothing goes to disk (Anvil otherwise writes every older state under
    ~/.foundry/anvil/tmp, gigabytes for a long benchmark). ``gas_free`` (Anvil only) runs the
    chain as a permissioned one with `--min-gas-price=0` does: base fee and gas price zero.
    """
    if (keep_states is not None or gas_free) and kind != "anvil":
        raise ValueError("keep_states and gas_free are Anvil options")
    if port is None:
        port = free_port()
    elif not port_is_free(port):
        # Another node there would answer our readiness probe in this one's place.
        raise NodeStartError(f"port {port} is in use")
    command = _command(kind, port, chain_id, block_time, accounts, mnemonic, keep_states, gas_free)
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - the child owns it
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    try:
        while True:
            if process.poll() is not None:
                raise NodeStartError(
                    f"{kind} exited with status {process.returncode}: {' '.join(command)}"
                )
            try:
                answered = int(str(rpc_request(url, "eth_chainId", timeout=2.0)), 16)
                break
            except (OSError, urllib.error.URLError, ValueError, RuntimeError):
                if time.monotonic() > deadline:
                    raise NodeStartError(
                        f"{kind} did not answer on {url} within {startup_timeout} s"
                    ) from None
                time.sleep(0.1)
    except BaseException:
        # Whatever ends the wait (timeout, Ctrl-C), the node it started must not outlive it.
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        raise
    return LocalNode(kind, url, answered, process, dev_accounts(accounts, mnemonic), log_path)
