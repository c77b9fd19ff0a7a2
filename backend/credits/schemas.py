"""HTTP shapes of credit-voucher writes and of the credit and fragment state they answer with."""

from pydantic import BaseModel, Field

from backend.core.inputs import AddressStr, Id, Units, UnixTime
from backend.readmodels.models import CreditRecord, FragmentRecord
from backend.writes import ReasonRead, TxRead


class CreditCreate(BaseModel):
    """The obligor issues a credit against a confirmed invoice it owes."""

    invoice_id: Id
    face_value_units: Units
    maturity: UnixTime
    certificate_id: Id = Field(
        default=0, description="A quality certificate for the invoice's goods, or 0 for none."
    )


class SplitTransferCreate(BaseModel):
    """The holder pays its supplier `to` with `value_units` of the fragment, citing an invoice
    where the holder is the buyer and `to` the seller."""

    to: AddressStr
    value_units: Units
    invoice_id: Id


class QualityRequirementSet(BaseModel):
    required: bool = Field(description="Issue only against a valid passing quality certificate.")


class CreditRead(BaseModel):
    credit_id: int
    obligor: str
    supplier: str
    face_value_units: int
    maturity: int
    invoice_id: int
    certificate_id: int | None
    frozen: bool
    quality_freeze_lifted: bool
    repaid_units: int
    redeemed_units: int
    overdue: bool
    issued_at: int
    grace_period_days: int = Field(description="The grace period after maturity it keeps.")

    @classmethod
    def of(cls, record: CreditRecord) -> "CreditRead":
        return cls(
            credit_id=record.credit_id,
            obligor=record.obligor,
            supplier=record.supplier,
            face_value_units=record.face_value,
            maturity=record.maturity,
            invoice_id=record.invoice_id,
            certificate_id=record.certificate_id,
            frozen=record.frozen,
            quality_freeze_lifted=record.quality_freeze_lifted,
            repaid_units=record.repaid,
            redeemed_units=record.redeemed_value,
            overdue=record.overdue,
            issued_at=record.issued_at,
            grace_period_days=record.grace_period_days,
        )


class FragmentRead(BaseModel):
    token_id: int
    credit_id: int
    parent_id: int | None
    invoice_id: int | None
    depth: int
    owner: str
    value_units: int
    frozen: bool
    locked: bool
    redeemed: bool

    @classmethod
    def of(cls, record: FragmentRecord) -> "FragmentRead":
        return cls(
            token_id=record.token_id,
            credit_id=record.credit_id,
            parent_id=record.parent_id,
            invoice_id=record.invoice_id,
            depth=record.depth,
            owner=record.owner,
            value_units=record.value,
            frozen=record.frozen,
            locked=record.locked,
            redeemed=record.redeemed,
        )


class CreditWrite(TxRead):
    credit: CreditRead
    root_fragment: FragmentRead


class SplitTransferWrite(TxRead):
    source: FragmentRead = Field(description="The holder's fragment, with what remains.")
    fragment: FragmentRead = Field(description="The new fragment of the receiver, one tier deeper.")


class FragmentFreezeWrite(TxRead):
    fragment: FragmentRead
    reason: ReasonRead


class CreditFreezeWrite(TxRead):
    credit: CreditRead
    reason: ReasonRead


class QualityFreezeLiftWrite(TxRead):
    credit: CreditRead
    supervisor: str
    reason: ReasonRead


class QualityRequirementWrite(TxRead):
    obligor: str
    required: bool
