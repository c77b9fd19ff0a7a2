"""Concurrent writes through three API worker processes sharing one database and one chain:
split-transfers by different members and by the same member at once all succeed, each member's
forwarder nonces run without gap or collision, the relayer pays, and the read models agree with
the chain."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from backend.chain.node import free_port
from backend.core.database import session_factory
from backend.core.settings import PROJECT_ROOT, Settings
from backend.readmodels.models import FragmentRecord, InvoiceRecord
from backend.relay.models import ForwarderNonce
from tests.consortium_api import (
    UNIT,
    Consortium,
    Party,
    PrivateChain,
    confirmed_invoice,
    issued_credit,
)

WORKERS = 3


def worker_environment(settings: Settings) -> dict[str, str]:
    values = {
        "ENVIRONMENT": settings.environment,
        "DATABASE_URL": settings.database_url,
        "RPC_URL": settings.rpc_url,
        "CHAIN_ID": str(settings.chain_id),
        "DEPLOYMENT_MANIFEST": str(settings.deployment_manifest),
        "KEYSTORE_DIR": str(settings.keystore_dir),
        "KEYSTORE_PASSWORD": settings.keystore_password,
        "KEYSTORE_KDF": settings.keystore_kdf,
        "KEYSTORE_KDF_ITERATIONS": str(settings.keystore_kdf_iterations),
        "API_KEY_PEPPER": settings.api_key_pepper,
        "RELAYER_PRIVATE_KEY": settings.relayer_private_key,
        "CONFIRMATIONS": str(settings.confirmations),
        "LOG_LEVEL": "WARNING",
    }
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TIERCREDIT_")}
    environment.update({f"TIERCREDIT_{name}": value for name, value in values.items()})
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    return environment


@pytest.fixture
def workers(write_settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Three uvicorn processes serving the app on one database, chain and keystore."""
    ports = [free_port() for _ in range(WORKERS)]
    processes = [
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
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / f"worker-{port}.log", "wb"),  # noqa: SIM115 - the child owns it
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
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
            process.wait(timeout=30)


def split(url: str, payer: Party, token_id: int, to: Party, invoice_id: int) -> httpx.Response:
    return httpx.post(
        f"{url}/fragments/{token_id}/split-transfer",
        json={"to": to.address, "value_units": UNIT, "invoice_id": invoice_id},
        headers={"Authorization": f"Bearer {payer.api_key}"},
        timeout=120,
    )


def test_three_workers_split_concurrently_without_nonce_collisions(
    consortium: Consortium, private_chain: PrivateChain, workers: list[str]
) -> None:
    s1, s2, s3 = consortium["supplier1"], consortium["supplier2"], consortium["supplier3"]
    root = issued_credit(private_chain, consortium, 1_000 * UNIT)["credit"]["credit_id"]
    s1_pays_s2 = confirmed_invoice(private_chain, s2, s1, 500 * UNIT)
    s2_pays_s3 = confirmed_invoice(private_chain, s3, s2, 500 * UNIT)
    s3_pays_s1 = confirmed_invoice(private_chain, s1, s3, 500 * UNIT)
    s2_token = s1.ok(
        f"/fragments/{root}/split-transfer",
        {"to": s2.address, "invoice_id": s1_pays_s2, "value_units": 100 * UNIT},
        status=201,
    )["fragment"]["token_id"]
    s3_token = s2.ok(
        f"/fragments/{s2_token}/split-transfer",
        {"to": s3.address, "invoice_id": s2_pays_s3, "value_units": 50 * UNIT},
        status=201,
    )["fragment"]["token_id"]
    # Per worker: s1 twice (the same signer on every worker), s2 once, s3 once.
    jobs = [
        job
        for url in workers
        for job in (
            (url, s1, root, s2, s1_pays_s2),
            (url, s1, root, s2, s1_pays_s2),
            (url, s2, s2_token, s3, s2_pays_s3),
            (url, s3, s3_token, s1, s3_pays_s1),
        )
    ]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        responses = list(pool.map(lambda job: split(*job), jobs))

    assert [r.status_code for r in responses] == [201] * len(jobs), [
        r.json()["error"] for r in responses if r.status_code != 201
    ]
    w3 = private_chain.client.w3
    chain = private_chain.client
    relayer = w3.eth.account.from_key(private_chain.relayer_key).address
    # Each member's forward requests: one forwarder nonce each, none shared, none skipped.
    forwarded: dict[str, list[int]] = defaultdict(list)
    relayer_nonces: set[int] = set()
    for tx_hash in {response.json()["tx_hash"] for response in responses}:
        tx = w3.eth.get_transaction(tx_hash)
        assert tx["from"] == relayer and tx["to"] == chain.manifest.address("Forwarder")
        relayer_nonces.add(tx["nonce"])
        receipt = w3.eth.get_transaction_receipt(tx_hash)
        for event in chain.events.decode_all(receipt["logs"]):
            if event.name == "ExecutedForwardRequest":
                assert event.args["success"] is True
                forwarded[event.args["signer"]].append(int(event.args["nonce"]))
    batches = len({response.json()["tx_hash"] for response in responses})
    assert len(relayer_nonces) == batches
    for address in (s1.address, s2.address, s3.address):
        used = sorted(forwarded[address])
        assert len(used) == len(set(used))
        assert used == list(range(used[0], used[0] + len(used)))
        assert chain.read("Forwarder", "nonces", address) == used[-1] + 1
    assert len(forwarded[s1.address]) == 2 * WORKERS
    # Members hold no ether: the relayer paid for every batch.
    assert w3.eth.get_balance(s1.address) == 0
    voucher = private_chain.client
    factory = session_factory(consortium.settings.database_url)
    with factory() as session:
        for fragment in session.query(FragmentRecord).all():
            assert fragment.value == voucher.read("CreditVoucher", "balanceOf", fragment.token_id)
            assert fragment.owner == voucher.read("CreditVoucher", "ownerOf", fragment.token_id)
        assert session.get(FragmentRecord, root).value == (1_000 - 100 - 2 * WORKERS) * UNIT
        remaining = session.get(InvoiceRecord, s1_pays_s2).remaining
        assert remaining == (500 - 100 - 2 * WORKERS) * UNIT
        stored = session.get(ForwarderNonce, s1.address)
        assert stored is not None
        assert stored.next_nonce == chain.read("Forwarder", "nonces", s1.address)
