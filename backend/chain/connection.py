"""The one way the platform opens a web3 connection to a node."""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware


def connect(rpc_url: str, *, timeout: float = 30, **provider_options: Any) -> Web3:
    """A Web3 over HTTP that reads the blocks of proof-of-authority chains too.

    Besu QBFT/IBFT and Clique put the validators (and their seals) in a block's `extraData`,
    far longer than the 32 bytes of Ethereum mainnet, which web3's validation refuses
    (ExtraDataLengthError) in every `eth.get_block`; the middleware, innermost so it runs
    before that validation, moves it to `proofOfAuthorityData`, which nothing here reads.
    """
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, **provider_options))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3
