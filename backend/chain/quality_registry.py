"""Typed calls of the QualityRegistry."""

from __future__ import annotations

from backend.chain.calls import ContractCall

REGISTRY = "QualityRegistry"


def issue(
    invoice_id: int,
    batch_code_hash: bytes,
    standard_code: bytes,
    result: int,
    document_hash: bytes,
    expires_at: int,
) -> ContractCall:
    return ContractCall(
        REGISTRY,
        "issue",
        (invoice_id, batch_code_hash, standard_code, result, document_hash, expires_at),
    )


def revoke(certificate_id: int, reason_hash: bytes) -> ContractCall:
    return ContractCall(REGISTRY, "revoke", (certificate_id, reason_hash))
