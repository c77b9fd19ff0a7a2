"""Rule 5: while the operator has paused the platform, every member action reverts with
EnforcedPause: quotes, requests, approvals of vouchers and cash (permit included), overdue marks,
redemption pushes, claims, and the operator's own administration."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, ROLE, UNIT, err, h
from flows import deposit, permit_signature, sleep_until

FACE = 1_000 * UNIT
ASKED = 400 * UNIT
RATE = 1_200
EXPIRY_DAYS = 7
GRACE_DAYS = 30


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    return issued(core, supplier1, FACE)


@pytest.fixture
def request_id(financing, credit, supplier1) -> int:
    return financing.requestFinancing(
        credit, ASKED, chain.time() + EXPIRY_DAYS * DAY, {"from": supplier1}
    ).return_value


@pytest.fixture
def quote_id(financing, request_id, bank_a) -> int:
    return financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value


@pytest.fixture
def pause(consortium, operator):
    def stop() -> None:
        consortium.pause({"from": operator})

    return stop


def test_withdraw_quote(financing, quote_id, pause, bank_a):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        financing.withdrawQuote(quote_id, {"from": bank_a})

    assert not financing.quote(quote_id)["withdrawn"]


def test_cancel_a_request(financing, request_id, pause, supplier1):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        financing.cancel(request_id, {"from": supplier1})


def test_expire_a_request(financing, request_id, pause, bank_a):
    sleep_until(financing.request(request_id)["expiresAt"])
    pause()

    with brownie.reverts(err("EnforcedPause")):
        financing.expire(request_id, {"from": bank_a})


def test_value_approve(voucher, credit, pause, supplier1, bank_a):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        voucher.approve["uint256,address,uint256"](credit, bank_a, ASKED, {"from": supplier1})

    assert voucher.allowance(credit, bank_a) == 0


def test_token_approve(voucher, credit, pause, supplier1, bank_a):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        voucher.approve["address,uint256"](bank_a, credit, {"from": supplier1})


def test_set_approval_for_all(voucher, pause, supplier1, bank_a):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        voucher.setApprovalForAll(bank_a, True, {"from": supplier1})

    assert not voucher.isApprovedForAll(supplier1, bank_a)


def test_cash_approve(cash, settlement, credit, pause, core):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        cash.approve(settlement, FACE, {"from": core})

    assert cash.allowance(core, settlement) == 0


def test_cash_permit(cash, settlement, credit, pause, core, bank_a):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, core, settlement, FACE, deadline)
    pause()

    with brownie.reverts(err("EnforcedPause")):
        cash.permit(core, settlement, FACE, deadline, v, r, s, {"from": bank_a})

    assert cash.nonces(core) == 0


def test_mark_overdue(voucher, settlement, credit, pause, supplier2):
    sleep_until(voucher.credit(credit)["maturity"] + GRACE_DAYS * DAY)
    pause()

    with brownie.reverts(err("EnforcedPause")):
        settlement.markOverdue(credit, {"from": supplier2})


def test_redeem_batch(voucher, cash, settlement, credit, pause, core, supplier2):
    cash.approve(settlement, FACE, {"from": core})
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])
    pause()

    with brownie.reverts(err("EnforcedPause")):
        settlement.redeemBatch([credit], {"from": supplier2})


def test_claim(voucher, cash, settlement, credit, pause, core, supplier1):
    cash.approve(settlement, FACE, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])
    settlement.redeem(credit, {"from": supplier1})
    settlement.repay(credit, FACE, {"from": core})
    pause()

    with brownie.reverts(err("EnforcedPause")):
        settlement.claim(credit, {"from": supplier1})

    assert settlement.owed(credit) == FACE


def test_onboard(consortium, roles, pause, operator):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        consortium.onboard(roles["other"], h("kyc:other"), [ROLE["SUPPLIER"]], {"from": operator})

    assert consortium.statusOf(roles["other"]) == 0


def test_suspend(consortium, pause, operator, supplier1):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        consortium.suspend(supplier1, h("kyc expired"), {"from": operator})


def test_reinstate(consortium, pause, operator, supplier1):
    consortium.suspend(supplier1, h("kyc expired"), {"from": operator})
    pause()

    with brownie.reverts(err("EnforcedPause")):
        consortium.reinstate(supplier1, {"from": operator})


def test_grant_role(consortium, pause, operator, supplier1):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        consortium.grantRole(ROLE["FINANCIER"], supplier1, {"from": operator})

    assert not consortium.hasRole(ROLE["FINANCIER"], supplier1)


def test_revoke_role(consortium, pause, operator, bank_b):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        consortium.revokeRole(ROLE["FINANCIER"], bank_b, {"from": operator})


def test_set_limits(consortium, pause, operator):
    pause()

    with brownie.reverts(err("EnforcedPause")):
        consortium.setLimits(90, 10, 4, {"from": operator})

    assert tuple(consortium.limits()) == (180, 30, 8)
