"""Typed reads of CreditVoucher: its Credit and Fragment structs by field name, not by position.

The fields follow ICreditVoucher's structs in order (tests/backend/chain/test_structs.py fails
when the compiled ABI and these dataclasses part ways).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

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
