"""Idempotency keys for write requests: a retried POST returns the first response and does nothing.

A request with an `Idempotency-Key` first claims the key in its own short transaction (insert of an
`in_progress` row; the primary key makes concurrent claims collide). Then:
- same key, same request, completed   -> the stored response is replayed, nothing runs;
- same key, same request, in progress -> 409 `IdempotencyKeyInProgress` (a concurrent duplicate);
- same key, different request         -> 422 `IdempotencyKeyReused`.
Responses with a status below 500 are stored (a revert is an answer too); on a 5xx the claim is
released so that a retry runs again.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    ForeignKey,
    Integer,
    String,
    bindparam,
    delete,
    insert,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from backend.core.database import Base, connection, transaction
from backend.core.errors import Conflict, Unprocessable
from backend.core.sqltypes import UtcDateTime, utc_now

MAX_KEY_LENGTH = 255
IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_json: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


# Core statements on the table, built once: a claim and its answer are two short transactions of
# every write, and the ORM's unit of work cost more CPU than the statements.
_records = IdempotencyRecord.__table__
_CLAIM = insert(_records)
_STORE = (
    update(_records)
    .where(
        _records.c.member_id == bindparam("claim_member"),
        _records.c.key == bindparam("claim_key"),
        _records.c.status == IN_PROGRESS,
    )
    .values(status=COMPLETED)
)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """sha256 of method, path and body; JSON counts by content, not whitespace or key order."""
    try:
        normalized = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        normalized = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), normalized):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def claim(
    factory: sessionmaker[Session], member_id: int, key: str, fingerprint: str
) -> StoredResponse | None:
    """Claims `key` for this request; returns the stored response if it already completed."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Unprocessable(
            "IdempotencyKeyInvalid", f"an Idempotency-Key has 1 to {MAX_KEY_LENGTH} characters"
        )
    values = {
        "member_id": member_id,
        "key": key,
        "request_fingerprint": fingerprint,
        "status": IN_PROGRESS,
        "created_at": utc_now(),
    }
    try:
        with connection(factory) as conn:
            conn.execute(_CLAIM, values)
        return None
    except IntegrityError:
        pass
    with transaction(factory) as session:
        existing = session.get(IdempotencyRecord, (member_id, key))
        if existing is None:
            # Released since our insert: the other request failed; the client may retry.
            raise Conflict("IdempotencyKeyInProgress", "retry the request", {"key": key})
        if existing.request_fingerprint != fingerprint:
            raise Unprocessable(
                "IdempotencyKeyReused",
                "this Idempotency-Key was used for a different request",
                {"key": key},
            )
        if existing.status == IN_PROGRESS:
            raise Conflict(
                "IdempotencyKeyInProgress",
                "a request with this Idempotency-Key is still being processed",
                {"key": key},
            )
        assert existing.response_status is not None
        return StoredResponse(existing.response_status, existing.response_json)


def store(
    session: Session | Connection, member_id: int, key: str, status_code: int, body: Any
) -> None:
    """Stores the response of the claimed request in `session`'s transaction. A response once
    stored is final: a key that is no longer in progress is left as it is."""
    session.execute(
        _STORE,
        {
            "claim_member": member_id,
            "claim_key": key,
            "response_status": status_code,
            "response_json": body,
            "completed_at": utc_now(),
        },
    )


def complete(
    factory: sessionmaker[Session], member_id: int, key: str, status_code: int, body: Any
) -> None:
    """Stores the response the claimed request produced, in a transaction of its own."""
    with connection(factory) as conn:
        store(conn, member_id, key, status_code, body)


def release(factory: sessionmaker[Session], member_id: int, key: str) -> None:
    """Gives the key back after a failure that may be retried (5xx), unless a response was
    stored for it already (then the request acted, and a retry must replay it)."""
    with transaction(factory) as session:
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.member_id == member_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status == IN_PROGRESS,
            )
        )
