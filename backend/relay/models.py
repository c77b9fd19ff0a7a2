"""Tables of the relayer: every member request, recorded before it is signed or sent, and the
forwarder nonces handed out per member."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.database import Base
from backend.core.sqltypes import UtcDateTime, utc_now

# A request's life. Custodial: received -> signed -> sent -> done | failed. Signed by the member:
# awaiting_signature -> signed -> sent -> done | failed, or expired (not signed in time, or its
# deadline passed before it could be relayed). Waiting for a checker (four eyes): custodial,
# pending_approval -> received (approved) | rejected | expired; signed by the member,
# pending_approval -> signed (a checker's signature) | rejected | expired. A contract wallet's:
# handed_out (it sends the call from its own account; the indexer follows its events). Terminal
# states are done, failed, rejected, expired and handed_out; received, signed and sent are
# finished by their owner or, when the owner's lease lapses (its process died), by the recovery
# of another process.
RECEIVED = "received"
PENDING_APPROVAL = "pending_approval"
AWAITING_SIGNATURE = "awaiting_signature"
SIGNED = "signed"
SENT = "sent"
DONE = "done"
FAILED = "failed"
REJECTED = "rejected"
EXPIRED = "expired"
HANDED_OUT = "handed_out"
TERMINAL = (DONE, FAILED, REJECTED, EXPIRED, HANDED_OUT)
# States the relayer drives on its own (no member or checker to wait for).
RELAYABLE = (RECEIVED, SIGNED, SENT)
# A request its member signs waits for the signature in these (pending_approval: a checker's).
UNSIGNED = (PENDING_APPROVAL, AWAITING_SIGNATURE)
# Not finished yet: what /metrics counts as pending, by status.
PENDING = (*RELAYABLE, *UNSIGNED)
# Never to run, yet a member-signed one keeps its nonce until the chain's clock passes its
# deadline: a signature of it made meanwhile could still be relayed by anyone.
VOID = (EXPIRED, REJECTED)


class WriteRequest(Base):
    """One member action on chain: what to call, who signs, and what became of it."""

    __tablename__ = "write_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # What clients see: not sequential, so ids cannot be enumerated.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # The Idempotency-Key whose answer this request is, if the client sent one.
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    signer: Mapped[str] = mapped_column(String(42), index=True)
    # custodial (the keystore signs), self (the member signs the typed data), wallet (the member
    # sends the call from its own contract account).
    signing: Mapped[str] = mapped_column(String(16))
    contract: Mapped[str] = mapped_column(String(64))
    function: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(42))
    data_hex: Mapped[str] = mapped_column(Text)
    gas: Mapped[int] = mapped_column(BigInteger)
    # Largest amount the action moves, in micro-units (decimal text: up to 2**256); what a
    # member's approval threshold compares.
    amount_units: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    # Cleared when an expired request's nonce is given back or passed to a gap filler.
    forwarder_nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deadline: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    signature_hex: Mapped[str | None] = mapped_column(String(140), nullable=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # What goes into the database with the request's events (documents, reason texts).
    attachments: Mapped[Any] = mapped_column(JSON, default=list)
    # The outcome: its events (done) or its named error (failed), as the API shows them.
    outcome: Mapped[Any] = mapped_column(JSON, nullable=True)
    # Which relayer process drives the request, until when; another takes over after that.
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, onupdate=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Four eyes: the user who prepared the request (None: the member's own key), the checker
    # who approved or rejected it, and why it was rejected.
    maker_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checker_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_write_requests_status_lease", "status", "lease_until"),)


class ForwarderNonce(Base):
    """The next forwarder nonce to hand out for a member: the relayer's NonceAllocator keeps
    these as it keeps transaction nonces, so no two requests of a member ever share one."""

    __tablename__ = "forwarder_nonces"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    next_nonce: Mapped[int] = mapped_column(BigInteger, nullable=False)
