"""Invoice writes: register (document anchored), confirm, reject (reason anchored), cancel."""

from backend.api_deps import Reply
from backend.chain import invoice_registry
from backend.chain.calls import ContractCall
from backend.core.settings import Settings
from backend.documents.hashing import invoice_number_hash
from backend.documents.prepare import prepare_document
from backend.invoices.schemas import InvoiceCreate, InvoiceWrite
from backend.members.models import Member
from backend.readmodels.models import InvoiceRecord
from backend.reads import service as reads
from backend.reasons.service import Reason
from backend.relay import attachments as attached
from backend.writes import ChainWriter, projected

# Who buys on the platform: the core enterprise from tier 1, each supplier from the next tier.
BUYER_ROLES = ("CORE_ENTERPRISE", "SUPPLIER")


def register_invoice(
    writer: ChainWriter, member: Member, request: InvoiceCreate, settings: Settings
) -> InvoiceWrite | Reply:
    """The seller registers an invoice to its buyer; the document is stored once it is anchored."""
    actor = writer.authorize(member, "SUPPLIER")
    document = prepare_document(writer.factory, member, "invoice", request, settings)
    outcome = writer.send(
        actor,
        invoice_registry.register(
            request.buyer,
            request.amount_units,
            request.due_date,
            invoice_number_hash(request.invoice_number),
            document.digest,
        ),
        amount=request.amount_units,
        attachments=[attached.document(document)],
    )
    invoice_id = outcome.event("InvoiceRegistered").args["invoiceId"]
    return writer.record(
        outcome,
        lambda session: InvoiceWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            invoice=reads.invoice_of(projected(session, InvoiceRecord, invoice_id)),
            document_id=document.stored(session).id,
        ),
    )


def confirm_invoice(writer: ChainWriter, member: Member, invoice_id: int) -> InvoiceWrite | Reply:
    """The buyer confirms it owes the invoice: from now on it can back value."""
    return _party_action(
        writer, member, invoice_id, invoice_registry.confirm(invoice_id), BUYER_ROLES
    )


def cancel_invoice(writer: ChainWriter, member: Member, invoice_id: int) -> InvoiceWrite | Reply:
    """The seller withdraws an invoice that is not confirmed yet."""
    return _party_action(
        writer, member, invoice_id, invoice_registry.cancel(invoice_id), ("SUPPLIER",)
    )


def reject_invoice(
    writer: ChainWriter, member: Member, invoice_id: int, reason: Reason
) -> InvoiceWrite | Reply:
    """The buyer rejects the invoice; the reason's hash goes on-chain, its text stays here."""
    actor = writer.authorize(member, *BUYER_ROLES)
    outcome = writer.send(
        actor,
        invoice_registry.reject(invoice_id, reason.digest),
        attachments=[attached.reason(member.id, reason)],
    )
    return writer.record(
        outcome,
        lambda session: InvoiceWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            invoice=reads.invoice_of(
                projected(session, InvoiceRecord, invoice_id), reason=reason.text
            ),
        ),
    )


def _party_action(
    writer: ChainWriter,
    member: Member,
    invoice_id: int,
    action: ContractCall,
    roles: tuple[str, ...],
) -> InvoiceWrite | Reply:
    # Whether this member is the party is the registry's to say (InvoiceUnauthorizedParty, 403),
    # checked when the gas is estimated, before anything is sent.
    actor = writer.authorize(member, *roles)
    outcome = writer.send(actor, action)
    return writer.record(
        outcome,
        lambda session: InvoiceWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            invoice=reads.invoice_of(projected(session, InvoiceRecord, invoice_id)),
        ),
    )
