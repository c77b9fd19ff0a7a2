"""HTTP routes of the operator's platform writes; each takes an `Idempotency-Key`."""

from fastapi import APIRouter, Response

from backend.api_deps import ChainDep, CurrentMember, IdempotencyDep
from backend.core.inputs import RowIdPath
from backend.platform import service
from backend.platform.schemas import (
    LimitsSet,
    LimitsWrite,
    MemberStatusWrite,
    PauseWrite,
    PlatformLimitsRead,
)
from backend.reasons.service import Reason
from backend.writes import ReasonBody, WriterDep

router = APIRouter(prefix="/platform", tags=["platform"])


@router.get("/limits", response_model=PlatformLimitsRead)
def limits(_member: CurrentMember, chain: ChainDep) -> PlatformLimitsRead:
    """The platform limits the operator set (POST /platform/limits) and whether it is paused:
    what every member's writes are held to, so any member reads them."""
    return service.current_limits(chain)


@router.post("/limits", response_model=LimitsWrite)
def set_limits(
    member: CurrentMember, body: LimitsSet, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The operator sets maximum tenor (days), grace period (days) and maximum tier depth."""
    return idempotent.respond(lambda: service.set_limits(writer, member, body))


@router.post("/pause", response_model=PauseWrite)
def pause(member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep) -> Response:
    """The operator stops every member action platform-wide (emergency)."""
    return idempotent.respond(lambda: service.set_paused(writer, member, True))


@router.post("/unpause", response_model=PauseWrite)
def unpause(member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep) -> Response:
    """The operator resumes member actions."""
    return idempotent.respond(lambda: service.set_paused(writer, member, False))


@router.post("/members/{member_id}/suspend", response_model=MemberStatusWrite)
def suspend(
    member_id: RowIdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The operator suspends a member with a reason."""
    return idempotent.respond(
        lambda: service.suspend(writer, member, member_id, Reason(body.reason))
    )


@router.post("/members/{member_id}/reinstate", response_model=MemberStatusWrite)
def reinstate(
    member_id: RowIdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The operator reinstates a suspended member."""
    return idempotent.respond(lambda: service.reinstate(writer, member, member_id))
