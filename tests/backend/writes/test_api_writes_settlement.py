"""Settlement writes over HTTP on a real chain: repayment in parts (paid by permit), redemption
at maturity by the holder and by batch, pro-rata payout, overdue marking, late claims."""

from __future__ import annotations

from tests.consortium_api import (
    DAY,
    UNIT,
    Consortium,
    PrivateChain,
    confirmed_invoice,
    issued_credit,
)


def fund(consortium: Consortium, who: str, amount: int) -> None:
    bank = consortium["bank_a"]
    target = consortium[who]
    bank.ok(
        "/cash/mint",
        {"to": target.address, "amount_units": amount, "deposit_reference": f"DEP-{who}"},
    )


def test_repay_in_parts_then_holders_redeem_in_full(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, s1, s2 = consortium["core"], consortium["supplier1"], consortium["supplier2"]
    credit = issued_credit(private_chain, consortium, 1_000 * UNIT, maturity_days=20)["credit"]
    credit_id = credit["credit_id"]
    invoice_id = confirmed_invoice(private_chain, s2, s1, 300 * UNIT)
    tier2 = s1.ok(
        f"/fragments/{credit_id}/split-transfer",
        {"to": s2.address, "value_units": 300 * UNIT, "invoice_id": invoice_id},
        status=201,
    )["fragment"]["token_id"]
    fund(consortium, "core", 1_000 * UNIT)

    early = s1.post(f"/fragments/{credit_id}/redeem")
    first = core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 400 * UNIT}, status=201)
    second = core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 600 * UNIT}, status=201)
    too_much = core.post(f"/credits/{credit_id}/repayments", {"amount_units": 1})
    private_chain.travel_to(credit["maturity"])
    not_holder = s2.post(f"/fragments/{credit_id}/redeem")
    redeemed = s1.ok(f"/fragments/{credit_id}/redeem")
    batch = consortium["auditor"].ok("/redemptions/batch", {"token_ids": [tier2]})

    assert early.status_code == 409
    assert early.json()["args"] == {"creditId": credit_id, "maturity": credit["maturity"]}
    assert first["amount_units"] == 400 * UNIT and first["total_repaid_units"] == 400 * UNIT
    assert second["credit"]["repaid_units"] == 1_000 * UNIT
    assert too_much.status_code == 422
    assert too_much.json()["args"] == {"creditId": credit_id, "amount": 1, "outstanding": 0}
    assert not_holder.status_code == 403
    assert not_holder.json()["error"] == "SettlementNotHolder"
    assert redeemed["paid_units"] == 700 * UNIT
    assert redeemed["fragment"]["redeemed"] is True
    assert redeemed["claim"] == {
        "token_id": credit_id,
        "claimant": s1.address,
        "value_units": 700 * UNIT,
        "paid_units": 700 * UNIT,
        "owed_units": 0,
    }
    assert batch["paid_units"] == 300 * UNIT
    assert batch["claims"][0]["claimant"] == s2.address
    token = private_chain.client
    assert token.read("SettlementToken", "balanceOf", s1.address) == 700 * UNIT
    assert token.read("SettlementToken", "balanceOf", s2.address) == 300 * UNIT
    assert token.read("SettlementToken", "balanceOf", core.address) == 0


def test_partly_funded_credit_pays_pro_rata_goes_overdue_and_pays_the_rest_later(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, holder = consortium["core"], consortium["supplier1"]
    credit = issued_credit(private_chain, consortium, 1_000 * UNIT, maturity_days=10)["credit"]
    credit_id = credit["credit_id"]
    fund(consortium, "core", 1_000 * UNIT)
    core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 250 * UNIT}, status=201)
    private_chain.travel_to(credit["maturity"])

    redeemed = holder.ok(f"/fragments/{credit_id}/redeem")
    nothing_owed = holder.post(f"/fragments/{credit_id}/claim")
    too_early = holder.post(f"/credits/{credit_id}/mark-overdue")
    grace = private_chain.client.read("Consortium", "limits")[1]
    private_chain.travel_to(credit["maturity"] + grace * DAY)
    overdue = holder.ok(f"/credits/{credit_id}/mark-overdue")
    core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 750 * UNIT}, status=201)
    claimed = consortium["auditor"].ok(f"/fragments/{credit_id}/claim")

    assert redeemed["paid_units"] == 250 * UNIT
    assert redeemed["claim"]["owed_units"] == 0
    assert nothing_owed.status_code == 409
    assert nothing_owed.json() == {
        "error": "SettlementNothingOwed",
        "args": {"tokenId": credit_id},
        "detail": {"contract": "Settlement"},
    }
    assert too_early.status_code == 409 and too_early.json()["error"] == "SettlementNotOverdue"
    assert overdue["credit"]["overdue"] is True
    assert overdue["credit"]["repaid_units"] == 250 * UNIT
    assert claimed["paid_units"] == 750 * UNIT
    assert claimed["claim"]["paid_units"] == 1_000 * UNIT
    assert private_chain.client.read("SettlementToken", "balanceOf", holder.address) == 1_000 * UNIT
