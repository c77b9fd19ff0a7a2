"""Typed calls of the SettlementToken (on-chain cash)."""

from __future__ import annotations

from backend.chain.calls import ContractCall

TOKEN = "SettlementToken"


def mint(to: str, amount_units: int, deposit_ref: bytes) -> ContractCall:
    return ContractCall(TOKEN, "mint", (to, amount_units, deposit_ref))


def burn(amount_units: int, withdrawal_ref: bytes) -> ContractCall:
    return ContractCall(TOKEN, "burn", (amount_units, withdrawal_ref))


def approve(spender: str, amount_units: int) -> ContractCall:
    return ContractCall(TOKEN, "approve", (spender, amount_units))
