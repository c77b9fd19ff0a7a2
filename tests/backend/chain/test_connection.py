"""Blocks of proof-of-authority chains (Besu QBFT) are read like any other."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import rlp
from web3 import Web3
from web3.exceptions import ExtraDataLengthError

from backend.chain.connection import connect
from backend.chain.fees import fee_fields
from backend.chain.node import LocalNode
from tests.backend.chain.qbft_proxy import QbftShapedNode, besu_block


@pytest.fixture
def qbft(anvil: LocalNode) -> Iterator[QbftShapedNode]:
    proxy = QbftShapedNode(anvil.url)
    yield proxy
    proxy.stop()


def test_the_fixture_is_a_qbft_block_as_besu_returns_it() -> None:
    block = besu_block()
    extra = bytes.fromhex(block["extraData"].removeprefix("0x"))
    vanity, validators, vote, round_number, seals = rlp.decode(extra)

    assert len(extra) > 32
    assert len(vanity) == 32
    assert [len(v) for v in validators] == [20] * 4
    assert vote == []
    assert len(round_number) == 4
    assert [len(s) for s in seals] == [65] * 3
    # QBFT's fixed mixHash ("ctical byzantine fault tolerance"), difficulty 1, no nonce.
    assert bytes.fromhex(block["mixHash"][2:]).endswith(b"byzantine fault tolerance")
    assert (block["difficulty"], block["nonce"]) == ("0x1", "0x0000000000000000")


def test_plain_web3_refuses_qbft_blocks_and_the_platforms_connection_reads_them(
    qbft: QbftShapedNode,
) -> None:
    with pytest.raises(ExtraDataLengthError):
        Web3(Web3.HTTPProvider(qbft.url)).eth.get_block("latest")

    w3 = connect(qbft.url)
    block = w3.eth.get_block("latest")

    assert bytes(block["proofOfAuthorityData"]) == bytes.fromhex(besu_block()["extraData"][2:])
    assert fee_fields(w3)["maxFeePerGas"] > 0


def test_the_node_session_reads_the_proxy_environment_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy and no-proxy variables are honoured as requests honours them, but read when the
    connection is made, not on every JSON-RPC call."""
    from backend.chain.connection import node_session

    for name in ("NO_PROXY", "no_proxy", "http_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")

    proxied = node_session("http://node.example:8545")
    monkeypatch.setenv("NO_PROXY", "node.example")
    bypassed = node_session("http://node.example:8545")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/node-ca.pem")
    with_bundle = node_session("https://node.example:8545")

    assert proxied.trust_env is False
    assert proxied.proxies.get("http") == "http://10.9.9.9:3128"
    assert "http" not in bypassed.proxies
    assert (proxied.verify, with_bundle.verify) == (True, "/etc/ssl/node-ca.pem")
    # Changing the environment afterwards changes nothing for a session made already.
    assert proxied.proxies.get("http") == "http://10.9.9.9:3128"


def test_every_thread_shares_one_session_to_the_node(anvil: LocalNode) -> None:
    w3 = connect(anvil.url)
    seen: set[int] = set()

    def call() -> None:
        assert w3.eth.block_number >= 0
        seen.add(id(w3.provider._request_session_manager.cache_and_return_session(anvil.url)))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 1
