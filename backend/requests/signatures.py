"""The member's signature of a request it was handed to sign: checked against the request's typed
data, stored, and relayed; and what a signature posted again answers. A request pending approval
is signed by a checker other than its maker: that signature is the approval (four eyes)."""

from __future__ import annotations

from backend.api_deps import Reply
from backend.chain import forwarder
from backend.core.errors import Conflict, Forbidden
from backend.core.sqltypes import utc_now
from backend.members.models import Member, MemberUser
from backend.relay.models import DONE, EXPIRED, FAILED, PENDING_APPROVAL, UNSIGNED, WriteRequest
from backend.relay.relayer import RequestExpired, forward_request, request_answer
from backend.requests.schemas import RequestRead
from backend.requests.service import own_request, refuse_own_request, require_checker
from backend.writes import SIGNING_SELF, ChainWriter


def submit_signature(
    writer: ChainWriter,
    member: Member,
    user: MemberUser | None,
    request_id: str,
    signature: bytes,
) -> RequestRead | Reply:
    """Relays the member's request `request_id` with `signature` and answers its outcome: the
    request done, or its named error as the write itself would have raised it.

    Refused before anything is sent: another member's request (404), one pending approval
    posted by anyone but a checker (403 CheckerRequired) or by its own maker (403
    MakerCannotApprove), one past its `expires_at` (410 RequestExpired, and it expires), one no
    longer awaiting a signature (409), a signature that is not the member's of the request's
    typed data (403).
    """
    with writer.factory() as session:
        row = own_request(session, member, request_id)
        session.expunge(row)
    if row.status not in UNSIGNED or row.signing != SIGNING_SELF:
        return _answer_again(row, signature)
    checker = None
    if row.status == PENDING_APPROVAL:
        checker = require_checker(member, user)
        refuse_own_request(row, checker)
    if row.expires_at is not None and row.expires_at <= utc_now():
        writer.relayer.expire(row)
        raise RequestExpired(row.public_id, row.expires_at, row.deadline)
    recovered = forwarder.recover_signer(writer.chain, forward_request(row), signature)
    if recovered != row.signer:
        raise Forbidden(
            "ForwardRequestSignatureInvalid",
            "the signature is not the member's signature of this request's typed data",
            {"request_id": row.public_id, "expected": row.signer, "recovered": recovered},
        )
    taken = writer.relayer.take_signature(
        row, signature, checker_user_id=None if checker is None else checker.id
    )
    if taken is None:
        # Another call took a signature, or the sweep expired the request, since it was read.
        with writer.factory() as session:
            row = own_request(session, member, request_id)
            session.expunge(row)
        return _answer_again(row, signature)
    writer.relayer.relay(taken)
    with writer.factory() as session:
        return RequestRead.of(own_request(session, member, request_id))


def _answer_again(row: WriteRequest, signature: bytes) -> RequestRead | Reply:
    """A request that awaits no signature: expired (410); with this very signature, the outcome
    so far (a retry after a lost answer); otherwise 409."""
    if row.status == EXPIRED:
        raise RequestExpired(row.public_id, row.expires_at, row.deadline)
    if row.signature_hex == signature.hex():
        if row.status in (DONE, FAILED):
            status, body = request_answer(row)
            return Reply(status, body)
        return Reply(202, RequestRead.of(row))
    raise Conflict(
        "RequestNotAwaitingSignature",
        "the request does not await a signature",
        {"request_id": row.public_id, "status": row.status},
    )
