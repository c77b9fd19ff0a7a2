"""Blocks of proof-of-authority chains (Besu QBFT) are read like any other."""

from __future__ import annotations

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
