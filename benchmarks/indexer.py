"""Indexer catch-up: events per second when it starts from nothing behind a busy chain.

By the time this runs the chain holds the other benchmarks' history (onboardings, invoices,
issues, split-transfers, value transfers, repayments, redemptions); it is topped up to the
target with more value transfers and cash deposits from two senders at once. Each repeat indexes
the whole history into a fresh SQLite database with one `index_once`; one more run under
cProfile says where the time goes.
"""

from __future__ import annotations

import cProfile
import pstats
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.chain.sender import Call, TxSender
from backend.core.database import engine_for, session_factory
from backend.indexer.follower import Follower
from benchmarks.common import DAY, FILLER_BANK, UNIT, BenchChain, Sizes, fresh_database
from benchmarks.settlement import Platform

FILLER_WINDOW = 64
FILLER_CHUNK = 512
# Where a catch-up spends its time: (label, file suffix, function) of the profile's entries.
PHASES = (
    ("eth_getLogs", "indexer/follower.py", "_logs"),
    ("block headers (eth_getBlockByNumber)", "indexer/follower.py", "_headers"),
    ("decode (eth_abi)", "chain/events.py", "decode_all"),
    ("projection into the read models (SQL)", "indexer/projector.py", "project"),
)


@dataclass
class IndexerResult:
    events: int
    blocks: int
    seconds: list[float]
    phases: dict[str, float] = field(default_factory=dict)
    profiled_seconds: float = 0.0

    @property
    def rates(self) -> list[float]:
        return [self.events / s for s in self.seconds]


def count_events(chain: BenchChain) -> int:
    logs = chain.w3.eth.get_logs(
        {
            "fromBlock": chain.manifest.deployment_block,
            "toBlock": "latest",
            "address": list(chain.manifest.contracts.values()),
        }
    )
    return len(logs)


def top_up(chain: BenchChain, platform: Platform, target: int) -> None:
    """Adds voucher value transfers and cash deposits until the chain has ``target`` events."""
    have = count_events(chain)
    if have >= target:
        return
    depositor = chain.account(FILLER_BANK)
    chain.onboard([depositor.address], "FINANCIER")
    _, bank_token = platform.issue(10**9 * UNIT, chain.now() + 90 * DAY)
    receivers = [platform.supplier.address, platform.core.address]

    def transfer(i: int) -> Call:
        return chain.client.prepare(
            "CreditVoucher",
            "transferFrom(uint256,address,uint256)",
            bank_token,
            receivers[i % 2],
            UNIT,
        )

    def deposit(i: int) -> Call:
        return chain.client.prepare(
            "SettlementToken", "mint", receivers[i % 2], UNIT, i.to_bytes(32, "big")
        )

    per_transfer = len(chain.sender(platform.bank).transact(transfer(0)).events)
    per_deposit = len(chain.sender(depositor).transact(deposit(0)).events)
    # Each sender gets half of what is missing, in its own thread.
    missing = target - count_events(chain)
    jobs: list[tuple[TxSender, Callable[[int], Call], int]] = [
        (chain.sender(platform.bank), transfer, -(-missing // (2 * per_transfer))),
        (chain.sender(depositor), deposit, -(-missing // (2 * per_deposit))),
    ]
    errors: list[BaseException] = []

    def send(sender: TxSender, make: Callable[[int], Call], count: int) -> None:
        try:
            for start in range(1, count + 1, FILLER_CHUNK):
                calls = [make(i) for i in range(start, min(start + FILLER_CHUNK, count + 1))]
                sender.send_many(calls, window=FILLER_WINDOW)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def catch_up(chain: BenchChain, name: str, batch_blocks: int) -> tuple[int, float]:
    """Indexes the whole history into a fresh database; returns (events, seconds)."""
    url = fresh_database(chain.workdir, name)
    follower = Follower(chain.client, session_factory(url), batch_blocks=batch_blocks)
    started = time.perf_counter()
    applied = follower.index_once()
    seconds = time.perf_counter() - started
    engine_for(url).dispose()
    return applied, seconds


def _phases(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for label, suffix, function in PHASES:
        found[label] = sum(
            entry[3]
            for (filename, _, name), entry in stats.items()
            if name == function and filename.endswith(suffix)
        )
    return found


def run(chain: BenchChain, sizes: Sizes, platform: Platform) -> IndexerResult:
    top_up(chain, platform, sizes.indexer_min_events)
    batch_blocks = chain.settings("sqlite://").indexer_batch_blocks
    blocks = int(chain.w3.eth.block_number) - chain.manifest.deployment_block + 1
    seconds: list[float] = []
    events = 0
    for repeat in range(sizes.repeats):
        events, elapsed = catch_up(chain, f"indexer-{repeat}", batch_blocks)
        seconds.append(elapsed)
    profile = cProfile.Profile()
    profile.enable()
    _, profiled = catch_up(chain, "indexer-profiled", batch_blocks)
    profile.disable()
    phases = _phases(profile)
    phases["other (commit, cursor, block hashes, Python)"] = max(
        profiled - sum(phases.values()), 0.0
    )
    return IndexerResult(events, blocks, seconds, phases, profiled)
