"""GET endpoints over the read models: lineage, portfolio, exposure, overdue, audit trail, lists.

Supervisors (auditor, operator) read everything; other members read their own portfolio,
exposure, invoices, fragments and financing requests (financiers also see every request, which
they quote on), and any credit, its lineage and any document's audit trail.
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


def _require_self_or_supervisor(member: Member, address: str) -> None:
    if address != to_checksum_address(member.address) and not _is_supervisor(member):
        raise Forbidden(
            "NotYourAccount",
            "members read only their own accounts",
            {"member": member.address, "address": address},
        )


@router.get("/credits/overdue", response_model=Page[OverdueCredit])
async def overdue(
    factory: SessionFactoryDep, _member: CurrentMember, offset: Offset = 0, limit: Limit = 100
) -> Page[OverdueCredit]:
    return await _read(
        factory, lambda session: service.overdue_credits(session, offset=offset, limit=limit)
    )


@router.get("/credits", response_model=Page[CreditRead])
@cached_read
async def credits(
    factory: SessionFactoryDep,
    _member: CurrentMember,
    obligor: str | None = None,
    status: Annotated[str | None, Query(pattern="^(active|repaid|overdue|redeemed)$")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[CreditRead]:
    wanted = _optional_address(obligor, "obligor")
    return await _read(
        factory,
        lambda session: service.list_credits(
            session, obligor=wanted, status=status, offset=offset, limit=limit
        ),
    )


@router.get("/credits/{credit_id}", response_model=CreditRead)
@cached_read
async def credit(
    credit_id: IdPath, factory: SessionFactoryDep, _member: CurrentMember
) -> CreditRead:
    return await _read(factory, lambda session: service.get_credit(session, credit_id))


@router.get("/credits/{credit_id}/lineage", response_model=CreditLineage)
@cached_read
async def lineage(
    credit_id: IdPath, factory: SessionFactoryDep, _member: CurrentMember
) -> CreditLineage:
    return await _read(factory, lambda session: service.credit_lineage(session, credit_id))


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


@router.get("/audit-trail/{document_hash}", response_model=AuditTrail)
async def document_audit_trail(
    document_hash: str, factory: SessionFactoryDep, _member: CurrentMember
) -> AuditTrail:
    if len(document_hash) != HASH_HEX_LENGTH or not document_hash.startswith("0x"):
        raise Unprocessable(
            "InvalidDocumentHash",
            "expected a 0x-prefixed 32-byte hex hash",
            {"document_hash": document_hash},
        )
    return await _read(factory, lambda session: service.audit_trail(session, document_hash))


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
    wanted_seller = _optional_address(seller, "seller")
    wanted_buyer = _optional_address(buyer, "buyer")
    party = None if _is_supervisor(member) else to_checksum_address(member.address)
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
    wanted = _optional_address(holder, "holder")
    if not _is_supervisor(member) and "FINANCIER" not in member.roles:
        wanted = to_checksum_address(member.address)
    return await _read(
        factory,
        lambda session: service.list_financing_requests(
            session, status=status, holder=wanted, offset=offset, limit=limit
        ),
    )


@router.get("/financing-requests/{request_id}/quotes", response_model=list[QuoteListItem])
async def financing_request_quotes(
    request_id: IdPath, factory: SessionFactoryDep, member: CurrentMember
) -> list[QuoteListItem]:
    """The quotes on a request with the cash each pays today: for its holder, financiers (who
    quote on every request) and supervisors."""

    def query(session: Session) -> list[QuoteListItem]:
        holder = service.financing_request_holder(session, request_id)
        if not _is_supervisor(member) and "FINANCIER" not in member.roles:
            _require_self_or_supervisor(member, to_checksum_address(holder))
        return service.request_quotes(session, request_id)

    return await _read(factory, query)


@router.get("/certificates", response_model=Page[CertificateListItem])
async def certificates(
    factory: SessionFactoryDep,
    member: CurrentMember,
    inspector: str | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[CertificateListItem]:
    """Quality certificates: supervisors read all (or one inspector's), others the ones they
    issued."""
    wanted = _optional_address(inspector, "inspector")
    if not _is_supervisor(member):
        wanted = to_checksum_address(member.address)
    return await _read(
        factory,
        lambda session: service.list_certificates(
            session, inspector=wanted, offset=offset, limit=limit
        ),
    )


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
    wanted = _optional_address(owner, "owner")
    if not _is_supervisor(member):
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
