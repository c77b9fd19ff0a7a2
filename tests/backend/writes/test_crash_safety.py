"""Crash safety, for real: an API process is SIGKILLed while it relays a split-transfer (once the
batch is recorded, its forwarder nonces, signatures and the relayer's signed bytes committed, but
before it is sent; after it is sent but before its receipt; after the receipt but before its
events are projected); a restarted
process finishes the request exactly once, and the client's retry with the same Idempotency-Key
answers that one outcome. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from backend.chain.node import free_port
from backend.core.database import session_factory
from backend.core.settings import Settings
from backend.readmodels.models import FragmentRecord
from backend.relay.models import DONE, WriteRequest
from tests.backend.writes.test_api_writes_concurrency import worker_environment
from tests.consortium_api import UNIT, Consortium, PrivateChain, confirmed_invoice, issued_credit

BOUND_SECONDS = 90


def start_api(settings: Settings, tmp_path: Path, **faults: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = worker_environment(settings)
    # A killed owner's requests are taken over one second after its last lease renewal.
    env["TIERCREDIT_REQUEST_LEASE_SECONDS"] = "1"
    env.update({f"TIERCREDIT_{name.upper()}": value for name, value in faults.items()})
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "backend.api:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"api-{port}.log", "wb"),  # noqa: SIM115 - the child owns it
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "the API process exited"
        assert time.monotonic() < deadline, "the API did not start"
        time.sleep(0.2)


@pytest.mark.parametrize("point", ["before_send", "after_send", "after_receipt"])
def test_a_request_killed_mid_relay_is_finished_exactly_once(
    point: str,
    consortium: Consortium,
    private_chain: PrivateChain,
    write_settings: Settings,
    tmp_path: Path,
) -> None:
    s1, s2 = consortium["supplier1"], consortium["supplier2"]
    root = issued_credit(private_chain, consortium, 1_000 * UNIT)["credit"]["credit_id"]
    invoice = confirmed_invoice(private_chain, s2, s1, 500 * UNIT)
    path = f"/fragments/{root}/split-transfer"
    body = {"to": s2.address, "invoice_id": invoice, "value_units": 7 * UNIT}
    headers = {"Authorization": f"Bearer {s1.api_key}", "Idempotency-Key": f"crash-{point}"}
    faults = tmp_path / "faults"
    faults.mkdir()

    doomed, doomed_url = start_api(
        write_settings, tmp_path, fault_pause_at=point, fault_dir=str(faults)
    )
    first: list[httpx.Response | Exception] = []

    def post() -> None:
        try:
            first.append(httpx.post(doomed_url + path, json=body, headers=headers, timeout=60))
        except httpx.HTTPError as exc:
            first.append(exc)

    client = threading.Thread(target=post)
    client.start()
    deadline = time.monotonic() + BOUND_SECONDS
    while not list(faults.glob(f"{point}.*")):
        assert time.monotonic() < deadline, f"the API never reached {point}"
        assert doomed.poll() is None
        time.sleep(0.05)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=30)
    client.join(timeout=60)
    # The client never heard an outcome: the connection died with the process.
    assert len(first) == 1 and isinstance(first[0], httpx.HTTPError)

    restarted, url = start_api(write_settings, tmp_path)
    try:
        deadline = time.monotonic() + BOUND_SECONDS
        while True:
            retry = httpx.post(url + path, json=body, headers=headers, timeout=60)
            if retry.status_code != 409:
                break
            assert retry.json()["error"] == "IdempotencyKeyInProgress"
            assert time.monotonic() < deadline, "the request was never finished"
            time.sleep(0.5)
        again = httpx.post(url + path, json=body, headers=headers, timeout=60)
        shown = httpx.get(
            f"{url}/requests/{retry.json().get('request_id')}",
            headers={"Authorization": headers["Authorization"]},
            timeout=30,
        )
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)

    assert retry.status_code == 200, retry.text
    answer = retry.json()
    assert answer["status"] == DONE
    names = [event["name"] for event in answer["outcome"]["events"]]
    assert "TradeTransferred" in names
    # The one outcome, replayed: same answer, nothing acted again.
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == answer
    # The request itself says the same.
    assert shown.status_code == 200 and shown.json() == answer
    chain = private_chain.client
    assert chain.read("CreditVoucher", "balanceOf", root) == (1_000 - 7) * UNIT
    factory = session_factory(write_settings.database_url)
    with factory() as session:
        assert session.get(FragmentRecord, root).value == (1_000 - 7) * UNIT
        rows = session.query(WriteRequest).filter_by(idempotency_key=f"crash-{point}").all()
        assert [row.status for row in rows] == [DONE]
        assert rows[0].tx_hash == answer["tx_hash"]
        # Exactly one forward request of s1 ran for it: its nonce is spent once.
        assert chain.read("Forwarder", "nonces", s1.address) == rows[0].forwarder_nonce + 1
