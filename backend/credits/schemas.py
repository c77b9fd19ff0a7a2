"""HTTP shapes of credit-voucher writes; the credit and fragment state they answer with is the
reads' one shape of each (backend.reads.schemas)."""

from pydantic import BaseModel, Field

from backend.core.inputs import AddressStr, Id, Units, UnixTime
from backend.reads.schemas import CreditRead, FragmentRead
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
