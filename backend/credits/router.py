"""HTTP routes of credit-voucher writes; each takes an `Idempotency-Key`."""

from fastapi import APIRouter, Response

from backend.api_deps import CurrentMember, IdempotencyDep
from backend.core.inputs import IdPath
from backend.credits import service
from backend.credits.schemas import (
    CreditCreate,
    CreditFreezeWrite,
    CreditWrite,
    FragmentFreezeWrite,
    QualityFreezeLiftWrite,
    QualityRequirementSet,
    QualityRequirementWrite,
    SplitTransferCreate,
    SplitTransferWrite,
)
from backend.reasons.service import Reason
from backend.writes import ReasonBody, WriterDep

router = APIRouter(tags=["credits"])


@router.post("/credits", status_code=201, response_model=CreditWrite)
def issue(
    member: CurrentMember, body: CreditCreate, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The obligor (core enterprise) issues a credit against a confirmed invoice it owes."""
    return idempotent.respond(lambda: service.issue_credit(writer, member, body), status_code=201)


@router.post(
    "/fragments/{token_id}/split-transfer", status_code=201, response_model=SplitTransferWrite
)
def split_transfer(
    token_id: IdPath,
    member: CurrentMember,
    body: SplitTransferCreate,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The holder pays its supplier with part of the fragment, one tier deeper."""
    return idempotent.respond(
        lambda: service.split_transfer(writer, member, token_id, body), status_code=201
    )


@router.post("/fragments/{token_id}/freeze", response_model=FragmentFreezeWrite)
def freeze_fragment(
    token_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """An auditor or the operator freezes a fragment with a reason."""
    return idempotent.respond(
        lambda: service.set_fragment_frozen(writer, member, token_id, True, Reason(body.reason))
    )


@router.post("/fragments/{token_id}/unfreeze", response_model=FragmentFreezeWrite)
def unfreeze_fragment(
    token_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """An auditor or the operator unfreezes a fragment with a reason."""
    return idempotent.respond(
        lambda: service.set_fragment_frozen(writer, member, token_id, False, Reason(body.reason))
    )


@router.post("/credits/{credit_id}/freeze", response_model=CreditFreezeWrite)
def freeze_credit(
    credit_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """An auditor or the operator freezes every fragment of a credit with a reason."""
    return idempotent.respond(
        lambda: service.set_credit_frozen(writer, member, credit_id, True, Reason(body.reason))
    )


@router.post("/credits/{credit_id}/unfreeze", response_model=CreditFreezeWrite)
def unfreeze_credit(
    credit_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """An auditor or the operator unfreezes a credit with a reason."""
    return idempotent.respond(
        lambda: service.set_credit_frozen(writer, member, credit_id, False, Reason(body.reason))
    )


@router.post("/credits/{credit_id}/lift-quality-freeze", response_model=QualityFreezeLiftWrite)
def lift_quality_freeze(
    credit_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """An auditor or the operator lifts, with a reason, the freeze a revoked or failed quality
    certificate puts on a credit."""
    return idempotent.respond(
        lambda: service.lift_quality_freeze(writer, member, credit_id, Reason(body.reason))
    )


@router.post("/obligors/me/quality-requirement", response_model=QualityRequirementWrite)
def quality_requirement(
    member: CurrentMember,
    body: QualityRequirementSet,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The core enterprise states whether it issues only against certified goods."""
    return idempotent.respond(
        lambda: service.set_quality_requirement(writer, member, body.required)
    )
