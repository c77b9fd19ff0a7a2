"""Local nodes start on a free port with known, funded keys, and stop completely."""

from __future__ import annotations

import socket

import pytest

from backend.chain.node import DEFAULT_ACCOUNTS, NodeStartError, rpc_request, start_node


@pytest.mark.parametrize(("kind", "chain_id"), [("anvil", 31337), ("ganache", 1337)])
def test_start_and_stop(kind: str, chain_id: int) -> None:
    node = start_node(kind)  # type: ignore[arg-type]
    try:
        assert node.chain_id == chain_id
        served = rpc_request(node.url, "eth_accounts")
        assert [a.lower() for a in served] == [a.address.lower() for a in node.accounts]  # type: ignore[union-attr]
        assert len(node.accounts) == DEFAULT_ACCOUNTS
        balance = int(
            str(rpc_request(node.url, "eth_getBalance", [node.accounts[-1].address, "latest"])), 16
        )
        assert balance == 1_000_000 * 10**18
    finally:
        node.stop()

    assert not node.is_running()
    port = int(node.url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_taken_port_is_a_start_error(anvil) -> None:
    port = int(anvil.url.rsplit(":", 1)[1])

    with pytest.raises(NodeStartError, match=f"port {port} is in use"):
        start_node("anvil", port=port, startup_timeout=20)


def test_anvil_keeps_only_the_recent_states_it_is_told_to() -> None:
    with start_node("anvil", keep_states=2) as node:
        address = node.accounts[0].address  # type: ignore[union-attr]
        for _ in range(6):
            rpc_request(node.url, "evm_mine")
        assert int(str(rpc_request(node.url, "eth_getBalance", [address, "latest"])), 16) > 0
        with pytest.raises(RuntimeError):
            rpc_request(node.url, "eth_getBalance", [address, "0x1"])


def test_keep_states_is_refused_for_ganache() -> None:
    with pytest.raises(ValueError, match="Anvil options"):
        start_node("ganache", keep_states=2)
