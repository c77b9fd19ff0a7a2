"""The bounds and forms of every input the API takes: ids, pages, amounts, times, addresses.

Each is found once here, so that no value a client can send reaches a query or a contract call
that cannot take it (a 5xx): the database keeps ids and page offsets as signed 64-bit integers,
the contracts take amounts as uint256. Integers written as text take ASCII digits only (Python's
``int`` would read Arabic-Indic or full-width digits too); addresses are EIP-55 with ``0x``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from eth_utils import is_checksum_address
from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator, Field

# On-chain ids are counters (uint48/uint64 in the contracts); the read models keep them as BIGINT.
MAX_ID_EXCLUSIVE = 2**63
# OFFSET is a BIGINT in both SQLite and PostgreSQL.
MAX_OFFSET_EXCLUSIVE = 2**63
MAX_PAGE = 500
UINT256_EXCLUSIVE = 2**256
# Member and document rows have INTEGER keys (32-bit on PostgreSQL).
MAX_ROW_ID_EXCLUSIVE = 2**31
ASCII_DIGITS = frozenset("0123456789")


def is_ascii_integer_text(value: str) -> bool:
    """Whether ``value`` is a non-empty run of ASCII digits 0-9 (nothing else counts)."""
    return bool(value) and ASCII_DIGITS.issuperset(value)


def _integer_or_digits(value: Any) -> Any:
    """Integers may come as JSON integers or ASCII digit strings (beyond 2**53 JavaScript needs
    strings); booleans, floats and any other digits are refused rather than coerced."""
    if isinstance(value, bool | float):
        raise ValueError("expected an integer")
    if isinstance(value, str):
        if not is_ascii_integer_text(value):
            raise ValueError("expected an integer or a string of ASCII digits 0-9")
        return int(value)
    return value


def _digits_text(value: Any) -> Any:
    """A path or query integer: ASCII digits and nothing else (Python's ``int`` would also read
    ``1_0``, `` 12``, ``+5`` and ``10.0``, so ``/credits/1_0`` would be credit 10)."""
    if isinstance(value, str) and not is_ascii_integer_text(value):
        raise ValueError("expected ASCII digits 0-9")
    return value


def _unix_seconds(value: Any) -> Any:
    """Unix seconds, or an ISO 8601 datetime (UTC when it names no zone)."""
    if isinstance(value, str) and not is_ascii_integer_text(value):
        if not value.isascii():
            raise ValueError("expected unix seconds or an ISO 8601 datetime in ASCII")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError("expected unix seconds or an ISO 8601 datetime") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return _integer_or_digits(value)


def checksummed_address(value: str) -> str:
    """``value`` itself if it is an EIP-55 checksummed, 0x-prefixed address."""
    if not is_checksum_address(value):
        raise ValueError("expected an EIP-55 checksummed 0x-prefixed address")
    return value


# --- request bodies ---------------------------------------------------------------------------

Units = Annotated[
    int,
    BeforeValidator(_integer_or_digits),
    Field(
        strict=True,
        ge=0,
        lt=UINT256_EXCLUSIVE,
        description="Amount in micro-units (6 decimals): an integer, or ASCII digits as text.",
    ),
]
Id = Annotated[
    int,
    BeforeValidator(_integer_or_digits),
    Field(strict=True, ge=0, lt=MAX_ID_EXCLUSIVE, description="An on-chain id."),
]
UnixTime = Annotated[
    int,
    BeforeValidator(_unix_seconds),
    Field(strict=True, ge=0, lt=2**63, description="Unix seconds or an ISO 8601 datetime."),
]
AddressStr = Annotated[
    str,
    Field(max_length=42, description="An EIP-55 checksummed 0x address."),
    AfterValidator(checksummed_address),
]

# --- paths and query strings ------------------------------------------------------------------

# After FastAPI's Path/Query, or the parameter's schema loses its bounds' JSON Schema names.
Digits = BeforeValidator(_digits_text)
IdPath = Annotated[int, Path(ge=0, lt=MAX_ID_EXCLUSIVE, description="An on-chain id."), Digits]
IdQuery = Annotated[int, Query(ge=0, lt=MAX_ID_EXCLUSIVE, description="An on-chain id."), Digits]
RowIdPath = Annotated[
    int, Path(ge=1, lt=MAX_ROW_ID_EXCLUSIVE, description="A stored row's id."), Digits
]
Offset = Annotated[int, Query(ge=0, lt=MAX_OFFSET_EXCLUSIVE, description="Items to skip."), Digits]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page."), Digits]
