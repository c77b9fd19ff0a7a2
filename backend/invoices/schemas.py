"""HTTP shapes of invoice writes and of the invoice state they answer with."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.documents.prepare import AnchoredDocument
from backend.documents.schemas import INVOICE_EXAMPLE
from backend.readmodels.models import InvoiceRecord
from backend.writes import AddressStr, TxRead, Units, UnixTime


class InvoiceCreate(AnchoredDocument):
    """A seller registers what `buyer` owes it; only hashes and amounts go on-chain."""

    buyer: AddressStr
    amount_units: Units
    due_date: UnixTime
    invoice_number: str = Field(
        min_length=1,
        max_length=200,
        description="Unique per seller; only its keccak-256 goes on-chain.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "buyer": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
                    "amount_units": 125_000_000_000,
                    "due_date": "2025-06-30T00:00:00Z",
                    "invoice_number": "INV-2024-0042",
                    "document": INVOICE_EXAMPLE,
                }
            ]
        }
    )


class InvoiceRead(BaseModel):
    invoice_id: int
    seller: str
    buyer: str
    amount_units: int
    remaining_units: int
    due_date: int
    number_hash: str
    document_hash: str
    status: str = Field(description="registered | confirmed | rejected | cancelled")
    reason_hash: str | None
    reason: str | None = None

    @classmethod
    def of(cls, record: InvoiceRecord, **extra: Any) -> "InvoiceRead":
        return cls(
            invoice_id=record.invoice_id,
            seller=record.seller,
            buyer=record.buyer,
            amount_units=record.amount,
            remaining_units=record.remaining,
            due_date=record.due_date,
            number_hash=record.number_hash,
            document_hash=record.document_hash,
            status=record.status,
            reason_hash=record.reason_hash,
            **extra,
        )


class InvoiceWrite(TxRead):
    invoice: InvoiceRead
    document_id: int | None = Field(
        default=None, description="The stored document the invoice anchors (registration)."
    )
