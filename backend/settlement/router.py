"""HTTP routes of settlement writes; each takes an `Idempotency-Key`."""

from fastapi import APIRouter, Response

from backend.api_deps import CurrentMember, IdempotencyDep
from backend.core.inputs import IdPath
from backend.reasons.service import Reason
from backend.settlement import service
from backend.settlement.schemas import (
    BatchRedemptionWrite,
    ClaimWrite,
    OverdueWrite,
    RedeemBatchCreate,
    RedemptionWrite,
    RepaymentCreate,
    RepaymentWrite,
    WriteOffWrite,
)
from backend.writes import ReasonBody, WriterDep

router = APIRouter(tags=["settlement"])


@router.post("/credits/{credit_id}/repayments", status_code=201, response_model=RepaymentWrite)
def repay(
    credit_id: IdPath,
    member: CurrentMember,
    body: RepaymentCreate,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The obligor repays part or all of a credit (payment approved by a permit it signs)."""
    return idempotent.respond(
        lambda: service.repay(writer, member, credit_id, body.amount_units), status_code=201
    )


@router.post("/fragments/{token_id}/redeem", response_model=RedemptionWrite)
def redeem(
    token_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The holder redeems its matured fragment."""
    return idempotent.respond(lambda: service.redeem(writer, member, token_id))


@router.post("/redemptions/batch", response_model=BatchRedemptionWrite)
def redeem_batch(
    member: CurrentMember,
    body: RedeemBatchCreate,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """Any active member redeems a batch of matured fragments, paying each holder."""
    return idempotent.respond(lambda: service.redeem_batch(writer, member, body.token_ids))


@router.post("/fragments/{token_id}/claim", response_model=ClaimWrite)
def claim(
    token_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """Pays a redeemed fragment's claimant what later repayments owe it."""
    return idempotent.respond(lambda: service.claim(writer, member, token_id))


@router.post("/fragments/{token_id}/write-off", response_model=WriteOffWrite)
def write_off(
    token_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The claimant of a redeemed fragment writes the unpaid rest of its claim off its exposure,
    with a reason (the claimant alone, whatever its roles today)."""
    return idempotent.respond(
        lambda: service.write_off(writer, member, token_id, Reason(body.reason))
    )


@router.post("/credits/{credit_id}/mark-overdue", response_model=OverdueWrite)
def mark_overdue(
    credit_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """Marks a credit overdue once maturity plus the grace period passed unpaid."""
    return idempotent.respond(lambda: service.mark_overdue(writer, member, credit_id))
