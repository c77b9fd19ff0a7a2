"""Alembic migrations, applied when the app starts (and by the CLI), safe with several workers."""

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text

from backend.core.database import Base, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
# Every module that declares tables; the migrations' metadata is their union.
MODEL_MODULES = (
    "backend.members.models",
    "backend.documents.models",
    "backend.core.idempotency",
    "backend.readmodels.models",
    "backend.chain.models",
    "backend.reasons.models",
    "backend.relay.models",
)
# Arbitrary but fixed: the PostgreSQL advisory lock that serializes concurrent migrators.
MIGRATION_LOCK_ID = 0x7469657263726564


def load_models() -> MetaData:
    """Imports every table module and returns the complete metadata."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would choke on '%' in URL-encoded passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def run_migrations(database_url: str, revision: str = "head") -> None:
    """Upgrades the database to `revision`. Workers starting together wait for each other: one
    migrates while the others hold the lock, then find nothing left to do."""
    if database_url.startswith("sqlite"):
        _sqlite_parent(database_url).mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID}
                )
            elif connection.dialect.name == "sqlite":
                # pysqlite runs DDL outside any transaction unless one is begun explicitly.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _sqlite_parent(database_url: str) -> Path:
    path = database_url.split(":///", 1)[-1]
    return Path(path).parent if path and path != ":memory:" else Path(".")
