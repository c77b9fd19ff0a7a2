"""Operator writes over HTTP on a real chain (limits, pause, suspension), and the answers a
write gets when the platform does not sign it (own key: 202 with the typed data) or the node is
down (503)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from eth_account import Account

from backend.chain.client import Chain
from backend.chain.node import free_port
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.documents.hashing import text_hash, to_hex
from tests.consortium_api import (
    UNIT,
    Consortium,
    PrivateChain,
    build_consortium,
    register_invoice,
)

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer


def test_limits_are_set_and_bounded(consortium: Consortium, private_chain: PrivateChain) -> None:
    operator = consortium["operator"]
    before = private_chain.client.read("Consortium", "limits")

    changed = operator.ok(
        "/platform/limits", {"max_tenor_days": 90, "grace_period_days": 10, "max_tier_depth": 4}
    )
    too_long = operator.post(
        "/platform/limits", {"max_tenor_days": 366, "grace_period_days": 10, "max_tier_depth": 4}
    )
    operator.ok(
        "/platform/limits",
        dict(zip(("max_tenor_days", "grace_period_days", "max_tier_depth"), before, strict=True)),
    )

    assert changed["limits"] == {"max_tenor_days": 90, "grace_period_days": 10, "max_tier_depth": 4}
    assert too_long.status_code == 422
    assert too_long.json()["args"] == {
        "maxTenorDays": 366,
        "gracePeriodDays": 10,
        "maxTierDepth": 4,
    }
    assert tuple(private_chain.client.read("Consortium", "limits")) == tuple(before)


def test_pause_stops_member_writes_until_unpaused(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    operator, bank, core = consortium["operator"], consortium["bank_a"], consortium["core"]
    line = {"obligor": core.address, "limit_units": 100 * UNIT}
    paused = operator.ok("/platform/pause")
    try:
        refused = bank.post("/credit-lines", line)
        twice = operator.post("/platform/pause")
    finally:
        unpaused = operator.ok("/platform/unpause")
    accepted = bank.post("/credit-lines", line)

    assert paused["paused"] is True
    assert refused.status_code == 409
    assert refused.json() == {
        "type": "urn:tiercredit:error:EnforcedPause",
        "title": "Conflict",
        "status": 409,
        "error": "EnforcedPause",
        "args": {},
        "detail": "Consortium reverted with EnforcedPause",
        "contract": "Consortium",
    }
    assert twice.status_code == 409 and twice.json()["error"] == "EnforcedPause"
    assert unpaused["paused"] is False
    assert accepted.status_code == 200


def test_suspended_member_is_locked_out_until_reinstated(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    operator, supplier = consortium["operator"], consortium["supplier3"]

    suspended = operator.ok(
        f"/platform/members/{supplier.member_id}/suspend", {"reason": "KYC expired"}
    )
    locked_out = supplier.post("/cash/burn", {"amount_units": 1, "withdrawal_reference": "x"})
    again = operator.post(f"/platform/members/{supplier.member_id}/suspend", {"reason": "Again"})
    reinstated = operator.ok(f"/platform/members/{supplier.member_id}/reinstate")
    unknown = operator.post("/platform/members/99999/reinstate")

    assert suspended["member"] == {
        "member_id": supplier.member_id,
        "address": supplier.address,
        "status": "suspended",
        "reason": "KYC expired",
        "reason_hash": to_hex(text_hash("KYC expired")),
    }
    assert locked_out.status_code == 401
    assert again.status_code == 409
    assert again.json()["args"] == {"account": supplier.address, "status": 2}
    assert reinstated["member"]["status"] == "active"
    assert private_chain.client.read("Consortium", "statusOf", supplier.address) == 1
    assert supplier.http.get("/members/me").status_code == 200
    assert unknown.status_code == 404 and unknown.json()["error"] == "MemberNotFound"


def test_a_member_holding_its_own_key_is_given_the_typed_data_to_sign(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    wallet = consortium.onboard("own-key", ["SUPPLIER"], address=Account.create().address)
    block = private_chain.block_number()

    response = wallet.post("/cash/approvals", {"spender": "settlement", "amount_units": 1})

    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"request_id", "status", "typed_data", "expires_at"}
    assert body["status"] == "awaiting_signature"
    assert body["typed_data"]["primaryType"] == "ForwardRequest"
    assert body["typed_data"]["message"]["from"] == wallet.address
    assert body["typed_data"]["message"]["to"] == private_chain.manifest.address("SettlementToken")
    assert private_chain.block_number() == block


def test_node_down_is_503_with_retry_after_and_a_retry_runs_again(
    serve: Callable[..., LiveServer],
    write_settings: Settings,
    private_chain: PrivateChain,
) -> None:
    dead_url = f"http://127.0.0.1:{free_port()}"
    dead = Chain(dead_url, private_chain.manifest)
    settings = write_settings.model_copy(update={"rpc_url": dead_url})
    live = serve(settings, chain=private_chain.client)
    consortium = build_consortium(live, private_chain, settings, cast={"bank": ["FINANCIER"]})
    down = serve(settings, chain=dead)
    body = {"to": consortium["bank"].address, "amount_units": 1, "deposit_reference": "D"}

    with down.client(consortium["bank"].api_key) as http:
        response = http.post("/cash/mint", json=body, headers={"Idempotency-Key": "mint-1"})
    retried = consortium["bank"].post("/cash/mint", body, key="mint-1")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == "ChainUnavailable"
    # The key was released: the retry on a live node runs and mints.
    assert retried.status_code == 200
    assert retried.json()["recipient"]["balance_units"] == 1
    consortium.close()


def test_a_mined_write_the_read_models_cannot_take_yet_is_202_with_its_transaction(
    consortium: Consortium,
    private_chain: PrivateChain,
    serve: Callable[..., LiveServer],
    write_settings: Settings,
    tmp_path: Path,
) -> None:
    """A second deployment of the API on a database whose indexer is behind: the invoice the
    confirmation refers to is not in its read models, so the answer is the mined transaction
    alone (202), and a retry replays it rather than confirming twice."""
    seller, core = consortium["supplier1"], consortium["core"]
    invoice_id = register_invoice(private_chain, seller, core, 10 * UNIT)["invoice"]["invoice_id"]
    behind = write_settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'behind.db'}"}
    )
    run_migrations(behind.database_url)
    lagging = serve(behind, chain=private_chain.client)
    core_there = Consortium(lagging, private_chain, behind).recorded_member(
        "core", core.address, custodial=True
    )

    confirmed = core_there.post(f"/invoices/{invoice_id}/confirm", key="confirm-behind")
    retry = core_there.post(f"/invoices/{invoice_id}/confirm", key="confirm-behind")

    assert confirmed.status_code == 202
    assert set(confirmed.json()) == {"tx_hash", "block_number", "detail"}
    receipt = private_chain.client.w3.eth.get_transaction_receipt(confirmed.json()["tx_hash"])
    assert receipt["status"] == 1
    assert private_chain.client.read("InvoiceRegistry", "statusOf", invoice_id) == 2
    assert retry.status_code == 202 and retry.json() == confirmed.json()
    core_there.http.close()
