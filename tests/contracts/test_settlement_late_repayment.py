"""Partly funded credits: redemption pays pro rata, the rest stays claimable as late repayments
arrive, and past maturity plus the grace period an unpaid credit is marked overdue."""

import brownie
import pytest
from conftest import DAY, UNIT, emitted, err
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
PAID_ON = 300 * UNIT  # supplier2's fragment
HALF = FACE // 2
GRACE_DAYS = 30


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    return issued(core, supplier1, FACE)


@pytest.fixture
def child(voucher, confirmed_invoice, credit, supplier1, supplier2) -> int:
    invoice = confirmed_invoice(supplier2, supplier1, PAID_ON)
    return voucher.splitTransfer(
        credit, supplier2, PAID_ON, invoice, {"from": supplier1}
    ).return_value


@pytest.fixture
def maturity(voucher, credit) -> int:
    return voucher.credit(credit)["maturity"]


@pytest.fixture
def overdue_at(maturity) -> int:
    return maturity + GRACE_DAYS * DAY


def test_partly_funded_credit_redeems_pro_rata(
    cash, settlement, credit, child, maturity, core, supplier2
):
    settlement.repay(credit, HALF, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeem(child, {"from": supplier2})

    assert tx.return_value == PAID_ON // 2
    assert tx.events["ClaimPaid"][0] == {
        "tokenId": child,
        "claimant": supplier2,
        "amount": PAID_ON // 2,
        "totalPaid": PAID_ON // 2,
    }
    assert settlement.claimOf(child).dict() == {
        "claimant": supplier2,
        "value": PAID_ON,
        "paid": PAID_ON // 2,
        "creditId": credit,
        "heldAsFinancier": False,
        "writtenOff": False,
    }
    assert cash.balanceOf(supplier2) == PAID_ON // 2
    assert settlement.owed(child) == 0


def test_claim_after_late_repayment_pays_the_rest(
    cash, settlement, credit, child, maturity, core, supplier2, auditor
):
    settlement.repay(credit, HALF, {"from": core})
    sleep_until(maturity)
    settlement.redeem(child, {"from": supplier2})
    settlement.repay(credit, FACE - HALF, {"from": core})
    assert settlement.owed(child) == PAID_ON - PAID_ON // 2

    tx = settlement.claim(child, {"from": auditor})

    assert tx.return_value == PAID_ON - PAID_ON // 2
    assert emitted(tx) == [
        (
            "ClaimPaid",
            {
                "tokenId": child,
                "claimant": supplier2,
                "amount": PAID_ON - PAID_ON // 2,
                "totalPaid": PAID_ON,
            },
        ),
        (
            "Transfer",
            {"from": settlement, "to": supplier2, "value": PAID_ON - PAID_ON // 2},
        ),
    ]
    assert cash.balanceOf(supplier2) == PAID_ON
    assert settlement.claimOf(child)["paid"] == PAID_ON
    assert settlement.account(credit)["paidOut"] == PAID_ON


def test_pro_rata_rounds_down_so_payouts_never_exceed_repayments(
    cash, settlement, credit, child, maturity, core, auditor
):
    repaid = 333_333_333
    settlement.repay(credit, repaid, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeemBatch([credit, child], {"from": auditor})

    # 700 * 333.333333 / 1000 = 233.3333331 and 300 * 333.333333 / 1000 = 99.9999999, floored.
    assert [args["amount"] for name, args in emitted(tx) if name == "ClaimPaid"] == [
        233_333_333,
        99_999_999,
    ]
    assert settlement.account(credit)["paidOut"] == 333_333_332
    assert cash.balanceOf(settlement) == repaid - 333_333_332


def test_claim_when_nothing_more_is_owed(settlement, credit, child, maturity, core, supplier2):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)
    settlement.redeem(child, {"from": supplier2})

    with brownie.reverts(err("SettlementNothingOwed", child)):
        settlement.claim(child, {"from": supplier2})


def test_claim_of_a_fragment_never_redeemed(settlement, child, supplier2):
    with brownie.reverts(err("SettlementNoClaim", child)):
        settlement.claim(child, {"from": supplier2})


def test_unpaid_credit_is_marked_overdue_after_the_grace_period(
    settlement, credit, overdue_at, core, auditor
):
    settlement.repay(credit, 400 * UNIT, {"from": core})
    sleep_until(overdue_at)

    tx = settlement.markOverdue(credit, {"from": auditor})

    assert emitted(tx) == [
        (
            "CreditOverdue",
            {"creditId": credit, "repaid": 400 * UNIT, "faceValue": FACE},
        ),
    ]
    assert settlement.account(credit).dict() == {
        "repaid": 400 * UNIT,
        "paidOut": 0,
        "overdue": True,
    }


def test_mark_overdue_within_the_grace_period(settlement, credit, maturity, overdue_at, auditor):
    sleep_until(maturity)

    with brownie.reverts(err("SettlementNotOverdue", credit, overdue_at, 0, FACE)):
        settlement.markOverdue(credit, {"from": auditor})


def test_mark_overdue_of_a_fully_repaid_credit(settlement, credit, overdue_at, core, auditor):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(overdue_at)

    with brownie.reverts(err("SettlementNotOverdue", credit, overdue_at, FACE, FACE)):
        settlement.markOverdue(credit, {"from": auditor})


def test_mark_overdue_twice(settlement, credit, overdue_at, auditor):
    sleep_until(overdue_at)
    settlement.markOverdue(credit, {"from": auditor})

    with brownie.reverts(err("SettlementNotOverdue", credit, overdue_at, 0, FACE)):
        settlement.markOverdue(credit, {"from": auditor})


def test_grace_period_is_the_one_in_force_at_issue(
    voucher, consortium, settlement, issued, credit, maturity, overdue_at, operator, auditor
):
    consortium.setLimits(180, 0, 8, {"from": operator})
    later = issued(core_of(voucher, credit), voucher.ownerOf(credit), FACE)
    sleep_until(voucher.credit(later)["maturity"])

    settlement.markOverdue(later, {"from": auditor})

    assert voucher.credit(credit)["gracePeriodDays"] == GRACE_DAYS
    assert voucher.credit(later)["gracePeriodDays"] == 0
    assert settlement.account(later)["overdue"]
    with brownie.reverts(err("SettlementNotOverdue", credit, overdue_at, 0, FACE)):
        settlement.markOverdue(credit, {"from": auditor})


def core_of(voucher, credit_id: int) -> str:
    return voucher.credit(credit_id)["obligor"]


def test_mark_overdue_of_an_unknown_credit(settlement, auditor):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        settlement.markOverdue(99, {"from": auditor})


def test_late_repayment_still_flows_into_an_overdue_credit(
    cash, consortium, settlement, credit, child, overdue_at, core, supplier2
):
    sleep_until(overdue_at)
    settlement.markOverdue(credit, {"from": supplier2})

    settlement.repay(credit, FACE, {"from": core})
    paid = settlement.redeem(child, {"from": supplier2}).return_value

    assert paid == PAID_ON
    assert settlement.account(credit)["repaid"] == FACE
    assert consortium.outstanding(core) == 0
    assert cash.balanceOf(supplier2) == PAID_ON
