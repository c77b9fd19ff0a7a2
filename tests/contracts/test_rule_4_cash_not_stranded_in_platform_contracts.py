"""Rule 4: no cash is stranded. SettlementToken refuses cash pushed or minted to a platform
contract (ERC20InvalidReceiver): nobody could ever claim it there. Settlement still takes cash by
pulling a repayment itself."""

import brownie
import pytest
from conftest import UNIT, emitted, err, h
from flows import deposit

CASH = 1_000 * UNIT
AMOUNT = 250 * UNIT
FACE = 1_000 * UNIT


@pytest.fixture
def funded(cash, core, bank_a):
    """core holds CASH of on-chain cash."""
    deposit(cash, bank_a, core, CASH)
    return core


def test_cash_pushed_to_settlement(cash, settlement, funded):
    with brownie.reverts(err("ERC20InvalidReceiver", settlement)):
        cash.transfer(settlement, AMOUNT, {"from": funded})

    assert cash.balanceOf(settlement) == 0
    assert cash.balanceOf(funded) == CASH


def test_cash_pushed_to_the_voucher(cash, voucher, funded):
    with brownie.reverts(err("ERC20InvalidReceiver", voucher)):
        cash.transfer(voucher, AMOUNT, {"from": funded})


def test_cash_minted_to_settlement(cash, settlement, bank_a):
    with brownie.reverts(err("ERC20InvalidReceiver", settlement)):
        cash.mint(settlement, AMOUNT, h("deposit:settlement"), {"from": bank_a})

    assert cash.totalSupply() == 0


def test_cash_sent_to_settlement_by_a_spender(cash, settlement, funded, bank_b):
    cash.approve(bank_b, AMOUNT, {"from": funded})

    with brownie.reverts(err("ERC20InvalidReceiver", settlement)):
        cash.transferFrom(funded, settlement, AMOUNT, {"from": bank_b})

    assert cash.allowance(funded, bank_b) == AMOUNT


def test_settlement_still_pulls_a_repayment(cash, settlement, issued, funded, supplier1):
    credit = issued(funded, supplier1, FACE)
    cash.approve(settlement, AMOUNT, {"from": funded})

    tx = settlement.repay(credit, AMOUNT, {"from": funded})

    assert emitted(tx)[-1] == ("Transfer", {"from": funded, "to": settlement, "value": AMOUNT})
    assert cash.balanceOf(settlement) == AMOUNT


def test_cash_pushed_to_financing(cash, financing, funded):
    """Financing is a platform contract too: it never holds cash, so none may be pushed to it."""
    with brownie.reverts(err("ERC20InvalidReceiver", financing)):
        cash.transfer(financing, AMOUNT, {"from": funded})
