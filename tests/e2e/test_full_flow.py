"""The whole story through the HTTP API alone, on its own Anvil, on SQLite and on PostgreSQL:
the operator onboards the consortium; a supplier's invoice is registered and confirmed and its
goods certified; the core enterprise issues a voucher that is split across three tiers; the
tier-3 supplier discounts part of it with the better of two banks' quotes; at maturity the core
enterprise repays in two parts and every holder is paid.

Outside the API there is only what a test bench does to a chain: gas for the fresh custodial
keys and time travel to maturity.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from backend.core.settings import Settings
from backend.documents.hashing import keccak256, to_hex
from tests.consortium_api import (
    CAST,
    DAY,
    UNIT,
    Consortium,
    Party,
    PrivateChain,
    build_consortium,
    invoice_document,
    start_private_chain,
)

if TYPE_CHECKING:
    from tests.backend.conftest import LiveServer

E2E_CHAIN_ID = 7359
FACE = 1_000_000 * UNIT
PDF = b"%PDF-1.7\n% invoice INV-E2E\n"


@pytest.fixture(scope="module")
def e2e_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateChain]:
    chain = start_private_chain(tmp_path_factory.mktemp("e2e-chain"), E2E_CHAIN_ID)
    yield chain
    chain.node.stop()


def cash(chain: PrivateChain, party: Party) -> int:
    return int(chain.client.read("SettlementToken", "balanceOf", party.address))


def register_and_confirm(
    chain: PrivateChain, seller: Party, buyer: Party, amount: int, *, pdf: bytes | None = None
) -> dict:
    number = f"INV-E2E-{uuid.uuid4().hex[:8]}"
    document = invoice_document(seller, buyer, amount, number)
    body: dict = {
        "buyer": buyer.address,
        "amount_units": amount,
        "due_date": chain.now() + 120 * DAY,
        "invoice_number": number,
        "document": document,
    }
    if pdf is not None:
        document["pdf_keccak256"] = to_hex(keccak256(pdf))
        body["pdf_base64"] = base64.b64encode(pdf).decode()
    registered = seller.ok("/invoices", body, status=201)
    confirmed = buyer.ok(f"/invoices/{registered['invoice']['invoice_id']}/confirm")
    assert confirmed["invoice"]["status"] == "confirmed"
    return registered


def test_full_flow(
    serve: Callable[..., LiveServer],
    settings: Settings,
    e2e_chain: PrivateChain,
    tmp_path: Path,
) -> None:
    chain = e2e_chain
    app_settings = chain.settings_for(settings)
    server = serve(app_settings, chain=chain.client)
    consortium: Consortium = build_consortium(server, chain, app_settings, CAST)
    operator, core = consortium["operator"], consortium["core"]
    s1, s2, s3 = consortium["supplier1"], consortium["supplier2"], consortium["supplier3"]
    bank_a, bank_b = consortium["bank_a"], consortium["bank_b"]
    inspector, auditor = consortium["inspector"], consortium["auditor"]

    # Onboarded with the roles the operator granted, each a custodial key of its own.
    for party, roles in ((core, ["CORE_ENTERPRISE"]), (bank_b, ["FINANCIER"])):
        me = party.http.get("/members/me").json()
        assert me["roles"] == roles and me["custodial"] is True
        assert chain.client.read("Consortium", "statusOf", party.address) == 1

    # Banks grant lines to the core enterprise and take on-chain cash; the core deposits too.
    for bank in (bank_a, bank_b):
        line = bank.ok("/credit-lines", {"obligor": core.address, "limit_units": 2 * FACE})
        assert line["credit_line"]["limit_units"] == 2 * FACE
        bank.ok(
            "/cash/mint",
            {"to": bank.address, "amount_units": FACE, "deposit_reference": f"DEP-{bank.name}"},
        )
    bank_a.ok(
        "/cash/mint", {"to": core.address, "amount_units": FACE, "deposit_reference": "DEP-core"}
    )
    core.ok("/obligors/me/quality-requirement", {"required": True})

    # Tier 1 invoices the core enterprise; the inspector certifies the goods.
    tier1 = register_and_confirm(chain, s1, core, FACE, pdf=PDF)
    tier1_invoice = tier1["invoice"]["invoice_id"]
    certificate = inspector.ok(
        "/certificates",
        {
            "invoice_id": tier1_invoice,
            "result": "pass",
            "batch_code": "BATCH-E2E-1",
            "standard_code": "GB/T 19001",
            "expires_at": chain.now() + 365 * DAY,
            "document": {"batch": "BATCH-E2E-1", "result": "pass", "invoice": tier1_invoice},
        },
        status=201,
    )["certificate"]

    # The core enterprise issues the voucher to tier 1.
    maturity = chain.now() + 90 * DAY
    issued = core.ok(
        "/credits",
        {
            "invoice_id": tier1_invoice,
            "face_value_units": FACE,
            "maturity": maturity,
            "certificate_id": certificate["certificate_id"],
        },
        status=201,
    )
    credit_id = issued["credit"]["credit_id"]
    assert issued["root_fragment"]["holder"] == s1.address
    assert chain.client.read("Consortium", "outstanding", core.address) == FACE

    # Split across three tiers, each hop citing the invoice it pays.
    tier2_invoice = register_and_confirm(chain, s2, s1, 400_000 * UNIT)["invoice"]["invoice_id"]
    tier2 = s1.ok(
        f"/fragments/{credit_id}/split-transfer",
        {"to": s2.address, "value_units": 400_000 * UNIT, "invoice_id": tier2_invoice},
        status=201,
    )["fragment"]
    tier3_invoice = register_and_confirm(chain, s3, s2, 150_000 * UNIT)["invoice"]["invoice_id"]
    tier3 = s2.ok(
        f"/fragments/{tier2['token_id']}/split-transfer",
        {"to": s3.address, "value_units": 150_000 * UNIT, "invoice_id": tier3_invoice},
        status=201,
    )["fragment"]
    assert (tier2["depth"], tier3["depth"]) == (1, 2)
    assert tier3["parent_id"] == tier2["token_id"] and tier2["parent_id"] == credit_id

    # Tier 3 discounts 100,000 with two competing quotes and takes the better one.
    request = s3.ok(
        "/financing/requests",
        {
            "token_id": tier3["token_id"],
            "value_units": 100_000 * UNIT,
            "expires_at": chain.now() + 5 * DAY,
        },
        status=201,
    )["request"]
    quotes = {
        bank.name: bank.ok(
            f"/financing/requests/{request['request_id']}/quotes", {"rate_bps": rate}, status=201
        )
        for bank, rate in ((bank_a, 800), (bank_b, 550))
    }
    best = max(quotes.values(), key=lambda q: q["price_units"])
    assert best["quote"]["financier"] == bank_b.address
    accepted = s3.ok(
        f"/financing/requests/{request['request_id']}/accept",
        {"quote_id": best["quote"]["quote_id"]},
    )
    days = accepted["request"]["days_to_maturity"]
    price = 100_000 * UNIT - 100_000 * UNIT * 550 * days // (365 * 10_000)
    assert accepted["request"]["price_units"] == price
    assert accepted["fragment"]["holder"] == bank_b.address
    assert cash(chain, s3) == price
    discounted_token = accepted["fragment"]["token_id"]

    # Maturity: the core enterprise repays in two parts; holders redeem; a batch pays the rest.
    chain.travel_to(maturity)
    partial = core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 300_000 * UNIT}, 201)
    assert partial["credit"]["repaid_units"] == 300_000 * UNIT
    full = core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 700_000 * UNIT}, 201)
    assert full["total_repaid_units"] == FACE
    assert chain.client.read("Consortium", "outstanding", core.address) == 0
    paid = {
        s1.name: s1.ok(f"/fragments/{credit_id}/redeem")["paid_units"],
        s2.name: s2.ok(f"/fragments/{tier2['token_id']}/redeem")["paid_units"],
        bank_b.name: bank_b.ok(f"/fragments/{discounted_token}/redeem")["paid_units"],
    }
    batch = operator.ok("/redemptions/batch", {"token_ids": [tier3["token_id"]]})
    assert paid == {
        s1.name: 600_000 * UNIT,
        s2.name: 250_000 * UNIT,
        bank_b.name: 100_000 * UNIT,
    }
    assert batch["paid_units"] == 50_000 * UNIT

    # Everyone holds what the story says; the voucher is fully redeemed and the bank unexposed.
    assert cash(chain, s1) == 600_000 * UNIT
    assert cash(chain, s2) == 250_000 * UNIT
    assert cash(chain, s3) == price + 50_000 * UNIT
    assert cash(chain, bank_b) == FACE - price + 100_000 * UNIT
    assert cash(chain, bank_a) == FACE
    assert cash(chain, core) == 0
    assert chain.client.read("Consortium", "exposure", bank_b.address, core.address) == 0
    assert chain.client.read("Settlement", "account", credit_id) == (FACE, FACE, False)
    # The invoice's document verifies against its anchor, publicly.
    with server.client() as public:
        verified = public.get(
            f"/documents/{tier1['document_id']}/verify",
            params={"document_hash": tier1["invoice"]["document_hash"]},
        ).json()
    assert verified["anchored"] is True
    assert verified["pdf_covered_by_anchor"] is True
    assert verified["anchors"][0]["status"] == "confirmed"
    assert auditor.http.get("/members/me").status_code == 200
    consortium.close()
