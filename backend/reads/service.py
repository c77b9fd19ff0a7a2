"""Queries behind the read endpoints, served only from the read models the indexer keeps.

Each function runs a handful of indexed queries and assembles the answer in Python; amounts are
added up here, not in SQL, because SQLite keeps uint256 values as text. The hot reads (lineage,
portfolio, fragment lists) select plain column rows rather than ORM entities: building and
tracking an entity per fragment cost more than the queries themselves.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from backend.core.errors import Forbidden, NotFound
from backend.documents.models import Document
from backend.readmodels.models import (
    AuditEvent,
    CashBalance,
    CertificateRecord,
    CreditRecord,
    Exposure,
    FinancingRequestRecord,
    FragmentRecord,
    FreezeRecord,
    IndexerCursor,
    InvoiceRecord,
    ObligorLimit,
    QuarantinedEvent,
    QuoteRecord,
    RedemptionRecord,
)
from backend.reads.schemas import (
    AuditEntry,
    AuditTrail,
    CertificateListItem,
    CreditHolding,
    CreditLineage,
    CreditLineRead,
    CreditRead,
    DiscountRead,
    ExposureRead,
    FinancingRequestRead,
    FragmentRead,
    FreezeRead,
    IndexerStatus,
    InvoiceRead,
    LineageNode,
    ObligorCreditLines,
    OverdueCredit,
    Page,
    Portfolio,
    QuarantinedEventRead,
    QuoteListItem,
)
from backend.reasons.models import ReasonText

DAY = 86_400
# The follower's cursor (backend.indexer.follower.DEFAULT_CURSOR).
INDEXER_CURSOR = "main"
# How many of the latest quarantined events GET /indexer/status lists.
QUARANTINE_SHOWN = 10
CREDIT_STATUSES = ("active", "repaid", "overdue", "redeemed")
# What a FragmentRead needs of a fragment (not tx_hash, updated_block).
FRAGMENT_COLUMNS = (
    FragmentRecord.token_id,
    FragmentRecord.credit_id,
    FragmentRecord.parent_id,
    FragmentRecord.invoice_id,
    FragmentRecord.depth,
    FragmentRecord.owner,
    FragmentRecord.value,
    FragmentRecord.frozen,
    FragmentRecord.locked,
    FragmentRecord.redeemed,
    FragmentRecord.block_number,
)


# ---------------------------------------------------------------------- frozen state


def _quality_frozen(session: Session, credits: Sequence[Any]) -> set[int]:
    """Credits whose certificate no longer stands (failed, revoked, or its goods failed an
    inspection whose certificate is not revoked) and whose freeze no supervisor lifted."""
    certificate_ids = {
        c.certificate_id for c in credits if c.certificate_id and not c.quality_freeze_lifted
    }
    if not certificate_ids:
        return set()
    certificates = {
        cert.certificate_id: cert
        for cert in session.scalars(
            select(CertificateRecord).where(CertificateRecord.certificate_id.in_(certificate_ids))
        )
    }
    invoices = {cert.invoice_id for cert in certificates.values()}
    # QualityRegistry counts the failing certificates of an invoice; revoking one lifts its taint.
    failed_invoices = set(
        session.scalars(
            select(CertificateRecord.invoice_id).where(
                CertificateRecord.invoice_id.in_(invoices),
                CertificateRecord.result == "fail",
                CertificateRecord.revoked.is_(False),
            )
        )
    )
    frozen: set[int] = set()
    for credit in credits:
        if credit.quality_freeze_lifted:
            continue
        cert = certificates.get(credit.certificate_id or 0)
        if cert is not None and (
            cert.result != "pass" or cert.revoked or cert.invoice_id in failed_invoices
        ):
            frozen.add(credit.credit_id)
    return frozen


def _credit_status(credit: Any) -> str:
    if credit.redeemed_value >= credit.face_value:
        return "redeemed"
    if credit.overdue:
        return "overdue"
    if credit.repaid >= credit.face_value:
        return "repaid"
    return "active"


def _credit_read(credit: Any, quality_frozen: bool, freeze: FreezeRead | None = None) -> CreditRead:
    return CreditRead(
        credit_id=credit.credit_id,
        obligor=credit.obligor,
        supplier=credit.supplier,
        face_value_units=credit.face_value,
        maturity=credit.maturity,
        invoice_id=credit.invoice_id,
        certificate_id=credit.certificate_id,
        status=_credit_status(credit),
        frozen=credit.frozen or quality_frozen,
        frozen_by_auditor=credit.frozen,
        frozen_by_quality=quality_frozen,
        quality_freeze_lifted=credit.quality_freeze_lifted,
        repaid_units=credit.repaid,
        redeemed_units=credit.redeemed_value,
        overdue=credit.overdue,
        issued_at=credit.issued_at,
        grace_period_days=credit.grace_period_days,
        block_number=credit.block_number,
        freeze=freeze if credit.frozen else None,
    )


def _fragment_fields(fragment: Row[Any], credit_frozen: bool) -> dict[str, Any]:
    """``fragment`` is a row of FRAGMENT_COLUMNS."""
    return {
        "token_id": fragment.token_id,
        "credit_id": fragment.credit_id,
        "parent_id": fragment.parent_id,
        "invoice_id": fragment.invoice_id,
        "depth": fragment.depth,
        "holder": fragment.owner,
        "value_units": fragment.value,
        "frozen": fragment.frozen or credit_frozen,
        "locked": fragment.locked,
        "redeemed": fragment.redeemed,
        "block_number": fragment.block_number,
    }


def _credits_by_id(session: Session, credit_ids: Iterable[int]) -> dict[int, Any]:
    """The columns a fragment listing needs of these credits (plain rows: no ORM identity work)."""
    ids = set(credit_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            CreditRecord.credit_id,
            CreditRecord.obligor,
            CreditRecord.maturity,
            CreditRecord.frozen,
            CreditRecord.certificate_id,
            CreditRecord.quality_freeze_lifted,
        ).where(CreditRecord.credit_id.in_(ids))
    )
    return {row.credit_id: row for row in rows}


# ---------------------------------------------------------------------- who reads what
#
# ``viewer`` is the address of the member reading, or None for a supervisor (auditor, operator),
# who reads everything. A member reads what it is party to: the credits it owes or holds or held a
# fragment of (the whole tree of those it owes, the path through its own fragments of the rest),
# the invoices it issued or owes, the certificates it issued or that cover its invoices, and the
# financing requests it made or, as a financier, may quote on or took part in.


def _credit_party(viewer: str) -> Any:
    """Credits ``viewer`` owes, was issued, holds a fragment of or asked financing on."""
    held = select(FragmentRecord.credit_id).where(FragmentRecord.owner == viewer)
    requested = (
        select(FragmentRecord.credit_id)
        .join(FinancingRequestRecord, FinancingRequestRecord.token_id == FragmentRecord.token_id)
        .where(FinancingRequestRecord.holder == viewer)
    )
    return or_(
        CreditRecord.obligor == viewer,
        CreditRecord.supplier == viewer,
        CreditRecord.credit_id.in_(held),
        CreditRecord.credit_id.in_(requested),
    )


def _held_tokens(session: Session, credit: Any, viewer: str) -> set[int]:
    """The fragments of ``credit`` that ``viewer`` holds or held: those it owns, those it sold
    through a financing request, and the root minted to it as the credit's supplier."""
    mine = FragmentRecord.owner == viewer
    if credit.supplier == viewer:
        mine = or_(mine, FragmentRecord.parent_id.is_(None))
    held = set(
        session.scalars(
            select(FragmentRecord.token_id).where(
                FragmentRecord.credit_id == credit.credit_id, mine
            )
        )
    )
    held.update(
        session.scalars(
            select(FinancingRequestRecord.token_id)
            .join(FragmentRecord, FragmentRecord.token_id == FinancingRequestRecord.token_id)
            .where(
                FragmentRecord.credit_id == credit.credit_id,
                FinancingRequestRecord.holder == viewer,
            )
        )
    )
    return held


def _credit_scope(session: Session, credit: Any, viewer: str | None) -> set[int] | None:
    """None when ``viewer`` sees the credit's whole tree (a supervisor, its obligor), else the
    fragments it holds or held; 403 when it is no party to the credit."""
    if viewer is None or credit.obligor == viewer:
        return None
    held = _held_tokens(session, credit, viewer)
    if not held:
        raise Forbidden(
            "CreditNotReadable",
            "only its obligor, members that hold or held a fragment of it and supervisors "
            "read a credit",
            {"credit_id": credit.credit_id, "member": viewer},
        )
    return held


def _visible_tokens(fragments: Sequence[Any], held: set[int]) -> set[int]:
    """The path through ``held``: its fragments, their ancestors up to the root and what came
    of them (their descendants); not the siblings along the way."""
    parents = {f.token_id: f.parent_id for f in fragments}
    children: dict[int, list[int]] = defaultdict(list)
    for f in fragments:
        if f.parent_id is not None:
            children[f.parent_id].append(f.token_id)
    visible: set[int] = set()
    for token_id in held:
        ancestor = parents.get(token_id)
        while ancestor is not None and ancestor not in visible:
            visible.add(ancestor)
            ancestor = parents.get(ancestor)
        below = [token_id]
        while below:
            current = below.pop()
            if current not in visible:
                visible.add(current)
                below.extend(children.get(current, ()))
    return visible


def _invoice_parties(viewer: str) -> Any:
    return or_(InvoiceRecord.seller == viewer, InvoiceRecord.buyer == viewer)


def _certificate_party(viewer: str) -> Any:
    """Certificates ``viewer`` issued, or that cover an invoice it issued or owes."""
    return or_(
        CertificateRecord.inspector == viewer,
        CertificateRecord.invoice_id.in_(
            select(InvoiceRecord.invoice_id).where(_invoice_parties(viewer))
        ),
    )


def _request_party(viewer: str, financier: bool) -> Any:
    """Requests ``viewer`` made; for a financier also the open ones (it may quote on them) and
    those it quoted on or bought."""
    if not financier:
        return FinancingRequestRecord.holder == viewer
    return or_(
        FinancingRequestRecord.holder == viewer,
        FinancingRequestRecord.status == "open",
        FinancingRequestRecord.financier == viewer,
        FinancingRequestRecord.request_id.in_(
            select(QuoteRecord.request_id).where(QuoteRecord.financier == viewer)
        ),
    )


def document_parties(session: Session, document_hash: str) -> set[str]:
    """The members party to the invoice or certificate anchored with ``document_hash``: an
    invoice's seller and buyer; a certificate's inspector and its invoice's seller and buyer."""
    parties: set[str] = set()
    for seller, buyer in session.execute(
        select(InvoiceRecord.seller, InvoiceRecord.buyer).where(
            InvoiceRecord.document_hash == document_hash
        )
    ):
        parties.update((seller, buyer))
    for inspector, seller, buyer in session.execute(
        select(CertificateRecord.inspector, InvoiceRecord.seller, InvoiceRecord.buyer)
        .outerjoin(InvoiceRecord, InvoiceRecord.invoice_id == CertificateRecord.invoice_id)
        .where(CertificateRecord.document_hash == document_hash)
    ):
        parties.update(p for p in (inspector, seller, buyer) if p)
    return parties


# ---------------------------------------------------------------------- freeze reasons


def _freezes_in_force(
    session: Session, scope: str, target_ids: Iterable[int]
) -> dict[int, FreezeRead]:
    """The freeze in force on each of these fragments or credits (the latest freeze record of
    each, if it froze), with who sent it, when and the reason's text."""
    ids = set(target_ids)
    if not ids:
        return {}
    latest: dict[int, Any] = {}
    for record in session.execute(
        select(FreezeRecord.__table__)
        .where(FreezeRecord.scope == scope, FreezeRecord.target_id.in_(ids))
        .order_by(FreezeRecord.block_number, FreezeRecord.log_index)
    ):
        latest[record.target_id] = record
    frozen = [r for r in latest.values() if r.frozen]
    if not frozen:
        return {}
    tx_hashes = {r.tx_hash for r in frozen}
    # The freeze's own log gives its time; the forwarder's ExecutedForwardRequest right after it
    # in the same transaction names the member whose request it ran.
    logs = session.execute(
        select(
            AuditEvent.tx_hash,
            AuditEvent.log_index,
            AuditEvent.contract,
            AuditEvent.event,
            AuditEvent.block_timestamp,
            AuditEvent.args,
        )
        .where(AuditEvent.tx_hash.in_(tx_hashes))
        .order_by(AuditEvent.log_index)
    ).all()
    texts = _reason_texts(session, [r.reason_hash for r in frozen])
    answers: dict[int, FreezeRead] = {}
    for record in frozen:
        in_tx = [log for log in logs if log.tx_hash == record.tx_hash]
        moment = next(
            (log.block_timestamp for log in in_tx if log.log_index == record.log_index), 0
        )
        signer = next(
            (
                str(log.args.get("signer"))
                for log in in_tx
                if log.log_index > record.log_index
                and log.contract == "Forwarder"
                and log.event == "ExecutedForwardRequest"
            ),
            None,
        )
        answers[record.target_id] = FreezeRead(
            scope=scope,
            target_id=record.target_id,
            frozen_by=signer,
            frozen_at=moment,
            block_number=record.block_number,
            tx_hash=record.tx_hash,
            reason_hash=record.reason_hash,
            reason=texts.get(record.reason_hash),
        )
    return answers


def _with_freezes(
    session: Session, fragments: Sequence[FragmentRead], credit_freezes: dict[int, FreezeRead]
) -> None:
    """Fills in ``freeze`` on frozen fragments: their own freeze, else their credit's."""
    own = _freezes_in_force(session, "fragment", (f.token_id for f in fragments if f.frozen))
    for fragment in fragments:
        if fragment.frozen:
            fragment.freeze = own.get(fragment.token_id) or credit_freezes.get(fragment.credit_id)


# ---------------------------------------------------------------------- credits


def _credit_row(session: Session, credit_id: int) -> Row[Any]:
    credit = session.execute(
        select(CreditRecord.__table__).where(CreditRecord.credit_id == credit_id)
    ).one_or_none()
    if credit is None:
        raise NotFound(
            "CreditNotFound", "no such credit in the read models", {"credit_id": credit_id}
        )
    return credit


def _credit_freezes(session: Session, credits: Sequence[Any]) -> dict[int, FreezeRead]:
    return _freezes_in_force(session, "credit", (c.credit_id for c in credits if c.frozen))


def get_credit(session: Session, credit_id: int, viewer: str | None = None) -> CreditRead:
    credit = _credit_row(session, credit_id)
    _credit_scope(session, credit, viewer)
    return _credit_read(
        credit,
        credit.credit_id in _quality_frozen(session, [credit]),
        _credit_freezes(session, [credit]).get(credit.credit_id),
    )


def credit_lineage(session: Session, credit_id: int, viewer: str | None = None) -> CreditLineage:
    """The credit and its fragment tree from the root: who holds what, and how it got there.
    A holder that is not its obligor sees the path through its own fragments only, and the
    discount prices of those alone."""
    credit = _credit_row(session, credit_id)
    held = _credit_scope(session, credit, viewer)
    quality = credit.credit_id in _quality_frozen(session, [credit])
    credit_frozen = credit.frozen or quality
    fragments = session.execute(
        select(*FRAGMENT_COLUMNS).where(FragmentRecord.credit_id == credit_id)
    ).all()
    if held is not None:
        visible = _visible_tokens(fragments, held)
        fragments = [f for f in fragments if f.token_id in visible]
    token_ids = [f.token_id for f in fragments]
    discounts = _discounts(session, token_ids if held is None else sorted(held))
    redeemed = _redeemed_values(session, credit_id)
    nodes = {
        f.token_id: LineageNode(
            **_fragment_fields(f, credit_frozen),
            redeemed_value_units=redeemed.get(f.token_id),
            discount=discounts.get(f.token_id),
        )
        for f in fragments
    }
    credit_freezes = _credit_freezes(session, [credit])
    _with_freezes(session, list(nodes.values()), credit_freezes)
    root: LineageNode | None = None
    for fragment in sorted(fragments, key=lambda f: f.token_id):
        node = nodes[fragment.token_id]
        if fragment.parent_id is None:
            root = node
        elif fragment.parent_id in nodes:
            nodes[fragment.parent_id].children.append(node)
    if root is None:
        raise NotFound(
            "CreditNotFound",
            "the credit's root fragment is not indexed yet",
            {"credit_id": credit_id},
        )
    return CreditLineage(
        credit=_credit_read(credit, quality, credit_freezes.get(credit.credit_id)),
        live_value_units=sum(f.value for f in fragments if not f.redeemed),
        fragment_count=len(fragments),
        root=root,
    )


def _discounts(session: Session, token_ids: Sequence[int]) -> dict[int, DiscountRead]:
    """Accepted financing of these fragments: the locked fragment is what the financier bought."""
    if not token_ids:
        return {}
    rows = session.execute(
        select(FinancingRequestRecord, QuoteRecord.rate_bps)
        .outerjoin(QuoteRecord, QuoteRecord.quote_id == FinancingRequestRecord.accepted_quote_id)
        .where(
            FinancingRequestRecord.token_id.in_(token_ids),
            FinancingRequestRecord.status == "accepted",
        )
    ).all()
    return {
        request.token_id: DiscountRead(
            request_id=request.request_id,
            financier=request.financier or "",
            price_units=request.price or 0,
            rate_bps=rate_bps,
            days_to_maturity=request.days_to_maturity,
            block_number=request.updated_block,
        )
        for request, rate_bps in rows
    }


def _redeemed_values(session: Session, credit_id: int) -> dict[int, int]:
    rows = session.execute(
        select(RedemptionRecord.token_id, RedemptionRecord.value).where(
            RedemptionRecord.credit_id == credit_id
        )
    )
    return {token_id: value for token_id, value in rows}


def list_credits(
    session: Session,
    *,
    obligor: str | None,
    status: str | None,
    offset: int,
    limit: int,
    viewer: str | None = None,
) -> Page[CreditRead]:
    query = select(CreditRecord).order_by(CreditRecord.credit_id)
    if viewer is not None:
        query = query.where(_credit_party(viewer))
    if obligor:
        query = query.where(CreditRecord.obligor == obligor)
    if status == "overdue":
        query = query.where(CreditRecord.overdue.is_(True))
    if status is None or status == "overdue":
        credits = _page(session, query, offset, limit)
        return _paged(_credit_reads(session, credits), offset, limit)
    # The other statuses compare amounts, which SQLite holds as text: filtered here, page by page.
    matched: list[CreditRecord] = []
    skipped = 0
    for credit in session.scalars(query):
        if _credit_status(credit) != status:
            continue
        if skipped < offset:
            skipped += 1
            continue
        matched.append(credit)
        if len(matched) > limit:
            break
    return _paged(_credit_reads(session, matched), offset, limit)


def _credit_reads(session: Session, credits: Sequence[Any]) -> list[CreditRead]:
    quality = _quality_frozen(session, credits)
    freezes = _credit_freezes(session, credits)
    return [_credit_read(c, c.credit_id in quality, freezes.get(c.credit_id)) for c in credits]


def indexed_time(session: Session) -> int:
    """The moment the read models reflect: the timestamp of the last block the indexer took in
    (a chain's clock need not follow the wall clock, and time travel moves it); the wall clock
    only before the indexer's first batch."""
    moment = session.scalar(
        select(IndexerCursor.block_timestamp).where(IndexerCursor.name == INDEXER_CURSOR)
    )
    return int(time.time()) if moment is None else moment


def overdue_credits(
    session: Session,
    *,
    offset: int,
    limit: int,
    now: int | None = None,
    viewer: str | None = None,
) -> Page[OverdueCredit]:
    """Credits marked overdue on chain, or past maturity plus the grace period they were issued
    with and not fully repaid, at ``now`` (by default the last indexed block's time)."""
    if now is None:
        now = indexed_time(session)
    query = (
        select(CreditRecord)
        .where(
            or_(
                CreditRecord.overdue.is_(True),
                # The first term lets the (overdue, maturity) index narrow the scan.
                and_(
                    CreditRecord.maturity < now,
                    CreditRecord.maturity + CreditRecord.grace_period_days * DAY < now,
                ),
            )
        )
        .order_by(CreditRecord.maturity, CreditRecord.credit_id)
    )
    if viewer is not None:
        query = query.where(_credit_party(viewer))
    # Repaid and face value are compared here: SQLite keeps uint256 values as text.
    due = [c for c in session.scalars(query) if c.overdue or c.repaid < c.face_value]
    window = due[offset : offset + limit + 1]
    quality = _quality_frozen(session, window)
    freezes = _credit_freezes(session, window)
    items = [
        OverdueCredit(
            **_credit_read(c, c.credit_id in quality, freezes.get(c.credit_id)).model_dump(),
            overdue_since=c.maturity + c.grace_period_days * DAY,
            unpaid_units=c.face_value - min(c.repaid, c.face_value),
        )
        for c in window
    ]
    return _paged(items, offset, limit)


# ---------------------------------------------------------------------- members


def portfolio(session: Session, member: str, *, offset: int, limit: int) -> Portfolio:
    """A member's live fragments, its value per credit, and its on-chain cash."""
    live = session.execute(
        select(FragmentRecord.credit_id, FragmentRecord.value).where(
            FragmentRecord.owner == member, FragmentRecord.redeemed.is_(False)
        )
    ).all()
    by_credit: dict[int, list[int]] = defaultdict(list)
    for credit_id, value in live:
        by_credit[credit_id].append(value)
    credits = _credits_by_id(session, by_credit)
    quality = _quality_frozen(session, list(credits.values()))
    holdings = [
        CreditHolding(
            credit_id=credit_id,
            obligor=credits[credit_id].obligor if credit_id in credits else "",
            maturity=credits[credit_id].maturity if credit_id in credits else 0,
            value_units=sum(values),
            fragments=len(values),
        )
        for credit_id, values in sorted(by_credit.items())
    ]
    page_rows = _page_rows(
        session,
        select(*FRAGMENT_COLUMNS)
        .where(FragmentRecord.owner == member, FragmentRecord.redeemed.is_(False))
        .order_by(FragmentRecord.token_id),
        offset,
        limit,
    )
    fragments = [
        FragmentRead(
            **_fragment_fields(
                f,
                f.credit_id in quality or (f.credit_id in credits and credits[f.credit_id].frozen),
            )
        )
        for f in page_rows
    ]
    _with_freezes(session, fragments, _credit_freezes(session, list(credits.values())))
    cash = session.scalar(select(CashBalance.balance).where(CashBalance.account == member))
    return Portfolio(
        member=member,
        cash_units=cash or 0,
        total_value_units=sum(h.value_units for h in holdings),
        credits=holdings,
        fragments=_paged(fragments, offset, limit),
    )


def exposures(session: Session, financier: str) -> list[ExposureRead]:
    """Per obligor: the line this financier granted, the credit it holds, the room left."""
    lines = list(
        session.scalars(
            select(Exposure).where(Exposure.financier == financier).order_by(Exposure.obligor)
        )
    )
    limits = {
        limit.obligor: limit
        for limit in session.scalars(
            select(ObligorLimit).where(ObligorLimit.obligor.in_([x.obligor for x in lines]))
        )
    }
    return [
        ExposureRead(
            financier=line.financier,
            obligor=line.obligor,
            credit_line_units=line.credit_line,
            exposure_units=line.exposure,
            headroom_units=max(line.credit_line - line.exposure, 0),
            obligor_quota_units=limits[line.obligor].quota if line.obligor in limits else 0,
            obligor_outstanding_units=limits[line.obligor].outstanding
            if line.obligor in limits
            else 0,
        )
        for line in lines
    ]


def obligor_credit_lines(
    session: Session, obligor: str, viewer: str | None = None
) -> ObligorCreditLines:
    """The obligor's issuance quota, used and free, and each financier's line to it with what
    is used and free: every line for the obligor itself and supervisors (``viewer`` None); for a
    financier with a line to it, that line only; 403 NotYourAccount for anyone else."""
    query = select(Exposure).where(Exposure.obligor == obligor).order_by(Exposure.financier)
    if viewer is not None and viewer != obligor:
        query = query.where(Exposure.financier == viewer)
    lines = list(session.scalars(query))
    if viewer is not None and viewer != obligor and not lines:
        raise Forbidden(
            "NotYourAccount",
            "an obligor's credit lines are read by the obligor, the financiers that granted "
            "them (each its own) and supervisors",
            {"member": viewer, "address": obligor},
        )
    limit = session.get(ObligorLimit, obligor)
    quota, outstanding = (limit.quota, limit.outstanding) if limit is not None else (0, 0)
    return ObligorCreditLines(
        obligor=obligor,
        quota_units=quota,
        outstanding_units=outstanding,
        free_units=max(quota - outstanding, 0),
        lines=[CreditLineRead.of(line) for line in lines],
    )


# ---------------------------------------------------------------------- documents


def audit_trail(session: Session, document_hash: str, viewer: str | None = None) -> AuditTrail:
    """Every event that touched the invoice or certificate anchored with ``document_hash``: for
    the document's parties (see `document_parties`) and supervisors."""
    document_hash = document_hash.lower()
    if viewer is not None and viewer not in document_parties(session, document_hash):
        raise Forbidden(
            "AuditTrailNotReadable",
            "only the document's parties and supervisors read its audit trail",
            {"document_hash": document_hash, "member": viewer},
        )
    kind: str | None = None
    entity_id: int | None = None
    invoice = session.scalars(
        select(InvoiceRecord).where(InvoiceRecord.document_hash == document_hash)
    ).first()
    if invoice is not None:
        kind, entity_id = "invoice", invoice.invoice_id
    else:
        certificate = session.scalars(
            select(CertificateRecord).where(CertificateRecord.document_hash == document_hash)
        ).first()
        if certificate is not None:
            kind, entity_id = "certificate", certificate.certificate_id
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.document_hash == document_hash)
        .order_by(AuditEvent.block_number, AuditEvent.log_index)
    ).all()
    if kind is None and not events:
        raise NotFound(
            "DocumentNotAnchored",
            "no indexed event anchors this document hash",
            {"document_hash": document_hash},
        )
    return AuditTrail(
        document_hash=document_hash,
        kind=kind,
        entity_id=entity_id,
        events=[
            AuditEntry(
                block_number=e.block_number,
                block_timestamp=e.block_timestamp,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                contract=e.contract,
                event=e.event,
                subject_kind=e.subject_kind,
                subject_id=e.subject_id,
                args=e.args,
            )
            for e in events
        ],
    )


# ---------------------------------------------------------------------- lists


def list_invoices(
    session: Session,
    *,
    seller: str | None,
    buyer: str | None,
    status: str | None,
    offset: int,
    limit: int,
    party: str | None = None,
) -> Page[InvoiceRead]:
    """Invoices by seller, buyer and status; ``party`` keeps those where it is seller or buyer."""
    query = select(InvoiceRecord).order_by(InvoiceRecord.invoice_id)
    if party:
        query = query.where(or_(InvoiceRecord.seller == party, InvoiceRecord.buyer == party))
    if seller:
        query = query.where(InvoiceRecord.seller == seller)
    if buyer:
        query = query.where(InvoiceRecord.buyer == buyer)
    if status:
        query = query.where(InvoiceRecord.status == status)
    rows = _page(session, query, offset, limit)
    texts = _reason_texts(session, [i.reason_hash for i in rows])
    return _paged([invoice_of(i, texts.get(i.reason_hash)) for i in rows], offset, limit)


def get_invoice(session: Session, invoice_id: int, viewer: str | None = None) -> InvoiceRead:
    """One invoice, for its seller, its buyer and supervisors."""
    invoice = session.get(InvoiceRecord, invoice_id)
    if invoice is None:
        raise NotFound("InvoiceNotFound", "no such invoice", {"invoice_id": invoice_id})
    if viewer is not None and viewer not in (invoice.seller, invoice.buyer):
        raise Forbidden(
            "InvoiceNotReadable",
            "only its seller, its buyer and supervisors read an invoice",
            {"invoice_id": invoice_id, "member": viewer},
        )
    return invoice_of(
        invoice, _reason_texts(session, [invoice.reason_hash]).get(invoice.reason_hash)
    )


# A request with the credit its locked fragment belongs to.
_REQUEST_WITH_CREDIT = (
    select(
        FinancingRequestRecord, CreditRecord.credit_id, CreditRecord.obligor, CreditRecord.maturity
    )
    .outerjoin(FragmentRecord, FragmentRecord.token_id == FinancingRequestRecord.token_id)
    .outerjoin(CreditRecord, CreditRecord.credit_id == FragmentRecord.credit_id)
)


def list_financing_requests(
    session: Session,
    *,
    status: str | None,
    holder: str | None,
    offset: int,
    limit: int,
    viewer: str | None = None,
    financier: bool = False,
) -> Page[FinancingRequestRead]:
    query = _REQUEST_WITH_CREDIT.order_by(FinancingRequestRecord.request_id)
    if viewer is not None:
        query = query.where(_request_party(viewer, financier))
    if status:
        query = query.where(FinancingRequestRecord.status == status)
    if holder:
        query = query.where(FinancingRequestRecord.holder == holder)
    rows = _page_rows(session, query, offset, limit)
    return _paged([_request_read(*row) for row in rows], offset, limit)


def _request_read(
    r: FinancingRequestRecord, credit_id: int | None, obligor: str | None, maturity: int | None
) -> FinancingRequestRead:
    return FinancingRequestRead(
        request_id=r.request_id,
        holder=r.holder,
        token_id=r.token_id,
        value_units=r.value,
        expires_at=r.expires_at,
        status=r.status,
        accepted_quote_id=r.accepted_quote_id,
        financier=r.financier,
        price_units=r.price,
        days_to_maturity=r.days_to_maturity,
        block_number=r.block_number,
        credit_id=credit_id,
        obligor=obligor,
        maturity=maturity,
    )


def _readable_request(
    session: Session, request_id: int, viewer: str | None, financier: bool
) -> Row[Any]:
    query = _REQUEST_WITH_CREDIT.where(FinancingRequestRecord.request_id == request_id)
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(
            "FinancingRequestNotFound", "no such financing request", {"request_id": request_id}
        )
    if (
        viewer is not None
        and session.execute(query.where(_request_party(viewer, financier))).first() is None
    ):
        raise Forbidden(
            "FinancingRequestNotReadable",
            "only its holder, financiers while it is open or once they took part, and "
            "supervisors read a financing request",
            {"request_id": request_id, "member": viewer},
        )
    return row


def get_financing_request(
    session: Session, request_id: int, viewer: str | None = None, financier: bool = False
) -> FinancingRequestRead:
    return _request_read(*_readable_request(session, request_id, viewer, financier))


def request_quotes(
    session: Session, request_id: int, viewer: str | None = None, financier: bool = False
) -> list[QuoteListItem]:
    """The quotes on a request, each priced as Financing._price would price it now: value minus
    value x rate x days / 365, a part day counting as a day. Its holder and supervisors see every
    quote; a financier sees its own, not its competitors'."""
    request, _, _, maturity = _readable_request(session, request_id, viewer, financier)
    if maturity is None:
        raise NotFound(
            "FinancingRequestNotFound", "no such financing request", {"request_id": request_id}
        )
    only = None if viewer is None or request.holder == viewer else viewer
    value, maturity = int(request.value), int(maturity)
    now = indexed_time(session)
    days = (maturity - now + DAY - 1) // DAY if maturity > now else 0
    query = select(QuoteRecord).where(QuoteRecord.request_id == request_id)
    if only is not None:
        query = query.where(QuoteRecord.financier == only)
    quotes = session.scalars(query.order_by(QuoteRecord.quote_id))
    return [
        QuoteListItem(
            quote_id=q.quote_id,
            request_id=q.request_id,
            financier=q.financier,
            rate_bps=q.rate_bps,
            withdrawn=q.withdrawn,
            days_to_maturity=days,
            price_units=max(value - value * q.rate_bps * days // (10_000 * 365), 0),
            priced_at=now,
            block_number=q.block_number,
        )
        for q in quotes
    ]


_CERTIFICATE_WITH_DOCUMENT = select(CertificateRecord, Document.id).outerjoin(
    Document, Document.document_hash == CertificateRecord.document_hash
)


def list_certificates(
    session: Session,
    *,
    inspector: str | None,
    offset: int,
    limit: int,
    viewer: str | None = None,
) -> Page[CertificateListItem]:
    query = _CERTIFICATE_WITH_DOCUMENT
    if viewer is not None:
        query = query.where(_certificate_party(viewer))
    if inspector:
        query = query.where(CertificateRecord.inspector == inspector)
    rows = _page_rows(session, query.order_by(CertificateRecord.certificate_id), offset, limit)
    return _paged([_certificate_read(c, document_id) for c, document_id in rows], offset, limit)


def _certificate_read(c: CertificateRecord, document_id: int | None) -> CertificateListItem:
    return CertificateListItem(
        certificate_id=c.certificate_id,
        invoice_id=c.invoice_id,
        inspector=c.inspector,
        result=c.result,
        document_hash=c.document_hash,
        document_id=document_id,
        expires_at=c.expires_at,
        revoked=c.revoked,
        revoke_reason_hash=c.revoke_reason_hash,
        block_number=c.block_number,
        batch_code_hash=c.batch_code_hash,
        standard_code=c.standard_code,
    )


def get_certificate(
    session: Session, certificate_id: int, viewer: str | None = None
) -> CertificateListItem:
    """One certificate, for its inspector, its invoice's seller and buyer, and supervisors."""
    query = _CERTIFICATE_WITH_DOCUMENT.where(CertificateRecord.certificate_id == certificate_id)
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(
            "CertificateNotFound", "no such certificate", {"certificate_id": certificate_id}
        )
    if (
        viewer is not None
        and session.execute(query.where(_certificate_party(viewer))).first() is None
    ):
        raise Forbidden(
            "CertificateNotReadable",
            "only its inspector, its invoice's seller and buyer, and supervisors read a "
            "certificate",
            {"certificate_id": certificate_id, "member": viewer},
        )
    return _certificate_read(*row)


def list_fragments(
    session: Session,
    *,
    owner: str | None,
    credit_id: int | None,
    live: bool | None,
    offset: int,
    limit: int,
) -> Page[FragmentRead]:
    query = select(*FRAGMENT_COLUMNS).order_by(FragmentRecord.token_id)
    if owner:
        query = query.where(FragmentRecord.owner == owner)
    if credit_id is not None:
        query = query.where(FragmentRecord.credit_id == credit_id)
    if live is not None:
        query = query.where(FragmentRecord.redeemed.is_(not live))
    rows = _page_rows(session, query, offset, limit)
    credits = _credits_by_id(session, {f.credit_id for f in rows})
    quality = _quality_frozen(session, list(credits.values()))
    frozen = {cid for cid, c in credits.items() if c.frozen} | quality
    items = [FragmentRead(**_fragment_fields(f, f.credit_id in frozen)) for f in rows]
    _with_freezes(session, items, _credit_freezes(session, list(credits.values())))
    return _paged(items, offset, limit)


def indexer_status(session: Session, head_block: int | None) -> IndexerStatus:
    """The cursor against the chain's head, and the events the indexer quarantined."""
    cursor = session.get(IndexerCursor, INDEXER_CURSOR)
    latest = session.scalars(
        select(QuarantinedEvent)
        .order_by(QuarantinedEvent.block_number.desc(), QuarantinedEvent.log_index.desc())
        .limit(QUARANTINE_SHOWN)
    ).all()
    block_number = cursor.block_number if cursor else None
    return IndexerStatus(
        block_number=block_number,
        block_hash=cursor.block_hash if cursor else None,
        block_timestamp=cursor.block_timestamp if cursor else None,
        head_block=head_block,
        lag_blocks=None
        if head_block is None or block_number is None
        else head_block - block_number,
        quarantined_count=quarantined_count(session),
        quarantined=[
            QuarantinedEventRead(
                block_number=q.block_number,
                log_index=q.log_index,
                tx_hash=q.tx_hash,
                contract=q.contract,
                event=q.event,
                error=q.error,
                quarantined_at=q.quarantined_at,
            )
            for q in latest
        ],
    )


def quarantined_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(QuarantinedEvent)) or 0)


# ---------------------------------------------------------------------- paging


def _page(session: Session, query: Select[Any], offset: int, limit: int) -> list[Any]:
    """One row more than the page, so the caller knows whether another page follows."""
    return list(session.scalars(query.offset(offset).limit(limit + 1)))


def _page_rows(session: Session, query: Select[Any], offset: int, limit: int) -> list[Row[Any]]:
    """As `_page`, for a query of columns: whole rows, not their first column."""
    return list(session.execute(query.offset(offset).limit(limit + 1)).all())


def _paged(items: list[Any], offset: int, limit: int) -> Page[Any]:
    more = len(items) > limit
    return Page(
        items=items[:limit],
        offset=offset,
        limit=limit,
        next_offset=offset + limit if more else None,
    )


# ---------------------------------------------------------------------- write answers


def credit_of(session: Session, credit: CreditRecord) -> CreditRead:
    """A write's answer for ``credit``: the shape the reads give, with its effective freeze."""
    return _credit_read(credit, credit.credit_id in _quality_frozen(session, [credit]))


def fragment_of(session: Session, fragment: FragmentRecord) -> FragmentRead:
    """A write's answer for ``fragment``: frozen when it or its credit is (as the reads say)."""
    return fragments_of(session, [fragment])[0]


def fragments_of(session: Session, fragments: Sequence[FragmentRecord]) -> list[FragmentRead]:
    """``fragment_of`` each of ``fragments``, their credits read once."""
    credits = _credits_by_id(session, {fragment.credit_id for fragment in fragments})
    quality_frozen = _quality_frozen(session, list(credits.values()))
    frozen = {c.credit_id for c in credits.values() if c.frozen} | quality_frozen
    return [
        FragmentRead(**_fragment_fields(fragment, fragment.credit_id in frozen))  # type: ignore[arg-type]
        for fragment in fragments
    ]


def _reason_texts(session: Session, hashes: Sequence[str | None]) -> dict[str, str]:
    """The stated texts behind reason hashes anchored on-chain (those the platform was told)."""
    wanted = {h for h in hashes if h is not None}
    if not wanted:
        return {}
    query = select(ReasonText.reason_hash, ReasonText.text).where(
        ReasonText.reason_hash.in_(wanted)
    )
    return {reason_hash: text for reason_hash, text in session.execute(query).all()}


def invoice_of(invoice: InvoiceRecord, reason: str | None = None) -> InvoiceRead:
    return InvoiceRead(
        invoice_id=invoice.invoice_id,
        seller=invoice.seller,
        buyer=invoice.buyer,
        amount_units=invoice.amount,
        remaining_units=invoice.remaining,
        due_date=invoice.due_date,
        number_hash=invoice.number_hash,
        document_hash=invoice.document_hash,
        status=invoice.status,
        reason_hash=invoice.reason_hash,
        reason=reason,
        block_number=invoice.block_number,
    )


def financing_request_of(request: FinancingRequestRecord) -> FinancingRequestRead:
    """A write's answer for ``request``: the read's shape, without its credit's terms."""
    return _request_read(request, None, None, None)
