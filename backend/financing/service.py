"""Financing writes: request, quote (with a permit, or on the financier's own approval), withdraw,
accept, cancel, expire."""

from sqlalchemy.orm import Session

from backend.api_deps import Reply
from backend.cash.service import allowance, send_drawing_cash
from backend.chain import financing
from backend.chain.calls import ContractCall
from backend.financing.schemas import (
    AcceptWrite,
    FinancingRequestCreate,
    FinancingRequestWrite,
    QuoteCreate,
    QuoteRead,
    QuoteWrite,
)
from backend.members.models import Member
from backend.readmodels.models import FinancingRequestRecord, FragmentRecord, QuoteRecord
from backend.reads import service as reads
from backend.writes import ChainWriter, projected

FINANCING = "Financing"
# Who holds vouchers and may discount them: suppliers of every tier, and banks reselling.
HOLDER_ROLES = ("SUPPLIER", "FINANCIER")
MAX_UINT256 = 2**256 - 1


def request_financing(
    writer: ChainWriter, member: Member, request: FinancingRequestCreate
) -> FinancingRequestWrite | Reply:
    """The holder locks part of a fragment and asks financiers for cash."""
    actor = writer.authorize(member, *HOLDER_ROLES)
    outcome = writer.send(
        actor,
        financing.request_financing(request.token_id, request.value_units, request.expires_at),
        amount=request.value_units,
    )
    requested = outcome.event("FinancingRequested").args
    return writer.record(
        outcome,
        lambda session: FinancingRequestWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            request=reads.financing_request_of(
                projected(session, FinancingRequestRecord, requested["requestId"])
            ),
            fragment=reads.fragment_of(
                session, projected(session, FragmentRecord, requested["tokenId"])
            ),
        ),
    )


def submit_quote(
    writer: ChainWriter, member: Member, request_id: int, quote: QuoteCreate
) -> QuoteWrite | Reply:
    """A financier quotes a rate. A custodial financier's permit adds the request's value to what
    Financing may pull, so an accepted quote pays without a separate approval and other open
    quotes keep theirs; one holding its own key approves Financing itself (POST
    /cash/approvals), and an accepted quote it has not approved enough for fails at acceptance
    with the token's `ERC20InsufficientAllowance`."""
    actor = writer.authorize(member, "FINANCIER")

    def permit_value() -> int:
        value = int(writer.chain.read(FINANCING, "request", request_id)[4])
        return min(allowance(writer, actor.address, FINANCING) + value, MAX_UINT256)

    outcome = send_drawing_cash(
        writer,
        actor,
        FINANCING,
        with_permit=lambda permit: financing.submit_quote_with_permit(
            request_id, quote.rate_bps, permit.value, permit.deadline, permit.v, permit.r, permit.s
        ),
        from_allowance=financing.submit_quote(request_id, quote.rate_bps),
        permit_value=permit_value,
    )
    quote_id = outcome.event("QuoteSubmitted").args["quoteId"]
    return writer.record(
        outcome,
        lambda session: QuoteWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            quote=QuoteRead.of(projected(session, QuoteRecord, quote_id)),
            price_units=writer.chain.read(
                FINANCING, "priceOf", request_id, quote_id, block=outcome.block_number
            )[0],
        ),
    )


def withdraw_quote(writer: ChainWriter, member: Member, quote_id: int) -> QuoteWrite | Reply:
    """The financier withdraws its quote while the request is open."""
    actor = writer.authorize(member, "FINANCIER")
    outcome = writer.send(actor, financing.withdraw_quote(quote_id))
    return writer.record(
        outcome,
        lambda session: QuoteWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            quote=QuoteRead.of(projected(session, QuoteRecord, quote_id)),
        ),
    )


def accept_quote(
    writer: ChainWriter, member: Member, request_id: int, quote_id: int
) -> AcceptWrite | Reply:
    """The holder accepts a quote: cash to the holder, fragment to the financier, atomically."""
    actor = writer.authorize(member, *HOLDER_ROLES)
    outcome = writer.send(actor, financing.accept(request_id, quote_id))

    def read(session: Session) -> AcceptWrite | Reply:
        record = projected(session, FinancingRequestRecord, request_id)
        return AcceptWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            request=reads.financing_request_of(record),
            quote=QuoteRead.of(projected(session, QuoteRecord, quote_id)),
            fragment=reads.fragment_of(
                session, projected(session, FragmentRecord, record.token_id)
            ),
            holder_cash_units=writer.chain.read(
                "SettlementToken", "balanceOf", actor.address, block=outcome.block_number
            ),
        )

    return writer.record(outcome, read)


def cancel_request(
    writer: ChainWriter, member: Member, request_id: int
) -> FinancingRequestWrite | Reply:
    """The holder cancels an open request; the fragment is unlocked."""
    return _close(writer, member, request_id, financing.cancel(request_id), HOLDER_ROLES)


def expire_request(
    writer: ChainWriter, member: Member, request_id: int
) -> FinancingRequestWrite | Reply:
    """Any active member closes a request past its expiry; the fragment is unlocked."""
    return _close(writer, member, request_id, financing.expire(request_id), ())


def _close(
    writer: ChainWriter,
    member: Member,
    request_id: int,
    action: ContractCall,
    roles: tuple[str, ...],
) -> FinancingRequestWrite | Reply:
    actor = writer.authorize(member, *roles)
    outcome = writer.send(actor, action)

    def read(session: Session) -> FinancingRequestWrite | Reply:
        record = projected(session, FinancingRequestRecord, request_id)
        return FinancingRequestWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            request=reads.financing_request_of(record),
            fragment=reads.fragment_of(
                session, projected(session, FragmentRecord, record.token_id)
            ),
        )

    return writer.record(outcome, read)
