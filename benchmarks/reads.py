"""Reads under load: portfolio and lineage-tree latency at many concurrent clients.

The read models are seeded directly (no chain): credits of ``read_fragments_per_credit``
fragments each, a three-tier tree (root, ten first-tier fragments, the rest under them), owners
holding about fifty live fragments each. An auditor (a supervisor, so it may read any
portfolio) reads through the API served by uvicorn. Clients are closed-loop: each sends its next
request, over its own connection, when the previous answered, so at concurrency c the latency is
about c / throughput.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpx
from eth_account import Account
from sqlalchemy import insert

from backend.core.database import engine_for, session_factory, transaction
from backend.members.auth import issue_api_key
from backend.members.models import Member
from backend.readmodels.models import CreditRecord, FragmentRecord
from benchmarks.common import DAY, UNIT, ApiServer, BenchChain, Sizes, fresh_database

FRAGMENTS_PER_OWNER = 50
FIRST_TIER = 10
INSERT_CHUNK = 10_000
WARM_UP_REQUESTS = 100
BASELINE_REQUESTS = 200
KINDS = ("portfolio", "lineage")


@dataclass
class ReadResult:
    fragments: int
    credits: int
    owners: int
    clients: int
    workers: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    baseline: dict[str, list[float]] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())


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


async def _load(
    base_url: str,
    api_key: str,
    clients: int,
    total: int,
    credits: int,
    owners: list[str],
) -> tuple[dict[str, list[float]], float]:
    """``clients`` closed-loop clients share ``total`` requests; (latencies by kind, seconds).

    Each client has an httpx client (one connection) of its own, as separate clients would. One
    AsyncClient shared by 50 coroutines spent about 5 ms of the load generator's CPU per request
    in its connection pool's bookkeeping (1.4 ms with a pool each) and capped a run at 130 to 180
    requests/s against a trivial endpoint, whatever the server did.
    """
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    remaining = [total]
    rng = random.Random(11)

    async def client() -> None:
        async with httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            limits=httpx.Limits(max_connections=1),
            timeout=60,
        ) as http:
            while remaining[0] > 0:
                remaining[0] -= 1
                kind = rng.choice(KINDS)
                path = (
                    f"/portfolios/{rng.choice(owners)}"
                    if kind == "portfolio"
                    else f"/credits/{rng.randint(1, credits)}/lineage"
                )
                started = time.perf_counter()
                response = await http.get(path)
                latencies[kind].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code} {response.text}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - started


def run(chain: BenchChain, sizes: Sizes) -> ReadResult:
    url = fresh_database(chain.workdir, "reads")
    credits, owners = seed(url, sizes.read_fragments, sizes.read_fragments_per_credit)
    settings = chain.settings(url)
    api_key = auditor_key(url, settings.api_key_pepper)
    engine_for(url).dispose()
    server = ApiServer(settings, sizes.uvicorn_workers, chain.workdir / "api-reads.log")
    try:
        base = server.base_url
        warm = min(WARM_UP_REQUESTS, sizes.read_requests)
        asyncio.run(_load(base, api_key, sizes.read_clients, warm, credits, owners))
        baseline, _ = asyncio.run(
            _load(base, api_key, 1, min(BASELINE_REQUESTS, sizes.read_requests), credits, owners)
        )
        latencies, seconds = asyncio.run(
            _load(base, api_key, sizes.read_clients, sizes.read_requests, credits, owners)
        )
    finally:
        server.stop()
    return ReadResult(
        fragments=sizes.read_fragments,
        credits=credits,
        owners=len(owners),
        clients=sizes.read_clients,
        workers=sizes.uvicorn_workers,
        seconds=seconds,
        latencies=latencies,
        baseline=baseline,
    )
