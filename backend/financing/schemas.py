"""HTTP shapes of financing (discounting) writes and of the request and quote state."""

from pydantic import BaseModel, Field

from backend.core.inputs import Id, Units, UnixTime
from backend.credits.schemas import FragmentRead
from backend.readmodels.models import FinancingRequestRecord, QuoteRecord
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


class FinancingRequestRead(BaseModel):
    request_id: int
    holder: str
    token_id: int = Field(description="The fragment split off and locked for this request.")
    value_units: int
    expires_at: int
    status: str = Field(description="open | accepted | cancelled | expired")
    accepted_quote_id: int | None
    financier: str | None
    price_units: int | None
    days_to_maturity: int | None

    @classmethod
    def of(cls, record: FinancingRequestRecord) -> "FinancingRequestRead":
        return cls(
            request_id=record.request_id,
            holder=record.holder,
            token_id=record.token_id,
            value_units=record.value,
            expires_at=record.expires_at,
            status=record.status,
            accepted_quote_id=record.accepted_quote_id,
            financier=record.financier,
            price_units=record.price,
            days_to_maturity=record.days_to_maturity,
        )


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
