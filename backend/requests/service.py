"""A member's write requests: reading them, and the checker's approval or rejection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.chain import forwarder
from backend.chain.errors import ContractRevert
from backend.core.database import transaction
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.sqltypes import utc_now
from backend.members.models import Member, MemberUser
from backend.relay.models import (
    EXPIRED,
    FAILED,
    PENDING_APPROVAL,
    RECEIVED,
    REJECTED,
    UNSIGNED,
    WriteRequest,
)
from backend.relay.relayer import error_json, forward_request
from backend.requests.schemas import RequestRead

if TYPE_CHECKING:
    from backend.writes import ChainWriter


def own_request(session: Session, member: Member, request_id: str) -> WriteRequest:
    """The member's request `request_id`; another member's is as unknown as a missing one."""
    row = session.execute(
        select(WriteRequest).where(WriteRequest.public_id == request_id)
    ).scalar_one_or_none()
    if row is None or row.member_id != member.id:
        raise NotFound("RequestNotFound", "no such request of yours", {"request_id": request_id})
    return row


def request_read(writer: ChainWriter, row: WriteRequest) -> RequestRead:
    """The request as its member and checkers see it: while it waits for a signature, with the
    typed data to sign."""
    typed_data = None
    if row.status in UNSIGNED and row.forwarder_nonce is not None:
        typed_data = forwarder.typed_data(writer.chain, forward_request(row))
    return RequestRead.of(row, typed_data)


# --- four eyes --------------------------------------------------------------------------------

CHECKER, MAKER = "checker", "maker"


def pending_for(session: Session, member: Member, user: MemberUser | None) -> list[WriteRequest]:
    """A checker's inbox: the member's requests waiting for approval, oldest first; expired ones
    are marked so on the way."""
    _require_reviewer(member, user)
    rows = list(
        session.execute(
            select(WriteRequest)
            .where(WriteRequest.member_id == member.id, WriteRequest.status == PENDING_APPROVAL)
            .order_by(WriteRequest.id)
        ).scalars()
    )
    now = utc_now()
    return [row for row in rows if row.expires_at is None or row.expires_at > now]


def approve(
    writer: ChainWriter, member: Member, user: MemberUser | None, request_id: str
) -> RequestRead:
    """A checker approves a write another user prepared: it is simulated again (the chain may
    have moved since), signed by the member's key and relayed; answers its outcome. A request
    the member signs itself is approved by a checker's signature instead (signatures.py)."""
    from backend.chain.sender import Call
    from backend.writes import SIGNING_SELF

    with transaction(writer.factory) as session:
        row = _decidable(session, member, user, request_id)
        if row.signing == SIGNING_SELF:
            raise Conflict(
                "SignatureRequired",
                "the member signs this request with its own key: a checker approves it by "
                "posting its signature of the typed data to /requests/{id}/signature",
                {"request_id": request_id, "signing": row.signing},
            )
        request_data = bytes.fromhex(row.data_hex)
        target, signer, contract = row.target, row.signer, row.contract
    try:
        writer.simulate(signer, Call(to=target, data=request_data, contract=contract))
    except ContractRevert as revert:
        with transaction(writer.factory) as session:
            failed = own_request(session, member, request_id)
            failed.status, failed.checker_user_id = FAILED, _user_id(user)
            failed.outcome = error_json(revert)
        raise
    with transaction(writer.factory) as session:
        row = own_request(session, member, request_id)
        if row.status != PENDING_APPROVAL:  # another checker decided meanwhile
            raise _not_pending(row)
        row.status, row.checker_user_id = RECEIVED, _user_id(user)
        row.owner, row.lease_until = writer.relayer.instance, utc_now() + writer.relayer.lease
        session.flush()
        session.expunge(row)
    writer.relayer.relay(row)
    with writer.factory() as session:
        return RequestRead.of(own_request(session, member, request_id))


def reject(
    factory: sessionmaker[Session],
    member: Member,
    user: MemberUser | None,
    request_id: str,
    reason: str,
) -> RequestRead:
    """A checker rejects a waiting write, saying why; nothing is signed or sent. One the member
    signs keeps its nonce until its deadline passes, as an expired one does (the relayer)."""
    with transaction(factory) as session:
        row = _decidable(session, member, user, request_id)
        row.status, row.checker_user_id, row.decision_reason = REJECTED, _user_id(user), reason
        session.flush()
        return RequestRead.of(row)


def require_checker(member: Member, user: MemberUser | None) -> MemberUser:
    """The user if it is one of the member's checkers, who alone decide waiting writes."""
    if user is None or user.role != CHECKER:
        raise Forbidden(
            "CheckerRequired",
            "only a checker's API key approves or rejects a member's writes",
            {"member_id": member.id, "role": None if user is None else user.role},
        )
    return user


def refuse_own_request(row: WriteRequest, checker: MemberUser) -> None:
    """Nobody approves its own request: another checker must."""
    if row.maker_user_id == checker.id:
        raise Forbidden(
            "MakerCannotApprove",
            "nobody approves its own request: another checker must",
            {"request_id": row.public_id, "user_id": checker.id},
        )


def _decidable(
    session: Session, member: Member, user: MemberUser | None, request_id: str
) -> WriteRequest:
    checker = require_checker(member, user)
    row = own_request(session, member, request_id)
    if row.status != PENDING_APPROVAL:
        raise _not_pending(row)
    if row.expires_at is not None and row.expires_at <= utc_now():
        _expire(session.get_bind(), row.id)
        raise Conflict(
            "RequestExpired",
            "the request waited longer than approvals are valid; prepare it again",
            {"request_id": request_id, "expired_at": row.expires_at.isoformat()},
        )
    refuse_own_request(row, checker)
    return row


def _expire(bind: Any, row_id: int) -> None:
    """Marks the request expired in a transaction of its own: the refusal that follows rolls
    back the caller's."""
    with transaction(sessionmaker(bind=bind)) as session:
        session.execute(
            update(WriteRequest)
            .where(WriteRequest.id == row_id, WriteRequest.status == PENDING_APPROVAL)
            .values(status=EXPIRED)
        )


def _require_reviewer(member: Member, user: MemberUser | None) -> None:
    if user is not None and user.role != CHECKER:
        raise Forbidden(
            "CheckerRequired",
            "only checkers and the member's own keys see the approval inbox",
            {"member_id": member.id, "role": user.role},
        )


def _not_pending(row: WriteRequest) -> Conflict:
    return Conflict(
        "RequestNotPending",
        "the request is not waiting for approval",
        {"request_id": row.public_id, "status": row.status},
    )


def _user_id(user: MemberUser | None) -> int | None:
    return None if user is None else user.id
