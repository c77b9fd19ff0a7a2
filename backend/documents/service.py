"""Storing documents, attaching their PDF, and checking them against their on-chain anchors."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import rfc8785
from eth_utils import to_checksum_address
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.ids import INVOICE_STATUSES
from backend.core.database import transaction
from backend.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from backend.documents.hashing import canonical_json, document_hash, keccak256, to_hex
from backend.documents.models import Document
from backend.members.models import Member
from backend.reads.service import document_parties

if TYPE_CHECKING:
    from backend.chain.client import Chain

PDF_MAGIC = b"%PDF-"
# A document that names its PDF's hash here has the PDF covered by its own anchor.
PDF_HASH_FIELD = "pdf_keccak256"
# Roles that may read any document: they supervise the platform.
SUPERVISOR_ROLES = frozenset({"OPERATOR", "AUDITOR"})


@dataclass(frozen=True)
class Anchor:
    """An on-chain record anchoring a document hash, as read from the contracts."""

    kind: str
    id: int
    status: str
    details: dict[str, Any] = field(default_factory=dict)


# document hash -> the invoices and certificates anchoring it on-chain.
AnchorLookup = Callable[[bytes], Sequence[Anchor]]


@dataclass(frozen=True)
class Verification:
    document_hash: str
    document_id: int | None
    anchors: Sequence[Anchor]
    pdf_hash: str | None
    pdf_covered_by_anchor: bool | None

    @property
    def anchored(self) -> bool:
        return bool(self.anchors)


def canonical_bytes(content: Any, max_bytes: int) -> bytes:
    """The canonical form of `content`; 413 above `max_bytes`, 422 if JSON cannot represent it."""
    try:
        canonical = canonical_json(content)
    except rfc8785.CanonicalizationError as exc:
        raise Unprocessable("DocumentNotCanonicalizable", str(exc)) from exc
    if len(canonical) > max_bytes:
        raise PayloadTooLarge(
            "DocumentTooLarge",
            "the canonical document exceeds the size limit",
            {"size_bytes": len(canonical), "max_bytes": max_bytes},
        )
    return canonical


def store_document(
    factory: sessionmaker[Session],
    member: Member,
    kind: str,
    content: dict[str, Any],
    max_bytes: int,
) -> tuple[Document, bool]:
    """Stores the document once; returns it and whether it is new (same content, same row)."""
    canonical = canonical_bytes(content, max_bytes)
    digest = to_hex(keccak256(canonical))
    with transaction(factory) as session:
        existing = session.execute(
            select(Document).where(Document.document_hash == digest)
        ).scalar_one_or_none()
        if existing is not None:
            if existing.member_id != member.id:
                raise Conflict(
                    "DocumentAlreadyStored",
                    "another member stored this document",
                    {"document_hash": digest},
                )
            return existing, False
        document = Document(
            kind=kind,
            member_id=member.id,
            canonical_json=canonical.decode("utf-8"),
            document_hash=digest,
            size_bytes=len(canonical),
        )
        session.add(document)
        session.flush()
        return document, True


def attach_pdf(
    factory: sessionmaker[Session], member: Member, document_id: int, pdf: bytes, max_bytes: int
) -> Document:
    """Attaches the PDF rendition; if the document names a PDF hash, the PDF must match it."""
    if len(pdf) > max_bytes:
        raise PayloadTooLarge(
            "PdfTooLarge",
            "the PDF exceeds the size limit",
            {"size_bytes": len(pdf), "max_bytes": max_bytes},
        )
    if not pdf.startswith(PDF_MAGIC):
        raise Unprocessable("PdfInvalid", "the body is not a PDF file")
    pdf_hash = to_hex(keccak256(pdf))
    with transaction(factory) as session:
        document = _get(session, document_id)
        if document.member_id != member.id:
            raise Forbidden(
                "DocumentNotOwner",
                "only the member that stored it may attach a PDF",
                {"document_id": document_id},
            )
        declared = json.loads(document.canonical_json).get(PDF_HASH_FIELD)
        if declared is not None and str(declared).lower() != pdf_hash:
            raise Unprocessable(
                "PdfHashMismatch",
                f"the document's {PDF_HASH_FIELD} does not match this PDF",
                {"declared": declared, "actual": pdf_hash},
            )
        document.pdf = pdf
        document.pdf_hash = pdf_hash
        document.pdf_size_bytes = len(pdf)
        return document


def readable_document(session: Session, member: Member, document_id: int) -> Document:
    """The document, if `member` stored it, supervises the platform or is party to the invoice
    or certificate it anchors (reads.service.document_parties)."""
    document = _get(session, document_id)
    if document.member_id == member.id or SUPERVISOR_ROLES.intersection(member.roles):
        return document
    if to_checksum_address(member.address) not in document_parties(session, document.document_hash):
        raise Forbidden(
            "DocumentNotReadable", "not a party to this document", {"document_id": document_id}
        )
    return document


def pdf_of(session: Session, member: Member, document_id: int) -> bytes:
    document = readable_document(session, member, document_id)
    if document.pdf is None:
        raise NotFound("DocumentPdfNotFound", "no PDF attached", {"document_id": document_id})
    return document.pdf


def verify_document(
    session: Session,
    lookup: AnchorLookup,
    *,
    content: dict[str, Any] | None = None,
    document_id: int | None = None,
    stored_hash: str | None = None,
    max_bytes: int,
) -> Verification:
    """Recomputes the canonical hash of the document (given, or stored under `document_id`) and
    reports the on-chain records anchoring it. Public: reveals hashes and statuses, not content
    nor terms. A stored document is found by its id and hash together (the QR code carries
    both), so counting through ids finds nothing: a wrong hash is as unknown as a wrong id."""
    stored: Document | None
    if document_id is not None:
        stored = session.get(Document, document_id)
        if stored is None or stored_hash is None or stored.document_hash != stored_hash.lower():
            raise NotFound(
                "DocumentNotFound",
                "no document with this id and hash",
                {"document_id": document_id, "document_hash": stored_hash},
            )
        # Recomputed, not trusted from the row: verification must catch a tampered database too.
        digest = document_hash(json.loads(stored.canonical_json))
    else:
        digest = keccak256(canonical_bytes(content, max_bytes))
        stored = session.execute(
            select(Document).where(Document.document_hash == to_hex(digest))
        ).scalar_one_or_none()
    anchors = lookup(digest)
    pdf_hash = stored.pdf_hash if stored is not None else None
    covered: bool | None = None
    if pdf_hash is not None and stored is not None:
        declared = json.loads(stored.canonical_json).get(PDF_HASH_FIELD)
        covered = declared is not None and str(declared).lower() == pdf_hash
    return Verification(
        document_hash=to_hex(digest),
        document_id=stored.id if stored is not None else None,
        anchors=list(anchors),
        pdf_hash=pdf_hash,
        pdf_covered_by_anchor=covered,
    )


def document_content(document: Document) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(document.canonical_json)
    return content


def _get(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("DocumentNotFound", "no document with this id", {"document_id": document_id})
    return document


# --- chain calls -------------------------------------------------------------------------------


def chain_anchor_lookup(chain: "Chain") -> AnchorLookup:
    """Finds the invoice and certificate anchoring a document hash, with their on-chain status."""

    def lookup(digest: bytes) -> list[Anchor]:
        anchors: list[Anchor] = []
        invoice_id = chain.read("InvoiceRegistry", "invoiceIdByDocument", digest)
        if invoice_id:
            status = chain.read("InvoiceRegistry", "invoice", invoice_id)[1]
            anchors.append(Anchor("invoice", invoice_id, INVOICE_STATUSES[status]))
        certificate_id = chain.read("QualityRegistry", "certificateIdByDocument", digest)
        if certificate_id:
            revoked = chain.read("QualityRegistry", "certificate", certificate_id)[3]
            in_good_standing = chain.read("QualityRegistry", "inGoodStanding", certificate_id)
            status = (
                "revoked" if revoked else ("valid" if in_good_standing else "not_in_good_standing")
            )
            anchors.append(Anchor("certificate", certificate_id, status))
        return anchors

    return lookup
