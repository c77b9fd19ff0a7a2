"""Typed reads of CreditVoucher (its Credit and Fragment structs by field name, not by position)
and its calls.

The fields follow ICreditVoucher's structs in order (tests/backend/chain/test_structs.py fails
when the compiled ABI and these dataclasses part ways).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from backend.chain.calls import ContractCall

VOUCHER = "CreditVoucher"


class ViewReader(Protocol):
    """A view call at a block, as ``Chain.read`` makes it."""

    def read(
        self, contract: str, function: str, *args: Any, block: int | str = "latest"
    ) -> Any: ...


@dataclass(frozen=True)
class Credit:
    """ICreditVoucher.Credit."""

    obligor: str
    maturity: int
    certificate_id: int
    frozen: bool
    face_value: int
    source_invoice_id: int
    issued_at: int
    grace_period_days: int
    quality_freeze_lifted: bool


@dataclass(frozen=True)
class Fragment:
    """ICreditVoucher.Fragment; a burned (redeemed) fragment has the zero address as owner."""

    owner: str
    value: int
    credit_id: int
    parent_id: int
    invoice_id: int
    depth: int
    frozen: bool
    locked: bool
    held_as_financier: bool


def read_credit(chain: ViewReader, credit_id: int, *, block: int | str = "latest") -> Credit:
    return Credit(*chain.read(VOUCHER, "credit", credit_id, block=block))


def read_fragment(chain: ViewReader, token_id: int, *, block: int | str = "latest") -> Fragment:
    return Fragment(*chain.read(VOUCHER, "fragment", token_id, block=block))


# --- typed calls ------------------------------------------------------------------------------


def issue(
    invoice_id: int, face_value_units: int, maturity: int, certificate_id: int
) -> ContractCall:
    return ContractCall(VOUCHER, "issue", (invoice_id, face_value_units, maturity, certificate_id))


def split_transfer(token_id: int, to: str, value_units: int, invoice_id: int) -> ContractCall:
    return ContractCall(VOUCHER, "splitTransfer", (token_id, to, value_units, invoice_id))


def set_fragment_frozen(token_id: int, frozen: bool, reason_hash: bytes) -> ContractCall:
    return ContractCall(VOUCHER, "setFragmentFrozen", (token_id, frozen, reason_hash))


def set_credit_frozen(credit_id: int, frozen: bool, reason_hash: bytes) -> ContractCall:
    return ContractCall(VOUCHER, "setCreditFrozen", (credit_id, frozen, reason_hash))


def lift_quality_freeze(credit_id: int, reason_hash: bytes) -> ContractCall:
    return ContractCall(VOUCHER, "liftQualityFreeze", (credit_id, reason_hash))
