#!/usr/bin/env python3
"""Runs the Brownie CLI (`run_brownie.py test --network anvil`, `run_brownie.py run ...`) with
its Anvil on a free port, and never on a node another run started.

Brownie launches its Anvil on the port in brownie-config.json, but first connects there and, if
anything answers, attaches to it instead: two checkouts testing at once on one machine would
share one chain, and one run's clock moves would land in the other's. So, just before Brownie
connects, this wrapper

- gives the network's Anvil a port the kernel has just handed out as free;
- refuses to attach: if something already answers on that port, the run stops;
- after the launch, checks that the node answering is the Anvil this run started (it, or a
  process it spawned, listens on the port): an Anvil that lost the port to another one exits,
  and Brownie, which only polls the port, would otherwise carry on with the other node.

Runs in .venv-contracts, as `.venv-contracts/bin/python tools/run_brownie.py <brownie args>`.
"""

from __future__ import annotations

import socket
import sys
import time

import psutil
from brownie import network
from brownie._cli.__main__ import main as brownie_main
from brownie._config import CONFIG
from brownie.network.rpc import Rpc


class ForeignNodeError(RuntimeError):
    """A node this run did not start answers on its port."""


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
    network.connect = connect
    Rpc.attach = refuse_attach
    Rpc.launch = launch_own
    sys.argv = ["brownie", *sys.argv[1:]]
    return brownie_main()


if __name__ == "__main__":
    sys.exit(main())
