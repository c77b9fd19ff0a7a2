"""HTTP routes of invoice writes; each takes an `Idempotency-Key` and answers with the mined
transaction and the invoice as the read models now hold it."""

from fastapi import APIRouter, Response

from backend.api_deps import CurrentMember, IdempotencyDep, SettingsDep
from backend.core.inputs import IdPath
from backend.invoices import service
from backend.invoices.schemas import InvoiceCreate, InvoiceWrite
from backend.reasons.service import Reason
from backend.writes import ReasonBody, WriterDep

router = APIRouter(prefix="/invoices", tags=["invoices"])


@router.post("", status_code=201, response_model=InvoiceWrite)
def register(
    member: CurrentMember,
    body: InvoiceCreate,
    writer: WriterDep,
    settings: SettingsDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The seller (a supplier) registers an invoice; the document is hashed canonically."""
    return idempotent.respond(
        lambda: service.register_invoice(writer, member, body, settings), status_code=201
    )


@router.post("/{invoice_id}/confirm", response_model=InvoiceWrite)
def confirm(
    invoice_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The buyer confirms the invoice."""
    return idempotent.respond(lambda: service.confirm_invoice(writer, member, invoice_id))


@router.post("/{invoice_id}/reject", response_model=InvoiceWrite)
def reject(
    invoice_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The buyer rejects the invoice with a reason (text kept off-chain, hash anchored)."""
    return idempotent.respond(
        lambda: service.reject_invoice(writer, member, invoice_id, Reason(body.reason))
    )


@router.post("/{invoice_id}/cancel", response_model=InvoiceWrite)
def cancel(
    invoice_id: IdPath, member: CurrentMember, writer: WriterDep, idempotent: IdempotencyDep
) -> Response:
    """The seller withdraws the invoice before confirmation."""
    return idempotent.respond(lambda: service.cancel_invoice(writer, member, invoice_id))
