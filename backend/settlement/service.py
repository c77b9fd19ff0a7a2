"""Settlement writes: repay (with a permit), redeem, redeem a batch, claim, mark overdue."""

from backend.api_deps import Reply
from backend.cash.service import sign_permit
from backend.chain.sender import TxOutcome
from backend.credits.schemas import CreditRead, FragmentRead
from backend.members.models import Member
from backend.readmodels.models import CreditRecord, FragmentRecord
from backend.settlement.schemas import (
    BatchRedemptionWrite,
    ClaimRead,
    ClaimWrite,
    OverdueWrite,
    RedemptionWrite,
    RepaymentWrite,
)
from backend.writes import ChainWriter, projected

SETTLEMENT = "Settlement"


def repay(
    writer: ChainWriter, member: Member, credit_id: int, amount: int
) -> RepaymentWrite | Reply:
    """The obligor repays `amount` of a credit, in one go or in parts, up to its face value."""
    actor = writer.authorize(member, "CORE_ENTERPRISE")
    with writer.serialized(actor):
        permit = sign_permit(writer, actor, SETTLEMENT, amount)
        outcome = writer.send(
            actor,
            SETTLEMENT,
            "repayWithPermit",
            credit_id,
            amount,
            permit.deadline,
            permit.v,
            permit.r,
            permit.s,
        )
    repaid = outcome.event("CreditRepaid").args
    return writer.record(
        outcome,
        lambda session: RepaymentWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=CreditRead.of(projected(session, CreditRecord, credit_id)),
            amount_units=repaid["amount"],
            total_repaid_units=repaid["totalRepaid"],
        ),
    )


def redeem(writer: ChainWriter, member: Member, token_id: int) -> RedemptionWrite | Reply:
    """The holder redeems its matured fragment and is paid what has been repaid of it."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, SETTLEMENT, "redeem", token_id)
    return writer.record(
        outcome,
        lambda session: RedemptionWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            fragment=FragmentRead.of(projected(session, FragmentRecord, token_id)),
            paid_units=_paid(outcome),
            claim=_claim(writer, token_id, outcome.block_number),
        ),
    )


def redeem_batch(
    writer: ChainWriter, member: Member, token_ids: list[int]
) -> BatchRedemptionWrite | Reply:
    """Any active member pushes redemption of a bounded batch of matured fragments."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, SETTLEMENT, "redeemBatch", token_ids)
    return writer.record(
        outcome,
        lambda _: BatchRedemptionWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            paid_units=_paid(outcome),
            claims=[_claim(writer, token_id, outcome.block_number) for token_id in token_ids],
        ),
    )


def claim(writer: ChainWriter, member: Member, token_id: int) -> ClaimWrite | Reply:
    """Pays the claimant of a redeemed fragment what later repayments owe it; anyone may push."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, SETTLEMENT, "claim", token_id)
    return writer.record(
        outcome,
        lambda _: ClaimWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            paid_units=_paid(outcome),
            claim=_claim(writer, token_id, outcome.block_number),
        ),
    )


def mark_overdue(writer: ChainWriter, member: Member, credit_id: int) -> OverdueWrite | Reply:
    """Any active member marks a credit overdue once maturity plus grace passed unpaid."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, SETTLEMENT, "markOverdue", credit_id)
    return writer.record(
        outcome,
        lambda session: OverdueWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=CreditRead.of(projected(session, CreditRecord, credit_id)),
        ),
    )


def _paid(outcome: TxOutcome) -> int:
    return sum(int(event.args["amount"]) for event in outcome.events_named("ClaimPaid"))


def _claim(writer: ChainWriter, token_id: int, block: int) -> ClaimRead:
    claimant, value, paid, _ = writer.chain.read(SETTLEMENT, "claimOf", token_id, block=block)
    return ClaimRead(
        token_id=token_id,
        claimant=claimant,
        value_units=value,
        paid_units=paid,
        owed_units=writer.chain.read(SETTLEMENT, "owed", token_id, block=block),
    )
