"""HTTP routes of documents; the verification routes are public (the QR-code check)."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from backend.api_deps import (
    CurrentMember,
    IdempotencyDep,
    Reply,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
)
from backend.core.inputs import RowIdPath
from backend.documents import service
from backend.documents.models import Document
from backend.documents.schemas import (
    DOCUMENT_HASH_PATTERN,
    AnchorRead,
    DocumentCreate,
    DocumentRead,
    VerifyRequest,
    VerifyResult,
)

router = APIRouter(tags=["documents"])

PDF_MEDIA_TYPE = "application/pdf"
PDF_PATH = "/documents/{document_id}/pdf"


def get_anchor_lookup(request: Request) -> service.AnchorLookup:
    provider: Callable[[], service.AnchorLookup] = request.app.state.anchor_lookup_provider
    return provider()


AnchorLookupDep = Annotated[service.AnchorLookup, Depends(get_anchor_lookup)]


def _read(document: Document) -> DocumentRead:
    return DocumentRead(
        id=document.id,
        kind=document.kind,  # type: ignore[arg-type]
        member_id=document.member_id,
        document_hash=document.document_hash,
        size_bytes=document.size_bytes,
        pdf_hash=document.pdf_hash,
        pdf_size_bytes=document.pdf_size_bytes,
        created_at=document.created_at,
        content=service.document_content(document),
    )


def _verify_result(verification: service.Verification) -> VerifyResult:
    return VerifyResult(
        document_hash=verification.document_hash,
        document_id=verification.document_id,
        anchored=verification.anchored,
        anchors=[
            AnchorRead(kind=a.kind, id=a.id, status=a.status, details=a.details)  # type: ignore[arg-type]
            for a in verification.anchors
        ],
        pdf_hash=verification.pdf_hash,
        pdf_covered_by_anchor=verification.pdf_covered_by_anchor,
    )


@router.post(
    "/documents",
    status_code=201,
    response_model=DocumentRead,
    responses={
        200: {"model": DocumentRead, "description": "The member already stored this document."}
    },
)
def store_document(
    body: DocumentCreate,
    member: CurrentMember,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    idempotent: IdempotencyDep,
) -> Response:
    """Stores a structured document and returns its canonical hash, the value to anchor on-chain."""

    def store() -> Reply:
        document, created = service.store_document(
            factory, member, body.kind, body.content, settings.max_document_bytes
        )
        return Reply(201 if created else 200, _read(document))

    return idempotent.respond(store)


@router.put(
    PDF_PATH,
    response_model=DocumentRead,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def attach_pdf(
    document_id: RowIdPath,
    request: Request,
    member: CurrentMember,
    factory: SessionFactoryDep,
    settings: SettingsDep,
) -> DocumentRead:
    """Attaches the PDF (raw body); if the document names `pdf_keccak256`, the PDF must match."""
    pdf = await request.body()
    document = service.attach_pdf(factory, member, document_id, pdf, settings.max_pdf_bytes)
    return _read(document)


@router.get("/documents/{document_id}", response_model=DocumentRead)
def read_document(
    document_id: RowIdPath, member: CurrentMember, session: SessionDep
) -> DocumentRead:
    return _read(service.readable_document(session, member, document_id))


@router.get(PDF_PATH, response_class=Response, responses={200: {"content": {PDF_MEDIA_TYPE: {}}}})
def read_pdf(document_id: RowIdPath, member: CurrentMember, session: SessionDep) -> Response:
    return Response(service.pdf_of(session, member, document_id), media_type=PDF_MEDIA_TYPE)


@router.post("/verify", response_model=VerifyResult, tags=["public"])
def verify(
    body: VerifyRequest, session: SessionDep, lookup: AnchorLookupDep, settings: SettingsDep
) -> VerifyResult:
    """Public: recomputes the canonical hash and reports the on-chain records anchoring it."""
    return _verify_result(
        service.verify_document(
            session,
            lookup,
            content=body.document,
            document_id=body.document_id,
            stored_hash=body.document_hash,
            max_bytes=settings.max_document_bytes,
        )
    )


@router.get("/documents/{document_id}/verify", response_model=VerifyResult, tags=["public"])
def verify_stored(
    document_id: RowIdPath,
    document_hash: Annotated[str, Query(pattern=DOCUMENT_HASH_PATTERN)],
    session: SessionDep,
    lookup: AnchorLookupDep,
    settings: SettingsDep,
) -> VerifyResult:
    """Public (the URL a QR code carries, with the document's hash): checks a stored document
    against its anchor; a wrong hash is answered as an unknown document (404)."""
    return _verify_result(
        service.verify_document(
            session,
            lookup,
            document_id=document_id,
            stored_hash=document_hash,
            max_bytes=settings.max_document_bytes,
        )
    )
