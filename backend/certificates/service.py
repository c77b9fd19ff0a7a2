"""Quality-certificate writes: issue (document anchored) and revoke (reason anchored)."""

from backend.api_deps import Reply
from backend.certificates.schemas import (
    CERTIFICATE_RESULTS,
    CertificateCreate,
    CertificateRead,
    CertificateWrite,
)
from backend.chain import quality_registry
from backend.core.settings import Settings
from backend.documents.hashing import text_hash
from backend.documents.prepare import prepare_document
from backend.members.models import Member
from backend.readmodels.models import CertificateRecord
from backend.reasons.service import Reason
from backend.relay import attachments as attached
from backend.writes import ChainWriter, projected


def issue_certificate(
    writer: ChainWriter, member: Member, request: CertificateCreate, settings: Settings
) -> CertificateWrite | Reply:
    """An inspector certifies the goods behind an invoice, pass or fail."""
    actor = writer.authorize(member, "INSPECTOR")
    document = prepare_document(writer.factory, member, "certificate", request, settings)
    outcome = writer.send(
        actor,
        quality_registry.issue(
            request.invoice_id,
            text_hash(request.batch_code),
            text_hash(request.standard_code),
            CERTIFICATE_RESULTS[request.result],
            document.digest,
            request.expires_at,
        ),
        attachments=[attached.document(document)],
    )
    certificate_id = outcome.event("CertificateIssued").args["certificateId"]
    return writer.record(
        outcome,
        lambda session: CertificateWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            certificate=CertificateRead.of(projected(session, CertificateRecord, certificate_id)),
            document_id=document.stored(session).id,
        ),
    )


def revoke_certificate(
    writer: ChainWriter, member: Member, certificate_id: int, reason: Reason
) -> CertificateWrite | Reply:
    """The issuing inspector revokes a certificate; vouchers issued against it freeze."""
    actor = writer.authorize(member, "INSPECTOR")
    outcome = writer.send(
        actor,
        quality_registry.revoke(certificate_id, reason.digest),
        attachments=[attached.reason(member.id, reason)],
    )
    return writer.record(
        outcome,
        lambda session: CertificateWrite(
            tx_hash=outcome.tx_hash,
            block_number=outcome.block_number,
            certificate=CertificateRead.of(
                projected(session, CertificateRecord, certificate_id), reason=reason.text
            ),
        ),
    )
