#!/usr/bin/env python3
"""Runs the Brownie CLI (`run_brownie.py test --network anvil`, `run_brownie.py run ...`) with
its Anvil on a free port, never on a node another run started, and never on a stale build.

Brownie launches its Anvil on the port in brownie-config.yaml, but first connects there and, if
anything answers, attaches to it instead: two checkouts testing at once on one machine would
share one chain, and one run's clock moves would land in the other's. So, just before Brownie
connects, this wrapper

- gives the network's Anvil a port the kernel has just handed out as free;
- refuses to attach: if something already answers on that port, the run stops;
- after the launch, checks that the node answering is the Anvil this run started (it, or a
  process it spawned, listens on the port): an Anvil that lost the port to another one exits,
  and Brownie, which only polls the port, would otherwise carry on with the other node.

Brownie also keeps a build only as long as each project source and the compiler settings are
unchanged: it never notices that an npm upgrade changed a library it compiled (OpenZeppelin), and
after a compiler change it crashes on the libraries' artifacts (`KeyError: 'ERC3525'`). So its
build artifacts are dropped whenever brownie-config.yaml's compiler section or package-lock.json
changed since they were made.

Runs in .venv-contracts, as `.venv-contracts/bin/python tools/run_brownie.py <brownie args>`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import sys
import time
from pathlib import Path

import psutil
from brownie import network, project
from brownie._cli.__main__ import main as brownie_main
from brownie._config import CONFIG
from brownie.network.rpc import Rpc

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.compiler_settings import load_config  # noqa: E402

# What Brownie writes under its build folder besides deployments.
BROWNIE_ARTIFACTS = ("contracts", "interfaces", "tests.json")
TOOLCHAIN_STAMP = ".toolchain"


class ForeignNodeError(RuntimeError):
    """A node this run did not start answers on its port."""


def toolchain_digest(project_root: Path) -> str:
    config = load_config(project_root)
    lock = (project_root / "package-lock.json").read_bytes()
    payload = json.dumps(config["compiler"], sort_keys=True).encode() + b"\0" + lock
    return hashlib.sha256(payload).hexdigest()


def drop_stale_build(project_root: Path) -> None:
    """Removes Brownie's artifacts when they were built by another toolchain than this one."""
    build = project_root / load_config(project_root).get("project_structure", {}).get(
        "build", "build"
    )
    stamp = build / TOOLCHAIN_STAMP
    digest = toolchain_digest(project_root)
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == digest:
        return
    for name in BROWNIE_ARTIFACTS:
        path = build / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    build.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest, encoding="utf-8")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _listens_on(process: psutil.Process, port: int) -> bool:
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for member in family:
        try:
            connections = member.connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections):
            return True
    return False


_brownie_connect = network.connect
_brownie_launch = Rpc.launch


def connect(network_id: str | None = None, launch_rpc: bool = True) -> None:
    settings = CONFIG.networks.get(network_id or CONFIG.settings["networks"]["default"], {})
    if "cmd" in settings and isinstance(settings.get("cmd_settings"), dict):
        settings["cmd_settings"]["port"] = free_port()
    _brownie_connect(network_id, launch_rpc)


def refuse_attach(self: Rpc, laddr: str | tuple) -> None:
    raise ForeignNodeError(
        f"a node already answers at {laddr}: this run would attach to it; nothing was run"
    )


def launch_own(self: Rpc, cmd: str, **kwargs: object) -> None:
    _brownie_launch(self, cmd, **kwargs)
    port = int(kwargs["port"])
    for _ in range(50):  # Brownie returns once the port answers; the listener may be a child
        if _listens_on(self.process, port):
            return
        time.sleep(0.1)
    self.kill(False)
    raise ForeignNodeError(f"the node answering on port {port} is not the `{cmd}` this run started")


def main() -> int:
    project_root = project.check_for_project(".")
    if project_root is not None:
        drop_stale_build(project_root)
    network.connect = connect
    Rpc.attach = refuse_attach
    Rpc.launch = launch_own
    sys.argv = ["brownie", *sys.argv[1:]]
    return brownie_main()


if __name__ == "__main__":
    sys.exit(main())
