"""GET endpoints over the read models: lineage, portfolio, exposure, overdue, audit trail, lists.

Supervisors (auditor, operator) read everything. Other members read what they are party to
(backend/reads/service.py says exactly what): lists answer only that; asking for another
member's account (`/portfolios/{other}`, `/fragments?owner=other`, ...) is refused with 403
`NotYourAccount`, and one thing the member is no party to with 403 `<Thing>NotReadable`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from backend.api_deps import CurrentMember, SessionFactoryDep
from backend.core.errors import Forbidden, Unprocessable
from backend.core.inputs import IdPath, IdQuery, Limit, Offset, checksummed_address
from backend.members.models import Member
from backend.reads import service
from backend.reads.cache import cached_read
from backend.reads.schemas import (
    AuditTrail,
    CertificateListItem,
    CreditLineage,
    CreditRead,
    ExposureRead,
    FinancingRequestRead,
    FragmentRead,
    IndexerStatus,
    InvoiceRead,
    ObligorCreditLines,
    OverdueCredit,
    Page,
    Portfolio,
    QuoteListItem,
)

router = APIRouter(tags=["reads"])
log = logging.getLogger(__name__)
T = TypeVar("T")

SUPERVISOR_ROLES = frozenset({"AUDITOR", "OPERATOR"})
HASH_HEX_LENGTH = 66


def _address(value: str, name: str) -> str:
    try:
        return checksummed_address(value)
    except ValueError as exc:
        raise Unprocessable("InvalidAddress", f"{name}: {exc}", {name: value}) from exc


def _optional_address(value: str | None, name: str) -> str | None:
    return None if value is None else _address(value, name)


async def _read(factory: sessionmaker[Session], query: Callable[[Session], T]) -> T:
    """Runs ``query`` in a session of its own, in one trip to the thread pool.

    Every read endpoint is `async def` and goes through here: a SessionDep and a plain `def`
    endpoint cost three more trips per request (opening the session, the endpoint, closing it)
    plus one to validate the answer.
    """

    def run() -> T:
        with factory() as session:
            return query(session)

    return await run_in_threadpool(run)


def _is_supervisor(member: Member) -> bool:
    return bool(SUPERVISOR_ROLES.intersection(member.roles))


def _viewer(member: Member) -> str | None:
    """Whose view the service answers: None for a supervisor, who reads everything."""
    return None if _is_supervisor(member) else to_checksum_address(member.address)


def _is_financier(member: Member) -> bool:
    return "FINANCIER" in member.roles


def _require_self_or_supervisor(member: Member, address: str) -> None:
    if address != to_checksum_address(member.address) and not _is_supervisor(member):
        raise Forbidden(
            "NotYourAccount",
            "members read only their own accounts",
            {"member": member.address, "address": address},
        )


@router.get("/credits/overdue", response_model=Page[OverdueCredit])
async def overdue(
    factory: SessionFactoryDep, member: CurrentMember, offset: Offset = 0, limit: Limit = 100
) -> Page[OverdueCredit]:
    viewer = _viewer(member)
    return await _read(
        factory,
        lambda session: service.overdue_credits(session, offset=offset, limit=limit, viewer=viewer),
    )


@router.get("/credits", response_model=Page[CreditRead])
@cached_read
async def credits(
    factory: SessionFactoryDep,
    member: CurrentMember,
    obligor: str | None = None,
    status: Annotated[str | None, Query(pattern="^(active|repaid|overdue|redeemed)$")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[CreditRead]:
    """Credits the member owes, holds or held a fragment of (supervisors: all)."""
    wanted = _optional_address(obligor, "obligor")
    viewer = _viewer(member)
    return await _read(
        factory,
        lambda session: service.list_credits(
            session, obligor=wanted, status=status, offset=offset, limit=limit, viewer=viewer
        ),
    )


@router.get("/credits/{credit_id}", response_model=CreditRead)
@cached_read
async def credit(
    credit_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> CreditRead:
    """For its obligor, members that hold or held a fragment of it, and supervisors."""
    viewer = _viewer(member)
    return await _read(factory, lambda session: service.get_credit(session, credit_id, viewer))


@router.get("/credits/{credit_id}/lineage", response_model=CreditLineage)
@cached_read
async def lineage(
    credit_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> CreditLineage:
    """The whole tree for its obligor and supervisors; for a holder, the path from the root
    through its own fragments and what came of them, with its own discount prices only."""
    viewer = _viewer(member)
    return await _read(factory, lambda session: service.credit_lineage(session, credit_id, viewer))


@router.get("/portfolios/{address}", response_model=Portfolio)
@cached_read
async def member_portfolio(
    address: str,
    factory: SessionFactoryDep,
    member: CurrentMember,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Portfolio:
    account = _address(address, "address")
    _require_self_or_supervisor(member, account)
    return await _read(
        factory, lambda session: service.portfolio(session, account, offset=offset, limit=limit)
    )


@router.get("/financiers/{address}/exposures", response_model=list[ExposureRead])
@cached_read
async def financier_exposures(
    address: str, factory: SessionFactoryDep, member: CurrentMember
) -> list[ExposureRead]:
    account = _address(address, "address")
    _require_self_or_supervisor(member, account)
    return await _read(factory, lambda session: service.exposures(session, account))


@router.get("/obligors/{address}/credit-lines", response_model=ObligorCreditLines)
@cached_read
async def obligor_credit_lines(
    address: str, factory: SessionFactoryDep, member: CurrentMember
) -> ObligorCreditLines:
    """A core enterprise's issuance quota by credit line, used and free: every line for the
    obligor itself and supervisors, its own line for a financier that granted one; anyone else
    403 NotYourAccount."""
    obligor = _address(address, "address")
    viewer = _viewer(member)
    return await _read(
        factory, lambda session: service.obligor_credit_lines(session, obligor, viewer)
    )


@router.get("/audit-trail/{document_hash}", response_model=AuditTrail)
async def document_audit_trail(
    document_hash: str, factory: SessionFactoryDep, member: CurrentMember
) -> AuditTrail:
    """For the document's parties (an invoice's seller and buyer; a certificate's inspector and
    its invoice's seller and buyer) and supervisors."""
    if len(document_hash) != HASH_HEX_LENGTH or not document_hash.startswith("0x"):
        raise Unprocessable(
            "InvalidDocumentHash",
            "expected a 0x-prefixed 32-byte hex hash",
            {"document_hash": document_hash},
        )
    viewer = _viewer(member)
    return await _read(factory, lambda session: service.audit_trail(session, document_hash, viewer))


@router.get("/invoices", response_model=Page[InvoiceRead])
async def invoices(
    factory: SessionFactoryDep,
    member: CurrentMember,
    seller: str | None = None,
    buyer: str | None = None,
    status: Annotated[
        str | None, Query(pattern="^(registered|confirmed|rejected|cancelled)$")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[InvoiceRead]:
    """Invoices the member issued or owes (supervisors: all); `seller` and `buyer` filter them."""
    wanted_seller = _optional_address(seller, "seller")
    wanted_buyer = _optional_address(buyer, "buyer")
    party = _viewer(member)
    return await _read(
        factory,
        lambda session: service.list_invoices(
            session,
            seller=wanted_seller,
            buyer=wanted_buyer,
            status=status,
            offset=offset,
            limit=limit,
            party=party,
        ),
    )


@router.get("/financing-requests", response_model=Page[FinancingRequestRead])
@cached_read
async def financing_requests(
    factory: SessionFactoryDep,
    member: CurrentMember,
    status: Annotated[str | None, Query(pattern="^(open|accepted|cancelled|expired)$")] = None,
    holder: str | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[FinancingRequestRead]:
    """Requests the member made; a financier's also those open (it may quote on them) and those
    it quoted on or bought; supervisors all. `holder` other than itself is refused to a member
    that is neither (403 NotYourAccount)."""
    wanted = _optional_address(holder, "holder")
    financier = _is_financier(member)
    if wanted is not None and not financier:
        _require_self_or_supervisor(member, wanted)
    viewer = _viewer(member)
    return await _read(
        factory,
        lambda session: service.list_financing_requests(
            session,
            status=status,
            holder=wanted,
            offset=offset,
            limit=limit,
            viewer=viewer,
            financier=financier,
        ),
    )


@router.get("/financing-requests/{request_id}", response_model=FinancingRequestRead)
@cached_read
async def financing_request(
    request_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> FinancingRequestRead:
    """One request, for those who may read it in the list above."""
    viewer, financier = _viewer(member), _is_financier(member)
    return await _read(
        factory,
        lambda session: service.get_financing_request(session, request_id, viewer, financier),
    )


@router.get("/financing-requests/{request_id}/quotes", response_model=list[QuoteListItem])
async def financing_request_quotes(
    request_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> list[QuoteListItem]:
    """The quotes on a request with the cash each pays today: every quote for its holder (who
    compares them) and supervisors; a financier's own for a financier that may read it."""
    viewer, financier = _viewer(member), _is_financier(member)
    return await _read(
        factory, lambda session: service.request_quotes(session, request_id, viewer, financier)
    )


@router.get("/certificates", response_model=Page[CertificateListItem])
async def certificates(
    factory: SessionFactoryDep,
    member: CurrentMember,
    inspector: str | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[CertificateListItem]:
    """Quality certificates the member issued or that cover an invoice it issued or owes
    (supervisors: all); `inspector` filters them."""
    wanted = _optional_address(inspector, "inspector")
    viewer = _viewer(member)
    return await _read(
        factory,
        lambda session: service.list_certificates(
            session, inspector=wanted, offset=offset, limit=limit, viewer=viewer
        ),
    )


@router.get("/certificates/{certificate_id}", response_model=CertificateListItem)
@cached_read
async def certificate(
    certificate_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> CertificateListItem:
    """One certificate, for its inspector, its invoice's seller and buyer, and supervisors."""
    viewer = _viewer(member)
    return await _read(
        factory, lambda session: service.get_certificate(session, certificate_id, viewer)
    )


@router.get("/invoices/{invoice_id}", response_model=InvoiceRead)
@cached_read
async def invoice(
    invoice_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> InvoiceRead:
    """One invoice, for its seller, its buyer and supervisors."""
    viewer = _viewer(member)
    return await _read(factory, lambda session: service.get_invoice(session, invoice_id, viewer))


@router.get("/fragments", response_model=Page[FragmentRead])
@cached_read
async def fragments(
    factory: SessionFactoryDep,
    member: CurrentMember,
    owner: str | None = None,
    credit_id: IdQuery | None = None,
    live: bool | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[FragmentRead]:
    """The member's own fragments (supervisors: anyone's); `owner` other than itself is
    refused (403 NotYourAccount)."""
    wanted = _optional_address(owner, "owner")
    if wanted is not None:
        _require_self_or_supervisor(member, wanted)
    elif not _is_supervisor(member):
        wanted = to_checksum_address(member.address)
    return await _read(
        factory,
        lambda session: service.list_fragments(
            session, owner=wanted, credit_id=credit_id, live=live, offset=offset, limit=limit
        ),
    )


@router.get("/indexer/status", response_model=IndexerStatus)
async def status(request: Request, factory: SessionFactoryDep) -> IndexerStatus:
    """How far the indexer is behind the chain's head, and the events it quarantined."""
    head = await run_in_threadpool(chain_head, request.app.state.chain_provider)
    return await _read(factory, lambda session: service.indexer_status(session, head))


def chain_head(provider: Callable[[], Any]) -> int | None:
    """The chain's latest block number, or None when no chain is configured or it is down."""
    try:
        return int(provider().w3.eth.block_number)
    except Exception:  # any failure to answer: the status shows the head as unknown
        log.debug("chain head unreadable", exc_info=True)
        return None
