"""Typed calls of the InvoiceRegistry."""

from __future__ import annotations

from backend.chain.calls import ContractCall

REGISTRY = "InvoiceRegistry"


def register(
    buyer: str, amount_units: int, due_date: int, number_hash: bytes, document_hash: bytes
) -> ContractCall:
    return ContractCall(
        REGISTRY, "register", (buyer, amount_units, due_date, number_hash, document_hash)
    )


def confirm(invoice_id: int) -> ContractCall:
    return ContractCall(REGISTRY, "confirm", (invoice_id,))


def cancel(invoice_id: int) -> ContractCall:
    return ContractCall(REGISTRY, "cancel", (invoice_id,))


def reject(invoice_id: int, reason_hash: bytes) -> ContractCall:
    return ContractCall(REGISTRY, "reject", (invoice_id, reason_hash))
