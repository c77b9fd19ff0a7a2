"""Settlement writes: repay (with a permit, or on the obligor's own approval), redeem, redeem a
batch, claim, write off, mark overdue."""

from typing import Any

from backend.api_deps import Reply
from backend.cash.service import send_drawing_cash
from backend.chain import settlement
from backend.chain.errors import jsonable
from backend.chain.sender import TxOutcome
from backend.chain.settlement import read_claim
from backend.members.models import Member
from backend.readmodels.models import CreditRecord, FragmentRecord
from backend.reads import service as reads
from backend.reasons.service import Reason
from backend.relay import attachments as attached
from backend.settlement.schemas import (
    BatchRedemptionWrite,
    ClaimRead,
    ClaimWrite,
    OverdueWrite,
    RedemptionSkipRead,
    RedemptionWrite,
    RepaymentWrite,
    WriteOffWrite,
)
from backend.writes import ChainWriter, ReasonRead, projected

SETTLEMENT = "Settlement"


def repay(
    writer: ChainWriter, member: Member, credit_id: int, amount: int
) -> RepaymentWrite | Reply:
    """The obligor repays `amount` of a credit, in one go or in parts, up to its face value: with
    a permit its custodial key signs, or from the allowance it granted Settlement itself."""
    actor = writer.authorize(member, "CORE_ENTERPRISE")
    outcome = send_drawing_cash(
        writer,
        actor,
        SETTLEMENT,
        with_permit=lambda permit: settlement.repay_with_permit(
            credit_id, amount, permit.deadline, permit.v, permit.r, permit.s
        ),
        from_allowance=settlement.repay(credit_id, amount),
        permit_value=lambda: amount,
        amount=amount,
    )
    repaid = outcome.event("CreditRepaid").args
    return writer.record(
        outcome,
        lambda session: RepaymentWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=reads.credit_of(session, projected(session, CreditRecord, credit_id)),
            amount_units=repaid["amount"],
            total_repaid_units=repaid["totalRepaid"],
        ),
    )


def redeem(writer: ChainWriter, member: Member, token_id: int) -> RedemptionWrite | Reply:
    """The holder redeems its matured fragment and is paid what has been repaid of it."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, settlement.redeem(token_id))
    return writer.record(
        outcome,
        lambda session: RedemptionWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            fragment=reads.fragment_of(session, projected(session, FragmentRecord, token_id)),
            paid_units=_paid(outcome),
            claim=_claim(writer, token_id, outcome.block_number),
        ),
    )


def redeem_batch(
    writer: ChainWriter, member: Member, token_ids: list[int]
) -> BatchRedemptionWrite | Reply:
    """Any active member pushes redemption of a bounded batch of matured fragments; what the
    voucher refuses to redeem is skipped, with its reason, and the rest is paid."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, settlement.redeem_batch(token_ids))
    redeemed = [int(e.args["tokenId"]) for e in outcome.events_named("FragmentRedeemed")]
    skipped = [_skip(writer, e.args) for e in outcome.events_named("RedemptionSkipped")]
    return writer.record(
        outcome,
        lambda _: BatchRedemptionWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            paid_units=_paid(outcome),
            claims=[_claim(writer, token_id, outcome.block_number) for token_id in redeemed],
            skipped=skipped,
        ),
    )


def claim(writer: ChainWriter, member: Member, token_id: int) -> ClaimWrite | Reply:
    """Pays the claimant of a redeemed fragment what later repayments owe it; anyone may push."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, settlement.claim(token_id))
    return writer.record(
        outcome,
        lambda _: ClaimWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            paid_units=_paid(outcome),
            claim=_claim(writer, token_id, outcome.block_number),
        ),
    )


def write_off(
    writer: ChainWriter, member: Member, token_id: int, reason: Reason
) -> WriteOffWrite | Reply:
    """The claimant of a redeemed fragment's claim that counts toward its exposure writes the
    unpaid rest off it; the claim stays payable if the obligor repays later.

    No role is asked for: the exposure follows the value, so a claimant whose financier role was
    revoked still writes off its claim. The contract authorizes by claimant, and its refusal
    (SettlementNotClaimant, 403, with the token and the caller) comes at gas estimation, before
    anything is sent."""
    actor = writer.authorize(member)
    outcome = writer.send(
        actor,
        settlement.write_off(token_id, reason.digest),
        attachments=[attached.reason(member.id, reason)],
    )
    amount = int(outcome.event("ClaimWrittenOff").args["amount"])
    return writer.record(
        outcome,
        lambda _: WriteOffWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            written_off_units=amount,
            claim=_claim(writer, token_id, outcome.block_number),
            reason=ReasonRead(reason=reason.text, reason_hash=reason.hash_hex),
        ),
    )


def mark_overdue(writer: ChainWriter, member: Member, credit_id: int) -> OverdueWrite | Reply:
    """Any active member marks a credit overdue once maturity plus grace passed unpaid."""
    actor = writer.authorize(member)
    outcome = writer.send(actor, settlement.mark_overdue(credit_id))
    return writer.record(
        outcome,
        lambda session: OverdueWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=reads.credit_of(session, projected(session, CreditRecord, credit_id)),
        ),
    )


def _paid(outcome: TxOutcome) -> int:
    return sum(int(event.args["amount"]) for event in outcome.events_named("ClaimPaid"))


def _claim(writer: ChainWriter, token_id: int, block: int) -> ClaimRead:
    claim = read_claim(writer.chain, token_id, block=block)
    return ClaimRead(
        token_id=token_id,
        claimant=claim.claimant,
        value_units=claim.value,
        paid_units=claim.paid,
        owed_units=writer.chain.read(SETTLEMENT, "owed", token_id, block=block),
        held_as_financier=claim.held_as_financier,
        written_off=claim.written_off,
    )


def _skip(writer: ChainWriter, args: dict[str, Any]) -> RedemptionSkipRead:
    refusal = writer.chain.errors.decode(bytes(args["reason"]), contract="CreditVoucher")
    return RedemptionSkipRead(
        token_id=int(args["tokenId"]),
        error=refusal.name,
        args={k: jsonable(v) for k, v in refusal.error_args.items()},
    )
