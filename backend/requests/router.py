"""HTTP routes of members' write requests."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from backend.api_deps import (
    CurrentMember,
    CurrentUser,
    IdempotencyDep,
    SessionDep,
    SessionFactoryDep,
)
from backend.requests import service, signatures
from backend.requests.schemas import RequestRead, SignatureCreate
from backend.writes import ReasonBody, WriterDep

router = APIRouter(tags=["requests"])

RequestIdPath = Annotated[str, Path(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")]


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(
    request_id: RequestIdPath, member: CurrentMember, session: SessionDep, writer: WriterDep
) -> RequestRead:
    """One of the member's write requests: where it stands, the typed data to sign while it
    waits for a signature and, once finished, its outcome."""
    return service.request_read(writer, service.own_request(session, member, request_id))


@router.get("/requests", response_model=list[RequestRead])
def pending_requests(
    member: CurrentMember,
    user: CurrentUser,
    session: SessionDep,
    writer: WriterDep,
    status: Annotated[Literal["pending_approval"], Query()] = "pending_approval",
) -> list[RequestRead]:
    """A checker's inbox: the member's writes waiting for approval, oldest first; those the
    member signs itself carry the typed data for the checker to sign."""
    return [service.request_read(writer, row) for row in service.pending_for(session, member, user)]


@router.post("/requests/{request_id}/approve", response_model=RequestRead)
def approve(
    request_id: RequestIdPath,
    member: CurrentMember,
    user: CurrentUser,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """A checker (not the request's maker) approves: the member's key signs it and it is
    relayed; answers the request with its outcome, or the contract's named error. A request the
    member signs itself is approved by a checker's signature instead (409 SignatureRequired)."""
    return idempotent.respond(lambda: service.approve(writer, member, user, request_id))


@router.post("/requests/{request_id}/reject", response_model=RequestRead)
def reject(
    request_id: RequestIdPath,
    body: ReasonBody,
    member: CurrentMember,
    user: CurrentUser,
    factory: SessionFactoryDep,
    idempotent: IdempotencyDep,
) -> Response:
    """A checker rejects a waiting write, with a reason; nothing is sent."""
    return idempotent.respond(
        lambda: service.reject(factory, member, user, request_id, body.reason)
    )


@router.post("/requests/{request_id}/signature", response_model=RequestRead)
def post_signature(
    request_id: RequestIdPath,
    body: SignatureCreate,
    member: CurrentMember,
    user: CurrentUser,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """Relays a request the member signed itself: `signature` is its eth_signTypedData_v4 of the
    typed data the write answered (202). One pending approval only a checker other than its
    maker signs, and that is its approval. Answers once the request ran: done, or the contract's
    named error as the write itself would have answered it."""
    signature = bytes.fromhex(body.signature.removeprefix("0x"))
    return idempotent.respond(
        lambda: signatures.submit_signature(writer, member, user, request_id, signature)
    )
