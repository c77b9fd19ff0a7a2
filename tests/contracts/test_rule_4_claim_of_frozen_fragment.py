"""Rule 4: a claim is the rest of a redemption, so Settlement.claim refuses a frozen redeemed
fragment (VoucherFrozen) exactly as redeem refuses a frozen live one."""

import brownie
import pytest
from conftest import UNIT, err, h
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
HALF = FACE // 2


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    return issued(core, supplier1, FACE)


@pytest.fixture
def redeemed(voucher, settlement, credit, core, supplier1) -> int:
    """supplier1 redeemed the root of a half repaid credit; the other half was repaid late."""
    settlement.repay(credit, HALF, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])
    settlement.redeem(credit, {"from": supplier1})
    settlement.repay(credit, FACE - HALF, {"from": core})
    assert settlement.owed(credit) == FACE - HALF
    return credit


def test_claim_of_a_frozen_redeemed_fragment(
    voucher, cash, settlement, redeemed, auditor, supplier1
):
    voucher.setFragmentFrozen(redeemed, True, h("disputed delivery"), {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", redeemed)):
        settlement.claim(redeemed, {"from": supplier1})

    assert settlement.owed(redeemed) == FACE - HALF
    assert cash.balanceOf(supplier1) == HALF


def test_claim_of_a_fragment_of_a_frozen_credit(voucher, settlement, redeemed, auditor, supplier1):
    voucher.setCreditFrozen(redeemed, True, h("fraud inquiry"), {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", redeemed)):
        settlement.claim(redeemed, {"from": supplier1})


def test_claim_pays_once_the_fragment_is_unfrozen(
    voucher, cash, settlement, redeemed, auditor, operator, supplier1
):
    voucher.setFragmentFrozen(redeemed, True, h("disputed delivery"), {"from": auditor})
    voucher.setFragmentFrozen(redeemed, False, h("dispute settled"), {"from": operator})

    paid = settlement.claim(redeemed, {"from": supplier1}).return_value

    assert paid == FACE - HALF
    assert cash.balanceOf(supplier1) == FACE
