"""Chain fixtures shared by the backend and end-to-end tests: one Anvil for the session, the
platform deployed on it, and role-named funded accounts whose private keys the tests know.

The session's Anvil runs chain id 7357, not Anvil's default, so nothing can lean on 31337.
Tests that onboard members themselves (e.g. through the API) should use ``fresh_account``:
the role accounts are onboarded once by ``onboarded_roles`` for tests that need members.

Brownie's test run (tests/contracts, .venv-contracts) loads this file too. So the backend is
imported inside the fixtures, never at module level (that environment lacks its dependencies),
and no fixture takes a name of Brownie's (``chain``, ``web3``, ``accounts``, ...).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from sqlalchemy import Engine
    from web3 import Web3

    from backend.chain.client import Chain
    from backend.chain.manifest import Manifest
    from backend.chain.node import LocalNode
    from backend.chain.sender import TxSender

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# pytest puts tests/ first on sys.path for this file, where tests/backend would pass for the
# `backend` package; the project root must come first.
if sys.path[0] != str(PROJECT_ROOT):
    sys.path.insert(0, str(PROJECT_ROOT))

SESSION_CHAIN_ID = 7357
ETHER = 10**18
# Account index of each role on the session node (accounts from the known development mnemonic).
ROLE_ACCOUNTS = {
    "operator": 0,
    "core": 1,
    "core2": 2,
    "supplier1": 3,
    "supplier2": 4,
    "supplier3": 5,
    "bank_a": 6,
    "bank_b": 7,
    "inspector": 8,
    "auditor": 9,
    "stranger": 10,
}
MEMBER_ROLES = {
    "core": ["CORE_ENTERPRISE"],
    "core2": ["CORE_ENTERPRISE"],
    "supplier1": ["SUPPLIER"],
    "supplier2": ["SUPPLIER"],
    "supplier3": ["SUPPLIER"],
    "bank_a": ["FINANCIER"],
    "bank_b": ["FINANCIER"],
    "inspector": ["INSPECTOR"],
    "auditor": ["AUDITOR"],
}
# Funds fresh accounts; never a role account, so its nonces stay out of the role accounts' way.
FUNDER_INDEX = 19


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    """A local Anvil (shanghai, automine, chain id 7357) for the whole session."""
    from backend.chain.node import start_node

    node = start_node(
        "anvil", chain_id=SESSION_CHAIN_ID, log_path=tmp_path_factory.mktemp("anvil") / "anvil.log"
    )
    yield node
    node.stop()


@pytest.fixture(scope="session")
def anvil_web3(anvil: LocalNode) -> Web3:
    from web3 import Web3

    return Web3(Web3.HTTPProvider(anvil.url, request_kwargs={"timeout": 30}))


@pytest.fixture(scope="session")
def role_accounts(anvil: LocalNode) -> dict[str, LocalAccount]:
    """Funded accounts by role name (operator, core, supplier1, bank_a, ...), keys known."""
    return {name: anvil.accounts[index] for name, index in ROLE_ACCOUNTS.items()}


@pytest.fixture(scope="session")
def deployment(anvil_web3: Web3, role_accounts: dict[str, LocalAccount]) -> Manifest:
    """The platform deployed and wired on the session Anvil by the operator's key."""
    from backend.chain.deploy import deploy_platform

    return deploy_platform(anvil_web3, role_accounts["operator"])


@pytest.fixture(scope="session")
def manifest_path(deployment: Manifest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session deployment's manifest on disk (for Settings.deployment_manifest)."""
    from backend.chain.manifest import write_manifest

    path = tmp_path_factory.mktemp("deployments") / "session.json"
    write_manifest(path, deployment)
    return path


@pytest.fixture(scope="session")
def chain_client(anvil: LocalNode, deployment: Manifest) -> Chain:
    """The backend's view of the session deployment."""
    from backend.chain.client import Chain

    return Chain(anvil.url, deployment, expected_chain_id=SESSION_CHAIN_ID)


@pytest.fixture(scope="session")
def chain_db(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A SQLite database holding only the chain layer's tables (nonces, sent transactions)."""
    from backend.chain.models import CHAIN_TABLES, SignerNonce
    from backend.core.database import make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('chain-db') / 'chain.db'}")
    SignerNonce.metadata.create_all(engine, tables=CHAIN_TABLES)
    return engine


@pytest.fixture(scope="session")
def make_sender(chain_client: Chain, chain_db: Engine) -> Callable[[LocalAccount], TxSender]:
    """A TxSender for any account, with nonces from ``chain_db``."""
    from backend.chain.sender import NonceAllocator, TxSender

    nonces = NonceAllocator(chain_db, chain_client.w3)

    def make(signer: LocalAccount) -> TxSender:
        return TxSender(
            chain_client.w3, signer, nonces, events=chain_client.events, errors=chain_client.errors
        )

    return make


@pytest.fixture(scope="session")
def onboarded_roles(
    chain_client: Chain,
    role_accounts: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
) -> dict[str, LocalAccount]:
    """The role accounts, onboarded on the session deployment with the roles their names say."""
    from eth_utils import keccak

    from backend.chain.ids import role_id

    calls = [
        chain_client.prepare(
            "Consortium",
            "onboard",
            role_accounts[name].address,
            keccak(text=f"kyc:{name}"),
            [role_id(role) for role in roles],
        )
        for name, roles in MEMBER_ROLES.items()
    ]
    make_sender(role_accounts["operator"]).send_many(calls)
    return role_accounts


@pytest.fixture(scope="session")
def fresh_account(
    anvil: LocalNode, make_sender: Callable[[LocalAccount], TxSender]
) -> Callable[..., LocalAccount]:
    """Makes a new random account funded with ``ether`` (default 100) from a dedicated funder."""
    from eth_account import Account

    from backend.chain.sender import Call

    funder = make_sender(anvil.accounts[FUNDER_INDEX])

    def make(ether: int = 100) -> LocalAccount:
        account: LocalAccount = Account.create()
        funder.transact(Call(to=account.address, data=b"", value=ether * ETHER))
        return account

    return make
