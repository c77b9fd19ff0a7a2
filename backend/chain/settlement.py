"""Typed reads of Settlement (its CreditAccount and Claim structs by field name) and its calls.

The fields follow ISettlement's structs in order (tests/backend/chain/test_structs.py fails
when the compiled ABI and these dataclasses part ways).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.chain.calls import ContractCall
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


# --- typed calls ------------------------------------------------------------------------------


def repay(credit_id: int, amount_units: int) -> ContractCall:
    return ContractCall(SETTLEMENT, "repay", (credit_id, amount_units))


def repay_with_permit(
    credit_id: int, amount_units: int, deadline: int, v: int, r: bytes, s: bytes
) -> ContractCall:
    return ContractCall(SETTLEMENT, "repayWithPermit", (credit_id, amount_units, deadline, v, r, s))


def redeem(token_id: int) -> ContractCall:
    return ContractCall(SETTLEMENT, "redeem", (token_id,))


def redeem_batch(token_ids: list[int]) -> ContractCall:
    return ContractCall(SETTLEMENT, "redeemBatch", (token_ids,))


def claim(token_id: int) -> ContractCall:
    return ContractCall(SETTLEMENT, "claim", (token_id,))


def write_off(token_id: int, reason_hash: bytes) -> ContractCall:
    return ContractCall(SETTLEMENT, "writeOff", (token_id, reason_hash))


def mark_overdue(credit_id: int) -> ContractCall:
    return ContractCall(SETTLEMENT, "markOverdue", (credit_id,))
