"""Unwinding the read models to a block before a fork.

Rows created at or after the fork point are deleted; rows created before it but changed at or
after it are read back from the contracts as they stood at the last common block (the events
that changed them are gone with the fork, and a delta cannot be undone without them).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from backend.chain.ids import INVOICE_STATUSES, MEMBER_STATUSES, REQUEST_STATUSES, ROLE_BITS
from backend.chain.settlement import read_account
from backend.chain.voucher import read_credit, read_fragment
from backend.readmodels.models import (
    AuditEvent,
    CashBalance,
    CertificateRecord,
    ClaimPaymentRecord,
    ClaimWriteOffRecord,
    CreditRecord,
    Exposure,
    FinancingRequestRecord,
    FragmentRecord,
    FreezeRecord,
    IndexedBlock,
    InvoiceRecord,
    MemberChainStatus,
    ObligorLimit,
    QuarantinedEvent,
    QuoteRecord,
    RedemptionRecord,
    RedemptionSkipRecord,
    RepaymentRecord,
    read_models_changed,
)
from backend.readmodels.projector import ZERO_ADDRESS

log = logging.getLogger(__name__)

STATE_MODELS: tuple[type, ...] = (
    MemberChainStatus,
    ObligorLimit,
    Exposure,
    CashBalance,
    InvoiceRecord,
    CertificateRecord,
    CreditRecord,
    FragmentRecord,
    FinancingRequestRecord,
    QuoteRecord,
)
APPEND_MODELS: tuple[type, ...] = (
    RepaymentRecord,
    RedemptionRecord,
    ClaimPaymentRecord,
    ClaimWriteOffRecord,
    RedemptionSkipRecord,
    FreezeRecord,
    AuditEvent,
    QuarantinedEvent,
)


class ChainState(Protocol):
    """What unwinding needs of the chain: a view call at a past block (``Chain.read``)."""

    def read(
        self, contract: str, function: str, *args: Any, block: int | str = "latest"
    ) -> Any: ...


def unwind(session: Session, chain: ChainState, fork_block: int) -> int:
    """Removes what blocks ``fork_block`` and later put in the read models; returns rows touched."""
    keep = fork_block - 1
    touched = 0
    to_restore: dict[type, list[dict[str, Any]]] = {}
    for model in STATE_MODELS:
        table: Table = model.__table__  # type: ignore[attr-defined]
        changed = session.execute(
            select(table).where(
                table.c.updated_block >= fork_block, table.c.block_number < fork_block
            )
        ).mappings()
        to_restore[model] = [dict(row) for row in changed]
        touched += session.execute(delete(table).where(table.c.block_number >= fork_block)).rowcount
    for model in APPEND_MODELS:
        table = model.__table__  # type: ignore[attr-defined]
        touched += session.execute(delete(table).where(table.c.block_number >= fork_block)).rowcount
    session.execute(
        delete(IndexedBlock.__table__).where(IndexedBlock.__table__.c.number >= fork_block)
    )
    for model, rows in to_restore.items():
        for row in rows:
            restored = _restore(session, chain, model, row, keep)
            restored["updated_block"] = keep
            table = model.__table__  # type: ignore[attr-defined]
            keys = [c for c in table.primary_key.columns]
            session.execute(
                update(table)
                .where(*(c == row[c.name] for c in keys))
                .values({k: v for k, v in restored.items() if k not in {c.name for c in keys}})
            )
            touched += 1
    read_models_changed(session)
    log.warning("unwound read models to block %s (%s rows touched)", keep, touched)
    return touched


def _restore(
    session: Session, chain: ChainState, model: type, row: dict[str, Any], block: int
) -> dict[str, Any]:
    """``row`` as the contracts had it at ``block``."""
    if model is MemberChainStatus:
        address = row["address"]
        bits = chain.read("Consortium", "roleBitsOf", address, block=block)
        status = chain.read("Consortium", "statusOf", address, block=block)
        return {
            "status": MEMBER_STATUSES[status],
            "roles": sorted(name for name, bit in ROLE_BITS.items() if bits & bit),
        }
    if model is ObligorLimit:
        obligor = row["obligor"]
        return {
            "quota": chain.read("Consortium", "issuanceQuota", obligor, block=block),
            "outstanding": chain.read("Consortium", "outstanding", obligor, block=block),
            "requires_certificate": chain.read(
                "Consortium", "requiresQualityCertificate", obligor, block=block
            ),
        }
    if model is Exposure:
        pair = (row["financier"], row["obligor"])
        return {
            "credit_line": chain.read("Consortium", "creditLine", *pair, block=block),
            "exposure": chain.read("Consortium", "exposure", *pair, block=block),
        }
    if model is CashBalance:
        return {"balance": chain.read("SettlementToken", "balanceOf", row["account"], block=block)}
    if model is InvoiceRecord:
        # Invoice: seller, status, dueDate, buyer, remaining, amount, numberHash, documentHash
        invoice = chain.read("InvoiceRegistry", "invoice", row["invoice_id"], block=block)
        return {"remaining": invoice[4], "status": INVOICE_STATUSES[invoice[1]]}
    if model is CertificateRecord:
        # Certificate: inspector, invoiceId, result, revoked, expiresAt, ...
        certificate = chain.read(
            "QualityRegistry", "certificate", row["certificate_id"], block=block
        )
        return {
            "revoked": certificate[3],
            "revoke_reason_hash": row["revoke_reason_hash"] if certificate[3] else None,
        }
    if model is CreditRecord:
        credit_id = row["credit_id"]
        credit = read_credit(chain, credit_id, block=block)
        account = read_account(chain, credit_id, block=block)
        redemptions = RedemptionRecord.__table__
        # Summed here: SQLite keeps uint256 values as text, which SQL's SUM would turn into floats.
        redeemed = sum(
            session.execute(
                select(redemptions.c.value).where(redemptions.c.credit_id == credit_id)
            ).scalars()
        )
        return {
            "frozen": credit.frozen,
            "quality_freeze_lifted": credit.quality_freeze_lifted,
            "repaid": account.repaid,
            "overdue": account.overdue,
            "redeemed_value": redeemed,
        }
    if model is FragmentRecord:
        fragment = read_fragment(chain, row["token_id"], block=block)
        burned = fragment.owner == ZERO_ADDRESS
        return {
            "owner": row["owner"] if burned else fragment.owner,
            "value": fragment.value,
            "frozen": fragment.frozen,
            "locked": fragment.locked,
            "redeemed": burned,
        }
    if model is FinancingRequestRecord:
        # Request: holder, tokenId, expiresAt, status, value, acceptedQuoteId, creditId
        request = chain.read("Financing", "request", row["request_id"], block=block)
        status = REQUEST_STATUSES[request[3]]
        accepted = status == "accepted"
        return {
            "status": status,
            "accepted_quote_id": request[5] if accepted else None,
            "financier": row["financier"] if accepted else None,
            "price": row["price"] if accepted else None,
            "days_to_maturity": row["days_to_maturity"] if accepted else None,
        }
    if model is QuoteRecord:
        # Quote: financier, requestId, rateBps, withdrawn
        return {"withdrawn": chain.read("Financing", "quote", row["quote_id"], block=block)[3]}
    raise TypeError(f"no restore for {model.__name__}")
