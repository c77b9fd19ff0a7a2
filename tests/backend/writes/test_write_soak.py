"""Soak: four API processes on one database and one chain, 25 concurrent writers each, for a
bounded time (SOAK_SECONDS, default 20; 60 is the full soak). Every writer sends split-transfers
with its own Idempotency-Keys; a holder's writers are spread over all four processes, so one
member's requests are in flight in several relayers at once. Afterwards: every write answered
(201, or 503 RequestUnfinished and then its answer on a retry with the same key), no batch
broken off and no nonce error anywhere, the relayer's transaction nonces and every member's
forwarder nonces distinct and gapless, every acknowledged write on chain exactly once and
nothing else, and the read models equal to the chain for every fragment the soak touched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from eth_utils import to_checksum_address

from backend.chain.client import View
from backend.chain.node import free_port
from backend.core.database import session_factory
from backend.core.settings import Settings
from backend.readmodels.models import FragmentRecord
from backend.relay.models import DONE, ForwarderNonce, WriteRequest
from tests.backend.writes.test_api_writes_concurrency import worker_environment
from tests.consortium_api import (
    UNIT,
    Consortium,
    Party,
    PrivateChain,
    confirmed_invoice,
    issued_credit,
)

PROCESSES = 4
WRITERS_PER_PROCESS = 25
# Not a multiple of PROCESSES: writer i serves holder i % HOLDERS on process i % PROCESSES, so
# each holder's four writers meet in four different processes.
HOLDERS = 25
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "20"))
# How long a write answered 503 RequestUnfinished may take to be finished by recovery (the
# lease, an upkeep round, a batch) before its writer gives up asking.
FINISH_GRACE_SECONDS = 120.0
FACE = 1_000_000 * UNIT
NONCE_ERRORS = (
    "nonce too low",
    "replacement transaction underpriced",
    "nonce has already been used",
)
# A request recorded but not finished in time: finished later by recovery, its key then answers.
UNFINISHED = "RequestUnfinished"
IN_PROGRESS = "IdempotencyKeyInProgress"


@dataclass(frozen=True)
class Holder:
    party: Party
    token_id: int
    invoice_id: int


@dataclass
class Tally:
    """What one writer saw: the new fragment of every acknowledged write, and every answer."""

    fragments: list[tuple[str, int]] = field(default_factory=list)  # (signer, token id)
    statuses: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    unexpected: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@pytest.fixture
def soak_workers(write_settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Four uvicorn processes serving the app on one database, chain and keystore."""
    ports = [free_port() for _ in range(PROCESSES)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "backend.api:create_app",
                        "--factory",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    cwd=tmp_path,  # no stray .env
                    env=worker_environment(write_settings),
                    # The app logs to stdout, uvicorn to stderr: both are searched afterwards.
                    stdout=open(tmp_path / f"worker-{port}.log", "wb"),  # noqa: SIM115 - the child owns it
                    stderr=subprocess.STDOUT,
                )
            )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        deadline = time.monotonic() + 90
        for url in urls:
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"worker {url} did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def holders(consortium: Consortium, chain: PrivateChain, receiver: Party) -> list[Holder]:
    """HOLDERS suppliers, each holding a credit's root fragment and owing `receiver`."""
    parties = [consortium.onboard(f"holder{i}", ["SUPPLIER"]) for i in range(HOLDERS)]

    def holder(party: Party) -> Holder:
        credit = issued_credit(chain, consortium, FACE, supplier=party.name)["credit"]
        owed = confirmed_invoice(chain, receiver, party, FACE)
        return Holder(party, int(credit["credit_id"]), owed)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(holder, parties))


def write(http: httpx.Client, holder: Holder, receiver: Party, tally: Tally, until: float) -> None:
    """One split-transfer, asked again with the same key while its outcome is pending."""
    key = f"soak-{uuid.uuid4().hex}"
    body = {"to": receiver.address, "value_units": UNIT, "invoice_id": holder.invoice_id}
    headers = {"Authorization": f"Bearer {holder.party.api_key}", "Idempotency-Key": key}
    while True:
        response = http.post(
            f"/fragments/{holder.token_id}/split-transfer", json=body, headers=headers
        )
        tally.texts.append(response.text)
        answer = response.json()
        if response.status_code == 201:
            tally.statuses["201"] += 1
            tally.fragments.append((holder.party.address, int(answer["fragment"]["token_id"])))
            return
        if response.status_code == 200 and answer.get("status") == DONE:
            # Finished by recovery: the key answers the request as GET /requests/{id} shows it.
            tally.statuses["200 recovered"] += 1
            (event,) = [e for e in answer["outcome"]["events"] if e["name"] == "TradeTransferred"]
            tally.fragments.append((holder.party.address, int(event["args"]["toTokenId"])))
            return
        error = answer.get("error") if isinstance(answer, dict) else None
        tally.statuses[f"{response.status_code} {error}"] += 1
        if error not in (UNFINISHED, IN_PROGRESS) or time.monotonic() > until:
            tally.unexpected.append(f"{response.status_code} {response.text}")
            return
        if error == UNFINISHED:
            tally.deferred += 1
        time.sleep(1.0)


def writer(url: str, holder: Holder, receiver: Party, stop_at: float) -> Tally:
    tally = Tally()
    with httpx.Client(base_url=url, timeout=120) as http:
        while time.monotonic() < stop_at:
            write(http, holder, receiver, tally, stop_at + FINISH_GRACE_SECONDS)
    return tally


def test_four_processes_of_25_writers_soak_without_nonce_errors_or_duplicates(
    consortium: Consortium,
    private_chain: PrivateChain,
    write_settings: Settings,
    soak_workers: list[str],
    tmp_path: Path,
) -> None:
    chain = private_chain.client
    w3 = chain.w3
    receiver = consortium["supplier2"]
    cast = holders(consortium, private_chain, receiver)
    relayer = w3.eth.account.from_key(private_chain.relayer_key).address
    forwarder = chain.manifest.address("Forwarder")
    first_block = w3.eth.block_number + 1
    relayer_nonce = w3.eth.get_transaction_count(relayer)
    forwarder_nonces = dict(
        zip(
            [h.party.address for h in cast],
            chain.read_many([View("Forwarder", "nonces", (h.party.address,)) for h in cast]),
            strict=True,
        )
    )

    started = time.monotonic()
    stop_at = started + SOAK_SECONDS
    jobs = [
        (soak_workers[i % PROCESSES], cast[i % HOLDERS])
        for i in range(PROCESSES * WRITERS_PER_PROCESS)
    ]
    with ThreadPoolExecutor(len(jobs)) as pool:
        tallies = list(pool.map(lambda job: writer(job[0], job[1], receiver, stop_at), jobs))
    seconds = time.monotonic() - started
    last_block = w3.eth.block_number

    acknowledged = [fragment for tally in tallies for fragment in tally.fragments]
    statuses = sum((tally.statuses for tally in tallies), Counter())
    unexpected = [answer for tally in tallies for answer in tally.unexpected]
    # Every log line the workers wrote, and every answer, free of a nonce error.
    logs = "\n".join(path.read_text(errors="replace") for path in tmp_path.glob("worker-*.log"))
    texts = "\n".join(text for tally in tallies for text in tally.texts)
    nonce_errors = sum((logs + texts).lower().count(marker) for marker in NONCE_ERRORS)
    # A batch that broke off (a database error, the node) sends its waiters to recovery.
    failed_batches = len(re.findall(r'"message": "batch of \d+ failed"', logs))

    # The relayer's transactions: nonces distinct and gapless, every one to the forwarder.
    relayer_txs = [
        tx
        for number in range(first_block, last_block + 1)
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]
        if tx["from"] == relayer
    ]
    sent_nonces = sorted(int(tx["nonce"]) for tx in relayer_txs)
    # Requests sent in a batch ahead of their member's forwarder nonce are skipped, then resent.
    contract = chain.contract("Forwarder")
    relayed = sum(
        len(contract.decode_function_input(tx["input"])[1]["requests"]) for tx in relayer_txs
    )
    # Every member's forwarded requests, and every split-transfer, on chain in the soak's blocks.
    logs_on_chain = w3.eth.get_logs(
        {
            "fromBlock": first_block,
            "toBlock": last_block,
            "address": [forwarder, chain.manifest.address("CreditVoucher")],
        }
    )
    events = chain.events.decode_all(logs_on_chain)
    executed = Counter(
        (e.args["signer"], int(e.args["nonce"]))
        for e in events
        if e.name == "ExecutedForwardRequest"
    )
    failed_on_chain = [
        e for e in events if e.name == "ExecutedForwardRequest" and not e.args["success"]
    ]
    transferred = Counter(int(e.args["toTokenId"]) for e in events if e.name == "TradeTransferred")
    batch_sizes = Counter(e.transaction_hash for e in events if e.name == "ExecutedForwardRequest")

    forwarded = sum(executed.values())
    print(
        f"\nsoak {seconds:.0f} s ({SOAK_SECONDS:.0f} s of writing), {PROCESSES} processes x "
        f"{WRITERS_PER_PROCESS} writers on {HOLDERS} members: {len(acknowledged)} acknowledged "
        f"({len(acknowledged) / seconds:.0f}/s), answers {dict(statuses)}, deferred "
        f"{sum(t.deferred for t in tallies)}, unexpected {len(unexpected)}, nonce errors "
        f"{nonce_errors}, failed batches {failed_batches}; on chain: {len(relayer_txs)} relayer "
        f"transactions (nonces {sent_nonces[:1]}..{sent_nonces[-1:]}), {forwarded} forwarded "
        f"requests of {relayed} relayed ({relayed - forwarded} skipped and resent, "
        f"{len(failed_on_chain)} failed, {sum(1 for n in executed.values() if n > 1)} executed "
        f"twice), {sum(transferred.values())} TradeTransferred, "
        f"{forwarded / max(len(batch_sizes), 1):.1f} requests per executeBatch"
    )
    assert unexpected == []
    assert nonce_errors == 0
    assert failed_batches == 0
    assert acknowledged, "the soak acknowledged nothing"
    assert sent_nonces == list(range(relayer_nonce, relayer_nonce + len(relayer_txs)))
    assert w3.eth.get_transaction_count(relayer) == relayer_nonce + len(relayer_txs)
    assert all(tx["to"] == forwarder for tx in relayer_txs)
    # Each member's forwarder nonces: used once each, none skipped, the forwarder's count next.
    assert failed_on_chain == []
    assert all(count == 1 for count in executed.values())
    by_signer: dict[str, list[int]] = defaultdict(list)
    for signer, nonce in executed:
        by_signer[signer].append(nonce)
    on_chain_now = chain.read_many([View("Forwarder", "nonces", (h.party.address,)) for h in cast])
    factory = session_factory(write_settings.database_url)
    with factory() as session:
        for holder, now in zip(cast, on_chain_now, strict=True):
            address = holder.party.address
            start = forwarder_nonces[address]
            assert sorted(by_signer[address]) == list(range(start, now))
            stored = session.get(ForwarderNonce, address)
            assert stored is not None and stored.next_nonce == now
        assert set(by_signer) <= {h.party.address for h in cast}
        # Nothing left half done.
        assert {status for (status,) in session.query(WriteRequest.status).distinct()} == {DONE}
    # Exactly once: each acknowledged write is one TradeTransferred, and there are no others.
    assert len(set(acknowledged)) == len(acknowledged)
    assert all(count == 1 for count in transferred.values())
    assert sorted(transferred) == sorted(token for _, token in acknowledged)
    per_member = Counter(signer for signer, _ in acknowledged)
    assert {a: len(nonces) for a, nonces in by_signer.items()} == dict(per_member)

    # The read models agree with the chain on every fragment the soak touched.
    touched = [h.token_id for h in cast] + sorted(transferred)
    with factory() as session:
        for chunk in range(0, len(touched), 200):
            tokens = touched[chunk : chunk + 200]
            fragments = chain.read_many([View("CreditVoucher", "fragment", (t,)) for t in tokens])
            for token, fragment in zip(tokens, fragments, strict=True):
                owner, value, credit, parent, _invoice, depth, frozen, locked, _ = fragment
                record = session.get(FragmentRecord, token)
                assert record is not None, token
                assert (record.owner, record.value, record.credit_id, record.depth) == (
                    to_checksum_address(owner),
                    value,
                    credit,
                    depth,
                ), token
                assert (record.parent_id or 0, record.frozen, record.locked) == (
                    parent,
                    frozen,
                    locked,
                ), token
        for holder in cast:
            record = session.get(FragmentRecord, holder.token_id)
            assert record is not None
            assert record.value == FACE - per_member[holder.party.address] * UNIT
