"""The machine, the versions and the figures, as the markdown section of BENCHMARKS.md."""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from backend.chain.compiler import PROJECT_ROOT
from backend.chain.node import anvil_binary
from benchmarks import writes
from benchmarks.common import Sizes, median, noise
from benchmarks.indexer import IndexerResult
from benchmarks.reads import KINDS, ReadResult
from benchmarks.settlement import SettlementResult

BENCHMARKS_MD = PROJECT_ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
GAS_BEGIN, GAS_END = "<!-- gas:begin -->", "<!-- gas:end -->"
WRITE_TARGET_RATIO, WRITE_TARGET_CLIENTS = 0.5, 8
WRITE_AIM_RATIO, WRITE_AIM_CLIENTS = 1.0, 32
INDEXER_TARGET = 2_000
REDEEM_FLATNESS = 0.05
READ_P99_TARGET_MS = 50.0


@dataclass
class Results:
    sizes: Sizes
    quick: bool
    writes: writes.WriteResult
    settlement: SettlementResult
    indexer: IndexerResult
    reads: ReadResult
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    seconds: float


def _first_line(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"


def environment() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo")
    cpu = platform.processor() or platform.machine()
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1).strip() if found else cpu
    meminfo = Path("/proc/meminfo")
    ram = "unknown"
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.MULTILINE)
        ram = f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else ram
    meta = PROJECT_ROOT / "build" / "tiercredit" / "meta.json"
    solc = json.loads(meta.read_text())["compiler_version"] if meta.exists() else "unknown"
    anvil = _first_line([*anvil_binary(), "--version"]).removeprefix("anvil Version: ")
    commit = _first_line(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"])
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("web3", "fastapi", "uvicorn", "sqlalchemy", "httpx")
    )
    return [
        f"- Machine: {cpu}, {os.cpu_count()} cores, {ram} RAM; "
        f"{platform.system()} {platform.release()}",
        f"- Versions: Python {platform.python_version()}, {versions}; anvil {anvil}; solc {solc}",
        f"- Commit {commit}, measured {datetime.date.today().isoformat()}",
    ]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _at(s: dict, clients: int) -> dict | None:
    return s["rows"].get(clients)


def _cores(row: dict) -> str:
    cores = row["cores"]
    return "-" if cores is None else f"{cores.api:.2f} / {cores.node:.2f} / {cores.rest:.2f}"


def _write_row(database: str, clients: str, row: dict) -> str:
    return (
        f"| {database} | {clients} | {row['rate']:.1f} | {row['ceiling']:.0f} | "
        f"{row['ratio']:.2f} | {row['latency_p50_ms']:.0f} ms | {row['batch_mean']:.1f} "
        f"(max {row['batch_max']}) | {_cores(row)} | {row['noise']} |"
    )


def _writes(r: Results) -> list[str]:
    res = r.writes
    databases = res.databases
    summaries = {db: writes.summary(res, db) for db in databases}
    s = summaries[writes.SQLITE]
    measured_on = " and ".join(writes.DATABASE_NAMES[db] for db in databases)
    lines = [
        "### 1. Write throughput through the API",
        "",
        "Split-transfers per second end to end: HTTP request to the answer, which comes after the "
        "member's forward request went out in a `Forwarder.executeBatch` transaction sent by the "
        "operator-funded relayer, was mined, and had its events projected into the read models. "
        "Each client is a different member (its own key, so its own forwarder nonces); httpx "
        f"clients in threads, each waiting for its answer before the next write. The API: "
        f"`tiercredit serve --workers {res.workers}`, the relayer at {res.batching.describe()} "
        "(chosen by measurement; `BENCH_BATCHING` in benchmarks/writes.py says why). The "
        f"settings' defaults ({res.default_batching.describe()}, {res.default_workers} "
        "worker(s), as this benchmark ran before) run beside it on SQLite, round for round. The "
        f"same rounds run once per database ({measured_on}), each on a fresh, migrated database "
        "with a consortium onboarded through the API; PostgreSQL is a throwaway local server "
        f"(Unix socket, fsync off) on the same machine. Median of {r.sizes.repeats} rounds per "
        "level.",
        "",
        "Each round's ratio is against the raw ceiling measured right before it on the same node "
        "(raw beside it): anvil's cost per block grows with its state, so a fresh chain's "
        "ceiling is not the one the round met. Requests per executeBatch are counted from "
        "`write_requests` by transaction (every one checked sent to the forwarder): the mean "
        "over the level's batches and the largest. Cores: what the API's processes / the node / "
        f"everything else on the machine kept busy during the rounds, of {os.cpu_count()}.",
        "",
    ]
    if res.postgres_missing:
        lines += [f"**PostgreSQL not measured**: {res.postgres_missing}; SQLite only.", ""]
    lines += [
        "| database | clients | split-transfers/s | raw beside it, tx/s | API / raw | p50 latency "
        "| requests per executeBatch | cores API / node / rest | noise |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for db, summary in summaries.items():
        name = writes.DATABASE_NAMES[db]
        for clients, row in summary["rows"].items():
            lines.append(_write_row(name, str(clients), row))
        for clients, row in summary["same_member"].items():
            lines.append(_write_row(name, f"{clients}, all the same member", row))
        for clients, row in summary["app_defaults"].items():
            lines.append(_write_row(name, f"{clients}, settings' defaults", row))
        for clients, row in summary["self_custody"].items():
            lines.append(_write_row(name, f"{clients}, self-custody", row))
    beside = [r.ceiling for r in res.rounds if r.ceiling]
    lines += [
        "",
        f"Raw ceiling at the start of the run, on the fresh chain (web3.py, one key, plain value "
        f"transfers): **{s['ceiling']:.0f} tx/s** pipelined (all signed and sent, then the last "
        f"receipt awaited; {s['ceiling_noise']}); {s['sequential']:.0f} tx/s one at a time "
        f"(send, wait for the receipt, next; {s['sequential_noise']})."
        + (
            f" Pipelined again right before each round: {min(beside):.0f} to "
            f"{max(beside):.0f} tx/s."
            if beside
            else ""
        ),
        "",
    ]
    verdicts = []
    for clients, goal, word in (
        (WRITE_TARGET_CLIENTS, WRITE_TARGET_RATIO, "Target"),
        (WRITE_AIM_CLIENTS, WRITE_AIM_RATIO, "Aim"),
    ):
        found = [
            (writes.DATABASE_NAMES[db], row)
            for db, summary in summaries.items()
            if (row := _at(summary, clients)) is not None
        ]
        if found:
            verdicts.append(
                f"{word}: at {clients} clients at least {goal:.1f}x the raw ceiling. "
                + "; ".join(
                    f"{name} {_verdict(row['ratio'] >= goal)}: {row['ratio']:.2f}x"
                    for name, row in found
                )
                + "."
            )
    if verdicts:
        lines += [" ".join(verdicts), ""]
    defaults = s["app_defaults"]
    if defaults:
        compared = "; ".join(
            f"at {clients} clients {s['rows'][clients]['rate']:.0f} against "
            f"{row['rate']:.0f} split-transfers/s, {s['rows'][clients]['batch_mean']:.1f} "
            f"against {row['batch_mean']:.1f} requests per batch"
            for clients, row in defaults.items()
            if clients in s["rows"]
        )
        lines += [f"The chosen tuning against the settings' defaults on SQLite: {compared}.", ""]
    self_signed = s["self_custody"]
    if self_signed:
        compared = "; ".join(
            f"at {clients} clients {row['rate']:.0f} against {s['rows'][clients]['rate']:.0f} "
            f"split-transfers/s ({row['ratio']:.2f}x the raw ceiling)"
            for clients, row in self_signed.items()
            if clients in s["rows"]
        )
        lines += [
            "Self-custody members on SQLite (the self-custody rows): each write is two HTTP "
            "requests, the write (202 with the EIP-712 typed data) and "
            "`POST /requests/{id}/signature`, with the member's signature made in the "
            "benchmark's process between them (eth-account, as a bank's system would sign), "
            f"against custodial members: {compared}.",
            "",
        ]
    lines += [
        "Same member from many clients: the relayer gives each member's forward requests "
        "consecutive nonces from `forwarder_nonces` and a batch carries them in order, so "
        "nothing fails and no nonce collides (tests/backend/writes/test_write_soak.py holds it "
        "to that across four processes).",
    ]
    return lines


def _write_analysis(r: Results) -> list[str]:
    s = writes.summary(r.writes)
    at8 = _at(s, WRITE_TARGET_CLIENTS)
    if at8 is None or at8["ratio"] >= WRITE_TARGET_RATIO:
        return []
    lines = ["", "Why the write target is missed:"]
    top = _at(s, max(s["rows"]))
    cores, top_cores = at8["cores"], top["cores"] if top else None
    needed = WRITE_TARGET_RATIO * at8["ceiling"]
    if cores is not None and top is not None and top_cores is not None and at8["rate"]:
        lines += [
            "",
            f"- The API is one Python process, and it is busy: {cores.api:.2f} cores at "
            f"{WRITE_TARGET_CLIENTS} clients and {top_cores.api:.2f} at {max(s['rows'])}, "
            f"{cores.api / at8['rate'] * 1000:.1f} and {top_cores.api / top['rate'] * 1000:.1f} "
            "ms of CPU per write. One process keeps about one core busy at most (the GIL), so "
            f"half the ceiling at {WRITE_TARGET_CLIENTS} clients ({needed:.0f} writes/s) needs "
            f"at most {1000 / needed:.1f} ms of CPU per write and, by Little's law, at most "
            f"{WRITE_TARGET_CLIENTS / needed * 1000:.0f} ms per answer (one client alone waits "
            f"{s['rows'][min(s['rows'])]['latency_p50_ms']:.0f} ms). The node is not it: "
            f"{cores.node:.2f} cores (a block carries a whole batch); the rest of the machine "
            f"took {cores.rest:.2f}.",
        ]
    lines += [
        "- Where that CPU goes, sampled with py-spy (`--gil`) at 8 clients when this was "
        "written: about half (a third at 32 clients, whose batches are four times larger) is "
        "the relayer's work per batch (a forwarder-nonce reservation per "
        "member, written on the rows in its transaction, an EIP-712 signature per request, the "
        "relayer's transaction and its receipt polls, and the batch's projection), about a "
        "third the request's own route (API-key lookup, idempotency claim, the authorize and "
        "simulate round trips to the node, recording the request, reading the result and "
        "storing the answer), the rest uvicorn, FastAPI and the middleware; SQLAlchemy's ORM "
        "is a third of the whole. Before the JSON-RPC calls went over each thread's own "
        "kept-alive `http.client` connection, requests carrying them was a fifth of it.",
        "- Everything that writes takes turns at SQLite's single writer: three turns per request "
        "(claim, record, answer) and two per batch (the members' forwarder nonces and "
        "signatures with the relayer's nonce, its signed bytes and the rows marked sent; the "
        "projection). Timed in the process at 8 clients when this was written, a request's "
        "turn waited 6.4 ms (median) while a holder, which needs the GIL too, kept it 1.0 ms; "
        "the batch's turns kept it 6.8 and 4.6 ms, and the one batch in flight is what every "
        "waiting request waits for.",
        "- More processes do not help on SQLite: the settings'-defaults rows run two workers, "
        "and there the two meet at SQLite's write lock, where the waiting one sleeps in "
        "SQLite's busy handler (1, 2, 5, 10 ... ms) long after the lock is free, and each "
        "process's batches are half as large. On PostgreSQL two workers were no faster either, "
        "measured when this was written (half-size batches, the same per-batch work twice).",
        "- What would close it: fewer turns at the writer per request (the idempotency claim and "
        "the request row in one transaction; the answer stored in the batch's projection "
        "transaction), authorize and simulate as one JSON-RPC batch, not two, and a database "
        "that lets several processes write at once with the work per batch shared out.",
    ]
    if writes.POSTGRESQL not in r.writes.databases:
        return lines
    pg = writes.summary(r.writes, writes.POSTGRESQL)
    levels = [c for c in s["rows"] if c in pg["rows"]]
    compared = ", ".join(
        f"{pg['rows'][c]['rate'] / s['rows'][c]['rate']:.2f}x at {c}" for c in levels
    )
    lines += [
        f"- PostgreSQL over SQLite, same run: {compared} clients. Each statement is a round "
        "trip to a server process instead of a call into a library, and every projection "
        "still takes one database-wide advisory lock (`serialize_projections` in "
        "backend/indexer/projector.py), now once per batch rather than once per write.",
    ]
    return lines


def _settlement(r: Results) -> list[str]:
    res = r.settlement
    lines = [
        "### 3. Settlement at scale",
        "",
        "One credit split into n fragments held by n different onboarded members (a bank hands "
        "each a share by a financier-side value transfer), repaid in full at maturity. The first "
        "holder redeems itself (gas of a single redemption); the operator pushes the other n - 1 "
        f"out with `redeemBatch` in batches of Settlement.MAX_BATCH = {res.max_batch}, "
        "pipelined (up to 8 batches in flight).",
        "",
        "| fragments | single redeem gas | transactions to settle all | batch gas per fragment |"
        " time to push the batches |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in res.rows:
        per_fragment = f"{row.gas_per_fragment_in_batch:,.0f}" if row.batch_gas else "-"
        lines.append(
            f"| {row.fragments:,} | {row.redeem_gas:,} | {row.transactions} "
            f"(1 + {row.batch_txs} batches) | {per_fragment} | {row.settle_seconds:.2f} s |"
        )
    lines += [
        "",
        f"Target: single-redemption gas flat within {REDEEM_FLATNESS:.0%} across sizes. "
        f"{_verdict(res.redeem_spread <= REDEEM_FLATNESS)}: spread {res.redeem_spread:.1%} "
        "(max - min over min). A redemption touches only its own fragment, its claim and the "
        "credit's account; nothing iterates over the credit's fragments.",
    ]
    return lines


def _indexer(r: Results) -> list[str]:
    res = r.indexer
    rate = median(res.rates)
    total = sum(res.phases.values()) or 1.0
    lines = [
        "### 2. Indexer catch-up",
        "",
        f"The indexer starts from nothing behind {res.events:,} events of mixed kinds "
        f"({res.blocks:,} blocks: onboardings, invoices, issues, split-transfers, value "
        "transfers, cash deposits, repayments, redemptions) and indexes them with one "
        "`index_once` into a fresh SQLite database (2,000-block `eth_getLogs` batches, each "
        "batch one SQL transaction).",
        "",
        f"**{rate:,.0f} events/s** (median of {len(res.seconds)}; {noise(res.rates)}; "
        f"{median(res.seconds):.1f} s). Target >= {INDEXER_TARGET:,} events/s: "
        f"{_verdict(rate >= INDEXER_TARGET)}.",
        "",
        f"Where the time goes (one more run under cProfile, {res.profiled_seconds:.1f} s with "
        "the profiler's overhead):",
        "",
        "| phase | seconds | share |",
        "|---|---:|---:|",
    ]
    for phase, seconds in res.phases.items():
        lines.append(f"| {phase} | {seconds:.2f} | {seconds / total:.0%} |")
    if rate < INDEXER_TARGET:
        biggest = max(res.phases, key=lambda k: res.phases[k])
        lines += [
            "",
            f"Why the target is missed: most of the time is in {biggest}. The projector writes "
            "through the ORM row by row (a SELECT per touched row, then an UPDATE or INSERT), "
            "which is what makes it reorg-safe and idempotent but costs several SQL statements "
            "per event. What would close it: batch the projection per table (bulk "
            "INSERT ... ON CONFLICT for append-only rows, one UPDATE per row per batch instead "
            "of per event), and decode and fetch the next batch while the previous one commits.",
        ]
    return lines


READ_NAMES = {
    "portfolio": "portfolio `GET /portfolios/{address}`",
    "lineage": "lineage tree `GET /credits/{id}/lineage`",
}


def _reads(r: Results) -> list[str]:
    res = r.reads
    lines = [
        "### 4. Reads under load",
        "",
        f"{res.fragments:,} fragments seeded straight into the read models ({res.credits:,} "
        f"credits of {res.fragments // max(res.credits, 1)} fragments in a three-tier tree; "
        f"{res.owners:,} owners with about 50 live fragments each), SQLite, `tiercredit serve "
        f"--workers {res.workers}`, read as an auditor. The load generator is {res.wrk} (a C "
        "process of its own, with a Lua script for the API key and the paths, each request to "
        "a path drawn at random from every owner's portfolio or every credit's lineage): "
        f"{res.clients} connections, closed loop (each sends its next request when the previous "
        f"answered), {res.seconds_per_run:g} s per run after a warm-up run; every answer a 200. "
        "Each kind runs with the read cache on (the settings' default: answers kept per API key "
        "and path until the read models change, backend/reads/cache.py) and off "
        f"(`TIERCREDIT_READ_CACHE_ENTRIES=0`), same run. Median of {r.sizes.repeats} runs per "
        "cell; noise is over the p99s.",
        "",
    ]
    if res.wrk_missing:
        return [*lines, f"**Not measured**: {res.wrk_missing}."]
    lines += [
        f"| read | cache | p50 at {res.clients} | p99 at {res.clients} | requests/s at "
        f"{res.clients} | wrk CPU per request | p50 at 1 client | p99 at 1 client | noise |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    worst = 0.0
    for kind in KINDS:
        for cached in (True, False):
            loaded, alone = res.of(kind, res.clients, cached), res.of(kind, 1, cached)
            p99s = [f.p99_ms for f in loaded]
            if cached:
                worst = max(worst, median(p99s))
            cpu = median([f.cpu_seconds / f.requests * 1e6 for f in loaded])
            lines.append(
                f"| {READ_NAMES[kind]} | {'on' if cached else 'off'} | "
                f"{median([f.p50_ms for f in loaded]):.1f} ms | {median(p99s):.1f} ms | "
                f"{median([f.rate for f in loaded]):,.0f} | {cpu:.0f} µs | "
                f"{median([f.p50_ms for f in alone]):.1f} ms | "
                f"{median([f.p99_ms for f in alone]):.1f} ms | {noise(p99s)} |"
            )
    hits = "" if res.hit_ratio is None else f" {res.hit_ratio:.1%} of the cached runs' answers"
    lines += [
        "",
        f"The cache answered{hits} from memory (the rest are each worker's first read of a path "
        "at the current version, which runs the query and is kept). A hit still checks the API "
        "key (not revoked, not expired, its member active) and reads the read-model version, in "
        "one SQL statement, then sends the kept bytes without routing, FastAPI's dependencies, "
        "the query or serializing; a projection that changes the read models moves the version "
        "on, so the next read runs the query again. With the cache off every request does all "
        "of it.",
        "",
        f"Target p99 < {READ_P99_TARGET_MS:.0f} ms at {res.clients} clients, cache on: "
        f"{_verdict(worst < READ_P99_TARGET_MS)} (worst {worst:.1f} ms).",
    ]
    return lines


def render(r: Results) -> str:
    load = " / ".join(f"{x:.2f}" for x in r.load_before)
    load_after = " / ".join(f"{x:.2f}" for x in r.load_after)
    lines = [
        BEGIN,
        "## Platform benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); do not edit by hand. One run, one "
        "local Anvil (automine), every figure below from the same chain.",
        "",
        *environment(),
        f"- Load average (1 / 5 / 15 min): {load} before, {load_after} after; "
        f"the run took {r.seconds / 60:.1f} min"
        + (" (`--quick` sizes: smoke test, not figures)" if r.quick else ""),
        "",
        *_writes(r),
        *_write_analysis(r),
        "",
        *_indexer(r),
        "",
        *_settlement(r),
        "",
        *_reads(r),
        "",
        "### 5. Gas",
        "",
        "The gas table below comes from `scripts/gas_benchmark.py`, run by the same `make bench`.",
        END,
    ]
    return "\n".join(lines)


def write(section: str, path: Path = BENCHMARKS_MD) -> None:
    """Replaces the bench section of ``path``, keeping the gas section and anything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    elif GAS_BEGIN in text:
        head, rest = text.split(GAS_BEGIN, 1)
        text = head.rstrip("\n") + "\n\n" + section + "\n\n" + GAS_BEGIN + rest
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
