"""The operator's platform writes: limits, emergency pause, suspending and reinstating members."""

from typing import Any

from sqlalchemy.orm import Session

from backend.api_deps import Reply
from backend.chain import consortium
from backend.chain.sender import TxOutcome, node_errors
from backend.members import service as members_service
from backend.members.models import Member
from backend.platform.schemas import (
    LimitsRead,
    LimitsSet,
    LimitsWrite,
    MemberStatusRead,
    MemberStatusWrite,
    PauseWrite,
    PlatformLimitsRead,
)
from backend.reasons.service import Reason
from backend.relay import attachments as attached
from backend.writes import MEMBER_STATUSES, ChainWriter

CONSORTIUM = "Consortium"


def set_limits(writer: ChainWriter, member: Member, limits: LimitsSet) -> LimitsWrite | Reply:
    """The operator sets maximum tenor, grace period and tier depth."""
    actor = writer.authorize(member, "OPERATOR")
    outcome = writer.send(
        actor,
        consortium.set_limits(
            limits.max_tenor_days, limits.grace_period_days, limits.max_tier_depth
        ),
    )

    def read(_: Session) -> LimitsWrite:
        tenor, grace, depth = writer.chain.read(CONSORTIUM, "limits", block=outcome.block_number)
        return LimitsWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            limits=LimitsRead(max_tenor_days=tenor, grace_period_days=grace, max_tier_depth=depth),
        )

    return writer.record(outcome, read)


def current_limits(chain: Any) -> PlatformLimitsRead:
    """The limits and the pause in force, read from the Consortium at one block (the limits are
    not projected: a credit keeps the grace period its CreditIssued names)."""
    with node_errors():
        block = int(chain.w3.eth.block_number)
    tenor, grace, depth = chain.read(CONSORTIUM, "limits", block=block)
    return PlatformLimitsRead(
        max_tenor_days=tenor,
        grace_period_days=grace,
        max_tier_depth=depth,
        paused=chain.read(CONSORTIUM, "paused", block=block),
        block_number=block,
    )


def set_paused(writer: ChainWriter, member: Member, paused: bool) -> PauseWrite | Reply:
    """The operator stops (or resumes) every member action platform-wide."""
    actor = writer.authorize(member, "OPERATOR")
    outcome = writer.send(actor, consortium.set_paused(paused))
    return writer.record(
        outcome,
        lambda _: PauseWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            paused=writer.chain.read(CONSORTIUM, "paused", block=outcome.block_number),
        ),
    )


def suspend(
    writer: ChainWriter, member: Member, member_id: int, reason: Reason
) -> MemberStatusWrite | Reply:
    """The operator suspends a member: on-chain it can no longer hold, send or receive anything,
    and its API keys stop working."""
    actor = writer.authorize(member, "OPERATOR")
    target = _target(writer, member_id)
    outcome = writer.send(
        actor,
        consortium.suspend(target.address, reason.digest),
        attachments=[
            attached.reason(member.id, reason),
            attached.member_status(member_id, "suspended"),
        ],
    )
    return writer.record(
        outcome, lambda _: _status_write(writer, outcome, target, reason), state_on_chain=True
    )


def reinstate(writer: ChainWriter, member: Member, member_id: int) -> MemberStatusWrite | Reply:
    """The operator reinstates a suspended member."""
    actor = writer.authorize(member, "OPERATOR")
    target = _target(writer, member_id)
    outcome = writer.send(
        actor,
        consortium.reinstate(target.address),
        attachments=[attached.member_status(member_id, "active")],
    )
    return writer.record(
        outcome, lambda _: _status_write(writer, outcome, target, None), state_on_chain=True
    )


def _target(writer: ChainWriter, member_id: int) -> Member:
    with writer.factory() as session:
        target = members_service.get_member(session, member_id)
        session.expunge(target)
        return target


def _status_write(
    writer: ChainWriter, outcome: TxOutcome, target: Member, reason: Reason | None
) -> MemberStatusWrite:
    # From the chain: the member's onboarding may not be in the read models yet.
    status = writer.chain.read(CONSORTIUM, "statusOf", target.address, block=outcome.block_number)
    return MemberStatusWrite(
        tx_hash=outcome.tx_hash,
        block_number=outcome.block_number,
        member=MemberStatusRead(
            member_id=target.id,
            address=target.address,
            status=MEMBER_STATUSES[status],
            reason=reason.text if reason else None,
            reason_hash=reason.hash_hex if reason else None,
        ),
    )
