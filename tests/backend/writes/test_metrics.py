"""/metrics after real writes on a real chain: each write's outcome by error name, write latency by
operation, pending requests by status, the indexer's lag in blocks and seconds, the relayer's
balance and the quarantined events; served only where the settings allow, and summed over
several workers in multiprocess mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.core.settings import Settings
from backend.indexer.follower import index_once
from benchmarks.common import ApiServer
from tests.consortium_api import UNIT, Consortium, PrivateChain, samples, value

if TYPE_CHECKING:
    from pathlib import Path

    from tests.backend.conftest import LiveServer


def pause_twice_and_unpause(consortium: Consortium) -> None:
    """One pause mined, one refused by the chain (`EnforcedPause`), one unpause mined."""
    operator = consortium["operator"]
    operator.ok("/platform/pause")
    twice = operator.post("/platform/pause")
    assert twice.status_code == 409 and twice.json()["error"] == "EnforcedPause"
    operator.ok("/platform/unpause")


def test_metrics_show_outcomes_latency_pending_lag_and_balance_after_real_writes(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    before = samples(consortium["operator"].http)
    onboarded = value(
        before,
        "tiercredit_transaction_outcomes_total",
        operation="Consortium.onboard",
        outcome="ok",
    )
    pause_twice_and_unpause(consortium)
    # A member holding its own key: its write waits for its signature.
    key: LocalAccount = Account.create()
    bank = consortium.onboard("self-bank", ["FINANCIER"], address=key.address)
    waiting = bank.post(
        "/credit-lines", {"obligor": consortium["core"].address, "limit_units": 100 * UNIT}
    )
    assert waiting.status_code == 202 and waiting.json()["status"] == "awaiting_signature"
    index_once(consortium.settings, private_chain.client)
    private_chain.rpc("evm_increaseTime", [50])
    private_chain.rpc("evm_mine")
    head = private_chain.client.w3.eth.get_block("latest")
    cursor = private_chain.client.w3.eth.get_block(head["number"] - 1)
    relayer = Account.from_key(private_chain.relayer_key).address

    found = samples(consortium["operator"].http)

    outcomes = "tiercredit_transaction_outcomes_total"
    assert value(found, outcomes, operation="Consortium.pause", outcome="ok") == 1
    assert value(found, outcomes, operation="Consortium.pause", outcome="EnforcedPause") == 1
    assert value(found, outcomes, operation="Consortium.unpause", outcome="ok") == 1
    # The consortium's cast was onboarded through the API before; the self-custody bank now.
    assert onboarded >= 1
    assert value(found, outcomes, operation="Consortium.onboard", outcome="ok") == onboarded + 1
    # Latency only of what was mined: one pause, one unpause.
    latency = "tiercredit_write_duration_seconds"
    assert value(found, f"{latency}_count", operation="Consortium.pause") == 1
    assert value(found, f"{latency}_count", operation="Consortium.unpause") == 1
    assert value(found, f"{latency}_sum", operation="Consortium.pause") > 0
    pending = "tiercredit_pending_write_requests"
    assert value(found, pending, status="awaiting_signature") == 1
    assert value(found, pending, status="sent") == 0
    assert value(found, "tiercredit_indexer_lag_blocks") == 1
    assert value(found, "tiercredit_indexer_lag_seconds") == head["timestamp"] - cursor["timestamp"]
    assert value(found, "tiercredit_indexer_lag_seconds") >= 50
    assert value(found, "tiercredit_indexer_block") == cursor["number"]
    assert value(found, "tiercredit_indexer_quarantined_events") == 0
    assert value(found, "tiercredit_relayer_balance_wei") == float(
        private_chain.client.w3.eth.get_balance(relayer)
    )


def test_metrics_are_served_only_where_the_settings_allow(
    serve: Callable[..., LiveServer], settings: Settings
) -> None:
    production = serve(settings.model_copy(update={"environment": "production"}))
    opted_in = serve(
        settings.model_copy(update={"environment": "production", "metrics_enabled": True})
    )
    opted_out = serve(settings.model_copy(update={"metrics_enabled": False}))
    with production.client() as http:
        refused = http.get("/metrics")
    with opted_out.client() as http:
        refused_in_test = http.get("/metrics")
    with opted_in.client() as http:
        served = http.get("/metrics")

    assert refused.status_code == refused_in_test.status_code == 404
    assert (
        refused.json()
        == refused_in_test.json()
        == {
            "type": "urn:tiercredit:error:MetricsDisabled",
            "title": "Not Found",
            "status": 404,
            "error": "MetricsDisabled",
            "args": {"setting": "TIERCREDIT_METRICS_ENABLED"},
            "detail": "metrics are not served here",
        }
    )
    assert served.status_code == 200
    assert "tiercredit_pending_write_requests" in served.text


def test_metrics_sum_over_several_workers_in_multiprocess_mode(
    consortium: Consortium, write_settings: Settings, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    server = ApiServer(
        write_settings,
        workers=2,
        log_path=tmp_path / "api.log",
        extra_env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )
    try:
        with server.client(consortium["operator"].api_key) as http:
            for round_ in range(3):
                assert (
                    http.post(
                        "/platform/pause", headers={"Idempotency-Key": f"mp-pause-{round_}"}
                    ).status_code
                    == 200
                )
                assert (
                    http.post(
                        "/platform/unpause", headers={"Idempotency-Key": f"mp-unpause-{round_}"}
                    ).status_code
                    == 200
                )
            for _ in range(20):
                assert http.get("/health").status_code == 200
            found = [samples(http) for _ in range(4)]
    finally:
        server.stop()

    outcomes = "tiercredit_transaction_outcomes_total"
    for scrape in found:  # whichever worker answers, the sums are the whole server's
        assert value(scrape, outcomes, operation="Consortium.pause", outcome="ok") == 3
        assert value(scrape, outcomes, operation="Consortium.unpause", outcome="ok") == 3
        assert (
            value(scrape, "tiercredit_write_duration_seconds_count", operation="Consortium.pause")
            == 3
        )
        assert (
            value(
                scrape,
                "tiercredit_http_requests_total",
                method="GET",
                route="/health",
                status="200",
            )
            >= 20
        )
        assert value(scrape, "tiercredit_pending_write_requests", status="received") == 0
    # Both workers wrote their own samples (files named by process id).
    assert len({path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("*.db")}) >= 2
