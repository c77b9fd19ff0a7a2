"""The relayer on a real Anvil, on SQLite and PostgreSQL: members hold no ether, requests that
arrive together share one executeBatch yet each gets its own outcome, and a relayer short of
funds answers 503 RelayerOutOfFunds and acts once it is funded again."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from eth_account import Account

from backend.chain.errors import ERROR_HTTP_STATUS
from backend.core.database import session_factory
from backend.core.settings import Settings
from backend.readmodels.models import FragmentRecord
from backend.relay.models import DONE, FAILED, WriteRequest
from tests.consortium_api import (
    UNIT,
    Consortium,
    PrivateChain,
    build_consortium,
    confirmed_invoice,
    issued_credit,
    samples,
    start_private_chain,
    value,
)

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer

# Long enough that requests posted together surely meet in one batch.
WIDE_WINDOW_MS = 600.0


@pytest.fixture
def batching(
    serve: Callable[..., LiveServer], write_settings: Settings, private_chain: PrivateChain
) -> Iterator[Consortium]:
    settings = write_settings.model_copy(update={"batch_window_ms": WIDE_WINDOW_MS})
    consortium = build_consortium(
        serve(settings, chain=private_chain.client), private_chain, settings
    )
    yield consortium
    consortium.close()


def test_members_hold_no_ether_and_the_relayer_pays(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    w3 = private_chain.client.w3
    relayer = Account.from_key(private_chain.relayer_key).address
    before = w3.eth.get_balance(relayer)

    written = issued_credit(private_chain, consortium, 100 * UNIT)

    for name in ("core", "supplier1", "bank_a"):
        assert w3.eth.get_balance(consortium[name].address) == 0
    tx = w3.eth.get_transaction(written["tx_hash"])
    assert tx["from"] == relayer
    assert tx["to"] == private_chain.manifest.address("Forwarder")
    assert w3.eth.get_balance(relayer) < before
    issued = [
        e
        for e in private_chain.client.events.decode_all(
            w3.eth.get_transaction_receipt(written["tx_hash"])["logs"]
        )
        if e.name == "CreditIssued"
    ]
    assert [e.args["obligor"] for e in issued] == [consortium["core"].address]


def test_one_failing_request_in_a_batch_fails_alone(
    batching: Consortium, private_chain: PrivateChain
) -> None:
    consortium = batching
    s1, s2, s3 = consortium["supplier1"], consortium["supplier2"], consortium["supplier3"]
    root = issued_credit(private_chain, consortium, 1_000 * UNIT)["credit"]["credit_id"]
    invoice = confirmed_invoice(private_chain, s2, s1, 2_000 * UNIT)
    s3_invoice = confirmed_invoice(private_chain, s3, s2, 500 * UNIT)
    s2_token = s1.ok(
        f"/fragments/{root}/split-transfer",
        {"to": s2.address, "invoice_id": invoice, "value_units": 100 * UNIT},
        status=201,
    )["fragment"]["token_id"]
    # Each of s1's two splits fits the 900 left on its own; together they do not. Both pass
    # simulation, meet in one batch, and the second one the forwarder runs fails there.
    bodies = [
        (s1, root, {"to": s2.address, "invoice_id": invoice, "value_units": 600 * UNIT}),
        (s1, root, {"to": s2.address, "invoice_id": invoice, "value_units": 600 * UNIT}),
        (s2, s2_token, {"to": s3.address, "invoice_id": s3_invoice, "value_units": 10 * UNIT}),
    ]
    responses: list[httpx.Response | None] = [None] * len(bodies)

    def post(index: int) -> None:
        party, token, body = bodies[index]
        responses[index] = party.post(f"/fragments/{token}/split-transfer", body)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    got = [r for r in responses if r is not None]
    assert len(got) == 3
    statuses = sorted(r.status_code for r in got[:2])
    failed = next(r for r in got[:2] if r.status_code != 201)
    assert statuses == sorted([201, ERROR_HTTP_STATUS["VoucherInsufficientValue"]])
    error = failed.json()
    assert error["error"] == "VoucherInsufficientValue"
    assert error["args"] == {
        "tokenId": root,
        "requested": 600 * UNIT,
        "available": 300 * UNIT,
    }
    assert got[2].status_code == 201, got[2].text
    succeeded = [r.json()["tx_hash"] for r in got if r.status_code == 201]
    # One executeBatch carried all three: the failure's transaction is the successes' too.
    assert len(set(succeeded)) == 1
    assert error["tx_hash"] == succeeded[0]
    factory = session_factory(consortium.settings.database_url)
    with factory() as session:
        assert session.get(FragmentRecord, root).value == 300 * UNIT
        rows = session.query(WriteRequest).filter(WriteRequest.tx_hash == succeeded[0]).all()
        assert sorted(row.status for row in rows) == [DONE, DONE, FAILED]
        assert private_chain.client.read("CreditVoucher", "balanceOf", root) == 300 * UNIT
    # The failure mined in the batch is counted by its name where the relayer settled it.
    found = samples(consortium["operator"].http)
    outcomes = "tiercredit_transaction_outcomes_total"
    split = "CreditVoucher.splitTransfer"
    assert value(found, outcomes, operation=split, outcome="VoucherInsufficientValue") == 1
    assert value(found, outcomes, operation=split, outcome="ok") == 3  # s2_token's and two here


def test_a_relayer_out_of_funds_answers_503_and_acts_once_funded(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core = consortium["core"]
    relayer = Account.from_key(private_chain.relayer_key).address
    funded = private_chain.client.w3.eth.get_balance(relayer)
    private_chain.rpc("anvil_setBalance", [relayer, hex(1000)])
    try:
        refused = core.post("/obligors/me/quality-requirement", {"required": True}, key="q-1")
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert body["error"] == "RelayerOutOfFunds"
        assert body["args"]["relayer"] == relayer
        assert body["args"]["balance_wei"] == "1000"
        assert int(body["args"]["needed_wei"]) > 1000
        assert refused.headers["Retry-After"] == "30"
        assert requires_certificate(private_chain, core.address) is False
    finally:
        private_chain.rpc("anvil_setBalance", [relayer, hex(funded)])
    # Nothing was sent, so the key was released: the retry acts, once.
    retried = core.post("/obligors/me/quality-requirement", {"required": True}, key="q-1")
    assert retried.status_code == 200, retried.text
    assert requires_certificate(private_chain, core.address) is True
    replayed = core.post("/obligors/me/quality-requirement", {"required": True}, key="q-1")
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert replayed.json()["tx_hash"] == retried.json()["tx_hash"]


def requires_certificate(chain: PrivateChain, obligor: str) -> bool:
    return bool(chain.client.read("Consortium", "requiresQualityCertificate", obligor))


def test_metrics_show_the_relayers_balance(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    relayer = Account.from_key(private_chain.relayer_key).address
    balance = private_chain.client.w3.eth.get_balance(relayer)

    metrics = consortium["operator"].http.get("/metrics")

    assert metrics.status_code == 200
    lines = [line for line in metrics.text.splitlines() if line.startswith("tiercredit_relayer_")]
    assert lines == [f"tiercredit_relayer_balance_wei {float(balance)}"]


GAS_FREE_CHAIN_ID = 7359


def test_on_a_gas_free_chain_an_unfunded_relayer_relays(
    serve: Callable[..., LiveServer], settings: Settings, tmp_path: Path
) -> None:
    """Besu's common `--min-gas-price=0` with a zero base fee: the relayer holds no ether and
    pays nothing, and the write goes through as anywhere else."""
    chain = start_private_chain(tmp_path, GAS_FREE_CHAIN_ID, gas_free=True)
    try:
        relayer = Account.create()
        write_settings = chain.settings_for(settings).model_copy(
            update={"relayer_private_key": relayer.key.hex()}
        )
        consortium = build_consortium(
            serve(write_settings, chain=chain.client), chain, write_settings
        )
        core = consortium["core"]

        answer = core.ok("/obligors/me/quality-requirement", {"required": True})

        assert requires_certificate(chain, core.address) is True
        w3 = chain.client.w3
        tx = w3.eth.get_transaction(answer["tx_hash"])
        assert tx["from"] == relayer.address
        assert tx["maxFeePerGas"] == 0
        assert w3.eth.get_balance(relayer.address) == 0
        assert w3.eth.get_balance(core.address) == 0
    finally:
        chain.node.stop()
