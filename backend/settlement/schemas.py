"""HTTP shapes of settlement writes: repayment, redemption, claims, write-offs, overdue marking."""

from typing import Any

from pydantic import BaseModel, Field

from backend.core.inputs import Id, Units
from backend.reads.schemas import CreditRead, FragmentRead
from backend.writes import ReasonRead, TxRead

MAX_BATCH = 50


class RepaymentCreate(BaseModel):
    """The obligor repays part or all of what is left; approved by a permit it signs."""

    amount_units: Units


class RedeemBatchCreate(BaseModel):
    token_ids: list[Id] = Field(min_length=1, max_length=MAX_BATCH)


class ClaimRead(BaseModel):
    """What a redeemed fragment is owed: paid pro rata to what the obligor has repaid."""

    token_id: int
    claimant: str
    value_units: int
    paid_units: int
    owed_units: int = Field(description="Payable now by POST /fragments/{token_id}/claim.")
    held_as_financier: bool = Field(
        description="The value counted toward the claimant's exposure to the obligor."
    )
    written_off: bool = Field(description="The claimant wrote the unpaid rest off its exposure.")


class RedemptionSkipRead(BaseModel):
    """A fragment a batch skipped: the voucher's refusal, named with its values."""

    token_id: int
    error: str
    args: dict[str, Any]


class RepaymentWrite(TxRead):
    credit: CreditRead
    amount_units: int
    total_repaid_units: int


class RedemptionWrite(TxRead):
    fragment: FragmentRead
    paid_units: int = Field(description="Paid now; the rest stays claimable.")
    claim: ClaimRead


class BatchRedemptionWrite(TxRead):
    paid_units: int
    claims: list[ClaimRead] = Field(description="The fragments redeemed, in batch order.")
    skipped: list[RedemptionSkipRead] = Field(description="The rest, each with why.")


class ClaimWrite(TxRead):
    paid_units: int
    claim: ClaimRead


class WriteOffWrite(TxRead):
    written_off_units: int = Field(description="Taken off the financier's exposure.")
    claim: ClaimRead
    reason: ReasonRead


class OverdueWrite(TxRead):
    credit: CreditRead
