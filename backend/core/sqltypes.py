"""Column types shared by the tables: EVM integers, addresses, hashes, UTC timestamps.

Each is stored so that SQLite and PostgreSQL give back exactly what was put in.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

UINT256_DIGITS = 78


class Uint256(TypeDecorator[int]):
    """An unsigned 256-bit integer (token values, amounts) with no loss of precision.

    PostgreSQL keeps it as NUMERIC(78, 0). SQLite would coerce large numbers to REAL, so there it is
    zero-padded decimal text: lexical order is numeric order, so comparisons and ORDER BY work.
    """

    impl = Numeric(UINT256_DIGITS, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(UINT256_DIGITS))
        return dialect.type_descriptor(Numeric(UINT256_DIGITS, 0))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value < 0 or value >= 2**256:
            raise ValueError(f"{value} is not a uint256")
        if dialect.name == "sqlite":
            return str(value).zfill(UINT256_DIGITS)
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


def Address() -> String:
    """A checksummed 0x-prefixed 20-byte address."""
    return String(42)


def Hash32() -> String:
    """A 0x-prefixed lowercase hex 32-byte hash."""
    return String(66)


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; SQLite drops the zone, so it is restored on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
