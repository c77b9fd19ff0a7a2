"""Rule 6: a credit repaid in full after it was marked overdue is overdue no more
(CreditOverdueCleared); a partial late repayment leaves the mark."""

import brownie
import pytest
from conftest import DAY, UNIT, emitted, err
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
EARLY = 400 * UNIT
GRACE_DAYS = 30


@pytest.fixture
def credit(voucher, issued, cash, settlement, core, supplier1, supplier2, bank_a) -> int:
    """A credit repaid EARLY before maturity, then marked overdue after the grace period."""
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    credit_id = issued(core, supplier1, FACE)
    settlement.repay(credit_id, EARLY, {"from": core})
    sleep_until(voucher.credit(credit_id)["maturity"] + GRACE_DAYS * DAY)
    settlement.markOverdue(credit_id, {"from": supplier2})
    return credit_id


def test_full_late_repayment_clears_the_overdue_mark(settlement, credit, core):
    tx = settlement.repay(credit, FACE - EARLY, {"from": core})

    assert emitted(tx) == [
        (
            "CreditRepaid",
            {"creditId": credit, "payer": core, "amount": FACE - EARLY, "totalRepaid": FACE},
        ),
        ("CreditOverdueCleared", {"creditId": credit, "totalRepaid": FACE}),
        ("OutstandingChanged", {"obligor": core, "outstanding": 0}),
        ("Transfer", {"from": core, "to": settlement, "value": FACE - EARLY}),
    ]
    assert settlement.account(credit).dict() == {
        "repaid": FACE,
        "paidOut": 0,
        "overdue": False,
    }


def test_partial_late_repayment_leaves_it_overdue(settlement, credit, core):
    tx = settlement.repay(credit, 100 * UNIT, {"from": core})

    assert "CreditOverdueCleared" not in [name for name, _ in emitted(tx)]
    assert settlement.account(credit)["overdue"]


def test_cleared_credit_cannot_be_marked_overdue_again(
    voucher, settlement, credit, core, supplier2
):
    settlement.repay(credit, FACE - EARLY, {"from": core})
    overdue_at = voucher.credit(credit)["maturity"] + GRACE_DAYS * DAY

    with brownie.reverts(err("SettlementNotOverdue", credit, overdue_at, FACE, FACE)):
        settlement.markOverdue(credit, {"from": supplier2})
