"""Database and app fixtures of the backend tests.

Every database test runs twice: on SQLite and on PostgreSQL. PostgreSQL is a throwaway server
(initdb + pg_ctl in a temporary directory, on a free port and a private socket directory) started
once per session from /usr/lib/postgresql/*/bin by backend.devtools.postgres (which the
benchmarks use too); where those binaries are absent the PostgreSQL half is skipped with a loud
warning, never silently.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from eth_account import Account

from backend.api import create_app
from backend.chain.node import free_port
from backend.core.database import engine_for, session_factory, transaction
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.devtools.postgres import POSTGRES_BIN_GLOB, PostgresServer, postgres_bin
from backend.devtools.postgres import postgres_server as start_postgres
from backend.indexer.follower import Follower
from backend.members.auth import issue_api_key
from backend.members.models import Member
from tests.backend.indexer_flow import ROLE_ACCOUNTS, Platform


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The throwaway server of backend.devtools.postgres, once per session."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        message = (
            f"PostgreSQL binaries not found under {POSTGRES_BIN_GLOB}: "
            "the PostgreSQL half of the database tests is SKIPPED"
        )
        print(f"\n!!! {message} !!!")
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    with start_postgres(bin_dir) as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tiercredit.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database("test")
    url = server.url(name)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        server.drop_database(name)


@pytest.fixture
def migrated_url(database_url: str) -> str:
    run_migrations(database_url)
    return database_url


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=migrated_url,
        keystore_dir=tmp_path / "keystore",
        keystore_password="test-keystore-password",
        # Cheap key derivation: the tests create many keys; production keeps scrypt.
        keystore_kdf="pbkdf2",
        keystore_kdf_iterations=2,
        api_key_pepper="test-pepper",
        rpc_url="",
        chain_id=None,
        siwe_domain="tiercredit.test",
        siwe_uri="https://tiercredit.test",
        _env_file=None,  # type: ignore[call-arg]
    )


class LiveServer:
    """The real app served by uvicorn over HTTP on a free port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)

    def client(self, api_key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)


@pytest.fixture
def serve() -> Iterator[Callable[..., LiveServer]]:
    """Serves `create_app(settings, **kwargs)` over real HTTP; stops it afterwards."""
    servers: list[LiveServer] = []

    def start(settings: Settings, **kwargs: Any) -> LiveServer:
        server = LiveServer(create_app(settings, **kwargs))
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(serve: Callable[..., LiveServer], settings: Settings) -> LiveServer:
    return serve(settings)


@dataclass(frozen=True)
class Credential:
    member: Member
    api_key: str


@pytest.fixture
def make_member(settings: Settings) -> Callable[..., Credential]:
    """Records a member with an API key straight in the database (no chain): for tests of what
    happens after onboarding. Onboarding itself, with its chain call, is tested on Anvil."""
    factory = session_factory(settings.database_url)

    def make(roles: list[str], *, address: str | None = None, name: str = "Member") -> Credential:
        with transaction(factory) as session:
            member = Member(
                name=name,
                address=address or Account.create().address,
                roles=roles,
                custodial=address is None,
                status="active",
                kyc_hash="0x" + "00" * 32,
            )
            session.add(member)
            session.flush()
            api_key = issue_api_key(session, member, settings.api_key_pepper, kind="onboarding")
        return Credential(member, api_key)

    return make


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The scripted business and maturity days (tests/backend/indexer_flow.py) on an Anvil of
    the test module's own."""
    platform = Platform.start(tmp_path_factory.mktemp("reads-day"))
    platform.business_day()
    platform.maturity_day()
    yield platform
    platform.node.stop()


@pytest.fixture
def day_client(
    day: Platform,
    settings: Settings,
    serve: Callable[..., LiveServer],
    make_member: Callable[..., Credential],
) -> Callable[[str], httpx.Client]:
    """An HTTP client as one of the day's members (by its name in ROLE_ACCOUNTS, with its roles
    there; the operator with OPERATOR), after the indexer caught up."""
    Follower(day.chain, session_factory(settings.database_url)).index_once()
    server = serve(settings, chain=day.chain)
    keys = {
        name: make_member(roles or ["OPERATOR"], address=day.address(name), name=name).api_key
        for name, (_, roles) in ROLE_ACCOUNTS.items()
    }
    return lambda who: server.client(keys[who])
