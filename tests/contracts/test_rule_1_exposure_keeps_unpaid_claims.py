"""Rule 1: a financier's exposure counts every unpaid claim. Redeeming a fragment of an unpaid or
partly paid credit leaves the unpaid part in its exposure; only what is paid out on the claim takes
it down, so a financier cannot free its line by redeeming paper the obligor has not paid."""

import brownie
import pytest
from conftest import UNIT, ZERO, emitted, err
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
BOUGHT = 600 * UNIT  # the fragment bank_b bought, which is also bank_b's whole line
FIRST_REPAYMENT = 500 * UNIT
PAID_AT_REDEMPTION = BOUGHT * FIRST_REPAYMENT // FACE
PART = 100 * UNIT


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    return issued(core, supplier1, FACE)


@pytest.fixture
def bought(voucher, credit_line, credit, core, supplier1, bank_b) -> int:
    """bank_b's fragment of BOUGHT, split off supplier1's root: its exposure is the whole line."""
    credit_line(bank_b, core, BOUGHT)
    return voucher.transferFrom["uint256,address,uint256"](
        credit, bank_b, BOUGHT, {"from": supplier1}
    ).return_value


@pytest.fixture
def maturity(voucher, credit) -> int:
    return voucher.credit(credit)["maturity"]


def test_redeeming_partly_paid_paper_keeps_the_unpaid_part_as_exposure(
    cash, consortium, settlement, credit, bought, maturity, core, bank_b
):
    settlement.repay(credit, FIRST_REPAYMENT, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeem(bought, {"from": bank_b})

    assert tx.return_value == PAID_AT_REDEMPTION
    assert emitted(tx) == [
        ("TransferValue", {"_fromTokenId": bought, "_toTokenId": 0, "_value": BOUGHT}),
        ("SlotChanged", {"_tokenId": bought, "_oldSlot": credit, "_newSlot": 0}),
        ("Transfer", {"from": bank_b, "to": ZERO, "tokenId": bought}),
        (
            "FragmentRedeemed",
            {
                "tokenId": bought,
                "creditId": credit,
                "holder": bank_b,
                "value": BOUGHT,
                "heldAsFinancier": True,
            },
        ),
        (
            "ClaimPaid",
            {
                "tokenId": bought,
                "claimant": bank_b,
                "amount": PAID_AT_REDEMPTION,
                "totalPaid": PAID_AT_REDEMPTION,
            },
        ),
        (
            "ExposureChanged",
            {"financier": bank_b, "obligor": core, "exposure": BOUGHT - PAID_AT_REDEMPTION},
        ),
        ("Transfer", {"from": settlement, "to": bank_b, "value": PAID_AT_REDEMPTION}),
    ]
    assert consortium.exposure(bank_b, core) == BOUGHT - PAID_AT_REDEMPTION
    assert cash.balanceOf(bank_b) == PAID_AT_REDEMPTION


def test_redeeming_unpaid_paper_keeps_the_whole_exposure(
    consortium, settlement, bought, maturity, core, bank_b
):
    sleep_until(maturity)

    tx = settlement.redeem(bought, {"from": bank_b})

    assert tx.return_value == 0
    assert [name for name, _ in emitted(tx)] == [
        "TransferValue",
        "SlotChanged",
        "Transfer",
        "FragmentRedeemed",
    ]
    assert consortium.exposure(bank_b, core) == BOUGHT


def test_late_repayment_paid_on_the_claim_takes_the_exposure_down(
    cash, consortium, settlement, credit, bought, maturity, core, supplier1, bank_b
):
    settlement.repay(credit, FIRST_REPAYMENT, {"from": core})
    sleep_until(maturity)
    settlement.redeem(bought, {"from": bank_b})
    settlement.repay(credit, FACE - FIRST_REPAYMENT, {"from": core})
    assert consortium.exposure(bank_b, core) == BOUGHT - PAID_AT_REDEMPTION

    tx = settlement.claim(bought, {"from": supplier1})

    rest = BOUGHT - PAID_AT_REDEMPTION
    assert emitted(tx) == [
        (
            "ClaimPaid",
            {"tokenId": bought, "claimant": bank_b, "amount": rest, "totalPaid": BOUGHT},
        ),
        ("ExposureChanged", {"financier": bank_b, "obligor": core, "exposure": 0}),
        ("Transfer", {"from": settlement, "to": bank_b, "value": rest}),
    ]
    assert consortium.exposure(bank_b, core) == 0
    assert cash.balanceOf(bank_b) == BOUGHT


def test_claim_records_that_the_redeemed_value_counted_as_exposure(
    settlement, credit, bought, maturity, core, bank_b
):
    settlement.repay(credit, FIRST_REPAYMENT, {"from": core})
    sleep_until(maturity)

    settlement.redeem(bought, {"from": bank_b})

    assert settlement.claimOf(bought).dict() == {
        "claimant": bank_b,
        "value": BOUGHT,
        "paid": PAID_AT_REDEMPTION,
        "creditId": credit,
        "heldAsFinancier": True,
        "writtenOff": False,
    }


def test_financier_cannot_buy_past_its_line_after_redeeming_unpaid_paper(
    voucher, consortium, settlement, issued, bought, maturity, core, supplier2, bank_b
):
    sleep_until(maturity)
    settlement.redeem(bought, {"from": bank_b})
    later = issued(core, supplier2, PART)

    with brownie.reverts(
        err("ConsortiumExposureLimitExceeded", bank_b, core, BOUGHT + PART, BOUGHT)
    ):
        voucher.transferFrom["uint256,address,uint256"](later, bank_b, PART, {"from": supplier2})

    assert consortium.exposure(bank_b, core) == BOUGHT
    assert voucher.balanceOf["uint256"](later) == PART
