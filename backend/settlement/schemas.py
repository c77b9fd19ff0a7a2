"""HTTP shapes of settlement writes: repayment, redemption, claims, overdue marking."""

from pydantic import BaseModel, Field

from backend.credits.schemas import CreditRead, FragmentRead
from backend.writes import Id, TxRead, Units

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
    claims: list[ClaimRead]


class ClaimWrite(TxRead):
    paid_units: int
    claim: ClaimRead


class OverdueWrite(TxRead):
    credit: CreditRead
