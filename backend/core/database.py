"""SQLAlchemy 2 engine and sessions; SQLite by default, PostgreSQL in production."""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every table."""


# As many connections as QueuePool's defaults allowed at once (5 + 10 overflow), all kept open:
# with only 5 kept, every burst of concurrent requests opened (and set up) fresh connections and
# closed them again, which cost more than the reads themselves.
SQLITE_POOL_SIZE = 15
# How long a SQLite connection waits for another connection's lock, in seconds.
SQLITE_BUSY_TIMEOUT = 30


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        # An in-memory database has a single-connection pool of its own, which takes no sizes.
        in_memory = make_url(database_url).database in (None, "", ":memory:")
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT},
            **({} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 0}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # Foreign keys are off by default in SQLite.
            cursor.execute("PRAGMA foreign_keys=ON")
            _enable_wal(cursor)
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Puts the database in WAL mode, so readers and the indexer's writer work side by side.

    Switching a new database to WAL needs it to itself, and SQLite answers "database is locked"
    at once, without its busy handler, while another connection holds a lock (several workers
    migrating one fresh database at start did). So this waits here, as long as a busy wait would.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


@lru_cache
def engine_for(database_url: str) -> Engine:
    return make_engine(database_url)


def session_factory(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(database_url), expire_on_commit=False)


_sqlite_writers: dict[str, threading.RLock] = {}
_sqlite_writers_guard = threading.Lock()


@contextmanager
def writer_turn(engine: Engine | None) -> Iterator[None]:
    """On SQLite, this process's write transactions take turns behind one lock per database.

    SQLite has one writer at a time. A connection that finds the write lock taken sleeps in
    SQLite's busy handler in growing steps (1, 2, 5, 10, … 100 ms), so it wakes long after the
    lock was freed: with a few concurrent writers most of the time went to sleeping. A lock in
    the process hands the turn over at once; only other processes' writers still meet the busy
    handler. Reentrant, so a nested write in the same thread fares as before.
    """
    if engine is None or engine.dialect.name != "sqlite":
        yield
        return
    with _sqlite_writers_guard:
        lock = _sqlite_writers.setdefault(str(engine.url), threading.RLock())
    with lock:
        yield


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error."""
    with writer_turn(factory.kw.get("bind")), factory() as session, session.begin():
        yield session


@contextmanager
def connection(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """`transaction` for Core statements: a connection in a transaction, no ORM session (whose
    unit of work costs more CPU than a short write's statements), same turn at the writer."""
    engine = factory.kw["bind"]
    with writer_turn(engine), engine.begin() as conn:
        yield conn
