"""Transaction fee fields: EIP-1559 where the node has a base fee, legacy gasPrice elsewhere."""

from __future__ import annotations

from web3 import Web3
from web3.exceptions import Web3RPCError

GWEI = 10**9
# Used when a node has a base fee but not eth_maxPriorityFeePerGas.
FALLBACK_PRIORITY_FEE = GWEI


def fee_fields(w3: Web3, max_fee_per_gas: int | None = None) -> dict[str, int]:
    """Fee fields for the next transaction, capped by ``max_fee_per_gas`` (wei) when given.

    Twice the current base fee plus the tip stays valid through several full blocks of base-fee
    growth, so a transaction is not stranded by one busy block.
    """
    latest = w3.eth.get_block("latest")
    base_fee = latest.get("baseFeePerGas")
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
