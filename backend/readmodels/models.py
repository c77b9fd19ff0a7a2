"""Read models the indexer fills from contract events; every read endpoint is served from here.

Reorg safety: each row records the block it was created in (`block_number`) and, for rows that
change state, the last block that changed it (`updated_block`). When the indexer finds that a
block it stored in `indexed_blocks` no longer has the same hash (fork point F), it deletes every
row with `block_number >= F`, restores rows with `updated_block >= F` from contract state at
block F - 1, and re-indexes from F. Append-only tables (repayments, redemptions, claim payments,
write-offs, skipped redemptions, freezes, audit events) only need the delete.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core.database import Base
from backend.core.sqltypes import Address, Hash32, Uint256, UtcDateTime, utc_now


class StateRow:
    """A row whose state events change after creation."""

    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    updated_block: Mapped[int] = mapped_column(BigInteger, index=True)


class EventRow:
    """An append-only row, one per log; (tx_hash, log_index) makes re-indexing a no-op."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    tx_hash: Mapped[str] = mapped_column(Hash32())
    log_index: Mapped[int] = mapped_column(Integer)


class IndexerCursor(Base):
    """Where the indexer stopped: the last fully indexed block, its hash and its time."""

    __tablename__ = "indexer_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(Hash32())
    # The chain's clock as the read models reflect it; None on the SQLite lease row.
    block_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now, onupdate=utc_now)


class ReadModelVersion(Base):
    """One row counting the transactions that changed the read models: every projection that
    applied an event, every reorg unwind and every block time filled in moves it on. Cached
    answers (backend/reads/cache.py) are valid while it stays where it was when they were made.
    """

    __tablename__ = "read_model_version"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


READ_MODEL_VERSION_ROW = 1


def read_models_changed(session: Session) -> None:
    """Moves the read-model version on, in ``session``'s transaction (so with its changes)."""
    session.execute(
        update(ReadModelVersion)
        .where(ReadModelVersion.id == READ_MODEL_VERSION_ROW)
        .values(version=ReadModelVersion.version + 1)
    )


class IndexedBlock(Base):
    """The hash each indexed block had; a different hash at the same height reveals a reorg."""

    __tablename__ = "indexed_blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(Hash32())
    parent_hash: Mapped[str] = mapped_column(Hash32())


class MemberChainStatus(Base, StateRow):
    """A member as the Consortium sees it: onboarded, suspended, reinstated."""

    __tablename__ = "member_chain_status"

    address: Mapped[str] = mapped_column(Address(), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    kyc_hash: Mapped[str] = mapped_column(Hash32())
    # Role names (OPERATOR, SUPPLIER, ...) granted and not revoked, from AccessControl's events.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)


class ObligorLimit(Base, StateRow):
    """A core enterprise's issuance quota (sum of its lines) and its outstanding face value."""

    __tablename__ = "obligor_limits"

    obligor: Mapped[str] = mapped_column(Address(), primary_key=True)
    quota: Mapped[int] = mapped_column(Uint256(), default=0)
    outstanding: Mapped[int] = mapped_column(Uint256(), default=0)
    requires_certificate: Mapped[bool] = mapped_column(Boolean, default=False)


class Exposure(Base, StateRow):
    """A financier's credit line to an obligor and the value of that obligor's credit it holds."""

    __tablename__ = "exposures"

    financier: Mapped[str] = mapped_column(Address(), primary_key=True)
    obligor: Mapped[str] = mapped_column(Address(), primary_key=True, index=True)
    credit_line: Mapped[int] = mapped_column(Uint256(), default=0)
    exposure: Mapped[int] = mapped_column(Uint256(), default=0)


class CashBalance(Base, StateRow):
    """An account's SettlementToken balance, from the token's Transfer events."""

    __tablename__ = "cash_balances"

    account: Mapped[str] = mapped_column(Address(), primary_key=True)
    balance: Mapped[int] = mapped_column(Uint256(), default=0)


class InvoiceRecord(Base, StateRow):
    __tablename__ = "invoices"

    invoice_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seller: Mapped[str] = mapped_column(Address(), index=True)
    buyer: Mapped[str] = mapped_column(Address(), index=True)
    amount: Mapped[int] = mapped_column(Uint256())
    remaining: Mapped[int] = mapped_column(Uint256())
    due_date: Mapped[int] = mapped_column(BigInteger)
    number_hash: Mapped[str] = mapped_column(Hash32())
    document_hash: Mapped[str] = mapped_column(Hash32(), index=True)
    # registered | confirmed | rejected | cancelled
    status: Mapped[str] = mapped_column(String(16))
    reason_hash: Mapped[str | None] = mapped_column(Hash32(), nullable=True)
    tx_hash: Mapped[str] = mapped_column(Hash32())


class CertificateRecord(Base, StateRow):
    __tablename__ = "certificates"

    certificate_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    invoice_id: Mapped[int] = mapped_column(BigInteger, index=True)
    inspector: Mapped[str] = mapped_column(Address(), index=True)
    # pass | fail
    result: Mapped[str] = mapped_column(String(8))
    batch_code_hash: Mapped[str] = mapped_column(Hash32())
    standard_code: Mapped[str] = mapped_column(Hash32())
    document_hash: Mapped[str] = mapped_column(Hash32(), index=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoke_reason_hash: Mapped[str | None] = mapped_column(Hash32(), nullable=True)
    tx_hash: Mapped[str] = mapped_column(Hash32())


class CreditRecord(Base, StateRow):
    """One credit (an ERC-3525 slot): obligor, face value, maturity and its settlement account."""

    __tablename__ = "credits"
    __table_args__ = (Index("ix_credits_overdue_maturity", "overdue", "maturity"),)

    credit_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    obligor: Mapped[str] = mapped_column(Address(), index=True)
    supplier: Mapped[str] = mapped_column(Address())
    face_value: Mapped[int] = mapped_column(Uint256())
    maturity: Mapped[int] = mapped_column(BigInteger, index=True)
    invoice_id: Mapped[int] = mapped_column(BigInteger, index=True)
    certificate_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    root_token_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    # A supervisor lifted, for good, the freeze its certificate gone bad puts on it.
    quality_freeze_lifted: Mapped[bool] = mapped_column(Boolean, default=False)
    repaid: Mapped[int] = mapped_column(Uint256(), default=0)
    redeemed_value: Mapped[int] = mapped_column(Uint256(), default=0)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    # The platform's grace period when it was issued, which the credit keeps (CreditIssued).
    grace_period_days: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(Hash32())


class FragmentRecord(Base, StateRow):
    """One token: a piece of a credit, with the lineage that led to it."""

    __tablename__ = "fragments"
    __table_args__ = (
        Index("ix_fragments_owner_live", "owner", "redeemed"),
        Index("ix_fragments_credit_parent", "credit_id", "parent_id"),
    )

    token_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    credit_id: Mapped[int] = mapped_column(BigInteger)
    # None for the root fragment minted at issuance.
    parent_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # The invoice that justified the hop into this fragment.
    invoice_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    depth: Mapped[int] = mapped_column(SmallInteger)
    owner: Mapped[str] = mapped_column(Address())
    value: Mapped[int] = mapped_column(Uint256())
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    redeemed: Mapped[bool] = mapped_column(Boolean, default=False)
    tx_hash: Mapped[str] = mapped_column(Hash32())


class FinancingRequestRecord(Base, StateRow):
    __tablename__ = "financing_requests"
    __table_args__ = (
        Index("ix_financing_requests_status_expires", "status", "expires_at"),
        # A lineage asks for its fragments' accepted requests (token_id IN ... AND status = ...).
        # With token_id alone indexed, SQLite (no planner statistics unless ANALYZE runs) took
        # the status index instead and read every accepted request of the platform.
        Index("ix_financing_requests_token_status", "token_id", "status"),
    )

    request_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(Address(), index=True)
    # The fragment split off and locked for this request.
    token_id: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[int] = mapped_column(Uint256())
    expires_at: Mapped[int] = mapped_column(BigInteger)
    # open | accepted | cancelled | expired
    status: Mapped[str] = mapped_column(String(16))
    accepted_quote_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    financier: Mapped[str | None] = mapped_column(Address(), nullable=True, index=True)
    price: Mapped[int | None] = mapped_column(Uint256(), nullable=True)
    days_to_maturity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tx_hash: Mapped[str] = mapped_column(Hash32())


class QuoteRecord(Base, StateRow):
    __tablename__ = "quotes"

    quote_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    request_id: Mapped[int] = mapped_column(BigInteger, index=True)
    financier: Mapped[str] = mapped_column(Address(), index=True)
    rate_bps: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    tx_hash: Mapped[str] = mapped_column(Hash32())


class RepaymentRecord(Base, EventRow):
    __tablename__ = "repayments"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_repayments_log"),)

    credit_id: Mapped[int] = mapped_column(BigInteger, index=True)
    payer: Mapped[str] = mapped_column(Address())
    amount: Mapped[int] = mapped_column(Uint256())
    total_repaid: Mapped[int] = mapped_column(Uint256())


class RedemptionRecord(Base, EventRow):
    """A redeemed fragment: its holder's claim on what the obligor repays of its credit."""

    __tablename__ = "redemptions"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_redemptions_log"),)

    token_id: Mapped[int] = mapped_column(BigInteger, index=True)
    credit_id: Mapped[int] = mapped_column(BigInteger, index=True)
    holder: Mapped[str] = mapped_column(Address(), index=True)
    value: Mapped[int] = mapped_column(Uint256())
    # The claim counts toward the holder's exposure to the obligor until paid or written off.
    held_as_financier: Mapped[bool] = mapped_column(Boolean)


class ClaimPaymentRecord(Base, EventRow):
    """A payment on what a redeemed fragment is still owed after a partly funded redemption."""

    __tablename__ = "claim_payments"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_claim_payments_log"),)

    token_id: Mapped[int] = mapped_column(BigInteger, index=True)
    claimant: Mapped[str] = mapped_column(Address(), index=True)
    amount: Mapped[int] = mapped_column(Uint256())
    total_paid: Mapped[int] = mapped_column(Uint256())


class ClaimWriteOffRecord(Base, EventRow):
    """A financier wrote the unpaid rest of a claim off its exposure; the claim stays payable."""

    __tablename__ = "claim_write_offs"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_claim_write_offs_log"),)

    token_id: Mapped[int] = mapped_column(BigInteger, index=True)
    claimant: Mapped[str] = mapped_column(Address(), index=True)
    amount: Mapped[int] = mapped_column(Uint256())
    reason_hash: Mapped[str] = mapped_column(Hash32())


class RedemptionSkipRecord(Base, EventRow):
    """A fragment a redemption batch skipped, with the voucher's refusal decoded."""

    __tablename__ = "redemption_skips"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_redemption_skips_log"),)

    token_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The custom error's name (UnknownRevert when no platform ABI declares it) and its values.
    error: Mapped[str] = mapped_column(String(64))
    error_args: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The revert data as emitted, 0x-hex.
    reason: Mapped[str] = mapped_column(Text)


class FreezeRecord(Base, EventRow):
    """A freeze or unfreeze of a fragment or a whole credit, or the lift of a credit's quality
    freeze, with the anchored reason."""

    __tablename__ = "freezes"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_freezes_log"),
        Index("ix_freezes_target", "scope", "target_id"),
    )

    # fragment | credit | quality (a lift: frozen is false)
    scope: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigInteger)
    frozen: Mapped[bool] = mapped_column(Boolean)
    reason_hash: Mapped[str] = mapped_column(Hash32())


class AuditEvent(Base, EventRow):
    """Every decoded event, kept whole: the audit trail of any document, credit or member."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("tx_hash", "log_index", name="uq_audit_events_log"),
        Index("ix_audit_events_subject", "subject_kind", "subject_id"),
    )

    block_hash: Mapped[str] = mapped_column(Hash32())
    block_timestamp: Mapped[int] = mapped_column(BigInteger)
    contract: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(64))
    # Integers beyond JSON's safe range are stored as decimal strings by the indexer.
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the event is about: invoice, certificate, credit, fragment, request, quote, member.
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(66))
    document_hash: Mapped[str | None] = mapped_column(Hash32(), nullable=True, index=True)


class QuarantinedEvent(Base, EventRow):
    """An event the projection could not take: kept with why, skipped so indexing goes on.

    Not a read model: nothing is served from it but the indexer's status. A reorg that drops its
    block drops it too; projecting the same log again leaves one row.
    """

    __tablename__ = "quarantined_events"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_quarantined_events_log"),)

    block_hash: Mapped[str] = mapped_column(Hash32())
    contract: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(64))
    # As in audit_events: integers beyond JSON's safe range are decimal strings.
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The exception's type and message.
    error: Mapped[str] = mapped_column(Text)
    quarantined_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utc_now)
