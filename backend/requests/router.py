"""HTTP routes of members' write requests."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from backend.api_deps import CurrentMember, IdempotencyDep, SessionDep
from backend.requests import service, signatures
from backend.requests.schemas import RequestRead, SignatureCreate
from backend.writes import WriterDep

router = APIRouter(tags=["requests"])

RequestIdPath = Annotated[str, Path(min_length=32, max_length=32, pattern="^[0-9a-f]{32}$")]


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(
    request_id: RequestIdPath, member: CurrentMember, session: SessionDep
) -> RequestRead:
    """One of the member's write requests: where it stands and, once finished, its outcome."""
    return RequestRead.of(service.own_request(session, member, request_id))


@router.post("/requests/{request_id}/signature", response_model=RequestRead)
def post_signature(
    request_id: RequestIdPath,
    body: SignatureCreate,
    member: CurrentMember,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """Relays a request the member signed itself: `signature` is its eth_signTypedData_v4 of the
    typed data the write answered (202). Answers once the request ran: done, or the contract's
    named error as the write itself would have answered it."""
    signature = bytes.fromhex(body.signature.removeprefix("0x"))
    return idempotent.respond(
        lambda: signatures.submit_signature(writer, member, request_id, signature)
    )
