"""What a request stores with its events once mined: anchored documents and reason texts.

Kept as JSON in the request's row, so a request finished by recovery stores them as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from backend.documents.prepare import PreparedDocument
    from backend.reasons.service import Reason

Attachment = dict[str, Any]


def reason(member_id: int, stated: Reason) -> Attachment:
    return {"kind": "reason", "member_id": member_id, "text": stated.text}


def document(prepared: PreparedDocument) -> Attachment:
    return prepared.to_json()


def member_status(member_id: int, status: str) -> Attachment:
    """The member registry's mirror of an on-chain suspension or reinstatement."""
    return {"kind": "member_status", "member_id": member_id, "status": status}


def store_content(session: Session, attachments: Sequence[Attachment]) -> None:
    """Stores the documents and reason texts among `attachments` before their call runs (a
    request handed out to a contract wallet, which sends it itself): each is content found by
    its hash, as true before it is anchored as after. A member's status mirrors the chain only
    once it changed there, so it is left to the events."""
    apply(session, [item for item in attachments if item["kind"] in ("document", "reason")])


def apply(session: Session, attachments: Sequence[Attachment]) -> None:
    """Stores each attachment in `session`'s transaction, the one that projects its events."""
    from backend.documents.prepare import PreparedDocument
    from backend.members.models import Member
    from backend.reasons.service import Reason, record_reason

    for item in attachments:
        if item["kind"] == "reason":
            record_reason(session, item["member_id"], Reason(item["text"]))
        elif item["kind"] == "member_status":
            member = session.get(Member, item["member_id"])
            assert member is not None  # members are never deleted
            member.status = item["status"]
        elif item["kind"] == "document":
            PreparedDocument.from_json(item).store(session)
        else:
            raise ValueError(f"unknown attachment kind {item['kind']!r}")
