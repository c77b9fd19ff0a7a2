"""The indexer: follows the platform's logs into the read models, batch by batch.

Each batch [cursor + 1, cursor + batch] (never past head - confirmations) is fetched with one
eth_getLogs over every platform address, decoded with the precomputed decoders and projected in
one database transaction together with the new cursor and the hashes of its blocks, so a crash
anywhere leaves either the whole batch or none of it. An event the read models cannot take is
quarantined (``quarantined_events``, logged, counted by /metrics and GET /indexer/status) and
skipped: the rest of the batch is applied and the indexer goes on. Reorgs show up as a stored
hash the chain no longer has: the read models are unwound to the last common block and indexing
resumes there.
One indexer per database: a PostgreSQL advisory lock, or a lease row on SQLite.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import Chain
from backend.chain.errors import ChainUnavailable
from backend.chain.sender import node_errors
from backend.core.database import session_factory, transaction
from backend.core.settings import Settings
from backend.indexer.reorg import unwind
from backend.readmodels.models import (
    AuditEvent,
    CreditRecord,
    IndexedBlock,
    IndexerCursor,
    read_models_changed,
)
from backend.readmodels.projector import ProjectionResult, project_or_quarantine

log = logging.getLogger(__name__)

DEFAULT_CURSOR = "main"
# Blocks this close to the head get their hash stored (every one), so a fork point is found exactly.
REORG_WINDOW = 128
# Arbitrary but fixed: the PostgreSQL advisory lock that makes one indexer per database.
INDEXER_LOCK_ID = 0x74696572696E6478
LEASE_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 10.0


class IndexerAlreadyRunning(RuntimeError):
    """Another indexer holds this database's indexer lock."""


class ReorgTooDeep(RuntimeError):
    """No stored block is still on the chain: the fork is older than what the indexer remembers."""


class _ChainMoved(Exception):
    """The chain changed under a batch while it was read; read it again."""


@dataclass(frozen=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int


class Follower:
    """Indexes the deployment that ``chain``'s manifest describes into ``factory``'s database."""

    def __init__(
        self,
        chain: Chain,
        factory: sessionmaker[Session],
        *,
        batch_blocks: int = 2_000,
        confirmations: int = 0,
        name: str = DEFAULT_CURSOR,
        reorg_window: int = REORG_WINDOW,
    ) -> None:
        self.chain = chain
        self.factory = factory
        self.batch_blocks = batch_blocks
        self.confirmations = confirmations
        self.name = name
        self.reorg_window = reorg_window
        self.addresses = list(chain.manifest.contracts.values())

    # ------------------------------------------------------------------ RPC

    def _rpc(self, method: str, params: list[Any]) -> Any:
        with node_errors():
            response = self.chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method}: {response['error']}")
        return response["result"]

    def _head(self) -> int:
        return int(self._rpc("eth_blockNumber", []), 16)

    def _headers(self, numbers: Sequence[int]) -> dict[int, Header]:
        """Block headers by number, fetched in JSON-RPC batches; a missing block is left out."""
        found: dict[int, Header] = {}
        for start in range(0, len(numbers), 200):
            requests = [
                ("eth_getBlockByNumber", [hex(n), False]) for n in numbers[start : start + 200]
            ]
            with node_errors():
                responses = self.chain.w3.provider.make_batch_request(requests)  # type: ignore[arg-type]
            if not isinstance(responses, list):
                raise RuntimeError(f"eth_getBlockByNumber batch: {responses.get('error')}")
            for response in responses:
                block = response.get("result")
                if block:
                    header = Header(
                        int(block["number"], 16),
                        block["hash"],
                        block["parentHash"],
                        int(block["timestamp"], 16),
                    )
                    found[header.number] = header
        return found

    def _logs(self, start: int, end: int) -> list[dict[str, Any]]:
        """The platform's logs in [start, end]; halves the range when the node refuses its size."""
        try:
            logs: list[dict[str, Any]] = self._rpc(
                "eth_getLogs",
                [{"fromBlock": hex(start), "toBlock": hex(end), "address": self.addresses}],
            )
            return logs
        except RuntimeError:
            if end == start:
                raise
            middle = (start + end) // 2
            return self._logs(start, middle) + self._logs(middle + 1, end)

    # ------------------------------------------------------------------ cursor

    def _cursor(self, session: Session) -> IndexerCursor | None:
        return session.get(IndexerCursor, self.name)

    def cursor_block(self) -> int:
        """The last indexed block (the block before the deployment when nothing is indexed yet)."""
        with self.factory() as session:
            cursor = self._cursor(session)
            return cursor.block_number if cursor else self.chain.manifest.deployment_block - 1

    # ------------------------------------------------------------------ indexing

    def index_once(self, max_batches: int | None = None, until: int | None = None) -> int:
        """Indexes up to head - confirmations (``max_batches`` at most, no further than block
        ``until``); returns events applied."""
        applied = 0
        batches = 0
        self._check_reorg()
        target = self._target(until)
        while True:
            start = self.cursor_block() + 1
            if start > target or (max_batches is not None and batches >= max_batches):
                return applied
            end = min(start + self.batch_blocks - 1, target)
            try:
                applied += self._index_batch(start, end, target)
            except _ChainMoved:
                self._check_reorg()
                target = self._target(until)
                continue
            batches += 1

    def _target(self, until: int | None) -> int:
        confirmed = self._head() - self.confirmations
        return confirmed if until is None else min(confirmed, until)

    def _check_reorg(self) -> None:
        """Unwinds the read models if a block the indexer stored is no longer on the chain."""
        with self.factory() as session:
            stored = session.execute(
                select(IndexedBlock.number, IndexedBlock.hash).order_by(IndexedBlock.number.desc())
            ).all()
        if not stored:
            return
        latest_number, latest_hash = stored[0]
        live = self._headers([latest_number]).get(latest_number)
        if live is not None and live.hash == latest_hash:
            return
        common: Header | None = None
        for start in range(0, len(stored), 64):
            chunk = stored[start : start + 64]
            headers = self._headers([number for number, _ in chunk])
            for number, block_hash in chunk:
                header = headers.get(number)
                if header is not None and header.hash == block_hash:
                    common = header
                    break
            if common is not None:
                break
        if common is None:
            raise ReorgTooDeep(f"none of the {len(stored)} stored blocks is on the chain any more")
        log.warning("reorg: blocks after %s changed; unwinding", common.number)
        with transaction(self.factory) as session:
            unwind(session, self.chain, common.number + 1)
            self._save_cursor(session, common)

    def _index_batch(self, start: int, end: int, head: int) -> int:
        tail_from = max(start, head - self.reorg_window)
        tail = list(range(tail_from, end + 1)) if tail_from <= end else []
        before = self._headers(sorted({end, *tail}))
        logs = self._logs(start, end)
        after = self._headers([end])
        if end not in before or end not in after or before[end].hash != after[end].hash:
            raise _ChainMoved
        events = self.chain.events.decode_all(logs)
        log_hashes = {int(entry["blockNumber"], 16): entry["blockHash"] for entry in logs}
        timestamps = {
            int(entry["blockNumber"], 16): int(entry["blockTimestamp"], 16)
            for entry in logs
            if "blockTimestamp" in entry
        }
        untimed = sorted(set(log_hashes) - set(timestamps) - set(before))
        fetched = self._headers(untimed) if untimed else {}
        for number, header in (before | fetched).items():
            timestamps.setdefault(number, header.timestamp)
        block_hashes = log_hashes | {number: header.hash for number, header in before.items()}
        with transaction(self.factory) as session:
            cursor = self._cursor(session)
            if cursor is not None and cursor.block_number != start - 1:
                raise _ChainMoved
            self._unwind_orphans(session, start, end, block_hashes)
            result = project_or_quarantine(session, events, block_timestamps=timestamps)
            self._fill_timestamps(session, start, end, timestamps)
            self._save_blocks(session, [before[n] for n in sorted(before)])
            self._save_cursor(session, before[end])
        _report_quarantined(result)
        if result.applied:
            log.info(
                "indexed blocks %s-%s: %s events (%s already projected)",
                start,
                end,
                result.applied,
                result.skipped,
            )
        return result.applied

    def _unwind_orphans(
        self, session: Session, start: int, end: int, block_hashes: Mapping[int, str]
    ) -> None:
        """The API may have projected blocks ahead of the cursor that a reorg has since replaced."""
        audit = AuditEvent.__table__
        projected = session.execute(
            select(audit.c.block_number, audit.c.block_hash)
            .where(audit.c.block_number.between(start, end))
            .distinct()
        ).all()
        stale = [
            number for number, block_hash in projected if block_hashes.get(number) != block_hash
        ]
        if stale:
            # Unwound from the batch start, not the stale block: contract state at the cursor is
            # what the read models hold once the write path's projections above it are gone.
            log.warning("reorg: projected block %s is not on the chain; unwinding", min(stale))
            unwind(session, self.chain, start)

    def _fill_timestamps(
        self, session: Session, start: int, end: int, timestamps: Mapping[int, int]
    ) -> None:
        """The write path projects without block times; they are known here."""
        audit, credits = AuditEvent.__table__, CreditRecord.__table__
        untimed = (
            session.execute(
                select(audit.c.block_number)
                .where(audit.c.block_number.between(start, end), audit.c.block_timestamp == 0)
                .distinct()
            )
            .scalars()
            .all()
        )
        filled = [number for number in untimed if number in timestamps]
        for number in filled:
            moment = timestamps[number]
            session.execute(
                update(audit)
                .where(audit.c.block_number == number, audit.c.block_timestamp == 0)
                .values(block_timestamp=moment)
            )
            session.execute(
                update(credits)
                .where(credits.c.block_number == number, credits.c.issued_at == 0)
                .values(issued_at=moment)
            )
        if filled:
            read_models_changed(session)

    def _save_blocks(self, session: Session, headers: Sequence[Header]) -> None:
        if not headers:
            return
        table = IndexedBlock.__table__
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["number"],
            set_={"hash": statement.excluded.hash, "parent_hash": statement.excluded.parent_hash},
        )
        session.execute(
            statement,
            [{"number": h.number, "hash": h.hash, "parent_hash": h.parent_hash} for h in headers],
        )
        # Past the window only sparse anchors stay (catch-up batch ends): the band just behind the
        # window is thinned each time, so following the head keeps about one window of hashes.
        newest = headers[-1].number
        session.execute(
            delete(table).where(
                table.c.number.between(
                    newest - 2 * self.reorg_window, newest - self.reorg_window - 1
                ),
                table.c.number.not_in([h.number for h in headers]),
            )
        )

    def _save_cursor(self, session: Session, header: Header) -> None:
        cursor = self._cursor(session)
        if cursor is None:
            session.add(
                IndexerCursor(
                    name=self.name,
                    block_number=header.number,
                    block_hash=header.hash,
                    block_timestamp=header.timestamp,
                )
            )
        else:
            cursor.block_number = header.number
            cursor.block_hash = header.hash
            cursor.block_timestamp = header.timestamp
        session.flush()


def _report_quarantined(result: ProjectionResult) -> None:
    for refusal in result.quarantined:
        event = refusal.event
        log.error(
            "quarantined %s.%s at block %s (tx 0x%s, log %s): %s",
            event.contract,
            event.name,
            event.block_number,
            bytes(event.transaction_hash).hex(),
            event.log_index,
            refusal.error,
        )


# ---------------------------------------------------------------------- one indexer per database


class IndexerLock:
    """Held by the one running indexer: a session-level advisory lock on PostgreSQL, on SQLite a
    lease row (``indexer_cursor`` named ``lock:<name>``) that the holder renews and that lapses
    after ``lease_seconds`` if its holder died."""

    def __init__(
        self, engine: Engine, name: str = DEFAULT_CURSOR, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.engine = engine
        self.row_name = f"lock:{name}"[:32]
        self.lease = timedelta(seconds=lease_seconds)
        # The holder's pid and a random nonce; the row's block number stays 0 so that a reader
        # taking the highest cursor never mistakes the lease for indexing progress.
        self.token = f"{os.getpid()}:{uuid.uuid4().hex}"
        self._connection: Connection | None = None

    def acquire(self) -> None:
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            held = connection.execute(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": INDEXER_LOCK_ID}
            ).scalar()
            connection.commit()
            if not held:
                connection.close()
                raise IndexerAlreadyRunning("another indexer holds this database's advisory lock")
            self._connection = connection
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            table = IndexerCursor.__table__
            row = (
                connection.execute(select(table).where(table.c.name == self.row_name))
                .mappings()
                .first()
            )
            now = datetime.now(UTC)
            if row is not None and row["block_hash"] != self.token:
                renewed = (
                    row["updated_at"].replace(tzinfo=UTC)
                    if row["updated_at"].tzinfo is None
                    else row["updated_at"]
                )
                if now - renewed < self.lease:
                    connection.rollback()
                    raise IndexerAlreadyRunning(
                        f"indexer process {row['block_hash'].split(':')[0]} holds the lease"
                    )
                connection.execute(delete(table).where(table.c.name == self.row_name))
            if row is None or row["block_hash"] != self.token:
                connection.execute(
                    table.insert().values(
                        name=self.row_name, block_number=0, block_hash=self.token, updated_at=now
                    )
                )
            connection.commit()

    def renew(self) -> None:
        """Extends the SQLite lease; raises if another indexer took it over meanwhile. On
        PostgreSQL the lock lives as long as its connection: one a restart of the server cut is
        replaced and the lock taken again (IndexerAlreadyRunning if another indexer has it now;
        the database's error while it is still down, and the next renew tries again)."""
        if self.engine.dialect.name == "postgresql":
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT 1"))
                    self._connection.commit()
                    return
                except DBAPIError:
                    self._drop_connection()
                    log.warning("the indexer lock's connection was lost; taking the lock again")
            self.acquire()
            return
        table = IndexerCursor.__table__
        with self.engine.begin() as connection:
            renewed = connection.execute(
                update(table)
                .where(table.c.name == self.row_name, table.c.block_hash == self.token)
                .values(updated_at=datetime.now(UTC))
            ).rowcount
        if renewed != 1:
            raise IndexerAlreadyRunning("the indexer lease lapsed and was taken over")

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": INDEXER_LOCK_ID}
                )
                self._connection.commit()
                self._connection.close()
            except DBAPIError:
                # The connection is gone, and the lock with it.
                self._drop_connection()
            self._connection = None
            return
        if self.engine.dialect.name != "postgresql":
            table = IndexerCursor.__table__
            with self.engine.begin() as connection:
                connection.execute(
                    delete(table).where(
                        table.c.name == self.row_name, table.c.block_hash == self.token
                    )
                )

    @contextmanager
    def held(self) -> Iterator[IndexerLock]:
        self.acquire()
        try:
            yield self
        finally:
            self.release()


def _follower(settings: Settings, chain: Chain | None) -> tuple[Follower, Engine]:
    factory = session_factory(settings.database_url)
    follower = Follower(
        chain or Chain.from_settings(settings),
        factory,
        batch_blocks=settings.indexer_batch_blocks,
        confirmations=settings.confirmations,
    )
    engine = factory.kw["bind"]
    return follower, engine


def index_once(settings: Settings, chain: Chain | None = None) -> int:
    """One pass up to the head under the indexer lock; returns the number of events applied."""
    follower, engine = _follower(settings, chain)
    with IndexerLock(engine).held():
        return follower.index_once()


def _what(exc: Exception) -> str:
    return "database" if isinstance(exc, OperationalError) else "chain"


def run_indexer(
    settings: Settings, stop_event: threading.Event, chain: Chain | None = None
) -> None:
    """Follows the chain until ``stop_event`` is set; a node that goes away is waited for."""
    follower, engine = _follower(settings, chain)
    with IndexerLock(engine).held() as lock:
        backoff = settings.indexer_poll_seconds
        while not stop_event.is_set():
            started = time.monotonic()
            try:
                # First: after a database restart the lock is taken again before indexing.
                lock.renew()
                follower.index_once()
                backoff = settings.indexer_poll_seconds
            except (ChainUnavailable, OperationalError) as exc:
                backoff = min(max(backoff * 2, settings.indexer_poll_seconds), MAX_BACKOFF_SECONDS)
                log.warning("%s unavailable (%s); retrying in %.1f s", _what(exc), exc, backoff)
            log.debug("indexer pass took %.3f s", time.monotonic() - started)
            stop_event.wait(backoff)
