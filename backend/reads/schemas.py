"""What the read endpoints return. Amounts are integers of 6-decimal units (``*_units``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from backend.readmodels.models import Exposure

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list; ``next_offset`` is None on the last page."""

    items: list[Item]
    offset: int
    limit: int
    next_offset: int | None


class DiscountRead(BaseModel):
    """What a financier paid for a fragment when it was discounted."""

    request_id: int
    financier: str
    price_units: int
    rate_bps: int | None
    days_to_maturity: int | None
    block_number: int


class FreezeRead(BaseModel):
    """The freeze in force on a fragment or a credit: who froze it, when and why."""

    # fragment | credit: the fragment's own freeze, or its whole credit's.
    scope: str
    target_id: int
    frozen_by: str | None = Field(
        description="The member whose relayed request froze it; null when the call did not "
        "come through the platform's forwarder (the event itself names no caller)."
    )
    frozen_at: int = Field(description="The block's timestamp; 0 until the indexer has it.")
    block_number: int
    tx_hash: str
    reason_hash: str
    reason: str | None = Field(description="The reason's text, when it was stated through the API.")


class FragmentRead(BaseModel):
    token_id: int
    credit_id: int
    parent_id: int | None
    invoice_id: int | None
    depth: int
    holder: str
    value_units: int
    # Effective: its own freeze, its credit's, or its credit's quality certificate gone bad.
    frozen: bool
    locked: bool
    redeemed: bool
    redeemed_value_units: int | None = None
    block_number: int
    # Why it is frozen: its own freeze, else its credit's (a quality freeze has none: its
    # certificate says why).
    freeze: FreezeRead | None = None


class LineageNode(FragmentRead):
    discount: DiscountRead | None = None
    children: list[LineageNode] = Field(default_factory=list)


class CreditRead(BaseModel):
    credit_id: int
    obligor: str
    supplier: str
    face_value_units: int
    maturity: int
    invoice_id: int
    certificate_id: int | None
    # active | repaid | overdue | redeemed
    status: str
    frozen: bool
    frozen_by_auditor: bool
    frozen_by_quality: bool
    # A supervisor lifted the freeze of its certificate gone bad; its auditor freezes stay.
    quality_freeze_lifted: bool
    repaid_units: int
    redeemed_units: int
    overdue: bool
    issued_at: int
    # The grace period after maturity it keeps from its issue, in days.
    grace_period_days: int
    block_number: int
    # Who froze it, when and why, while an auditor or operator freeze is in force.
    freeze: FreezeRead | None = None


class CreditLineage(BaseModel):
    """The tree as the caller may see it: whole for the obligor and supervisors; for a holder,
    the path from the root through the fragments it holds or held, and what came of them."""

    credit: CreditRead
    live_value_units: int = Field(description="Unredeemed value of the fragments shown.")
    fragment_count: int = Field(description="How many fragments are shown.")
    root: LineageNode


class CreditHolding(BaseModel):
    credit_id: int
    obligor: str
    maturity: int
    value_units: int
    fragments: int


class Portfolio(BaseModel):
    member: str
    cash_units: int
    total_value_units: int
    credits: list[CreditHolding]
    fragments: Page[FragmentRead]


class ExposureRead(BaseModel):
    financier: str
    obligor: str
    credit_line_units: int
    exposure_units: int
    headroom_units: int
    obligor_quota_units: int
    obligor_outstanding_units: int


class CreditLineRead(BaseModel):
    """One financier's credit line to an obligor: what it granted, what of it is used and free."""

    financier: str
    obligor: str
    limit_units: int = Field(description="The line the financier granted the obligor.")
    used_units: int = Field(
        description="The financier's exposure to the obligor: the unpaid value of the "
        "obligor's paper it holds or redeemed unpaid (what caps its discounting)."
    )
    free_units: int = Field(description="limit_units - used_units, never below 0.")

    @classmethod
    def of(cls, line: Exposure) -> CreditLineRead:
        return cls(
            financier=line.financier,
            obligor=line.obligor,
            limit_units=line.credit_line,
            used_units=line.exposure,
            free_units=max(line.credit_line - line.exposure, 0),
        )


class ObligorCreditLines(BaseModel):
    """A core enterprise's issuance quota (the sum of the lines granted to it), what of it its
    outstanding face value uses, and the lines it is made of: every financier's for the obligor
    and supervisors, a financier's own line for that financier."""

    obligor: str
    quota_units: int = Field(description="The issuance quota: the sum of its credit lines.")
    outstanding_units: int = Field(
        description="Face value it issued and has not repaid: the quota used."
    )
    free_units: int = Field(description="quota_units - outstanding_units, never below 0.")
    lines: list[CreditLineRead]


class OverdueCredit(CreditRead):
    overdue_since: int
    unpaid_units: int


class AuditEntry(BaseModel):
    block_number: int
    block_timestamp: int
    tx_hash: str
    log_index: int
    contract: str
    event: str
    subject_kind: str
    subject_id: str
    args: dict[str, Any]


class AuditTrail(BaseModel):
    document_hash: str
    # invoice | certificate | None when no anchored entity has this hash
    kind: str | None
    entity_id: int | None
    events: list[AuditEntry]


class InvoiceRead(BaseModel):
    invoice_id: int
    seller: str
    buyer: str
    amount_units: int
    remaining_units: int
    due_date: int
    number_hash: str
    document_hash: str
    status: str
    reason_hash: str | None
    # The reason's text, in the answer of the write that gave it (rejection, cancellation).
    reason: str | None = None
    block_number: int


class FinancingRequestRead(BaseModel):
    request_id: int
    holder: str
    token_id: int
    value_units: int
    expires_at: int
    status: str
    accepted_quote_id: int | None
    financier: str | None
    price_units: int | None
    days_to_maturity: int | None
    block_number: int
    # The credit the locked fragment belongs to: what a financier prices.
    credit_id: int | None = None
    obligor: str | None = None
    maturity: int | None = None


class QuoteListItem(BaseModel):
    """A financier's quote on a request, priced as the contract would at the read models' time
    (``priced_at``): ``price_units`` is the cash the holder would get today on accepting it."""

    quote_id: int
    request_id: int
    financier: str
    rate_bps: int
    withdrawn: bool
    days_to_maturity: int
    price_units: int
    priced_at: int
    block_number: int


class CertificateListItem(BaseModel):
    certificate_id: int
    invoice_id: int
    inspector: str
    # pass | fail
    result: str
    document_hash: str
    # The stored document with this hash (its public verify page: /documents/{id}/verify).
    document_id: int | None
    expires_at: int
    revoked: bool
    revoke_reason_hash: str | None
    block_number: int
    batch_code_hash: str | None = None
    standard_code: str | None = None


class QuarantinedEventRead(BaseModel):
    """An event the indexer could not project: recorded, skipped, waiting for an operator."""

    block_number: int
    log_index: int
    tx_hash: str
    contract: str
    event: str
    error: str
    quarantined_at: datetime


class IndexerStatus(BaseModel):
    block_number: int | None
    block_hash: str | None
    # The chain's time at that block: the "now" of time-dependent reads such as the overdue list.
    block_timestamp: int | None
    head_block: int | None = Field(description="The chain's latest block; null if unreachable.")
    lag_blocks: int | None = Field(description="head_block - block_number.")
    quarantined_count: int = Field(description="Events the indexer recorded and skipped.")
    quarantined: list[QuarantinedEventRead] = Field(description="The latest few, newest first.")
