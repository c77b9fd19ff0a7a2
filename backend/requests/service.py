"""Reading a member's write requests."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import NotFound
from backend.members.models import Member
from backend.relay.models import WriteRequest


def own_request(session: Session, member: Member, request_id: str) -> WriteRequest:
    """The member's request `request_id`; another member's is as unknown as a missing one."""
    row = session.execute(
        select(WriteRequest).where(WriteRequest.public_id == request_id)
    ).scalar_one_or_none()
    if row is None or row.member_id != member.id:
        raise NotFound("RequestNotFound", "no such request of yours", {"request_id": request_id})
    return row
