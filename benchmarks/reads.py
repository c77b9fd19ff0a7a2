"""Reads under load: portfolio and lineage-tree latency at many concurrent clients.

The read models are seeded directly (no chain): credits of ``read_fragments_per_credit``
fragments each, a three-tier tree (root, ten first-tier fragments, the rest under them), owners
holding about fifty live fragments each. An auditor (a supervisor, so it may read any
portfolio) reads through the API served by uvicorn, loaded by wrk (benchmarks/wrk.py) in a
process of its own: closed loop, so at concurrency c the latency is about c / throughput. Every
kind runs with the read cache on (the default) and off, in the same run.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import httpx
from eth_account import Account
from sqlalchemy import insert

from backend.core.database import engine_for, session_factory, transaction
from backend.members.auth import issue_api_key
from backend.members.models import Member
from backend.readmodels.models import CreditRecord, FragmentRecord
from benchmarks.common import DAY, UNIT, ApiServer, BenchChain, Sizes, fresh_database
from benchmarks.wrk import WrkFigures, run_wrk, wrk_binary
from benchmarks.wrk import version as wrk_version

FRAGMENTS_PER_OWNER = 50
FIRST_TIER = 10
INSERT_CHUNK = 10_000
KINDS = ("portfolio", "lineage")
WARM_UP_RUNS = 3


@dataclass(frozen=True)
class ReadRun:
    """One wrk run: one kind of read, at one concurrency, with the read cache on or off."""

    kind: str
    clients: int
    cached: bool
    figures: WrkFigures


@dataclass
class ReadResult:
    fragments: int
    credits: int
    owners: int
    clients: int
    workers: int
    seconds_per_run: float
    wrk: str
    runs: list[ReadRun] = field(default_factory=list)
    # Of the cached read routes' answers during the cached runs: the share the cache gave.
    hit_ratio: float | None = None
    # Why nothing was measured (wrk absent); None when it was.
    wrk_missing: str | None = None

    @property
    def requests(self) -> int:
        return sum(run.figures.requests for run in self.runs)

    def of(self, kind: str, clients: int, cached: bool) -> list[WrkFigures]:
        """The repeats of one cell of the report."""
        return [
            r.figures for r in self.runs if (r.kind, r.clients, r.cached) == (kind, clients, cached)
        ]


def seed(url: str, fragments: int, per_credit: int) -> tuple[int, list[str]]:
    """Writes ``fragments`` fragments into the read models; returns (credits, owners)."""
    credits = max(fragments // per_credit, 1)
    owners = [Account.create().address for _ in range(max(fragments // FRAGMENTS_PER_OWNER, 1))]
    obligor = Account.create().address
    rng = random.Random(7)
    engine = engine_for(url)
    credit_rows = [
        {
            "credit_id": credit,
            "obligor": obligor,
            "supplier": owners[credit % len(owners)],
            "face_value": per_credit * 1_000 * UNIT,
            "maturity": 2_000_000_000 + credit * DAY,
            "invoice_id": credit,
            "certificate_id": None,
            "root_token_id": _token(credit, 0, per_credit),
            "frozen": False,
            "repaid": 0,
            "redeemed_value": 0,
            "overdue": False,
            "issued_at": 1_700_000_000,
            "grace_period_days": 30,
            "tx_hash": "0x" + "11" * 32,
            "block_number": credit,
            "updated_block": credit,
        }
        for credit in range(1, credits + 1)
    ]
    fragment_rows = []
    for credit in range(1, credits + 1):
        for index in range(per_credit):
            if index == 0:
                parent, depth = None, 0
            elif index <= FIRST_TIER:
                parent, depth = _token(credit, 0, per_credit), 1
            else:
                parent, depth = _token(credit, 1 + index % FIRST_TIER, per_credit), 2
            fragment_rows.append(
                {
                    "token_id": _token(credit, index, per_credit),
                    "credit_id": credit,
                    "parent_id": parent,
                    "invoice_id": credit * per_credit + index,
                    "depth": depth,
                    "owner": rng.choice(owners),
                    "value": 1_000 * UNIT,
                    "frozen": False,
                    "locked": False,
                    "redeemed": False,
                    "tx_hash": "0x" + "22" * 32,
                    "block_number": credit,
                    "updated_block": credit,
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(CreditRecord.__table__), credit_rows)
        for start in range(0, len(fragment_rows), INSERT_CHUNK):
            connection.execute(
                insert(FragmentRecord.__table__), fragment_rows[start : start + INSERT_CHUNK]
            )
    return credits, owners


def _token(credit: int, index: int, per_credit: int) -> int:
    return (credit - 1) * per_credit + index + 1


def auditor_key(url: str, pepper: str) -> str:
    with transaction(session_factory(url)) as session:
        member = Member(
            name="Bench Auditor",
            address=Account.create().address,
            roles=["AUDITOR"],
            custodial=False,
            status="active",
            kyc_hash="0x" + "00" * 32,
        )
        session.add(member)
        session.flush()
        return issue_api_key(session, member, pepper, kind="onboarding")


def _paths(kind: str, credits: int, owners: list[str]) -> list[str]:
    if kind == "portfolio":
        return [f"/portfolios/{owner}" for owner in owners]
    return [f"/credits/{credit}/lineage" for credit in range(1, credits + 1)]


def _cache_answers(base_url: str) -> dict[str, float]:
    """The read cache's answers by result, summed over the API's workers (/metrics)."""
    text = httpx.get(f"{base_url}/metrics", timeout=30).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("tiercredit_read_cache_answers_total{"):
            labels, _, value = line.rpartition(" ")
            result = labels.split('result="', 1)[1].split('"', 1)[0]
            found[result] = found.get(result, 0.0) + float(value)
    return found


def run(chain: BenchChain, sizes: Sizes) -> ReadResult:
    url = fresh_database(chain.workdir, "reads")
    credits, owners = seed(url, sizes.read_fragments, sizes.read_fragments_per_credit)
    settings = chain.settings(url)
    api_key = auditor_key(url, settings.api_key_pepper)
    engine_for(url).dispose()
    result = ReadResult(
        fragments=sizes.read_fragments,
        credits=credits,
        owners=len(owners),
        clients=sizes.read_clients,
        workers=sizes.uvicorn_workers,
        seconds_per_run=sizes.read_seconds,
        wrk=wrk_version(),
    )
    if wrk_binary() is None:
        result.wrk_missing = "wrk not found on PATH (Debian: apt-get install wrk)"
        return result
    for cached in (True, False):
        # Each worker's counters land in the directory, so /metrics sums both workers.
        metrics_dir = chain.workdir / f"metrics-reads-{cached}"
        metrics_dir.mkdir(exist_ok=True)
        server = ApiServer(
            settings.model_copy(update={"read_cache_entries": 0 if not cached else 100_000}),
            sizes.uvicorn_workers,
            chain.workdir / f"api-reads-{cached}.log",
            extra_env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
        )
        try:
            result.runs += _measure(server.base_url, api_key, credits, owners, sizes, cached)
            if cached:
                answers = _cache_answers(server.base_url)
                total = answers.get("hit", 0.0) + answers.get("miss", 0.0)
                result.hit_ratio = answers.get("hit", 0.0) / total if total else 0.0
        finally:
            server.stop()
    return result


def _measure(
    base_url: str,
    api_key: str,
    credits: int,
    owners: list[str],
    sizes: Sizes,
    cached: bool,
) -> list[ReadRun]:
    """Per kind: a warm-up (it fills the cache, when on), then the repeats at the sizes'
    clients and at one client, interleaved so both meet the same machine."""
    runs: list[ReadRun] = []
    workdir = Path(tempfile.mkdtemp(prefix="tiercredit-wrk-"))
    try:
        for kind in KINDS:
            paths = _paths(kind, credits, owners)
            load = partial(run_wrk, base_url, api_key, paths, workdir=workdir)
            # Long enough for every path to be read by each worker (a polling portal's steady
            # state); with the cache off it only warms the database's pages.
            load(clients=sizes.read_clients, seconds=WARM_UP_RUNS * sizes.read_seconds)
            for _ in range(sizes.repeats):
                for clients in (sizes.read_clients, 1):
                    figures = load(clients=clients, seconds=sizes.read_seconds)
                    runs.append(ReadRun(kind, clients, cached, figures))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return runs
