"""HTTP shapes of quality-certificate writes and of the certificate state they answer with."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.core.inputs import Id, UnixTime
from backend.documents.prepare import AnchoredDocument
from backend.readmodels.models import CertificateRecord
from backend.writes import TxRead

# IQualityRegistry.CertificateResult by name.
CERTIFICATE_RESULTS = {"pass": 1, "fail": 2}


class CertificateCreate(AnchoredDocument):
    """An inspector certifies the goods behind an invoice."""

    invoice_id: Id
    result: Literal["pass", "fail"]
    batch_code: str = Field(
        min_length=1, max_length=200, description="Only its keccak-256 goes on-chain."
    )
    standard_code: str = Field(
        min_length=1,
        max_length=200,
        description="The standard inspected against, e.g. `GB/T 19001`; anchored as keccak-256.",
    )
    expires_at: UnixTime


class CertificateRead(BaseModel):
    certificate_id: int
    invoice_id: int
    inspector: str
    result: str
    batch_code_hash: str
    standard_code: str = Field(description="keccak-256 of the standard code, as anchored.")
    document_hash: str
    expires_at: int
    revoked: bool
    revoke_reason_hash: str | None
    reason: str | None = None

    @classmethod
    def of(cls, record: CertificateRecord, **extra: Any) -> "CertificateRead":
        return cls(
            certificate_id=record.certificate_id,
            invoice_id=record.invoice_id,
            inspector=record.inspector,
            result=record.result,
            batch_code_hash=record.batch_code_hash,
            standard_code=record.standard_code,
            document_hash=record.document_hash,
            expires_at=record.expires_at,
            revoked=record.revoked,
            revoke_reason_hash=record.revoke_reason_hash,
            **extra,
        )


class CertificateWrite(TxRead):
    certificate: CertificateRead
    document_id: int | None = None
