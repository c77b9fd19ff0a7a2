"""Credit-voucher writes: issue, split-transfer, freeze and unfreeze, lifting a quality freeze,
the obligor's quality rule."""

from sqlalchemy.orm import Session

from backend.api_deps import Reply
from backend.chain import consortium
from backend.chain import voucher as credit_voucher
from backend.credits.schemas import (
    CreditCreate,
    CreditFreezeWrite,
    CreditWrite,
    FragmentFreezeWrite,
    QualityFreezeLiftWrite,
    QualityRequirementWrite,
    SplitTransferCreate,
    SplitTransferWrite,
)
from backend.members.models import Member
from backend.readmodels.models import CreditRecord, FragmentRecord
from backend.reads import service as reads
from backend.reasons.service import Reason
from backend.relay import attachments as attached
from backend.writes import ChainWriter, ReasonRead, projected

# Auditors and the operator supervise: they alone freeze, unfreeze and lift quality freezes.
SUPERVISOR_ROLES = ("AUDITOR", "OPERATOR")
# Who pays its own suppliers with vouchers it holds.
HOLDER_ROLES = ("SUPPLIER", "CORE_ENTERPRISE")


def issue_credit(writer: ChainWriter, member: Member, request: CreditCreate) -> CreditWrite | Reply:
    """The obligor issues a credit against a confirmed invoice it owes; the root fragment goes
    to the invoice's seller."""
    actor = writer.authorize(member, "CORE_ENTERPRISE")
    outcome = writer.send(
        actor,
        credit_voucher.issue(
            request.invoice_id, request.face_value_units, request.maturity, request.certificate_id
        ),
        amount=request.face_value_units,
    )
    credit_id = outcome.event("CreditIssued").args["creditId"]
    return writer.record(
        outcome,
        lambda session: CreditWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=reads.credit_of(session, projected(session, CreditRecord, credit_id)),
            # The root fragment's token id is the credit id.
            root_fragment=reads.fragment_of(session, projected(session, FragmentRecord, credit_id)),
        ),
    )


def split_transfer(
    writer: ChainWriter, member: Member, token_id: int, request: SplitTransferCreate
) -> SplitTransferWrite | Reply:
    """The holder pays its supplier with part of a fragment, citing the invoice it owes."""
    actor = writer.authorize(member, *HOLDER_ROLES)
    outcome = writer.send(
        actor,
        credit_voucher.split_transfer(
            token_id, request.to, request.value_units, request.invoice_id
        ),
        amount=request.value_units,
    )
    new_token_id = outcome.event("TradeTransferred").args["toTokenId"]

    def answer(session: Session) -> SplitTransferWrite:
        source, fragment = reads.fragments_of(
            session,
            [projected(session, FragmentRecord, id_) for id_ in (token_id, new_token_id)],
        )
        return SplitTransferWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            source=source,
            fragment=fragment,
        )

    return writer.record(outcome, answer)


def set_fragment_frozen(
    writer: ChainWriter, member: Member, token_id: int, frozen: bool, reason: Reason
) -> FragmentFreezeWrite | Reply:
    """An auditor or the operator freezes or unfreezes one fragment, with a reason."""
    actor = writer.authorize(member, *SUPERVISOR_ROLES)
    outcome = writer.send(
        actor,
        credit_voucher.set_fragment_frozen(token_id, frozen, reason.digest),
        attachments=[attached.reason(member.id, reason)],
    )
    return writer.record(
        outcome,
        lambda session: FragmentFreezeWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            fragment=reads.fragment_of(session, projected(session, FragmentRecord, token_id)),
            reason=ReasonRead(reason=reason.text, reason_hash=reason.hash_hex),
        ),
    )


def set_credit_frozen(
    writer: ChainWriter, member: Member, credit_id: int, frozen: bool, reason: Reason
) -> CreditFreezeWrite | Reply:
    """An auditor or the operator freezes or unfreezes every fragment of a credit."""
    actor = writer.authorize(member, *SUPERVISOR_ROLES)
    outcome = writer.send(
        actor,
        credit_voucher.set_credit_frozen(credit_id, frozen, reason.digest),
        attachments=[attached.reason(member.id, reason)],
    )
    return writer.record(
        outcome,
        lambda session: CreditFreezeWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=reads.credit_of(session, projected(session, CreditRecord, credit_id)),
            reason=ReasonRead(reason=reason.text, reason_hash=reason.hash_hex),
        ),
    )


def lift_quality_freeze(
    writer: ChainWriter, member: Member, credit_id: int, reason: Reason
) -> QualityFreezeLiftWrite | Reply:
    """An auditor or the operator lifts, for good, the freeze a revoked or failed quality
    certificate puts on a credit; freezes of the credit or its fragments stay."""
    actor = writer.authorize(member, *SUPERVISOR_ROLES)
    outcome = writer.send(
        actor,
        credit_voucher.lift_quality_freeze(credit_id, reason.digest),
        attachments=[attached.reason(member.id, reason)],
    )
    lifted = outcome.event("QualityFreezeLifted").args
    return writer.record(
        outcome,
        lambda session: QualityFreezeLiftWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            credit=reads.credit_of(session, projected(session, CreditRecord, credit_id)),
            supervisor=lifted["supervisor"],
            reason=ReasonRead(reason=reason.text, reason_hash=reason.hash_hex),
        ),
    )


def set_quality_requirement(
    writer: ChainWriter, member: Member, required: bool
) -> QualityRequirementWrite | Reply:
    """A core enterprise states whether it issues only against certified goods."""
    actor = writer.authorize(member, "CORE_ENTERPRISE")
    outcome = writer.send(actor, consortium.set_quality_requirement(required))
    changed = outcome.event("QualityRequirementChanged").args
    return writer.record(
        outcome,
        lambda _: QualityRequirementWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            obligor=changed["obligor"],
            required=changed["required"],
        ),
    )
