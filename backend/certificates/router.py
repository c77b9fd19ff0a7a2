"""HTTP routes of quality-certificate writes (inspectors); idempotent by `Idempotency-Key`."""

from fastapi import APIRouter, Response

from backend.api_deps import CurrentMember, IdempotencyDep, SettingsDep
from backend.certificates import service
from backend.certificates.schemas import CertificateCreate, CertificateWrite
from backend.core.inputs import IdPath
from backend.reasons.service import Reason
from backend.writes import ReasonBody, WriterDep

router = APIRouter(prefix="/certificates", tags=["certificates"])


@router.post("", status_code=201, response_model=CertificateWrite)
def issue(
    member: CurrentMember,
    body: CertificateCreate,
    writer: WriterDep,
    settings: SettingsDep,
    idempotent: IdempotencyDep,
) -> Response:
    """An inspector certifies the goods behind an invoice (pass or fail) until `expires_at`."""
    return idempotent.respond(
        lambda: service.issue_certificate(writer, member, body, settings), status_code=201
    )


@router.post("/{certificate_id}/revoke", response_model=CertificateWrite)
def revoke(
    certificate_id: IdPath,
    member: CurrentMember,
    body: ReasonBody,
    writer: WriterDep,
    idempotent: IdempotencyDep,
) -> Response:
    """The issuing inspector revokes its certificate with a reason."""
    return idempotent.respond(
        lambda: service.revoke_certificate(writer, member, certificate_id, Reason(body.reason))
    )
