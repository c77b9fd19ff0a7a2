"""Transaction fee fields: EIP-1559 where the node has a base fee, legacy gasPrice elsewhere."""

from __future__ import annotations

import time

from web3 import Web3
from web3.exceptions import Web3RPCError

GWEI = 10**9
# Used when a node has a base fee but not eth_maxPriorityFeePerGas.
FALLBACK_PRIORITY_FEE = GWEI
FEE_TTL_SECONDS = 2.0


def fee_fields(w3: Web3, max_fee_per_gas: int | None = None) -> dict[str, int]:
    """Fee fields for the next transaction, capped by ``max_fee_per_gas`` (wei) when given.

    Twice the current base fee plus the tip stays valid through several full blocks of base-fee
    growth, so a transaction is not stranded by one busy block.
    """
    latest = w3.eth.get_block("latest")
    base_fee = latest.get("baseFeePerGas")
    if base_fee == 0 and w3.eth.gas_price == 0:
        # A gas-free chain (Besu with a zero base fee and --min-gas-price=0): nothing to pay,
        # whatever tip the node would suggest, so no sender needs ether.
        return {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0}
    if base_fee is None:
        gas_price = w3.eth.gas_price
        return {
            "gasPrice": gas_price if max_fee_per_gas is None else min(gas_price, max_fee_per_gas)
        }
    try:
        tip = w3.eth.max_priority_fee
    except (Web3RPCError, ValueError):
        tip = FALLBACK_PRIORITY_FEE
    max_fee = 2 * base_fee + tip
    if max_fee_per_gas is not None:
        max_fee = min(max_fee, max_fee_per_gas)
        tip = min(tip, max_fee)
    return {"maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip}


def price_per_gas(fields: dict[str, int]) -> int:
    """The most a transaction with these fee fields pays per gas (0 on a gas-free chain)."""
    return int(fields.get("maxFeePerGas", fields.get("gasPrice", 0)))


class FeeCache:
    """Fee fields reused for ``ttl`` seconds: they allow for base-fee growth, and asking the node
    for them costs two round trips per transaction."""

    def __init__(
        self, w3: Web3, max_fee_per_gas: int | None = None, ttl: float = FEE_TTL_SECONDS
    ) -> None:
        self._w3 = w3
        self._max_fee_per_gas = max_fee_per_gas
        self._ttl = ttl
        self._cached: tuple[float, dict[str, int]] | None = None

    def fields(self) -> dict[str, int]:
        now = time.monotonic()
        cached = self._cached
        if cached is None or now - cached[0] > self._ttl:
            # Two threads may both refresh at expiry; either answer is current.
            cached = (now, fee_fields(self._w3, self._max_fee_per_gas))
            self._cached = cached
        return cached[1]
