"""Rule 1: a financier writes off the unpaid rest of a redeemed claim (Settlement.writeOff): its
exposure falls by that rest, once, and the claim stays payable should the obligor pay late."""

import brownie
import pytest
from conftest import UNIT, emitted, err, h, hex32
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
BOUGHT = 600 * UNIT  # bank_b's fragment, and bank_b's whole line
FIRST_REPAYMENT = 500 * UNIT
PAID_AT_REDEMPTION = BOUGHT * FIRST_REPAYMENT // FACE
UNPAID = BOUGHT - PAID_AT_REDEMPTION
PART = 100 * UNIT
REASON = h("obligor in insolvency proceedings")


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    return issued(core, supplier1, FACE)


@pytest.fixture
def bought(voucher, credit_line, credit, core, supplier1, bank_b) -> int:
    credit_line(bank_b, core, BOUGHT)
    return voucher.transferFrom["uint256,address,uint256"](
        credit, bank_b, BOUGHT, {"from": supplier1}
    ).return_value


@pytest.fixture
def redeemed(voucher, settlement, credit, bought, core, bank_b) -> int:
    """bank_b redeemed its fragment of a credit half repaid: UNPAID of it is still owed."""
    settlement.repay(credit, FIRST_REPAYMENT, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])
    settlement.redeem(bought, {"from": bank_b})
    return bought


def test_write_off_takes_the_unpaid_rest_out_of_the_exposure(
    consortium, settlement, redeemed, core, bank_b
):
    tx = settlement.writeOff(redeemed, REASON, {"from": bank_b})

    assert tx.return_value == UNPAID
    assert emitted(tx) == [
        (
            "ClaimWrittenOff",
            {
                "tokenId": redeemed,
                "claimant": bank_b,
                "amount": UNPAID,
                "reasonHash": hex32(REASON),
            },
        ),
        ("ExposureChanged", {"financier": bank_b, "obligor": core, "exposure": 0}),
    ]
    assert consortium.exposure(bank_b, core) == 0
    assert settlement.claimOf(redeemed)["writtenOff"]


def test_written_off_line_can_buy_again(
    voucher, consortium, settlement, issued, redeemed, core, supplier2, bank_b
):
    settlement.writeOff(redeemed, REASON, {"from": bank_b})
    later = issued(core, supplier2, PART)

    voucher.transferFrom["uint256,address,uint256"](later, bank_b, PART, {"from": supplier2})

    assert consortium.exposure(bank_b, core) == PART


def test_late_repayment_still_pays_a_written_off_claim_without_touching_exposure(
    cash, consortium, settlement, credit, redeemed, core, supplier1, bank_b
):
    settlement.writeOff(redeemed, REASON, {"from": bank_b})
    settlement.repay(credit, FACE - FIRST_REPAYMENT, {"from": core})

    tx = settlement.claim(redeemed, {"from": supplier1})

    assert emitted(tx) == [
        (
            "ClaimPaid",
            {"tokenId": redeemed, "claimant": bank_b, "amount": UNPAID, "totalPaid": BOUGHT},
        ),
        ("Transfer", {"from": settlement, "to": bank_b, "value": UNPAID}),
    ]
    assert consortium.exposure(bank_b, core) == 0
    assert cash.balanceOf(bank_b) == BOUGHT


def test_write_off_by_anyone_but_the_claimant(settlement, redeemed, bank_a):
    with brownie.reverts(err("SettlementNotClaimant", redeemed, bank_a)):
        settlement.writeOff(redeemed, REASON, {"from": bank_a})


def test_write_off_twice(settlement, redeemed, bank_b):
    settlement.writeOff(redeemed, REASON, {"from": bank_b})

    with brownie.reverts(err("SettlementNothingToWriteOff", redeemed)):
        settlement.writeOff(redeemed, REASON, {"from": bank_b})


def test_write_off_of_a_claim_paid_in_full(settlement, credit, redeemed, core, bank_b):
    settlement.repay(credit, FACE - FIRST_REPAYMENT, {"from": core})
    settlement.claim(redeemed, {"from": bank_b})

    with brownie.reverts(err("SettlementNothingToWriteOff", redeemed)):
        settlement.writeOff(redeemed, REASON, {"from": bank_b})


def test_write_off_of_a_claim_that_never_counted_as_exposure(
    settlement, credit, redeemed, supplier1
):
    settlement.redeem(credit, {"from": supplier1})

    with brownie.reverts(err("SettlementNothingToWriteOff", credit)):
        settlement.writeOff(credit, REASON, {"from": supplier1})


def test_write_off_of_a_fragment_never_redeemed(settlement, credit, bank_b):
    with brownie.reverts(err("SettlementNoClaim", credit)):
        settlement.writeOff(credit, REASON, {"from": bank_b})
