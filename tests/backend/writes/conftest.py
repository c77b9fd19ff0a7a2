"""Fixtures of the write-API tests: a private chain for the session, and per test (on SQLite and
on PostgreSQL) the app served over HTTP with the consortium onboarded through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from backend.core.settings import Settings
from tests.consortium_api import Consortium, PrivateChain, build_consortium, start_private_chain

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer

WRITES_CHAIN_ID = 7358


@pytest.fixture(scope="session")
def private_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateChain]:
    chain = start_private_chain(tmp_path_factory.mktemp("writes-chain"), WRITES_CHAIN_ID)
    yield chain
    chain.node.stop()


@pytest.fixture
def write_settings(settings: Settings, private_chain: PrivateChain) -> Settings:
    return private_chain.settings_for(settings)


@pytest.fixture
def api(
    serve: Callable[..., LiveServer], write_settings: Settings, private_chain: PrivateChain
) -> LiveServer:
    return serve(write_settings, chain=private_chain.client)


@pytest.fixture
def consortium(
    api: LiveServer, private_chain: PrivateChain, write_settings: Settings
) -> Iterator[Consortium]:
    consortium = build_consortium(api, private_chain, write_settings)
    yield consortium
    consortium.close()
