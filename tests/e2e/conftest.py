"""The end-to-end tests use the backend tests' databases (SQLite and a throwaway PostgreSQL)
and their live uvicorn server."""

from tests.backend.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    database_url,
    migrated_url,
    postgres_server,
    serve,
    settings,
)
