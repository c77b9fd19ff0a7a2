"""A consortium driven through the HTTP API, on a private Anvil: used by the write tests and e2e.

The chain is private (not the session's shared Anvil) because these tests move its clock to
maturity and pause the platform; nothing else may see that. The only things done outside the
API are what a test bench does to a chain: funding fresh custodial keys with gas
(``anvil_setBalance``) and time travel (``evm_increaseTime`` + ``evm_mine``).
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from backend.chain.client import Chain
from backend.chain.connection import connect
from backend.chain.deploy import deploy_platform
from backend.chain.manifest import Manifest, write_manifest
from backend.chain.node import LocalNode, rpc_request, start_node
from backend.core.database import session_factory, transaction
from backend.core.settings import Settings
from backend.members import service as members_service
from backend.members.auth import issue_api_key
from backend.members.keystore import Keystore
from backend.members.models import Member

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer

DAY = 86_400
UNIT = 10**6  # SettlementToken and voucher values have 6 decimals
GAS_FUNDING_WEI = 10 * 10**18
# A credit line large enough that no test runs into quota or exposure limits by accident.
LINE = 10**9 * UNIT
# The cast of a consortium: member name -> roles granted at onboarding.
CAST: dict[str, list[str]] = {
    "core": ["CORE_ENTERPRISE"],
    "supplier1": ["SUPPLIER"],
    "supplier2": ["SUPPLIER"],
    "supplier3": ["SUPPLIER"],
    "bank_a": ["FINANCIER"],
    "bank_b": ["FINANCIER"],
    "inspector": ["INSPECTOR"],
    "auditor": ["AUDITOR"],
}
_numbers = itertools.count(1)


@dataclass
class PrivateChain:
    """An Anvil of its own with the platform deployed by its first account (the operator)."""

    node: LocalNode
    manifest: Manifest
    manifest_path: Path
    client: Chain

    @property
    def url(self) -> str:
        return self.node.url

    @property
    def operator_key(self) -> str:
        return self.node.accounts[0].key.hex()

    @property
    def relayer_key(self) -> str:
        """The account that relays members' requests and pays their gas (members hold none)."""
        return self.node.accounts[9].key.hex()

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return rpc_request(self.url, method, params or [])

    def now(self) -> int:
        """The latest block's timestamp: the chain's clock, which time travel moves."""
        return int(self.client.w3.eth.get_block("latest")["timestamp"])

    def block_number(self) -> int:
        return int(self.client.w3.eth.block_number)

    def travel_to(self, timestamp: int) -> None:
        """Mines a block at or just after `timestamp`."""
        self.rpc("evm_increaseTime", [max(timestamp - self.now(), 0) + 1])
        self.rpc("evm_mine")

    def fund(self, address: str) -> None:
        """Gives a fresh custodial key gas money (a permissioned chain would run gas-free)."""
        self.rpc("anvil_setBalance", [address, hex(GAS_FUNDING_WEI)])

    def settings_for(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "rpc_url": self.url,
                "chain_id": self.manifest.chain_id,
                "deployment_manifest": self.manifest_path,
                "relayer_private_key": self.relayer_key,
            }
        )


def start_private_chain(directory: Path, chain_id: int, *, gas_free: bool = False) -> PrivateChain:
    node = start_node(
        "anvil", chain_id=chain_id, log_path=directory / "anvil.log", gas_free=gas_free
    )
    try:
        manifest = deploy_platform(connect(node.url), node.accounts[0])
        path = directory / "deployment.json"
        write_manifest(path, manifest)
        return PrivateChain(
            node, manifest, path, Chain(node.url, manifest, expected_chain_id=chain_id)
        )
    except BaseException:
        node.stop()
        raise


@dataclass
class Party:
    """A member as the API knows it, with an HTTP client authenticated as that member."""

    name: str
    member_id: int
    address: str
    api_key: str
    http: httpx.Client = field(repr=False)

    def post(
        self, path: str, body: Mapping[str, Any] | None = None, *, key: str | None = None
    ) -> httpx.Response:
        """A write with a fresh Idempotency-Key (or `key`, to retry)."""
        return self.http.post(
            path, json=body, headers={"Idempotency-Key": key or f"test-{uuid.uuid4().hex}"}
        )

    def ok(self, path: str, body: Mapping[str, Any] | None = None, status: int = 200) -> Any:
        """A write that must succeed with `status`; returns its JSON."""
        response = self.post(path, body)
        assert response.status_code == status, (path, response.status_code, response.text)
        return response.json()


class Consortium:
    """The operator plus the cast, onboarded through POST /members on a private chain."""

    def __init__(self, server: LiveServer, chain: PrivateChain, settings: Settings) -> None:
        self.server = server
        self.chain = chain
        self.settings = settings
        self.parties: dict[str, Party] = {}

    def __getitem__(self, name: str) -> Party:
        return self.parties[name]

    def keystore(self) -> Keystore:
        return Keystore(
            self.settings.keystore_dir,
            self.settings.keystore_password,
            kdf=self.settings.keystore_kdf,
            iterations=self.settings.keystore_kdf_iterations,
        )

    def register_operator(self) -> Party:
        issued = members_service.register_operator(
            session_factory(self.settings.database_url),
            self.keystore(),
            self.settings.api_key_pepper,
            name="Consortium Operator",
            private_key=self.chain.operator_key,
            kyc_reference="KYC-OPERATOR",
        )
        return self._party("operator", issued.member.id, issued.member.address, issued.api_key)

    def onboard(self, name: str, roles: list[str], *, address: str | None = None) -> Party:
        """Onboards `name` through the operator: with a custodial key, or holding its own key
        (or being a contract wallet) at `address`."""
        operator = self.parties["operator"]
        body: dict[str, Any] = {
            "name": name,
            "roles": roles,
            "kyc_reference": f"KYC-{name}-{uuid.uuid4().hex[:8]}",
        }
        if address is not None:
            body["address"] = address
        answer = operator.ok("/members", body, status=201)
        member = answer["member"]
        return self._party(name, member["id"], member["address"], answer["api_key"])

    def stranger(self) -> Party:
        """A member of the database with a custodial key that the chain never onboarded."""
        address = self.keystore().create()
        return self.recorded_member("stranger", address, custodial=True)

    def recorded_member(self, name: str, address: str, *, custodial: bool) -> Party:
        """A member written straight into this database (what onboarding recorded elsewhere)."""
        factory = session_factory(self.settings.database_url)
        with transaction(factory) as session:
            member = Member(
                name=name,
                address=address,
                roles=["SUPPLIER"],
                custodial=custodial,
                status="active",
                kyc_hash="0x" + "00" * 32,
            )
            session.add(member)
            session.flush()
            api_key = issue_api_key(
                session, member, self.settings.api_key_pepper, kind="onboarding"
            )
            member_id = member.id
        return self._party(name, member_id, address, api_key)

    def _party(self, name: str, member_id: int, address: str, api_key: str) -> Party:
        party = Party(name, member_id, address, api_key, self.server.client(api_key))
        self.parties[name] = party
        return party

    def close(self) -> None:
        for party in self.parties.values():
            party.http.close()


def build_consortium(
    server: LiveServer,
    chain: PrivateChain,
    settings: Settings,
    cast: Mapping[str, list[str]] = CAST,
) -> Consortium:
    consortium = Consortium(server, chain, settings)
    consortium.register_operator()
    for name, roles in cast.items():
        consortium.onboard(name, roles)
    return consortium


# --- the story's steps, through the API ----------------------------------------------------------


def invoice_document(seller: Party, buyer: Party, amount: int, number: str) -> dict[str, Any]:
    return {
        "invoice_number": number,
        "seller": {"name": seller.name, "address": seller.address},
        "buyer": {"name": buyer.name, "address": buyer.address},
        "currency": "CNY",
        "amount_units": amount,
        "lines": [
            {"sku": f"SKU-{uuid.uuid4().hex[:6]}", "quantity": 1, "unit_price_units": amount}
        ],
    }


def register_invoice(
    chain: PrivateChain, seller: Party, buyer: Party, amount: int, *, due_in_days: int = 90
) -> dict[str, Any]:
    number = f"INV-{next(_numbers)}-{uuid.uuid4().hex[:8]}"
    return seller.ok(
        "/invoices",
        {
            "buyer": buyer.address,
            "amount_units": amount,
            "due_date": chain.now() + due_in_days * DAY,
            "invoice_number": number,
            "document": invoice_document(seller, buyer, amount, number),
        },
        status=201,
    )


def confirmed_invoice(chain: PrivateChain, seller: Party, buyer: Party, amount: int) -> int:
    invoice_id = int(register_invoice(chain, seller, buyer, amount)["invoice"]["invoice_id"])
    buyer.ok(f"/invoices/{invoice_id}/confirm")
    return invoice_id


def issued_credit(
    chain: PrivateChain,
    consortium: Consortium,
    face_value: int,
    *,
    maturity_days: int = 60,
    supplier: str = "supplier1",
) -> dict[str, Any]:
    """bank_a grants core a line, supplier sells to core, core issues against the invoice."""
    core, seller = consortium["core"], consortium[supplier]
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    invoice_id = confirmed_invoice(chain, seller, core, face_value)
    return core.ok(
        "/credits",
        {
            "invoice_id": invoice_id,
            "face_value_units": face_value,
            "maturity": chain.now() + maturity_days * DAY,
        },
        status=201,
    )


# --- /metrics ----------------------------------------------------------------------------------

_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})? (?P<value>\S+)$")


def samples(http: httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics by (name, labels)."""
    response = http.get("/metrics")
    assert response.status_code == 200, response.text
    found = {}
    for line in response.text.splitlines():
        match = _SAMPLE.match(line)
        if match is None:
            continue
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match["labels"] or ""))
        found[(match["name"], labels)] = float(match["value"])
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in found, f"{name}{labels} not in /metrics"
    return found[key]
