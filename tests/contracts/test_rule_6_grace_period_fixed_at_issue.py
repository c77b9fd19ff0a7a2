"""Rule 6: a credit keeps the grace period in force when it was issued (Credit.gracePeriodDays):
the operator changing the platform limits later neither makes it overdue early nor late."""

import brownie
import pytest
from conftest import DAY, UNIT, emitted, err
from flows import sleep_until

FACE = 1_000 * UNIT
GRACE_DAYS = 30  # the platform's default


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def maturity(voucher, credit) -> int:
    return voucher.credit(credit)["maturity"]


def test_credit_records_the_grace_period_in_force_at_issue(voucher, credit):
    assert voucher.credit(credit)["gracePeriodDays"] == GRACE_DAYS


def test_shorter_grace_period_set_later_does_not_make_it_overdue_early(
    consortium, settlement, credit, maturity, operator, supplier2
):
    consortium.setLimits(180, 0, 8, {"from": operator})
    sleep_until(maturity)

    with brownie.reverts(err("SettlementNotOverdue", credit, maturity + GRACE_DAYS * DAY, 0, FACE)):
        settlement.markOverdue(credit, {"from": supplier2})

    assert not settlement.account(credit)["overdue"]


def test_longer_grace_period_set_later_does_not_delay_it(
    consortium, settlement, credit, maturity, operator, supplier2
):
    consortium.setLimits(180, 60, 8, {"from": operator})
    sleep_until(maturity + GRACE_DAYS * DAY)

    tx = settlement.markOverdue(credit, {"from": supplier2})

    assert emitted(tx) == [
        ("CreditOverdue", {"creditId": credit, "repaid": 0, "faceValue": FACE}),
    ]


def test_credit_issued_after_the_change_takes_the_new_grace_period(
    voucher, consortium, settlement, issued, operator, core, supplier1, supplier2
):
    consortium.setLimits(180, 5, 8, {"from": operator})
    later = issued(core, supplier1, FACE)
    sleep_until(voucher.credit(later)["maturity"] + 5 * DAY)

    settlement.markOverdue(later, {"from": supplier2})

    assert voucher.credit(later)["gracePeriodDays"] == 5
    assert settlement.account(later)["overdue"]
