"""Rule 9: every caller is a member, also of SettlementToken: a spender never onboarded, or
suspended, cannot move cash it was allowed (ConsortiumMemberNotActive). The platform's own
Financing contract, which pulls a discount's price from the financier, must still be able to."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, err, h
from flows import deposit

CASH = 1_000 * UNIT
AMOUNT = 250 * UNIT
NONE, SUSPENDED = 0, 2


@pytest.fixture
def payer(cash, core, bank_a):
    """core holds CASH of on-chain cash."""
    deposit(cash, bank_a, core, CASH)
    return core


def test_stranger_spends_an_allowance(cash, payer, supplier1, stranger):
    cash.approve(stranger, AMOUNT, {"from": payer})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        cash.transferFrom(payer, supplier1, AMOUNT, {"from": stranger})

    assert cash.balanceOf(payer) == CASH
    assert cash.allowance(payer, stranger) == AMOUNT


def test_suspended_member_spends_an_allowance(cash, consortium, payer, operator, supplier1, bank_b):
    cash.approve(bank_b, AMOUNT, {"from": payer})
    consortium.suspend(bank_b, h("licence withdrawn"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_b, SUSPENDED)):
        cash.transferFrom(payer, supplier1, AMOUNT, {"from": bank_b})


def test_active_member_spends_an_allowance(cash, payer, supplier1, bank_b):
    cash.approve(bank_b, AMOUNT, {"from": payer})

    cash.transferFrom(payer, supplier1, AMOUNT, {"from": bank_b})

    assert cash.balanceOf(supplier1) == AMOUNT
    assert cash.allowance(payer, bank_b) == 0


def test_discount_acceptance_still_pulls_the_price_through_financing(
    voucher, cash, financing, issued, core, supplier1, bank_a
):
    credit = issued(core, supplier1, CASH)
    deposit(cash, bank_a, bank_a, CASH)
    cash.approve(financing, CASH, {"from": bank_a})
    request_id = financing.requestFinancing(
        credit, AMOUNT, chain.time() + 7 * DAY, {"from": supplier1}
    ).return_value
    quote_id = financing.submitQuote(request_id, 1_200, {"from": bank_a}).return_value

    price = financing.accept(request_id, quote_id, {"from": supplier1}).return_value

    assert cash.balanceOf(supplier1) == price
    assert cash.balanceOf(bank_a) == CASH - price
    assert voucher.ownerOf(financing.request(request_id)["tokenId"]) == bank_a
