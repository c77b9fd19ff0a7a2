"""Documents a write anchors: validated and hashed before anything is sent, stored with the
write's read models once it is mined."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from backend.core.settings import Settings
from backend.documents import service as documents_service
from backend.documents.hashing import keccak256, to_hex
from backend.documents.models import Document
from backend.members.models import Member


class AnchoredDocument(BaseModel):
    """The document a write anchors: its content inline, or the id of one stored before."""

    document: dict[str, Any] | None = Field(
        default=None, description="The structured document; hashed as RFC 8785 canonical JSON."
    )
    document_id: int | None = Field(
        default=None, ge=1, lt=2**31, description="A document stored by POST /documents."
    )
    pdf_base64: str | None = Field(
        default=None, description="Optional PDF rendition of an inline document, base64."
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.document is None) == (self.document_id is None):
            raise ValueError("give exactly one of `document` and `document_id`")
        if self.pdf_base64 is not None and self.document is None:
            raise ValueError("`pdf_base64` goes with an inline `document`")
        return self


@dataclass(frozen=True)
class PreparedDocument:
    """A validated document whose hash a write is about to anchor; stored only if it succeeds."""

    digest: bytes
    kind: str
    member_id: int
    canonical: bytes
    pdf: bytes | None

    @property
    def hash_hex(self) -> str:
        return to_hex(self.digest)

    def store(self, session: Session) -> Document:
        """Stores the document (and PDF) with the write's read models; reuses a stored copy."""
        document = session.execute(
            select(Document).where(Document.document_hash == self.hash_hex)
        ).scalar_one_or_none()
        if document is None:
            document = Document(
                kind=self.kind,
                member_id=self.member_id,
                canonical_json=self.canonical.decode("utf-8"),
                document_hash=self.hash_hex,
                size_bytes=len(self.canonical),
            )
            session.add(document)
        if self.pdf is not None and document.pdf_hash is None:
            document.pdf = self.pdf
            document.pdf_hash = to_hex(keccak256(self.pdf))
            document.pdf_size_bytes = len(self.pdf)
        session.flush()
        return document

    def stored(self, session: Session) -> Document:
        """The stored document, once the write that anchors it is mined."""
        document = session.execute(
            select(Document).where(Document.document_hash == self.hash_hex)
        ).scalar_one_or_none()
        if document is None:
            raise LookupError(f"document {self.hash_hex} not stored yet")
        return document

    def to_json(self) -> dict[str, Any]:
        """The attachment the relayer keeps with the request until it is mined."""
        return {
            "kind": "document",
            "document_kind": self.kind,
            "member_id": self.member_id,
            "canonical": self.canonical.decode("utf-8"),
            "pdf_base64": None if self.pdf is None else base64.b64encode(self.pdf).decode(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PreparedDocument:
        canonical = data["canonical"].encode("utf-8")
        pdf = None if data["pdf_base64"] is None else base64.b64decode(data["pdf_base64"])
        return cls(keccak256(canonical), data["document_kind"], data["member_id"], canonical, pdf)


def prepare_document(
    factory: sessionmaker[Session],
    member: Member,
    kind: str,
    source: AnchoredDocument,
    settings: Settings,
) -> PreparedDocument:
    """Validates the document before anything is sent: size, canonical form, owner, PDF."""
    with factory() as session:
        if source.document_id is not None:
            stored = session.get(Document, source.document_id)
            if stored is None:
                raise NotFound(
                    "DocumentNotFound",
                    "no document with this id",
                    {"document_id": source.document_id},
                )
            if stored.member_id != member.id:
                raise Forbidden(
                    "DocumentNotOwner",
                    "a member anchors only documents it stored",
                    {"document_id": stored.id},
                )
            if stored.kind != kind:
                raise Unprocessable(
                    "DocumentKindMismatch",
                    f"expected a document of kind {kind}",
                    {"document_id": stored.id, "kind": stored.kind},
                )
            canonical = stored.canonical_json.encode("utf-8")
            return PreparedDocument(keccak256(canonical), kind, member.id, canonical, None)
        canonical = documents_service.canonical_bytes(source.document, settings.max_document_bytes)
        digest = keccak256(canonical)
        owner = session.execute(
            select(Document.member_id).where(Document.document_hash == to_hex(digest))
        ).scalar_one_or_none()
    if owner is not None and owner != member.id:
        raise Conflict(
            "DocumentAlreadyStored",
            "another member stored this document",
            {"document_hash": to_hex(digest)},
        )
    pdf = _decoded_pdf(source, settings)
    return PreparedDocument(digest, kind, member.id, canonical, pdf)


def _decoded_pdf(source: AnchoredDocument, settings: Settings) -> bytes | None:
    if source.pdf_base64 is None:
        return None
    try:
        pdf = base64.b64decode(source.pdf_base64, validate=True)
    except binascii.Error as exc:
        raise Unprocessable("PdfInvalid", "pdf_base64 is not valid base64") from exc
    if len(pdf) > settings.max_pdf_bytes:
        raise PayloadTooLarge(
            "PdfTooLarge",
            "the PDF exceeds the size limit",
            {"size_bytes": len(pdf), "max_bytes": settings.max_pdf_bytes},
        )
    if not pdf.startswith(documents_service.PDF_MAGIC):
        raise Unprocessable("PdfInvalid", "the attachment is not a PDF file")
    assert source.document is not None
    declared = source.document.get(documents_service.PDF_HASH_FIELD)
    actual = to_hex(keccak256(pdf))
    if declared is not None and str(declared).lower() != actual:
        raise Unprocessable(
            "PdfHashMismatch",
            f"the document's {documents_service.PDF_HASH_FIELD} does not match this PDF",
            {"declared": declared, "actual": actual},
        )
    return pdf
