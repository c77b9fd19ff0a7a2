"""The read endpoints over HTTP, served from read models the indexer filled from a real chain."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from backend.core.database import engine_for, session_factory
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.indexer.follower import Follower
from backend.readmodels.models import CreditRecord, FragmentRecord
from backend.reads import service
from backend.reads.schemas import LineageNode
from tests.backend.indexer_flow import DAY, UNIT, Platform, h


def test_lineage_tree_shows_holders_hops_and_the_discount(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    ids = day.ids
    # Its obligor sees the whole tree (a holder sees its path: test_read_authorization.py).
    body = day_client("core").get(f"/credits/{ids['credit1']}/lineage").json()

    root = body["root"]
    assert (root["token_id"], root["holder"], root["depth"], root["invoice_id"]) == (
        ids["credit1"],
        day.address("supplier1"),
        0,
        ids["inv1"],
    )
    assert root["value_units"] == 45_000 * UNIT
    assert [c["token_id"] for c in root["children"]] == [ids["token2"], ids["token5"]]
    hop1, unlocked = root["children"]
    assert (hop1["holder"], hop1["depth"], hop1["invoice_id"], hop1["value_units"]) == (
        day.address("supplier2"),
        1,
        ids["inv2"],
        20_000 * UNIT,
    )
    assert (
        unlocked["holder"],
        unlocked["locked"],
        unlocked["value_units"],
        unlocked["parent_id"],
    ) == (
        day.address("supplier1"),
        False,
        5_000 * UNIT,
        ids["credit1"],
    )
    (hop2,) = hop1["children"]
    assert (hop2["holder"], hop2["depth"], hop2["invoice_id"], hop2["redeemed"]) == (
        day.address("supplier3"),
        2,
        ids["inv3"],
        True,
    )
    assert hop2["redeemed_value_units"] == 6_000 * UNIT
    (discounted,) = hop2["children"]
    assert (discounted["holder"], discounted["redeemed"], discounted["redeemed_value_units"]) == (
        day.address("bank_b"),
        True,
        4_000 * UNIT,
    )
    assert discounted["discount"] == {
        "request_id": ids["request1"],
        "financier": day.address("bank_b"),
        "price_units": ids["price1"],
        "rate_bps": 450,
        "days_to_maturity": discounted["discount"]["days_to_maturity"],
        "block_number": discounted["discount"]["block_number"],
    }
    assert discounted["discount"]["days_to_maturity"] > 100
    credit = body["credit"]
    assert (
        credit["status"],
        credit["repaid_units"],
        credit["redeemed_units"],
        credit["frozen"],
    ) == (
        "repaid",
        80_000 * UNIT,
        10_000 * UNIT,
        False,
    )
    assert body["live_value_units"] + credit["redeemed_units"] == credit["face_value_units"]
    assert body["fragment_count"] == 5


def test_portfolio_values_by_credit_and_cash(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    ids = day.ids
    body = day_client("supplier1").get(f"/portfolios/{day.address('supplier1')}").json()

    assert body["credits"] == [
        {
            "credit_id": ids["credit1"],
            "obligor": day.address("core"),
            "maturity": ids["maturity1"],
            "value_units": 50_000 * UNIT,
            "fragments": 2,
        },
        {
            "credit_id": ids["credit2"],
            "obligor": day.address("core2"),
            "maturity": body["credits"][1]["maturity"],
            "value_units": 60_000 * UNIT,
            "fragments": 1,
        },
    ]
    assert body["total_value_units"] == 110_000 * UNIT
    assert body["cash_units"] == day.read("SettlementToken", "balanceOf", day.address("supplier1"))
    frozen = {f["token_id"]: f["frozen"] for f in body["fragments"]["items"]}
    assert frozen == {ids["credit1"]: False, ids["token5"]: False, ids["credit2"]: True}
    for item in body["fragments"]["items"]:
        assert item["value_units"] == day.read("CreditVoucher", "balanceOf", item["token_id"])


def test_portfolio_of_another_member_is_forbidden_but_not_to_the_auditor(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    refused = day_client("supplier2").get(f"/portfolios/{day.address('supplier1')}")
    allowed = day_client("auditor").get(f"/portfolios/{day.address('supplier1')}")

    assert refused.status_code == 403
    assert refused.json()["error"] == "NotYourAccount"
    assert allowed.status_code == 200


def test_exposure_per_obligor_with_headroom(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    body = day_client("bank_a").get(f"/financiers/{day.address('bank_a')}/exposures").json()

    by_obligor = {row["obligor"]: row for row in body}
    assert set(by_obligor) == {day.address("core"), day.address("core2")}
    for obligor, row in by_obligor.items():
        line = day.read("Consortium", "creditLine", day.address("bank_a"), obligor)
        exposure = day.read("Consortium", "exposure", day.address("bank_a"), obligor)
        assert (row["credit_line_units"], row["exposure_units"], row["headroom_units"]) == (
            line,
            exposure,
            line - exposure,
        )
        assert row["obligor_outstanding_units"] == day.read("Consortium", "outstanding", obligor)
    assert by_obligor[day.address("core")]["obligor_quota_units"] == 1_500_000 * UNIT


def test_an_obligors_quota_by_credit_line_used_and_free(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    a = day.address
    path = f"/obligors/{a('core')}/credit-lines"

    by_core = day_client("core").get(path).json()
    by_auditor = day_client("auditor").get(path).json()
    by_bank_b = day_client("bank_b").get(path).json()
    core2 = day_client("core2").get(f"/obligors/{a('core2')}/credit-lines").json()

    # Lines of 1,000,000.00 (bank_a) and 500,000.00 (bank_b), listed by the financier's address;
    # credit1 (80,000.00) was repaid in full on maturity day, and the 4,000.00 of it bank_b
    # bought was redeemed, written off and claimed: no line is used any more.
    assert by_core == {
        "obligor": a("core"),
        "quota_units": 1_500_000 * UNIT,
        "outstanding_units": 0,
        "free_units": 1_500_000 * UNIT,
        "lines": [
            {
                "financier": a("bank_b"),
                "obligor": a("core"),
                "limit_units": 500_000 * UNIT,
                "used_units": 0,
                "free_units": 500_000 * UNIT,
            },
            {
                "financier": a("bank_a"),
                "obligor": a("core"),
                "limit_units": 1_000_000 * UNIT,
                "used_units": 0,
                "free_units": 1_000_000 * UNIT,
            },
        ],
    }
    assert by_core["quota_units"] == day.read("Consortium", "issuanceQuota", a("core"))
    assert by_core["outstanding_units"] == day.read("Consortium", "outstanding", a("core"))
    assert day.read("Consortium", "exposure", a("bank_b"), a("core")) == 0
    assert by_auditor == by_core
    # A financier reads its own line, not its competitor's.
    assert by_bank_b == {**by_core, "lines": by_core["lines"][:1]}
    # core2 owes credit2's 60,000.00, overdue and unpaid, against Harbor's 200,000.00 line.
    assert core2 == {
        "obligor": a("core2"),
        "quota_units": 200_000 * UNIT,
        "outstanding_units": 60_000 * UNIT,
        "free_units": 140_000 * UNIT,
        "lines": [
            {
                "financier": a("bank_a"),
                "obligor": a("core2"),
                "limit_units": 200_000 * UNIT,
                "used_units": 0,
                "free_units": 200_000 * UNIT,
            }
        ],
    }


def test_overdue_lists_the_unpaid_credit_past_grace(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    body = day_client("auditor").get("/credits/overdue").json()

    assert [c["credit_id"] for c in body["items"]] == [day.ids["credit2"]]
    (credit,) = body["items"]
    assert (credit["overdue"], credit["unpaid_units"], credit["frozen_by_auditor"]) == (
        True,
        60_000 * UNIT,
        True,
    )


def test_overdue_goes_by_the_chain_clock_the_indexer_reached(
    tmp_path: Path,
    settings: Settings,
    serve: Callable[..., Any],
    make_member: Callable[..., Any],
) -> None:
    """Time travel runs a chain ahead of the wall clock: a credit is overdue by the last indexed
    block's time, which is what the read models reflect."""
    platform = Platform.start(tmp_path)
    try:
        platform.onboard_all()
        core = platform.address("core")
        platform.send("bank_a", "Consortium", "setCreditLine", core, 1_000_000 * UNIT)
        issued = {}
        for label, days in (("due", 10), ("later", 100)):
            invoice = platform.invoice("supplier1", "core", 1_000 * UNIT, f"overdue-{label}")
            maturity = platform.now() + days * DAY
            outcome = platform.send(
                "core", "CreditVoucher", "issue", invoice, 1_000 * UNIT, maturity, 0
            )
            issued[label] = outcome.event("CreditIssued").args
        due = issued["due"]
        overdue_at = due["maturity"] + due["gracePeriodDays"] * DAY
        platform.travel(overdue_at - platform.now() + DAY)
        chain_now = platform.now()
        Follower(platform.chain, session_factory(settings.database_url)).index_once()
    finally:
        platform.node.stop()
    client = serve(settings).client(make_member(["AUDITOR"]).api_key)

    body = client.get("/credits/overdue").json()
    status = client.get("/indexer/status").json()

    # By the wall clock nothing would be overdue yet.
    assert overdue_at > time.time()
    assert status["block_timestamp"] == chain_now
    assert [
        (c["credit_id"], c["overdue"], c["overdue_since"], c["grace_period_days"])
        for c in body["items"]
    ] == [(due["creditId"], False, overdue_at, due["gracePeriodDays"])]


def test_audit_trail_of_an_invoice_document(
    day: Platform, day_client: Callable[[str], Any]
) -> None:
    document = "0x" + h("document:inv1").hex()
    body = day_client("auditor").get(f"/audit-trail/{document}").json()

    assert (body["kind"], body["entity_id"]) == ("invoice", day.ids["inv1"])
    assert [e["event"] for e in body["events"]] == [
        "InvoiceRegistered",
        "InvoiceConfirmed",
        "InvoiceDrawnDown",
        "CreditIssued",
    ]
    assert all(e["block_timestamp"] > 0 for e in body["events"])
    certificate = day_client("auditor").get("/audit-trail/0x" + h("certificate-1").hex()).json()
    assert [e["event"] for e in certificate["events"]] == ["CertificateIssued"]
    unknown = day_client("auditor").get("/audit-trail/0x" + h("never anchored").hex())
    assert (unknown.status_code, unknown.json()["error"]) == (404, "DocumentNotAnchored")


def test_lists_filter_and_paginate(day: Platform, day_client: Callable[[str], Any]) -> None:
    ids = day.ids
    auditor = day_client("auditor")

    rejected = auditor.get("/invoices", params={"status": "rejected"}).json()
    page1 = auditor.get("/invoices", params={"seller": day.address("supplier1"), "limit": 2}).json()
    page2 = auditor.get(
        "/invoices", params={"seller": day.address("supplier1"), "limit": 2, "offset": 2}
    ).json()
    own = day_client("supplier1").get("/invoices").json()
    by_obligor = auditor.get("/credits", params={"obligor": day.address("core")}).json()
    overdue = auditor.get("/credits", params={"status": "overdue"}).json()
    cancelled = auditor.get("/financing-requests", params={"status": "cancelled"}).json()
    fragments = auditor.get("/fragments", params={"credit_id": ids["credit1"], "live": True}).json()
    mine = day_client("supplier2").get("/fragments").json()

    assert [i["invoice_id"] for i in rejected["items"]] == [ids["inv4"]]
    assert [i["invoice_id"] for i in page1["items"]] == [ids["inv1"], ids["inv4"]]
    assert page1["next_offset"] == 2
    assert [i["invoice_id"] for i in page2["items"]] == [ids["inv5"], ids["inv6"]]
    assert page2["next_offset"] is None
    assert [i["invoice_id"] for i in own["items"]] == [
        ids["inv1"],
        ids["inv2"],
        ids["inv4"],
        ids["inv5"],
        ids["inv6"],
    ]
    assert [c["credit_id"] for c in by_obligor["items"]] == [ids["credit1"]]
    assert [c["credit_id"] for c in overdue["items"]] == [ids["credit2"]]
    assert [r["request_id"] for r in cancelled["items"]] == [ids["request2"]]
    assert [f["token_id"] for f in fragments["items"]] == [
        ids["credit1"],
        ids["token2"],
        ids["token5"],
    ]
    assert [f["token_id"] for f in mine["items"]] == [ids["token2"]]


def test_reads_need_an_api_key(
    day: Platform, day_client: Callable[[str], Any], settings: Settings
) -> None:
    anonymous = day_client("auditor")
    anonymous.headers.pop("Authorization")

    assert anonymous.get(f"/credits/{day.ids['credit1']}/lineage").status_code == 401


# ---------------------------------------------------------------------- latency on 100k fragments

FRAGMENTS = 100_000
CREDITS = 1_000
OWNERS = 400


def fill_synthetic(url: str) -> tuple[list[str], list[dict[str, Any]]]:
    """100k fragments: 1,000 credits of 100 (random trees), 400 owners, inserted directly."""
    owners = [f"0x{index:040x}" for index in range(1, OWNERS + 1)]
    rng = random.Random(7)
    credits, fragments = [], []
    per_credit = FRAGMENTS // CREDITS
    token_id = 0
    for credit_index in range(CREDITS):
        root = token_id + 1
        credits.append(
            {
                "credit_id": root,
                "obligor": owners[0],
                "supplier": owners[1],
                "face_value": per_credit * UNIT,
                "maturity": 2_000_000_000,
                "invoice_id": credit_index + 1,
                "certificate_id": None,
                "root_token_id": root,
                "frozen": False,
                "repaid": 0,
                "redeemed_value": 0,
                "overdue": False,
                "issued_at": 1,
                "grace_period_days": 30,
                "tx_hash": "0x" + "11" * 32,
                "block_number": 1,
                "updated_block": 1,
            }
        )
        for offset in range(per_credit):
            token_id += 1
            parent = None if offset == 0 else rng.randint(root, token_id - 1)
            fragments.append(
                {
                    "token_id": token_id,
                    "credit_id": root,
                    "parent_id": parent,
                    "invoice_id": credit_index + 1,
                    "depth": 0 if parent is None else 1,
                    "owner": rng.choice(owners),
                    "value": UNIT,
                    "frozen": False,
                    "locked": False,
                    "redeemed": offset % 10 == 9,
                    "tx_hash": "0x" + "22" * 32,
                    "block_number": 1,
                    "updated_block": 1,
                }
            )
    with engine_for(url).begin() as connection:
        connection.execute(insert(CreditRecord.__table__), credits)
        for start in range(0, len(fragments), 10_000):
            connection.execute(insert(FragmentRecord.__table__), fragments[start : start + 10_000])
    # Planner statistics, as autovacuum (PostgreSQL) or a long-running database would have them.
    with engine_for(url).connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return owners, fragments


def test_portfolio_and_lineage_are_exact_among_100k_fragments(database_url: str) -> None:
    """At the benchmarks' scale, a portfolio and a lineage tree hold exactly the rows they should.

    How fast they answer is make bench's figure (BENCHMARKS.md, section 4), not this test's.
    """
    run_migrations(database_url)
    owners, fragments = fill_synthetic(database_url)
    factory = session_factory(database_url)
    rng = random.Random(11)
    for owner in rng.sample(owners, 5):
        live = sorted(f["token_id"] for f in fragments if f["owner"] == owner and not f["redeemed"])
        with factory() as session:
            portfolio = service.portfolio(session, owner, offset=0, limit=100)
        assert [f.token_id for f in portfolio.fragments.items] == live[:100]
        assert portfolio.total_value_units == len(live) * UNIT
        assert sum(holding.fragments for holding in portfolio.credits) == len(live)
    credit_id = rng.randrange(CREDITS) * (FRAGMENTS // CREDITS) + 1
    with factory() as session:
        lineage = service.credit_lineage(session, credit_id)
    parents: dict[int, int | None] = {}

    def walk(node: LineageNode, parent: int | None) -> None:
        parents[node.token_id] = parent
        for child in node.children:
            walk(child, node.token_id)

    walk(lineage.root, None)
    assert lineage.fragment_count == FRAGMENTS // CREDITS
    assert parents == {
        f["token_id"]: f["parent_id"] for f in fragments if f["credit_id"] == credit_id
    }
