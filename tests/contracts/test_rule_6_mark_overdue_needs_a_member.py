"""Rule 6: marking a credit overdue is a member action: a stranger or a suspended member cannot."""

import brownie
import pytest
from conftest import DAY, UNIT, emitted, err, h
from flows import sleep_until

FACE = 1_000 * UNIT
GRACE_DAYS = 30
NONE, SUSPENDED = 0, 2


@pytest.fixture
def credit(voucher, issued, core, supplier1) -> int:
    """A credit left unpaid past its maturity and grace period."""
    credit_id = issued(core, supplier1, FACE)
    sleep_until(voucher.credit(credit_id)["maturity"] + GRACE_DAYS * DAY)
    return credit_id


def test_mark_overdue_by_a_stranger(settlement, credit, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        settlement.markOverdue(credit, {"from": stranger})

    assert not settlement.account(credit)["overdue"]


def test_mark_overdue_by_a_suspended_member(consortium, settlement, credit, operator, supplier2):
    consortium.suspend(supplier2, h("kyc expired"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier2, SUSPENDED)):
        settlement.markOverdue(credit, {"from": supplier2})


def test_mark_overdue_by_an_active_member(settlement, credit, supplier2):
    tx = settlement.markOverdue(credit, {"from": supplier2})

    assert emitted(tx) == [
        ("CreditOverdue", {"creditId": credit, "repaid": 0, "faceValue": FACE}),
    ]
