"""Typed calls of Financing (discounting)."""

from __future__ import annotations

from backend.chain.calls import ContractCall

FINANCING = "Financing"


def request_financing(token_id: int, value_units: int, expires_at: int) -> ContractCall:
    return ContractCall(FINANCING, "requestFinancing", (token_id, value_units, expires_at))


def submit_quote(request_id: int, rate_bps: int) -> ContractCall:
    return ContractCall(FINANCING, "submitQuote", (request_id, rate_bps))


def submit_quote_with_permit(
    request_id: int, rate_bps: int, value: int, deadline: int, v: int, r: bytes, s: bytes
) -> ContractCall:
    return ContractCall(
        FINANCING, "submitQuoteWithPermit", (request_id, rate_bps, value, deadline, v, r, s)
    )


def withdraw_quote(quote_id: int) -> ContractCall:
    return ContractCall(FINANCING, "withdrawQuote", (quote_id,))


def accept(request_id: int, quote_id: int) -> ContractCall:
    return ContractCall(FINANCING, "accept", (request_id, quote_id))


def cancel(request_id: int) -> ContractCall:
    return ContractCall(FINANCING, "cancel", (request_id,))


def expire(request_id: int) -> ContractCall:
    return ContractCall(FINANCING, "expire", (request_id,))
