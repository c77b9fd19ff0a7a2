"""HTTP shapes of financing (discounting) writes and of the request and quote state."""

from pydantic import BaseModel, Field

from backend.core.inputs import Id, Units, UnixTime
from backend.readmodels.models import QuoteRecord
from backend.reads.schemas import FinancingRequestRead, FragmentRead
from backend.writes import TxRead


class FinancingRequestCreate(BaseModel):
    """The holder locks `value_units` of a fragment and asks for cash until `expires_at`."""

    token_id: Id
    value_units: Units
    expires_at: UnixTime


class QuoteCreate(BaseModel):
    """A financier offers an annual discount rate; payment is approved by a permit it signs."""

    rate_bps: int = Field(strict=True, ge=0, lt=2**256, description="Annual rate, basis points.")


class AcceptCreate(BaseModel):
    quote_id: Id


class QuoteRead(BaseModel):
    quote_id: int
    request_id: int
    financier: str
    rate_bps: int
    withdrawn: bool

    @classmethod
    def of(cls, record: QuoteRecord) -> "QuoteRead":
        return cls(
            quote_id=record.quote_id,
            request_id=record.request_id,
            financier=record.financier,
            rate_bps=record.rate_bps,
            withdrawn=record.withdrawn,
        )


class FinancingRequestWrite(TxRead):
    request: FinancingRequestRead
    fragment: FragmentRead = Field(description="The locked fragment, as it stands now.")


class QuoteWrite(TxRead):
    quote: QuoteRead
    price_units: int | None = Field(
        default=None, description="What the quote would pay if accepted now (submission only)."
    )


class AcceptWrite(TxRead):
    request: FinancingRequestRead
    quote: QuoteRead
    fragment: FragmentRead = Field(description="The fragment, delivered to the financier.")
    holder_cash_units: int = Field(description="The holder's on-chain cash after payment.")
