"""The read-model tables and a dump of them that two databases indexing one chain share.

Used wherever read models are compared with a fresh index of the same chain (the indexer's
tests, the cluster test against `tiercredit reindex`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.core.database import engine_for
from backend.core.migrate import load_models

READ_MODEL_TABLES = (
    "member_chain_status",
    "obligor_limits",
    "exposures",
    "cash_balances",
    "invoices",
    "certificates",
    "credits",
    "fragments",
    "financing_requests",
    "quotes",
    "repayments",
    "redemptions",
    "claim_payments",
    "claim_write_offs",
    "redemption_skips",
    "freezes",
    "audit_events",
)


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row, without surrogate ids, in a stable order."""
    metadata = load_models()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine_for(url).connect() as connection:
        for name in READ_MODEL_TABLES:
            rows = connection.execute(select(metadata.tables[name])).mappings().all()
            tables[name] = sorted(
                tuple(
                    sorted((k, str(v)) for k, v in row.items() if k not in ("id", "updated_block"))
                )
                for row in rows
            )
    return tables
