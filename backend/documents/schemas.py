"""HTTP shapes of documents and of their verification against the on-chain anchor."""

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

DocumentKind = Literal["invoice", "certificate"]

INVOICE_EXAMPLE: dict[str, Any] = {
    "invoice_number": "INV-2024-0042",
    "seller": {"name": "Shenzhen Precision Parts Co.", "tax_id": "91440300MA5FXXXX"},
    "buyer": {"name": "Grand Auto Group", "tax_id": "91310000MA1KXXXX"},
    "currency": "CNY",
    "amount_units": 125000000000,
    "due_date": "2025-06-30",
    "lines": [{"sku": "BRK-220", "quantity": 5000, "unit_price_units": 25000000}],
}


class DocumentCreate(BaseModel):
    kind: DocumentKind
    content: dict[str, Any] = Field(
        description="The structured document; hashed as RFC 8785 canonical JSON."
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"kind": "invoice", "content": INVOICE_EXAMPLE}]}
    )


class DocumentRead(BaseModel):
    id: int
    kind: DocumentKind
    member_id: int
    document_hash: str = Field(
        description="keccak-256 of the canonical JSON, 0x-hex: the on-chain anchor."
    )
    size_bytes: int
    pdf_hash: str | None
    pdf_size_bytes: int | None
    created_at: datetime
    content: dict[str, Any]


DOCUMENT_HASH_PATTERN = "^0x[0-9a-fA-F]{64}$"


class VerifyRequest(BaseModel):
    """Either the document itself or the id of a stored one with its hash (both, so that ids
    cannot be counted through)."""

    document: dict[str, Any] | None = None
    document_id: int | None = None
    document_hash: str | None = Field(
        default=None,
        pattern=DOCUMENT_HASH_PATTERN,
        description="With `document_id`: the stored document's hash, as its QR code carries it.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"document": INVOICE_EXAMPLE},
                {"document_id": 7, "document_hash": "0x" + "ab" * 32},
            ]
        }
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.document is None) == (self.document_id is None):
            raise ValueError("give exactly one of `document` and `document_id`")
        if (self.document_id is None) != (self.document_hash is None):
            raise ValueError("`document_id` goes with `document_hash`, and only with it")
        return self


class AnchorRead(BaseModel):
    """Where the hash is anchored on-chain and the anchoring record's current status."""

    kind: Literal["invoice", "certificate"]
    id: int
    status: str
    details: dict[str, Any] = Field(
        description="Empty: a public answer names no parties, amounts, dates or other terms."
    )


class VerifyResult(BaseModel):
    document_hash: str
    document_id: int | None = Field(description="The stored document with this hash, if any.")
    anchored: bool
    anchors: list[AnchorRead]
    pdf_hash: str | None = None
    pdf_covered_by_anchor: bool | None = Field(
        default=None,
        description="True when the anchored JSON names this PDF's keccak-256 in `pdf_keccak256`.",
    )
