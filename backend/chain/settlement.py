"""Typed reads of Settlement: its CreditAccount and Claim structs by field name.

The fields follow ISettlement's structs in order (tests/backend/chain/test_structs.py fails
when the compiled ABI and these dataclasses part ways).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.chain.voucher import ViewReader

SETTLEMENT = "Settlement"


@dataclass(frozen=True)
class CreditAccount:
    """ISettlement.CreditAccount."""

    repaid: int
    paid_out: int
    overdue: bool


@dataclass(frozen=True)
class Claim:
    """ISettlement.Claim; the claimant is the zero address when the token was never redeemed."""

    claimant: str
    value: int
    paid: int
    credit_id: int
    held_as_financier: bool
    written_off: bool


def read_account(
    chain: ViewReader, credit_id: int, *, block: int | str = "latest"
) -> CreditAccount:
    return CreditAccount(*chain.read(SETTLEMENT, "account", credit_id, block=block))


def read_claim(chain: ViewReader, token_id: int, *, block: int | str = "latest") -> Claim:
    return Claim(*chain.read(SETTLEMENT, "claimOf", token_id, block=block))
