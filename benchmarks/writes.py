"""Write throughput: split-transfers per second through the HTTP API beside the raw ceiling.

The raw ceiling is web3.py alone: one key signs plain value transfers and sends them to the same
node, pipelined (all sent, then the last receipt awaited) and one at a time (send, wait, next).
An API write is measured end to end: HTTP request to the answer, which comes after the receipt
and after the receipt's events are projected into the read models.

The API rounds run twice, the same way: on SQLite, then on PostgreSQL (a throwaway server from
backend.devtools.postgres, one fresh database) when its server binaries are on the machine. Where
they are not, only SQLite is measured and the result says why (``postgres_missing``).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account

from backend.chain.fees import fee_fields
from backend.core.database import engine_for, session_factory
from backend.core.migrate import run_migrations
from backend.devtools.postgres import POSTGRES_BIN_GLOB, postgres_bin, postgres_server
from backend.members import service as members_service
from backend.members.keystore import Keystore
from benchmarks.common import (
    DAY,
    LINE,
    RAW_SENDER,
    UNIT,
    ApiMember,
    ApiServer,
    BenchChain,
    Sizes,
    confirmed_invoice,
    fresh_database,
    median,
    noise,
)

FACE = 1_000_000 * UNIT
TRANSFER_GAS = 21_000


@dataclass
class RawCeiling:
    pipelined: list[float] = field(default_factory=list)
    sequential: list[float] = field(default_factory=list)


SQLITE, POSTGRESQL = "sqlite", "postgresql"
DATABASE_NAMES = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}


@dataclass
class WriteRound:
    database: str
    clients: int
    same_member: bool
    writes: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.writes / self.seconds


@dataclass
class WriteResult:
    raw: RawCeiling
    rounds: list[WriteRound]
    workers: int
    # Why PostgreSQL was not measured (its binaries are absent); None when it was.
    postgres_missing: str | None = None

    @property
    def databases(self) -> list[str]:
        return [
            name for name in (SQLITE, POSTGRESQL) if any(r.database == name for r in self.rounds)
        ]

    def _rounds(self, database: str, clients: int, same_member: bool) -> list[WriteRound]:
        return [
            r
            for r in self.rounds
            if r.database == database and r.clients == clients and r.same_member == same_member
        ]

    def rates(
        self, clients: int, *, same_member: bool = False, database: str = SQLITE
    ) -> list[float]:
        return [r.rate for r in self._rounds(database, clients, same_member)]

    def latencies(
        self, clients: int, *, same_member: bool = False, database: str = SQLITE
    ) -> list[float]:
        return [
            latency for r in self._rounds(database, clients, same_member) for latency in r.latencies
        ]


# --------------------------------------------------------------------------- raw ceiling


def raw_ceiling(chain: BenchChain, sizes: Sizes) -> RawCeiling:
    """Plain value transfers from one key with web3.py, pipelined and one at a time."""
    w3 = chain.w3
    signer = chain.account(RAW_SENDER)
    to = Account.create().address
    result = RawCeiling()
    for _ in range(sizes.repeats):
        count = sizes.raw_transfers
        started = time.perf_counter()
        fees = fee_fields(w3)
        nonce = w3.eth.get_transaction_count(signer.address, "pending")
        last = b""
        for offset in range(count):
            tx = {
                "to": to,
                "value": 1,
                "gas": TRANSFER_GAS,
                "nonce": nonce + offset,
                "chainId": chain.manifest.chain_id,
                **fees,
            }
            last = w3.eth.send_raw_transaction(signer.sign_transaction(tx).raw_transaction)
        w3.eth.wait_for_transaction_receipt(last, poll_latency=0.01)
        result.pipelined.append(count / (time.perf_counter() - started))

        count = max(sizes.raw_transfers // 4, 5)
        started = time.perf_counter()
        nonce = w3.eth.get_transaction_count(signer.address, "pending")
        for offset in range(count):
            tx = {
                "to": to,
                "value": 1,
                "gas": TRANSFER_GAS,
                "nonce": nonce + offset,
                "chainId": chain.manifest.chain_id,
                **fee_fields(w3),
            }
            sent = w3.eth.send_raw_transaction(signer.sign_transaction(tx).raw_transaction)
            w3.eth.wait_for_transaction_receipt(sent, poll_latency=0.01)
        result.sequential.append(count / (time.perf_counter() - started))
    return result


# --------------------------------------------------------------------------- the API


@dataclass
class Holder:
    """A supplier holding a credit's root fragment, owing the receiver on a large invoice."""

    member: ApiMember
    token_id: int
    invoice_id: int


class WriteStack:
    """The API served over uvicorn with a consortium onboarded through it."""

    def __init__(
        self, chain: BenchChain, database: str, database_url: str, holders: int, workers: int
    ) -> None:
        self.chain = chain
        self.database = database
        # Its own keystore, so one database's members never meet the other's keys.
        self.settings = chain.settings(
            database_url, keystore_dir=chain.workdir / f"keystore-writes-{database}"
        )
        keystore = Keystore(
            self.settings.keystore_dir,
            self.settings.keystore_password,
            kdf=self.settings.keystore_kdf,
            iterations=self.settings.keystore_kdf_iterations,
        )
        issued = members_service.register_operator(
            session_factory(self.settings.database_url),
            keystore,
            self.settings.api_key_pepper,
            name="Bench Operator",
            private_key=chain.account(0).key.hex(),
            kyc_reference="KYC-BENCH-OPERATOR",
        )
        self.server = ApiServer(
            self.settings, workers, chain.workdir / f"api-writes-{database}.log"
        )
        self.members: list[ApiMember] = []
        self.operator = self._member("operator", issued.member.address, issued.api_key)
        self.core = self.onboard("core", "CORE_ENTERPRISE")
        self.bank = self.onboard("bank", "FINANCIER")
        self.receiver = self.onboard("receiver", "SUPPLIER")
        suppliers = [self.onboard(f"holder{i}", "SUPPLIER") for i in range(holders)]
        self.bank.ok("/credit-lines", {"obligor": self.core.address, "limit_units": LINE})
        with ThreadPoolExecutor(8) as pool:
            self.holders = list(pool.map(self._holder, suppliers))

    def _member(self, name: str, address: str, api_key: str) -> ApiMember:
        member = ApiMember(name, address, api_key, self.server.client(api_key))
        self.members.append(member)
        return member

    def onboard(self, name: str, role: str) -> ApiMember:
        answer = self.operator.ok(
            "/members", {"name": name, "roles": [role], "kyc_reference": f"KYC-BENCH-{name}"}
        )
        member = answer["member"]
        return self._member(name, member["address"], answer["api_key"])

    def _holder(self, supplier: ApiMember) -> Holder:
        invoice_id = confirmed_invoice(self.chain, supplier, self.core, FACE)
        issued = self.core.ok(
            "/credits",
            {
                "invoice_id": invoice_id,
                "face_value_units": FACE,
                "maturity": self.chain.now() + 90 * DAY,
            },
        )
        owed = confirmed_invoice(self.chain, self.receiver, supplier, FACE)
        return Holder(supplier, int(issued["credit"]["credit_id"]), owed)

    def split_transfer(self, holder: Holder) -> float:
        """One split-transfer of one unit to the receiver; returns its latency in seconds."""
        started = time.perf_counter()
        holder.member.ok(
            f"/fragments/{holder.token_id}/split-transfer",
            {"to": self.receiver.address, "value_units": UNIT, "invoice_id": holder.invoice_id},
        )
        return time.perf_counter() - started

    def round(self, clients: int, per_client: int, *, same_member: bool) -> WriteRound:
        """``clients`` threads, each sending ``per_client`` writes back to back."""
        actors = [self.holders[0] if same_member else self.holders[i] for i in range(clients)]
        start = threading.Barrier(clients + 1)
        latencies: list[list[float]] = [[] for _ in range(clients)]

        def client(index: int) -> None:
            start.wait()
            for _ in range(per_client):
                latencies[index].append(self.split_transfer(actors[index]))

        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(client, i) for i in range(clients)]
            start.wait()
            started = time.perf_counter()
            for future in futures:
                future.result()
            seconds = time.perf_counter() - started
        flat = [latency for per in latencies for latency in per]
        return WriteRound(self.database, clients, same_member, len(flat), seconds, flat)

    def close(self) -> None:
        for member in self.members:
            member.http.close()
        self.server.stop()


def writes_per_client(sizes: Sizes, clients: int) -> int:
    """Each round sends about the same number of writes, at least four per client."""
    return sizes.writes_per_client or max(4, 64 // clients)


def measure(chain: BenchChain, sizes: Sizes, database: str, database_url: str) -> list[WriteRound]:
    """Every API round on one database (migrated, empty): the same levels and repeats on each."""
    stack = WriteStack(
        chain, database, database_url, max(sizes.write_clients), sizes.uvicorn_workers
    )
    rounds: list[WriteRound] = []
    try:
        # Warm-up: every worker connects to the chain and loads its keys once.
        stack.round(min(4, max(sizes.write_clients)), 1, same_member=False)
        for _ in range(sizes.repeats):
            for clients in sizes.write_clients:
                per_client = writes_per_client(sizes, clients)
                rounds.append(stack.round(clients, per_client, same_member=False))
            shared = sorted(sizes.write_clients)[len(sizes.write_clients) // 2]
            rounds.append(stack.round(shared, writes_per_client(sizes, shared), same_member=True))
    finally:
        stack.close()
        engine_for(database_url).dispose()
    return rounds


def run(chain: BenchChain, sizes: Sizes) -> WriteResult:
    raw = raw_ceiling(chain, sizes)
    rounds = measure(chain, sizes, SQLITE, fresh_database(chain.workdir, "writes"))
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing = f"PostgreSQL server binaries (initdb, pg_ctl) not found under {POSTGRES_BIN_GLOB}"
        return WriteResult(raw, rounds, sizes.uvicorn_workers, postgres_missing=missing)
    with postgres_server(bin_dir) as server:
        url = server.url(server.create_database("bench_writes"))
        run_migrations(url)
        rounds += measure(chain, sizes, POSTGRESQL, url)
    return WriteResult(raw, rounds, sizes.uvicorn_workers)


def summary(result: WriteResult, database: str = SQLITE) -> dict[str, Any]:
    """The figures the report prints for one database's rounds, by name."""
    ceiling = median(result.raw.pipelined)
    mine = [r for r in result.rounds if r.database == database]
    rows = {}
    for clients in sorted({r.clients for r in mine if not r.same_member}):
        rates = result.rates(clients, database=database)
        rows[clients] = {
            "rate": median(rates),
            "noise": noise(rates),
            "latency_p50_ms": median(result.latencies(clients, database=database)) * 1000,
            "ratio": median(rates) / ceiling,
        }
    shared = sorted({r.clients for r in mine if r.same_member})
    return {
        "ceiling": ceiling,
        "ceiling_noise": noise(result.raw.pipelined),
        "sequential": median(result.raw.sequential),
        "sequential_noise": noise(result.raw.sequential),
        "rows": rows,
        "same_member": {
            clients: {
                "rate": median(result.rates(clients, same_member=True, database=database)),
                "noise": noise(result.rates(clients, same_member=True, database=database)),
                "latency_p50_ms": median(
                    result.latencies(clients, same_member=True, database=database)
                )
                * 1000,
            }
            for clients in shared
        },
    }
