"""Settlement.repay and repayWithPermit: the obligor repays its credit in parts, up to its face
value, and every repayment frees as much of its issuance quota."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, emitted, err
from flows import deposit, permit_signature

FACE = 1_000 * UNIT
PART = 400 * UNIT


@pytest.fixture
def credit(issued, cash, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    return issued(core, supplier1, FACE)


def test_obligor_repays_part_of_a_credit(cash, consortium, settlement, credit, core):
    cash.approve(settlement, PART, {"from": core})

    tx = settlement.repay(credit, PART, {"from": core})

    assert emitted(tx) == [
        (
            "CreditRepaid",
            {"creditId": credit, "payer": core, "amount": PART, "totalRepaid": PART},
        ),
        ("OutstandingChanged", {"obligor": core, "outstanding": FACE - PART}),
        ("Transfer", {"from": core, "to": settlement, "value": PART}),
    ]
    assert settlement.account(credit).dict() == {"repaid": PART, "paidOut": 0, "overdue": False}
    assert cash.balanceOf(core) == FACE - PART
    assert cash.balanceOf(settlement) == PART
    assert consortium.outstanding(core) == FACE - PART


def test_repayments_in_parts_add_up_to_the_face_value(cash, consortium, settlement, credit, core):
    cash.approve(settlement, FACE, {"from": core})
    settlement.repay(credit, PART, {"from": core})

    tx = settlement.repay(credit, FACE - PART, {"from": core})

    assert tx.events["CreditRepaid"]["totalRepaid"] == FACE
    assert settlement.account(credit)["repaid"] == FACE
    assert cash.balanceOf(settlement) == FACE
    assert consortium.outstanding(core) == 0


def test_repayment_restores_the_issuance_quota(
    voucher,
    cash,
    consortium,
    settlement,
    confirmed_invoice,
    credit_line,
    credit,
    core,
    supplier1,
    bank_a,
):
    credit_line(bank_a, core, FACE)
    invoice = confirmed_invoice(supplier1, core, PART)
    maturity = chain.time() + 60 * DAY
    with brownie.reverts(err("ConsortiumQuotaExceeded", core, PART, FACE, FACE)):
        voucher.issue(invoice, PART, maturity, 0, {"from": core})
    cash.approve(settlement, PART, {"from": core})
    settlement.repay(credit, PART, {"from": core})

    voucher.issue(invoice, PART, maturity, 0, {"from": core})

    assert consortium.outstanding(core) == FACE == consortium.issuanceQuota(core)


def test_repay_by_anyone_but_the_obligor(settlement, credit, core2):
    with brownie.reverts(err("SettlementNotObligor", credit, core2)):
        settlement.repay(credit, PART, {"from": core2})


def test_repay_of_zero(settlement, credit, core):
    with brownie.reverts(err("SettlementInvalidRepayment", credit, 0, FACE)):
        settlement.repay(credit, 0, {"from": core})


def test_repay_of_more_than_the_face_value(settlement, credit, core):
    with brownie.reverts(err("SettlementInvalidRepayment", credit, FACE + 1, FACE)):
        settlement.repay(credit, FACE + 1, {"from": core})


def test_repay_of_more_than_is_still_outstanding(cash, settlement, credit, core):
    cash.approve(settlement, FACE, {"from": core})
    settlement.repay(credit, PART, {"from": core})

    with brownie.reverts(err("SettlementInvalidRepayment", credit, FACE - PART + 1, FACE - PART)):
        settlement.repay(credit, FACE - PART + 1, {"from": core})


def test_repay_of_an_unknown_credit(settlement, core):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        settlement.repay(99, PART, {"from": core})


def test_repay_without_allowance_changes_nothing(cash, consortium, settlement, credit, core):
    with brownie.reverts(err("ERC20InsufficientAllowance", settlement, 0, PART)):
        settlement.repay(credit, PART, {"from": core})

    assert settlement.account(credit)["repaid"] == 0
    assert consortium.outstanding(core) == FACE


def test_repay_while_paused(cash, consortium, settlement, credit, operator, core):
    cash.approve(settlement, PART, {"from": core})
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        settlement.repay(credit, PART, {"from": core})


def test_repay_with_permit_approves_and_repays_in_one_call(
    cash, consortium, settlement, credit, core
):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, core, settlement, PART, deadline)

    tx = settlement.repayWithPermit(credit, PART, deadline, v, r, s, {"from": core})

    assert emitted(tx) == [
        ("Approval", {"owner": core, "spender": settlement, "value": PART}),
        (
            "CreditRepaid",
            {"creditId": credit, "payer": core, "amount": PART, "totalRepaid": PART},
        ),
        ("OutstandingChanged", {"obligor": core, "outstanding": FACE - PART}),
        ("Transfer", {"from": core, "to": settlement, "value": PART}),
    ]
    assert cash.allowance(core, settlement) == 0
    assert cash.nonces(core) == 1
    assert cash.balanceOf(settlement) == PART


def test_repay_with_an_expired_permit_reverts_for_want_of_allowance(cash, settlement, credit, core):
    deadline = chain.time() - 1
    v, r, s = permit_signature(cash, core, settlement, PART, deadline)

    with brownie.reverts(err("ERC20InsufficientAllowance", settlement, 0, PART)):
        settlement.repayWithPermit(credit, PART, deadline, v, r, s, {"from": core})


def test_repay_with_a_permit_signed_by_someone_else_reverts_for_want_of_allowance(
    cash, settlement, credit, core, supplier1
):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, core, settlement, PART, deadline, signer=supplier1)

    with brownie.reverts(err("ERC20InsufficientAllowance", settlement, 0, PART)):
        settlement.repayWithPermit(credit, PART, deadline, v, r, s, {"from": core})


def test_repay_with_a_permit_someone_already_submitted(cash, settlement, credit, core, supplier1):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, core, settlement, PART, deadline)
    cash.permit(core, settlement, PART, deadline, v, r, s, {"from": supplier1})

    settlement.repayWithPermit(credit, PART, deadline, v, r, s, {"from": core})

    assert settlement.account(credit)["repaid"] == PART
    assert cash.balanceOf(settlement) == PART
