"""Write throughput: split-transfers per second through the HTTP API beside the raw ceiling.

The raw ceiling is web3.py alone: one key signs plain value transfers and sends them to the same
node, pipelined (all sent, then the last receipt awaited) and one at a time (send, wait, next):
once at the start, and pipelined again right before every API round, whose ratio is taken
against that (the node slows as its state grows). An API write is measured end to end: HTTP
request to the answer, which comes after the member's forward request went out in one of the
relayer's `Forwarder.executeBatch` transactions, was mined, and had its events projected into the
read models. Every round also records how many requests each executeBatch carried (from
`write_requests`, grouped by transaction; every one checked sent to the forwarder) and the cores
the API, the node, the benchmark and the rest of the machine kept busy (benchmarks/cpu.py).

The API serves with the tuning the benchmark chose (``WRITE_WORKERS``, ``BENCH_BATCHING``: see
there why); the app's own batching defaults are measured beside it on SQLite, round for round.

The API rounds run twice, the same way: on SQLite, then on PostgreSQL (a throwaway server from
backend.devtools.postgres, one fresh database) when its server binaries are on the machine. Where
they are not, only SQLite is measured and the result says why (``postgres_missing``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select

from backend.chain.fees import fee_fields
from backend.chain.forwarder import FORWARDER
from backend.core.database import engine_for, session_factory
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.devtools.postgres import POSTGRES_BIN_GLOB, postgres_bin, postgres_server
from backend.members import service as members_service
from backend.members.keystore import Keystore
from backend.relay.models import DONE, WriteRequest
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
from benchmarks.cpu import CoreShare, CpuMeter

FACE = 1_000_000 * UNIT
TRANSFER_GAS = 21_000


@dataclass(frozen=True)
class Batching:
    """How the API's relayer groups members' requests into executeBatch transactions: the
    settings `batch_window_ms`, `batch_max_requests` and `relay_batches_in_flight`."""

    window_ms: float
    max_requests: int
    in_flight: int

    def settings(self) -> dict[str, Any]:
        return {
            "batch_window_ms": self.window_ms,
            "batch_max_requests": self.max_requests,
            "relay_batches_in_flight": self.in_flight,
        }

    def describe(self) -> str:
        return (
            f"{self.window_ms:g} ms window, at most {self.max_requests} requests, "
            f"{self.in_flight} batch(es) in flight per process"
        )


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


APP_DEFAULTS = Batching(
    window_ms=_default("batch_window_ms"),
    max_requests=_default("batch_max_requests"),
    in_flight=_default("relay_batches_in_flight"),
)
# Chosen by measurement on 2 cores (BENCHMARKS.md section 1 shows both): one worker, because
# SQLite has one writer and a second process meets the first's write lock in SQLite's busy
# handler, which sleeps in growing steps long after the lock is free; one batch in flight, so
# requests arriving while it is out gather into the next batch instead of leaving as many small
# ones that each pay the per-batch work (nonces, signing, two turns at the writer, one
# transaction); the window only delays a lone request, and a batch still fills while the
# previous one is out.
WRITE_WORKERS = 1
BENCH_BATCHING = Batching(window_ms=1.0, max_requests=_default("batch_max_requests"), in_flight=1)
CHOSEN, APP_DEFAULT = "chosen", "app defaults"
# Who signs the measured members' forward requests: the platform's keystore, or each member
# itself, client-side, in the benchmark's process (202 with the typed data, then the signature).
CUSTODIAL, SELF_CUSTODY = "custodial", "self-custody"


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
    # Requests per executeBatch transaction that carried this round's writes.
    batch_sizes: list[int] = field(default_factory=list)
    cores: CoreShare | None = None
    tuning: str = CHOSEN
    custody: str = CUSTODIAL
    # The raw pipelined rate measured on the same node right before the round: the node's cost
    # per block grows with its state (anvil 1.7 rebuilds its whole tries for every block), so a
    # ceiling measured at the start of the run would flatter the later rounds' ratios.
    ceiling: float = 0.0

    @property
    def rate(self) -> float:
        return self.writes / self.seconds

    @property
    def ratio(self) -> float:
        return self.rate / self.ceiling if self.ceiling else 0.0


@dataclass
class WriteResult:
    raw: RawCeiling
    rounds: list[WriteRound]
    workers: int
    # Why PostgreSQL was not measured (its binaries are absent); None when it was.
    postgres_missing: str | None = None
    batching: Batching = BENCH_BATCHING
    # The app's defaults, measured beside the chosen tuning on SQLite (rounds tuned APP_DEFAULT).
    default_workers: int = 2
    default_batching: Batching = APP_DEFAULTS

    @property
    def databases(self) -> list[str]:
        return [
            name for name in (SQLITE, POSTGRESQL) if any(r.database == name for r in self.rounds)
        ]

    def level(
        self,
        clients: int,
        *,
        database: str = SQLITE,
        same_member: bool = False,
        tuning: str = CHOSEN,
        custody: str = CUSTODIAL,
    ) -> list[WriteRound]:
        """The rounds of one row of the report: their repeats."""
        return [
            r
            for r in self.rounds
            if r.database == database
            and r.clients == clients
            and r.same_member == same_member
            and r.tuning == tuning
            and r.custody == custody
        ]


def median_cores(shares: Sequence[CoreShare]) -> CoreShare | None:
    """The median cores per component over rounds (None where /proc was not there)."""
    if not shares:
        return None
    return CoreShare(
        api=median([c.api for c in shares]),
        node=median([c.node for c in shares]),
        bench=median([c.bench for c in shares]),
        rest=median([c.rest for c in shares]),
    )


# --------------------------------------------------------------------------- raw ceiling


def pipelined_rate(chain: BenchChain, count: int) -> float:
    """Plain value transfers per second from one key: all signed and sent, then the last
    receipt awaited."""
    w3 = chain.w3
    signer = chain.account(RAW_SENDER)
    to = Account.create().address
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
    return count / (time.perf_counter() - started)


def raw_ceiling(chain: BenchChain, sizes: Sizes) -> RawCeiling:
    """Plain value transfers from one key with web3.py, pipelined and one at a time."""
    w3 = chain.w3
    signer = chain.account(RAW_SENDER)
    to = Account.create().address
    result = RawCeiling()
    for _ in range(sizes.repeats):
        result.pipelined.append(pipelined_rate(chain, sizes.raw_transfers))
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
    """The API served over uvicorn with a consortium onboarded through it; with
    ``custody=SELF_CUSTODY`` the holders hold their own keys and sign their requests here."""

    def __init__(
        self,
        chain: BenchChain,
        database: str,
        database_url: str,
        holders: int,
        workers: int,
        batching: Batching = BENCH_BATCHING,
        tuning: str = CHOSEN,
        custody: str = CUSTODIAL,
    ) -> None:
        self.chain = chain
        self.database = database
        self.tuning = tuning
        self.custody = custody
        self.factory = session_factory(database_url)
        # Its own keystore, so one database's members never meet the other's keys.
        name = f"{database}-{tuning.replace(' ', '-')}-{custody}"
        self.settings = chain.settings(
            database_url,
            keystore_dir=chain.workdir / f"keystore-writes-{name}",
            **batching.settings(),
        )
        keystore = Keystore(
            self.settings.keystore_dir,
            self.settings.keystore_password,
            kdf=self.settings.keystore_kdf,
            iterations=self.settings.keystore_kdf_iterations,
        )
        issued = members_service.register_operator(
            self.factory,
            keystore,
            self.settings.api_key_pepper,
            name="Bench Operator",
            private_key=chain.account(0).key.hex(),
            kyc_reference="KYC-BENCH-OPERATOR",
        )
        self.server = ApiServer(self.settings, workers, chain.workdir / f"api-writes-{name}.log")
        self.members: list[ApiMember] = []
        try:
            self.operator = self._member("operator", issued.member.address, issued.api_key)
            self.core = self.onboard("core", "CORE_ENTERPRISE")
            self.bank = self.onboard("bank", "FINANCIER")
            self.receiver = self.onboard("receiver", "SUPPLIER")
            suppliers = [
                self.onboard(f"holder{i}", "SUPPLIER", own_key=custody == SELF_CUSTODY)
                for i in range(holders)
            ]
            self.bank.ok("/credit-lines", {"obligor": self.core.address, "limit_units": LINE})
            with ThreadPoolExecutor(8) as pool:
                self.holders = list(pool.map(self._holder, suppliers))
        except BaseException:
            self.close()
            raise

    def _member(
        self, name: str, address: str, api_key: str, key: LocalAccount | None = None
    ) -> ApiMember:
        member = ApiMember(name, address, api_key, self.server.client(api_key), key)
        self.members.append(member)
        return member

    def onboard(self, name: str, role: str, *, own_key: bool = False) -> ApiMember:
        """A member onboarded through the API: custodial, or holding a key only we know."""
        key = Account.create() if own_key else None
        body = {"name": name, "roles": [role], "kyc_reference": f"KYC-BENCH-{name}"}
        if key is not None:
            body["address"] = key.address
        answer = self.operator.ok("/members", body)
        return self._member(name, answer["member"]["address"], answer["api_key"], key)

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

    def round(
        self, clients: int, per_client: int, *, same_member: bool, raw_transfers: int = 0
    ) -> WriteRound:
        """``clients`` threads, each sending ``per_client`` writes back to back; with
        ``raw_transfers``, the raw ceiling is measured with that many right before."""
        actors = [self.holders[0] if same_member else self.holders[i] for i in range(clients)]
        start = threading.Barrier(clients + 1)
        latencies: list[list[float]] = [[] for _ in range(clients)]
        meter = CpuMeter(api_group=self.server.child.pid, node_group=self.chain.node.process.pid)
        last_request = self._last_request()
        ceiling = pipelined_rate(self.chain, raw_transfers) if raw_transfers else 0.0

        def client(index: int) -> None:
            start.wait()
            for _ in range(per_client):
                latencies[index].append(self.split_transfer(actors[index]))

        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(client, i) for i in range(clients)]
            start.wait()
            meter.start()
            started = time.perf_counter()
            for future in futures:
                future.result()
            seconds = time.perf_counter() - started
            cores = meter.stop()
        flat = [latency for per in latencies for latency in per]
        return WriteRound(
            self.database,
            clients,
            same_member,
            len(flat),
            seconds,
            flat,
            batch_sizes=self._batch_sizes(last_request, len(flat)),
            cores=cores,
            tuning=self.tuning,
            custody=self.custody,
            ceiling=ceiling,
        )

    def _last_request(self) -> int:
        with self.factory() as session:
            return int(session.scalar(select(func.max(WriteRequest.id))) or 0)

    def _batch_sizes(self, after: int, writes: int) -> list[int]:
        """Requests per executeBatch among the requests recorded after row ``after``; raises
        unless every one of the round's writes went through the relayer to the forwarder."""
        with self.factory() as session:
            rows = session.execute(
                select(WriteRequest.tx_hash, WriteRequest.status, func.count())
                .where(WriteRequest.id > after)
                .group_by(WriteRequest.tx_hash, WriteRequest.status)
            ).all()
        if sum(count for _, _, count in rows) != writes or any(
            tx_hash is None or status != DONE for tx_hash, status, _ in rows
        ):
            raise RuntimeError(f"the round's {writes} writes were not all relayed: {rows}")
        forwarder = self.chain.manifest.address(FORWARDER)
        for tx_hash, _, _ in rows:
            tx = self.chain.w3.eth.get_transaction(tx_hash)
            if tx["to"] != forwarder:
                raise RuntimeError(f"{tx_hash} went to {tx['to']}, not the forwarder {forwarder}")
        return [count for _, _, count in rows]

    def close(self) -> None:
        for member in self.members:
            member.http.close()
        self.server.stop()


def writes_per_client(sizes: Sizes, clients: int) -> int:
    """Each round sends about the same number of writes (enough to fill several batches even at
    the most clients), at least eight per client."""
    return sizes.writes_per_client or max(8, 192 // clients)


def measure(
    chain: BenchChain,
    sizes: Sizes,
    database: str,
    database_url: str,
    *,
    baseline_url: str | None = None,
    self_custody_url: str | None = None,
) -> list[WriteRound]:
    """Every API round on one database (migrated, empty): the same levels and repeats on each.
    With ``baseline_url`` (another empty database of the same kind), the app's defaults are
    measured beside the chosen tuning at the levels above one client, round for round, so
    both meet the same machine; with ``self_custody_url``, likewise members signing their own
    requests client-side, at every level."""
    stacks: list[tuple[WriteStack, Sequence[int]]] = []
    rounds: list[WriteRound] = []
    raw = sizes.raw_transfers
    try:
        holders = max(sizes.write_clients)
        stacks.append(
            (WriteStack(chain, database, database_url, holders, WRITE_WORKERS), sizes.write_clients)
        )
        if baseline_url is not None:
            stack = WriteStack(
                chain,
                database,
                baseline_url,
                holders,
                sizes.uvicorn_workers,
                APP_DEFAULTS,
                APP_DEFAULT,
            )
            stacks.append((stack, [c for c in sizes.write_clients if c > 1]))
        if self_custody_url is not None:
            stack = WriteStack(
                chain,
                database,
                self_custody_url,
                holders,
                WRITE_WORKERS,
                custody=SELF_CUSTODY,
            )
            stacks.append((stack, sizes.write_clients))
        for stack, _ in stacks:
            # Warm-up: every worker connects to the chain and loads its keys once.
            stack.round(min(4, holders), 1, same_member=False)
        for _ in range(sizes.repeats):
            for stack, levels in stacks:
                for clients in levels:
                    per_client = writes_per_client(sizes, clients)
                    rounds.append(
                        stack.round(clients, per_client, same_member=False, raw_transfers=raw)
                    )
            chosen = stacks[0][0]
            shared = sorted(sizes.write_clients)[len(sizes.write_clients) // 2]
            per_client = writes_per_client(sizes, shared)
            rounds.append(chosen.round(shared, per_client, same_member=True, raw_transfers=raw))
    finally:
        for stack, _ in stacks:
            stack.close()
        for url in (database_url, baseline_url, self_custody_url):
            if url is not None:
                engine_for(url).dispose()
    return rounds


def run(chain: BenchChain, sizes: Sizes) -> WriteResult:
    raw = raw_ceiling(chain, sizes)
    rounds = measure(
        chain,
        sizes,
        SQLITE,
        fresh_database(chain.workdir, "writes"),
        baseline_url=fresh_database(chain.workdir, "writes-app-defaults"),
        self_custody_url=fresh_database(chain.workdir, "writes-self-custody"),
    )
    result = WriteResult(raw, rounds, WRITE_WORKERS, default_workers=sizes.uvicorn_workers)
    bin_dir = postgres_bin()
    if bin_dir is None:
        result.postgres_missing = (
            f"PostgreSQL server binaries (initdb, pg_ctl) not found under {POSTGRES_BIN_GLOB}"
        )
        return result
    with postgres_server(bin_dir) as server:
        url = server.url(server.create_database("bench_writes"))
        run_migrations(url)
        result.rounds += measure(chain, sizes, POSTGRESQL, url)
    return result


def _row(rounds: Sequence[WriteRound]) -> dict[str, Any]:
    rates = [r.rate for r in rounds]
    ceilings = [r.ceiling for r in rounds]
    batches = [size for r in rounds for size in r.batch_sizes]
    return {
        "rate": median(rates),
        "noise": noise(rates),
        "latency_p50_ms": median([x for r in rounds for x in r.latencies]) * 1000,
        "ceiling": median(ceilings),
        "ceiling_noise": noise(ceilings),
        # Each round against the ceiling measured right before it.
        "ratio": median([r.ratio for r in rounds]),
        "batch_mean": sum(batches) / len(batches) if batches else 0.0,
        "batch_max": max(batches, default=0),
        "cores": median_cores([r.cores for r in rounds if r.cores]),
    }


def summary(result: WriteResult, database: str = SQLITE) -> dict[str, Any]:
    """The figures the report prints for one database's rounds, by name."""
    mine = [r for r in result.rounds if r.database == database]

    def levels(same_member: bool, tuning: str = CHOSEN, custody: str = CUSTODIAL) -> list[int]:
        return sorted(
            {
                r.clients
                for r in mine
                if r.same_member == same_member and r.tuning == tuning and r.custody == custody
            }
        )

    return {
        "ceiling": median(result.raw.pipelined),
        "ceiling_noise": noise(result.raw.pipelined),
        "sequential": median(result.raw.sequential),
        "sequential_noise": noise(result.raw.sequential),
        "rows": {c: _row(result.level(c, database=database)) for c in levels(False)},
        "same_member": {
            c: _row(result.level(c, database=database, same_member=True)) for c in levels(True)
        },
        "app_defaults": {
            c: _row(result.level(c, database=database, tuning=APP_DEFAULT))
            for c in levels(False, APP_DEFAULT)
        },
        "self_custody": {
            c: _row(result.level(c, database=database, custody=SELF_CUSTODY))
            for c in levels(False, custody=SELF_CUSTODY)
        },
    }
