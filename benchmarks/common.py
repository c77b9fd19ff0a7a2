"""What every sub-benchmark shares: sizes, statistics, the chain, a served API, API members."""

from __future__ import annotations

import math
import os
import statistics
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from backend.chain.client import Chain
from backend.chain.connection import connect
from backend.chain.deploy import deploy_platform
from backend.chain.ids import role_id
from backend.chain.manifest import Manifest, write_manifest
from backend.chain.models import CHAIN_TABLES, SignerNonce
from backend.chain.node import LocalNode, free_port, rpc_request, start_node
from backend.chain.sender import Call, NonceAllocator, TxOutcome, TxSender
from backend.core.database import make_engine
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.demo.stack import Child, cli_command, spawn, wait_for_http

DAY = 86_400
UNIT = 10**6
BENCH_CHAIN_ID = 7360
BENCH_STATES = 256
GAS_ETHER = 10 * 10**18
# A credit line no benchmark can exhaust.
LINE = 10**12 * UNIT
# Dev accounts (Anvil's mnemonic) by use: the API's operator is account 0.
RAW_SENDER, CORE, SUPPLIER, BANK, FILLER_BANK, RELAYER = 19, 11, 12, 13, 14, 15


@dataclass(frozen=True)
class Sizes:
    """How much each sub-benchmark does; ``FULL`` is `make bench`, ``QUICK`` the smoke test."""

    repeats: int
    raw_transfers: int
    write_clients: tuple[int, ...]
    writes_per_client: int
    uvicorn_workers: int
    indexer_min_events: int
    settlement_sizes: tuple[int, ...]
    read_fragments: int
    read_fragments_per_credit: int
    read_clients: int
    read_seconds: float


FULL = Sizes(
    repeats=3,
    raw_transfers=400,
    write_clients=(1, 8, 32),
    writes_per_client=0,  # 0: scaled so each round sends about the same number of writes
    uvicorn_workers=2,
    indexer_min_events=20_000,
    settlement_sizes=(10, 100, 1_000),
    read_fragments=100_000,
    read_fragments_per_credit=100,
    read_clients=50,
    read_seconds=5,
)
QUICK = Sizes(
    repeats=1,
    raw_transfers=20,
    write_clients=(1, 2),
    writes_per_client=2,
    uvicorn_workers=1,
    indexer_min_events=300,
    settlement_sizes=(2, 3),
    read_fragments=500,
    read_fragments_per_credit=50,
    read_clients=4,
    read_seconds=1,
)


# --------------------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def noise(values: Sequence[float]) -> str:
    """IQR / median of ``values`` as a percentage, with the repeat count: how much to trust it."""
    if len(values) < 2:
        return f"n={len(values)}"
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    middle = median(values)
    spread = (q3 - q1) / middle * 100 if middle else 0.0
    return f"IQR/median {spread:.0f} %, n={len(values)}"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 is p99) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- the chain


@dataclass
class BenchChain:
    """One Anvil with the platform deployed; senders for dev accounts with nonces in one table."""

    node: LocalNode
    manifest: Manifest
    manifest_path: Path
    client: Chain
    nonces: NonceAllocator
    workdir: Path
    _senders: dict[str, TxSender] = field(default_factory=dict)

    @property
    def w3(self) -> Web3:
        return self.client.w3

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return rpc_request(self.node.url, method, params or [], timeout=60)

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def travel_to(self, timestamp: int) -> None:
        self.rpc("evm_increaseTime", [max(timestamp - self.now(), 0) + 1])
        self.rpc("evm_mine")

    def fund(self, address: str) -> None:  # direct senders only: API members need no ether
        """Gas money for a fresh key (a permissioned chain would run gas-free)."""
        self.rpc("anvil_setBalance", [address, hex(GAS_ETHER)])

    def account(self, index: int) -> LocalAccount:
        return self.node.accounts[index]

    def sender(self, signer: LocalAccount) -> TxSender:
        if signer.address not in self._senders:
            self._senders[signer.address] = TxSender(
                self.w3, signer, self.nonces, events=self.client.events, errors=self.client.errors
            )
        return self._senders[signer.address]

    def send(self, signer: LocalAccount, contract: str, function: str, *args: Any) -> TxOutcome:
        return self.sender(signer).transact(self.client.prepare(contract, function, *args))

    def onboard(self, addresses: Sequence[str], role: str) -> None:
        """The operator (account 0) onboards ``addresses`` with ``role``, pipelined."""
        calls = [
            self.client.prepare(
                "Consortium", "onboard", address, keccak(text=f"kyc:{address}"), [role_id(role)]
            )
            for address in addresses
        ]
        self.sender(self.account(0)).send_many(calls)

    def settings(self, database_url: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = dict(
            environment="test",
            rpc_url=self.node.url,
            chain_id=self.manifest.chain_id,
            deployment_manifest=self.manifest_path,
            database_url=database_url,
            keystore_dir=self.workdir / "keystore",
            keystore_password="bench-keystore-password",
            # Keys are created by the dozen during setup; scrypt would dominate it. Unlocked keys
            # are cached by the keystore, so this does not change the measured request path.
            keystore_kdf="pbkdf2",
            keystore_kdf_iterations=2,
            api_key_pepper="bench-pepper",
            log_level="WARNING",
            # Pays every member's gas: members hold no ether.
            relayer_private_key=self.account(RELAYER).key.hex(),
            # The reads benchmark reads the cache's hit ratio from /metrics.
            metrics_enabled=True,
        )
        return Settings(**{**values, **overrides}, _env_file=None)  # type: ignore[call-arg]

    def stop(self) -> None:
        self.node.stop()


def start_chain(workdir: Path) -> BenchChain:
    workdir.mkdir(parents=True, exist_ok=True)
    # Recent states only: a failed forwarded call is replayed at its batch's block, nothing
    # older is read, and a full run would otherwise write gigabytes of old states to disk.
    node = start_node(
        "anvil", chain_id=BENCH_CHAIN_ID, log_path=workdir / "anvil.log", keep_states=BENCH_STATES
    )
    try:
        w3 = connect(node.url, timeout=60)
        manifest = deploy_platform(w3, node.accounts[0])
        path = workdir / "deployment.json"
        write_manifest(path, manifest)
        client = Chain(node.url, manifest, expected_chain_id=BENCH_CHAIN_ID, request_timeout=60)
        engine = make_engine(f"sqlite:///{workdir / 'bench-nonces.db'}")
        SignerNonce.metadata.create_all(engine, tables=CHAIN_TABLES)
        return BenchChain(node, manifest, path, client, NonceAllocator(engine, client.w3), workdir)
    except BaseException:
        node.stop()
        raise


def fresh_database(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    run_migrations(url)
    return url


# --------------------------------------------------------------------------- a served API


class ApiServer:
    """The app under uvicorn in a child process (``workers`` processes), started as production
    starts it: `tiercredit serve` (uvicorn's own command line lacks the serve's TCP settings)."""

    def __init__(
        self,
        settings: Settings,
        workers: int,
        log_path: Path,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **_settings_env(settings), **(extra_env or {})}
        self.child: Child = spawn(
            "api",
            cli_command(
                "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)
            ),
            env,
            log_path,
        )
        try:
            wait_for_http(f"{self.base_url}/health", self.child, timeout=60)
        except BaseException:
            self.child.stop()
            raise

    def client(self, api_key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=120)

    def stop(self) -> None:
        self.child.stop()


def _settings_env(settings: Settings) -> dict[str, str]:
    names = (
        "environment",
        "rpc_url",
        "chain_id",
        "deployment_manifest",
        "database_url",
        "keystore_dir",
        "keystore_password",
        "keystore_kdf",
        "keystore_kdf_iterations",
        "api_key_pepper",
        "log_level",
        "relayer_private_key",
        "batch_window_ms",
        "batch_max_requests",
        "relay_batches_in_flight",
        "read_cache_entries",
        "metrics_enabled",
    )
    values = settings.model_dump()
    return {
        f"TIERCREDIT_{name.upper()}": str(values[name])
        for name in names
        if values[name] is not None and values[name] != ""
    }


@dataclass
class ApiMember:
    """A member as the API knows it, with an HTTP client authenticated as that member."""

    name: str
    address: str
    api_key: str
    http: httpx.Client = field(repr=False)
    # The member's own key when it holds it (self-custody): its writes answer 202 with the
    # typed data, which it signs here, client-side, as a bank's system would.
    key: LocalAccount | None = field(default=None, repr=False)

    def ok(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """A write that must succeed; returns its JSON (a self-signed write's: the request,
        done, as `POST /requests/{id}/signature` answers it)."""
        answer = self._post(path, body, (200, 201, 202) if self.key else (200, 201))
        if answer.get("status") != "awaiting_signature":
            return answer
        assert self.key is not None
        signed = Account.sign_typed_data(self.key.key, full_message=answer["typed_data"])
        done = self._post(
            f"/requests/{answer['request_id']}/signature",
            {"signature": Web3.to_hex(signed.signature)},
            (200, 201),
        )
        if done["status"] != "done":
            raise RuntimeError(f"{path}: the signed request ended {done['status']}: {done}")
        return done

    def _post(self, path: str, body: Mapping[str, Any] | None, statuses: tuple[int, ...]) -> Any:
        response = self.http.post(
            path, json=body, headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
        )
        if response.status_code not in statuses:
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text}")
        return response.json()


def invoice_body(chain: BenchChain, seller: ApiMember, buyer: ApiMember, amount: int) -> dict:
    number = f"INV-BENCH-{uuid.uuid4().hex[:10]}"
    return {
        "buyer": buyer.address,
        "amount_units": amount,
        "due_date": chain.now() + 180 * DAY,
        "invoice_number": number,
        "document": {
            "invoice_number": number,
            "seller": {"name": seller.name, "address": seller.address},
            "buyer": {"name": buyer.name, "address": buyer.address},
            "currency": "CNY",
            "amount_units": amount,
        },
    }


def confirmed_invoice(chain: BenchChain, seller: ApiMember, buyer: ApiMember, amount: int) -> int:
    registered = seller.ok("/invoices", invoice_body(chain, seller, buyer, amount))
    if "invoice" in registered:
        invoice_id = int(registered["invoice"]["invoice_id"])
    else:  # signed by the seller itself: the id is in the request's events
        (invoice_id,) = (
            int(event["args"]["invoiceId"])
            for event in registered["outcome"]["events"]
            if event["name"] == "InvoiceRegistered"
        )
    buyer.ok(f"/invoices/{invoice_id}/confirm")
    return invoice_id


def value_transfer(to: str, value: int) -> Call:
    return Call(to=to, data=b"", value=value)
