"""HTTP shapes of invoice writes; the invoice state they answer with is the reads' one shape
(backend.reads.schemas.InvoiceRead)."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from backend.core.inputs import AddressStr, Units, UnixTime
from backend.documents.hashing import normalized_invoice_number
from backend.documents.prepare import AnchoredDocument
from backend.documents.schemas import INVOICE_EXAMPLE
from backend.reads.schemas import InvoiceRead
from backend.writes import TxRead

# Unicode categories no invoice number contains: controls (NUL, CR/LF), format characters (bidi
# overrides, zero-width joiners), surrogates, private use, unassigned, line/paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _printable_invoice_number(number: str) -> str:
    """Refuses what would hide or fake a difference between two invoice numbers."""
    for character in number:
        category = unicodedata.category(character)
        if category in REFUSED_CATEGORIES:
            raise _invalid_number(number, f"character U+{ord(character):04X} ({category})")
    if not normalized_invoice_number(number):
        raise _invalid_number(number, "blank")
    return number


def _invalid_number(number: str, reason: str) -> PydanticCustomError:
    return PydanticCustomError(
        "InvoiceNumberInvalid",
        "the invoice number contains {reason}",
        {"invoice_number": number, "reason": reason},
    )


InvoiceNumber = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description="Unique per seller, compared NFKC-normalized, trimmed and case-folded "
        '(INV-1, inv-1, "INV-1 " and its full-width form are one number); only its keccak-256 goes '
        "on-chain. Control and format characters are refused.",
    ),
    AfterValidator(_printable_invoice_number),
]


class InvoiceCreate(AnchoredDocument):
    """A seller registers what `buyer` owes it; only hashes and amounts go on-chain."""

    buyer: AddressStr
    amount_units: Units
    due_date: UnixTime
    invoice_number: InvoiceNumber

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


class InvoiceWrite(TxRead):
    invoice: InvoiceRead
    document_id: int | None = Field(
        default=None, description="The stored document the invoice anchors (registration)."
    )
