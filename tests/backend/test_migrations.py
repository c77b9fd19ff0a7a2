"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from backend.core.database import engine_for, make_engine, session_factory, transaction
from backend.core.migrate import alembic_config, load_models, run_migrations
from backend.readmodels.models import FragmentRecord, IndexerCursor

# At least these; other domains add their own tables (and migrations) on top.
CORE_TABLES = {
    "members",
    "api_keys",
    "siwe_nonces",
    "documents",
    "idempotency_records",
    "signer_nonces",
    "indexer_cursor",
    "indexed_blocks",
    "member_chain_status",
    "obligor_limits",
    "exposures",
    "invoices",
    "certificates",
    "credits",
    "fragments",
    "financing_requests",
    "quotes",
    "repayments",
    "redemptions",
    "claim_payments",
    "freezes",
    "audit_events",
    "cash_balances",
}


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head() or ""


def current_revision(url: str) -> str | None:
    with engine_for(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_creates_exactly_the_models_schema(migrated_url: str) -> None:
    metadata = load_models()
    with engine_for(migrated_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
        tables = set(inspect(connection).get_table_names())

    assert differences == []
    assert tables - {"alembic_version"} == set(metadata.tables)
    assert set(metadata.tables) >= CORE_TABLES
    assert current_revision(migrated_url) == head_revision(migrated_url)


def test_rerun_is_a_noop(migrated_url: str) -> None:
    run_migrations(migrated_url)

    assert current_revision(migrated_url) == head_revision(migrated_url)


def test_workers_migrating_at_once_both_succeed(database_url: str) -> None:
    failures: list[BaseException] = []

    def migrate() -> None:
        try:
            run_migrations(database_url)
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    workers = [threading.Thread(target=migrate) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    assert current_revision(database_url) == head_revision(database_url)


def test_sqlite_connection_waits_for_a_lock_before_switching_to_wal(tmp_path) -> None:
    # Switching a fresh database to WAL while another connection holds its write lock is
    # answered "database is locked" at once, without SQLite's busy handler: three workers
    # migrating one new database sometimes met it. A new connection now waits for the lock.
    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE held (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.3, holder.execute, args=("COMMIT",))
    released.start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
    finally:
        released.join()
        engine.dispose()
        holder.close()

    assert mode == "wal"


def test_downgrade_to_base_drops_every_table(migrated_url: str) -> None:
    command.downgrade(alembic_config(migrated_url), "base")

    with engine_for(migrated_url).connect() as connection:
        assert set(inspect(connection).get_table_names()) - {"alembic_version"} == set()


@pytest.mark.parametrize("value", [0, 1, 10**6, 2**63, 2**96 - 1, 2**256 - 1])
def test_uint256_round_trips_exactly(migrated_url: str, value: int) -> None:
    factory = session_factory(migrated_url)
    with transaction(factory) as session:
        session.add(_fragment(1, value))

    with factory() as session:
        assert session.get(FragmentRecord, 1).value == value  # type: ignore[union-attr]


def test_uint256_orders_numerically(migrated_url: str) -> None:
    factory = session_factory(migrated_url)
    values = [2**200, 9, 10, 2**64, 0]
    with transaction(factory) as session:
        session.add_all(
            _fragment(token_id, value) for token_id, value in enumerate(values, start=1)
        )

    with factory() as session:
        ordered = session.execute(
            select(FragmentRecord.value).order_by(FragmentRecord.value)
        ).scalars()
        above_ten = session.execute(
            select(FragmentRecord.value).where(FragmentRecord.value > 10)
        ).scalars()
        assert list(ordered) == sorted(values)
        assert sorted(above_ten) == [2**64, 2**200]


def test_uint256_rejects_negative_values(migrated_url: str) -> None:
    factory = session_factory(migrated_url)
    with pytest.raises(Exception, match="is not a uint256"), transaction(factory) as session:
        session.add(_fragment(1, -1))


def test_timestamps_come_back_in_utc(migrated_url: str) -> None:
    factory = session_factory(migrated_url)
    moment = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    with transaction(factory) as session:
        session.add(
            IndexerCursor(
                name="main", block_number=5, block_hash="0x" + "ab" * 32, updated_at=moment
            )
        )

    with factory() as session:
        cursor = session.get(IndexerCursor, "main")
        assert cursor is not None
        assert cursor.updated_at == moment
        assert cursor.updated_at.tzinfo is not None


def _fragment(token_id: int, value: int) -> FragmentRecord:
    return FragmentRecord(
        token_id=token_id,
        credit_id=1,
        parent_id=None,
        invoice_id=1,
        depth=0,
        owner="0x" + "11" * 20,
        value=value,
        tx_hash="0x" + "22" * 32,
        block_number=1,
        updated_block=1,
    )
