"""Cash and financing writes over HTTP on a real chain: mint, burn, approve, credit lines;
request, competing quotes (paid by permit), withdraw, accept, cancel, expire."""

from __future__ import annotations

from backend.documents.hashing import text_hash, to_hex
from tests.consortium_api import (
    DAY,
    LINE,
    UNIT,
    Consortium,
    Party,
    PrivateChain,
    issued_credit,
)


def cash_of(chain: PrivateChain, party: Party) -> int:
    return int(chain.client.read("SettlementToken", "balanceOf", party.address))


def test_mint_burn_approve_and_credit_line(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    bank, core, supplier = consortium["bank_a"], consortium["core"], consortium["supplier1"]

    minted = bank.ok(
        "/cash/mint",
        {"to": supplier.address, "amount_units": 250 * UNIT, "deposit_reference": "DEP-1"},
    )
    burned = supplier.ok("/cash/burn", {"amount_units": 50 * UNIT, "withdrawal_reference": "WD-1"})
    overdrawn = supplier.post(
        "/cash/burn", {"amount_units": 201 * UNIT, "withdrawal_reference": "WD-2"}
    )
    approved = supplier.ok("/cash/approvals", {"spender": "settlement", "amount_units": 7})
    line = bank.ok("/credit-lines", {"obligor": core.address, "limit_units": 5_000 * UNIT})
    not_a_core = bank.post("/credit-lines", {"obligor": supplier.address, "limit_units": 1})

    assert minted["deposit_reference_hash"] == to_hex(text_hash("DEP-1"))
    assert minted["recipient"] == {"account": supplier.address, "balance_units": 250 * UNIT}
    assert burned["account"] == {"account": supplier.address, "balance_units": 200 * UNIT}
    assert burned["total_supply_units"] == minted["total_supply_units"] - 50 * UNIT
    assert overdrawn.status_code == 422
    assert overdrawn.json()["error"] == "ERC20InsufficientBalance"
    assert overdrawn.json()["args"] == {
        "sender": supplier.address,
        "balance": 200 * UNIT,
        "needed": 201 * UNIT,
    }
    assert approved["allowance_units"] == 7
    assert approved["spender_address"] == private_chain.manifest.address("Settlement")
    assert line["credit_line"] == {
        "financier": bank.address,
        "obligor": core.address,
        "limit_units": 5_000 * UNIT,
        "used_units": 0,
        "free_units": 5_000 * UNIT,
    }
    assert line["obligor_quota_units"] == 5_000 * UNIT
    assert not_a_core.status_code == 403
    assert not_a_core.json()["error"] == "ConsortiumMissingRole"
    assert cash_of(private_chain, supplier) == 200 * UNIT


def test_two_banks_quote_and_the_holder_takes_the_better_one(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, holder = consortium["core"], consortium["supplier1"]
    bank_a, bank_b = consortium["bank_a"], consortium["bank_b"]
    credit = issued_credit(private_chain, consortium, 1_000 * UNIT)["credit"]
    bank_b.ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    for bank in (bank_a, bank_b):
        bank.ok(
            "/cash/mint",
            {"to": bank.address, "amount_units": 2_000 * UNIT, "deposit_reference": bank.name},
        )

    request = holder.ok(
        "/financing/requests",
        {
            "token_id": credit["credit_id"],
            "value_units": 400 * UNIT,
            "expires_at": private_chain.now() + 7 * DAY,
        },
        status=201,
    )
    request_id = request["request"]["request_id"]
    dear = bank_a.ok(f"/financing/requests/{request_id}/quotes", {"rate_bps": 900}, status=201)
    cheap = bank_b.ok(f"/financing/requests/{request_id}/quotes", {"rate_bps": 600}, status=201)
    withdrawn = bank_a.ok(f"/financing/quotes/{dear['quote']['quote_id']}/withdraw")
    take_withdrawn = holder.post(
        f"/financing/requests/{request_id}/accept", {"quote_id": dear["quote"]["quote_id"]}
    )
    accepted = holder.ok(
        f"/financing/requests/{request_id}/accept", {"quote_id": cheap["quote"]["quote_id"]}
    )

    locked = request["fragment"]
    assert request["request"]["status"] == "open"
    assert request["request"]["token_id"] == locked["token_id"] != credit["credit_id"]
    assert locked["locked"] is True and locked["value_units"] == 400 * UNIT
    assert locked["holder"] == holder.address
    assert cheap["price_units"] > dear["price_units"]
    assert withdrawn["quote"]["withdrawn"] is True
    assert take_withdrawn.status_code == 409
    assert take_withdrawn.json()["error"] == "FinancingQuoteWithdrawn"
    days = accepted["request"]["days_to_maturity"]
    price = 400 * UNIT - 400 * UNIT * 600 * days // (365 * 10_000)
    assert accepted["request"]["status"] == "accepted"
    assert accepted["request"]["price_units"] == price
    assert accepted["request"]["financier"] == bank_b.address
    assert accepted["fragment"]["holder"] == bank_b.address
    assert accepted["fragment"]["locked"] is False
    assert accepted["holder_cash_units"] == price == cash_of(private_chain, holder)
    assert cash_of(private_chain, bank_b) == 2_000 * UNIT - price
    assert cash_of(private_chain, bank_a) == 2_000 * UNIT
    exposure = private_chain.client.read("Consortium", "exposure", bank_b.address, core.address)
    assert exposure == 400 * UNIT


def test_cancel_and_expire_unlock_the_fragment(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    holder, bank = consortium["supplier1"], consortium["bank_a"]
    credit_id = issued_credit(private_chain, consortium, 500 * UNIT)["credit"]["credit_id"]

    def ask(value: int) -> dict:
        return holder.ok(
            "/financing/requests",
            {
                "token_id": credit_id,
                "value_units": value,
                "expires_at": private_chain.now() + 2 * DAY,
            },
            status=201,
        )

    first, second = ask(100 * UNIT), ask(200 * UNIT)
    cancelled = holder.ok(f"/financing/requests/{first['request']['request_id']}/cancel")
    early = bank.post(f"/financing/requests/{second['request']['request_id']}/expire")
    private_chain.travel_to(second["request"]["expires_at"])
    expired = bank.ok(f"/financing/requests/{second['request']['request_id']}/expire")
    late_quote = bank.post(
        f"/financing/requests/{second['request']['request_id']}/quotes", {"rate_bps": 500}
    )

    assert cancelled["request"]["status"] == "cancelled"
    assert cancelled["fragment"]["locked"] is False
    assert early.status_code == 409
    assert early.json()["args"] == {
        "requestId": second["request"]["request_id"],
        "expiresAt": second["request"]["expires_at"],
    }
    assert expired["request"]["status"] == "expired"
    assert expired["fragment"]["locked"] is False
    assert late_quote.status_code == 409
    assert late_quote.json()["error"] == "FinancingRequestNotOpen"
