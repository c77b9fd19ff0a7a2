"""HTTP routes of financing (discounting) writes; each takes an `Idempotency-Key`."""

from fastapi import APIRouter, Response

from backend.api_deps import CurrentMember, IdempotencyDep
from backend.core.inputs import IdPath
from backend.financing import service
from backend.financing.schemas import (
    AcceptCreate,
    AcceptWrite,
    FinancingRequestCreate,
    FinancingRequestWrite,
    QuoteCreate,
    QuoteWrite,
)
from backend.writes import WriterDep

router = APIRouter(prefix="/financing", tags=["financing"])


@router.post("/requests", status_code=201, response_model=FinancingRequestWrite)
def request_financing(
    member: CurrentMember,
    body: FinancingRequestCreate,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The holder locks part of a fragment and asks for cash until `expires_at`."""
    return idempotent.respond(
        lambda: service.request_financing(writer, member, body), status_code=201
    )


@router.post("/requests/{request_id}/quotes", status_code=201, response_model=QuoteWrite)
def submit_quote(
    request_id: IdPath,
    member: CurrentMember,
    body: QuoteCreate,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """A financier quotes an annual discount rate (payment approved by a permit it signs)."""
    return idempotent.respond(
        lambda: service.submit_quote(writer, member, request_id, body), status_code=201
    )


@router.post("/quotes/{quote_id}/withdraw", response_model=QuoteWrite)
def withdraw_quote(
    quote_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The financier withdraws its quote while the request is open."""
    return idempotent.respond(lambda: service.withdraw_quote(writer, member, quote_id))


@router.post("/requests/{request_id}/accept", response_model=AcceptWrite)
def accept(
    request_id: IdPath,
    member: CurrentMember,
    body: AcceptCreate,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The holder accepts a quote: delivery versus payment in one transaction."""
    return idempotent.respond(
        lambda: service.accept_quote(writer, member, request_id, body.quote_id)
    )


@router.post("/requests/{request_id}/cancel", response_model=FinancingRequestWrite)
def cancel(
    request_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The holder cancels its open request; the fragment is unlocked."""
    return idempotent.respond(lambda: service.cancel_request(writer, member, request_id))


@router.post("/requests/{request_id}/expire", response_model=FinancingRequestWrite)
def expire(
    request_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """Any active member closes a request past its expiry; the fragment is unlocked."""
    return idempotent.respond(lambda: service.expire_request(writer, member, request_id))
