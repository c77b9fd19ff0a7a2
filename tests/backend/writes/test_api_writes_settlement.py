"""Settlement writes over HTTP on a real chain: repayment in parts (paid by permit), redemption
at maturity by the holder and by batch, pro-rata payout, overdue marking, late claims."""

from __future__ import annotations

from sqlalchemy import select

from backend.chain.ids import role_id
from backend.core.database import session_factory
from backend.documents.hashing import text_hash, to_hex
from backend.readmodels.models import ClaimWriteOffRecord, RedemptionRecord, RedemptionSkipRecord
from backend.reads.service import overdue_credits
from tests.consortium_api import (
    DAY,
    LINE,
    UNIT,
    Consortium,
    Party,
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
        "held_as_financier": False,
        "written_off": False,
    }
    assert batch["paid_units"] == 300 * UNIT
    assert [c["claimant"] for c in batch["claims"]] == [s2.address]
    assert batch["skipped"] == []
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
    listed = consortium["auditor"].http.get("/credits/overdue").json()["items"]
    cleared = core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 750 * UNIT}, status=201)
    claimed = consortium["auditor"].ok(f"/fragments/{credit_id}/claim")
    listed_after = consortium["auditor"].http.get("/credits/overdue").json()["items"]

    assert redeemed["paid_units"] == 250 * UNIT
    assert redeemed["claim"]["owed_units"] == 0
    assert nothing_owed.status_code == 409
    assert nothing_owed.json() == {
        "type": "urn:tiercredit:error:SettlementNothingOwed",
        "title": "Conflict",
        "status": 409,
        "error": "SettlementNothingOwed",
        "args": {"tokenId": credit_id},
        "detail": "Settlement reverted with SettlementNothingOwed",
        "contract": "Settlement",
    }
    assert too_early.status_code == 409 and too_early.json()["error"] == "SettlementNotOverdue"
    assert overdue["credit"]["overdue"] is True
    assert overdue["credit"]["repaid_units"] == 250 * UNIT
    assert [c["credit_id"] for c in listed if c["credit_id"] == credit_id] == [credit_id]
    # Repaid in full, the credit is overdue no more (CreditOverdueCleared).
    assert cleared["credit"]["overdue"] is False
    assert credit_id not in [c["credit_id"] for c in listed_after]
    assert claimed["paid_units"] == 750 * UNIT
    assert claimed["claim"]["paid_units"] == 1_000 * UNIT
    assert private_chain.client.read("SettlementToken", "balanceOf", holder.address) == 1_000 * UNIT


def exposure_of(bank: Party, obligor: Party) -> int:
    """The bank's exposure to the obligor as the read models hold it."""
    lines = bank.http.get(f"/financiers/{bank.address}/exposures").json()
    return next(line["exposure_units"] for line in lines if line["obligor"] == obligor.address)


def test_a_batch_skips_what_it_cannot_redeem_and_pays_the_rest(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, s1, s2 = consortium["core"], consortium["supplier1"], consortium["supplier2"]
    credit = issued_credit(private_chain, consortium, 500 * UNIT, maturity_days=15)["credit"]
    credit_id = credit["credit_id"]
    invoice_id = confirmed_invoice(private_chain, s2, s1, 200 * UNIT)
    tier2 = s1.ok(
        f"/fragments/{credit_id}/split-transfer",
        {"to": s2.address, "value_units": 200 * UNIT, "invoice_id": invoice_id},
        status=201,
    )["fragment"]["token_id"]
    consortium["auditor"].ok(f"/fragments/{tier2}/freeze", {"reason": "Disputed delivery"})
    fund(consortium, "core", 500 * UNIT)
    core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 500 * UNIT}, status=201)
    private_chain.travel_to(credit["maturity"])
    missing = 10**9

    batch = consortium["bank_b"].ok(
        "/redemptions/batch", {"token_ids": [tier2, credit_id, missing]}
    )

    assert batch["paid_units"] == 300 * UNIT
    assert [(c["token_id"], c["claimant"], c["paid_units"]) for c in batch["claims"]] == [
        (credit_id, s1.address, 300 * UNIT)
    ]
    assert batch["skipped"] == [
        {"token_id": tier2, "error": "VoucherFrozen", "args": {"tokenId": tier2}},
        {"token_id": missing, "error": "VoucherNonexistentToken", "args": {"tokenId": missing}},
    ]
    with session_factory(consortium.settings.database_url)() as session:
        skips = session.scalars(
            select(RedemptionSkipRecord).order_by(RedemptionSkipRecord.log_index)
        ).all()
        assert [(r.token_id, r.error, r.error_args, r.tx_hash) for r in skips] == [
            (tier2, "VoucherFrozen", {"tokenId": tier2}, batch["tx_hash"]),
            (missing, "VoucherNonexistentToken", {"tokenId": missing}, batch["tx_hash"]),
        ]
    assert private_chain.client.read("CreditVoucher", "balanceOf", tier2) == 200 * UNIT


def discounted(
    consortium: Consortium, chain: PrivateChain, token_id: int, value: int, bank: Party
) -> int:
    """supplier1 sells `value` of its fragment to `bank` at 5 %; the bought fragment's id."""
    holder = consortium["supplier1"]
    bank.ok("/cash/mint", {"to": bank.address, "amount_units": value, "deposit_reference": "A"})
    request = holder.ok(
        "/financing/requests",
        {"token_id": token_id, "value_units": value, "expires_at": chain.now() + DAY},
        status=201,
    )
    request_id = request["request"]["request_id"]
    quote = bank.ok(f"/financing/requests/{request_id}/quotes", {"rate_bps": 500}, status=201)
    accepted = holder.ok(
        f"/financing/requests/{request_id}/accept", {"quote_id": quote["quote"]["quote_id"]}
    )
    return int(accepted["fragment"]["token_id"])


def redemptions(consortium: Consortium) -> dict[int, tuple[str, bool]]:
    """The claims read model: each redeemed token's claimant and whether it counts as exposure."""
    with session_factory(consortium.settings.database_url)() as session:
        return {
            r.token_id: (r.holder, r.held_as_financier)
            for r in session.scalars(select(RedemptionRecord))
        }


def test_a_financier_writes_off_the_unpaid_rest_of_its_claim(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, holder = consortium["core"], consortium["supplier1"]
    bank_a, bank_b = consortium["bank_a"], consortium["bank_b"]
    credit = issued_credit(private_chain, consortium, 1_000 * UNIT, maturity_days=10)["credit"]
    credit_id = credit["credit_id"]
    bank_b.ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    bought = discounted(consortium, private_chain, credit_id, 400 * UNIT, bank_a)
    fund(consortium, "core", 1_000 * UNIT)
    core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 250 * UNIT}, status=201)
    private_chain.travel_to(credit["maturity"])
    held = exposure_of(bank_a, core)
    redeemed = bank_a.ok(f"/fragments/{bought}/redeem")
    holder.ok(f"/fragments/{credit_id}/redeem")
    after_redemption = exposure_of(bank_a, core)

    by_supplier = holder.post(f"/fragments/{credit_id}/write-off", {"reason": "Mine"})
    not_claimant = bank_b.post(f"/fragments/{bought}/write-off", {"reason": "Not mine"})
    suppliers_claim = bank_a.post(f"/fragments/{credit_id}/write-off", {"reason": "Not mine"})
    written_off = bank_a.ok(f"/fragments/{bought}/write-off", {"reason": "Obligor in default"})
    twice = bank_a.post(f"/fragments/{bought}/write-off", {"reason": "Again"})
    after_write_off = exposure_of(bank_a, core)
    core.ok(f"/credits/{credit_id}/repayments", {"amount_units": 750 * UNIT}, status=201)
    late = bank_b.ok(f"/fragments/{bought}/claim")

    assert held == 400 * UNIT
    # Exposure falls by what is paid on the claim, not at redemption.
    assert redeemed["paid_units"] == 100 * UNIT
    assert redeemed["claim"]["held_as_financier"] is True
    assert after_redemption == 300 * UNIT
    # The supplier is its claim's claimant, but that claim never counted as exposure.
    assert by_supplier.status_code == 409
    assert by_supplier.json()["error"] == "SettlementNothingToWriteOff"
    assert by_supplier.json()["args"] == {"tokenId": credit_id}
    assert redemptions(consortium) == {
        bought: (bank_a.address, True),
        credit_id: (holder.address, False),
    }
    assert not_claimant.status_code == 403
    assert not_claimant.json() == {
        "type": "urn:tiercredit:error:SettlementNotClaimant",
        "title": "Forbidden",
        "status": 403,
        "error": "SettlementNotClaimant",
        "args": {"tokenId": bought, "caller": bank_b.address},
        "detail": "Settlement reverted with SettlementNotClaimant",
        "contract": "Settlement",
    }
    assert suppliers_claim.status_code == 403
    assert suppliers_claim.json()["args"] == {"tokenId": credit_id, "caller": bank_a.address}
    assert written_off["written_off_units"] == 300 * UNIT
    assert written_off["claim"] == {
        "token_id": bought,
        "claimant": bank_a.address,
        "value_units": 400 * UNIT,
        "paid_units": 100 * UNIT,
        "owed_units": 0,
        "held_as_financier": True,
        "written_off": True,
    }
    assert written_off["reason"] == {
        "reason": "Obligor in default",
        "reason_hash": to_hex(text_hash("Obligor in default")),
    }
    assert twice.status_code == 409
    assert twice.json()["error"] == "SettlementNothingToWriteOff"
    assert twice.json()["args"] == {"tokenId": bought}
    assert after_write_off == 0
    # The claim stays payable; what it pays later no longer touches the exposure.
    assert late["paid_units"] == 300 * UNIT and late["claim"]["written_off"] is True
    assert exposure_of(bank_a, core) == 0
    assert private_chain.client.read("Consortium", "exposure", bank_a.address, core.address) == 0
    with session_factory(consortium.settings.database_url)() as session:
        rows = session.scalars(select(ClaimWriteOffRecord)).all()
        assert [(r.token_id, r.claimant, r.amount, r.tx_hash) for r in rows] == [
            (bought, bank_a.address, 300 * UNIT, written_off["tx_hash"])
        ]


def test_a_claimant_whose_financier_role_was_revoked_still_writes_off_its_claim(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, bank = consortium["core"], consortium["bank_a"]
    credit = issued_credit(private_chain, consortium, 1_000 * UNIT, maturity_days=10)["credit"]
    bought = discounted(consortium, private_chain, credit["credit_id"], 400 * UNIT, bank)
    fund(consortium, "core", 1_000 * UNIT)
    core.ok(f"/credits/{credit['credit_id']}/repayments", {"amount_units": 250 * UNIT}, status=201)
    private_chain.travel_to(credit["maturity"])
    bank.ok(f"/fragments/{bought}/redeem")
    # No API route revokes a role: the operator does it on chain, from its own (unlocked) account.
    chain = private_chain.client
    revoke = chain.prepare("Consortium", "revokeRole", role_id("FINANCIER"), bank.address)
    private_chain.rpc(
        "eth_sendTransaction",
        [{"from": chain.manifest.deployer, "to": revoke.to, "data": "0x" + revoke.data.hex()}],
    )

    written_off = bank.ok(f"/fragments/{bought}/write-off", {"reason": "Obligor in default"})

    assert chain.read("Consortium", "roleBitsOf", bank.address) == 0
    assert written_off["written_off_units"] == 300 * UNIT
    assert (written_off["claim"]["claimant"], written_off["claim"]["written_off"]) == (
        bank.address,
        True,
    )
    assert redemptions(consortium)[bought] == (bank.address, True)
    assert exposure_of(bank, core) == 0
    assert chain.read("Consortium", "exposure", bank.address, core.address) == 0


def test_each_credit_keeps_the_grace_period_it_was_issued_with(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    operator, holder = consortium["operator"], consortium["supplier1"]
    tenor, grace, depth = private_chain.client.read("Consortium", "limits")
    limits = {"max_tenor_days": tenor, "max_tier_depth": depth}
    operator.ok("/platform/limits", {**limits, "grace_period_days": 2})
    try:
        short = issued_credit(private_chain, consortium, 10 * UNIT, maturity_days=5)["credit"]
    finally:
        operator.ok("/platform/limits", {**limits, "grace_period_days": grace})
    usual = issued_credit(private_chain, consortium, 10 * UNIT, maturity_days=5)["credit"]
    private_chain.travel_to(short["maturity"] + 3 * DAY)

    # The overdue list as of the chain's clock: no indexer runs here to record the last block's
    # time, which the endpoint goes by (tests/backend/test_reads.py covers that).
    with session_factory(consortium.settings.database_url)() as session:
        listed = overdue_credits(session, offset=0, limit=500, now=private_chain.now())
    marked = holder.ok(f"/credits/{short['credit_id']}/mark-overdue")
    not_yet = holder.post(f"/credits/{usual['credit_id']}/mark-overdue")

    due = {c.credit_id: c for c in listed.items}
    assert (short["grace_period_days"], usual["grace_period_days"]) == (2, grace)
    assert due[short["credit_id"]].overdue_since == short["maturity"] + 2 * DAY
    assert due[short["credit_id"]].overdue is False
    assert usual["credit_id"] not in due
    assert marked["credit"]["overdue"] is True
    assert not_yet.status_code == 409
    assert not_yet.json()["args"]["overdueAt"] == usual["maturity"] + grace * DAY
