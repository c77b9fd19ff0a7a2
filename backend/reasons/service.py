"""Anchoring a stated reason: its hash goes on-chain, its text into `reason_texts`."""

from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.core.sqltypes import utc_now
from backend.documents.hashing import text_hash, to_hex
from backend.reasons.models import ReasonText


@dataclass(frozen=True)
class Reason:
    """A reason as stated by a member; only `digest` goes on-chain."""

    text: str

    @property
    def digest(self) -> bytes:
        """The bytes32 the contracts anchor: keccak-256 of the UTF-8 text."""
        return text_hash(self.text)

    @property
    def hash_hex(self) -> str:
        return to_hex(self.digest)


def record_reason(session: Session, member_id: int, reason: Reason) -> None:
    """Keeps the text of an anchored reason once, even when two writes state it at the same time."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(ReasonText)
        .values(
            reason_hash=reason.hash_hex, text=reason.text, member_id=member_id, created_at=utc_now()
        )
        .on_conflict_do_nothing(index_elements=["reason_hash"])
    )
