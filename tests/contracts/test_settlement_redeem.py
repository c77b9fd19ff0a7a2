"""Settlement.redeem and redeemBatch: from maturity each holder redeems its fragment for what has
been repaid of it (pull), or any member pushes a batch of at most MAX_BATCH fragments."""

import brownie
import pytest
from conftest import UNIT, ZERO, emitted, err, revert_data
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
PAID_ON = 300 * UNIT  # what supplier1 paid supplier2 with
MAX_BATCH = 50


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    return issued(core, supplier1, FACE)


@pytest.fixture
def child(voucher, confirmed_invoice, credit, supplier1, supplier2) -> int:
    """supplier2's fragment of the credit, one tier down."""
    invoice = confirmed_invoice(supplier2, supplier1, PAID_ON)
    return voucher.splitTransfer(
        credit, supplier2, PAID_ON, invoice, {"from": supplier1}
    ).return_value


@pytest.fixture
def maturity(voucher, credit) -> int:
    return voucher.credit(credit)["maturity"]


def test_holder_redeems_a_repaid_fragment(
    voucher, cash, settlement, credit, child, maturity, core, supplier2
):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeem(child, {"from": supplier2})

    assert tx.return_value == PAID_ON
    assert emitted(tx) == [
        (
            "TransferValue",
            {"_fromTokenId": child, "_toTokenId": 0, "_value": PAID_ON},
        ),
        ("SlotChanged", {"_tokenId": child, "_oldSlot": credit, "_newSlot": 0}),
        ("Transfer", {"from": supplier2, "to": ZERO, "tokenId": child}),
        (
            "FragmentRedeemed",
            {
                "tokenId": child,
                "creditId": credit,
                "holder": supplier2,
                "value": PAID_ON,
                "heldAsFinancier": False,
            },
        ),
        (
            "ClaimPaid",
            {"tokenId": child, "claimant": supplier2, "amount": PAID_ON, "totalPaid": PAID_ON},
        ),
        ("Transfer", {"from": settlement, "to": supplier2, "value": PAID_ON}),
    ]
    assert settlement.claimOf(child).dict() == {
        "claimant": supplier2,
        "value": PAID_ON,
        "paid": PAID_ON,
        "creditId": credit,
        "heldAsFinancier": False,
        "writtenOff": False,
    }
    assert settlement.account(credit).dict() == {
        "repaid": FACE,
        "paidOut": PAID_ON,
        "overdue": False,
    }
    assert cash.balanceOf(supplier2) == PAID_ON
    assert cash.balanceOf(settlement) == FACE - PAID_ON
    assert voucher.fragment(child)["owner"] == ZERO
    assert voucher.fragment(child)["value"] == 0
    assert voucher.balanceOf["address"](supplier2) == 0
    assert settlement.owed(child) == 0


def test_redeemed_fragment_is_gone(voucher, settlement, credit, child, maturity, core, supplier2):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)
    settlement.redeem(child, {"from": supplier2})

    with brownie.reverts(err("VoucherNonexistentToken", child)):
        voucher.ownerOf(child)
    assert not voucher.isTransferable(child)


def test_financier_redeems_and_its_exposure_is_released(
    voucher, cash, consortium, settlement, credit, maturity, core, supplier1, bank_a
):
    bought = voucher.transferFrom["uint256,address,uint256"](
        credit, bank_a, 200 * UNIT, {"from": supplier1}
    ).return_value
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeem(bought, {"from": bank_a})

    assert [name for name, _ in emitted(tx)] == [
        "TransferValue",
        "SlotChanged",
        "Transfer",
        "FragmentRedeemed",
        "ClaimPaid",
        "ExposureChanged",
        "Transfer",
    ]
    assert emitted(tx)[5] == (
        "ExposureChanged",
        {"financier": bank_a, "obligor": core, "exposure": 0},
    )
    assert consortium.exposure(bank_a, core) == 0
    assert cash.balanceOf(bank_a) == 200 * UNIT


def test_redeem_of_an_unfunded_credit_records_the_claim_and_pays_nothing(
    voucher, cash, settlement, credit, child, maturity, supplier2
):
    sleep_until(maturity)

    tx = settlement.redeem(child, {"from": supplier2})

    assert tx.return_value == 0
    assert [name for name, _ in emitted(tx)] == [
        "TransferValue",
        "SlotChanged",
        "Transfer",
        "FragmentRedeemed",
    ]
    assert settlement.claimOf(child).dict() == {
        "claimant": supplier2,
        "value": PAID_ON,
        "paid": 0,
        "creditId": credit,
        "heldAsFinancier": False,
        "writtenOff": False,
    }
    assert cash.balanceOf(supplier2) == 0


def test_redeem_before_maturity(settlement, credit, child, maturity, core, supplier2):
    settlement.repay(credit, FACE, {"from": core})

    with brownie.reverts(err("VoucherNotMatured", credit, maturity)):
        settlement.redeem(child, {"from": supplier2})


def test_redeem_of_someone_elses_fragment(settlement, child, maturity, supplier1):
    sleep_until(maturity)

    with brownie.reverts(err("SettlementNotHolder", child, supplier1)):
        settlement.redeem(child, {"from": supplier1})


def test_redeem_twice(settlement, credit, child, maturity, core, supplier2):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)
    settlement.redeem(child, {"from": supplier2})

    with brownie.reverts(err("VoucherNonexistentToken", child)):
        settlement.redeem(child, {"from": supplier2})


def test_redeem_of_an_unknown_fragment(settlement, supplier2):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        settlement.redeem(99, {"from": supplier2})


def test_redeem_of_a_fragment_still_locked_by_a_request(
    financing, settlement, credit, maturity, supplier1
):
    request_id = financing.requestFinancing(
        credit, 100 * UNIT, maturity, {"from": supplier1}
    ).return_value
    locked = financing.request(request_id)["tokenId"]
    sleep_until(maturity)

    with brownie.reverts(err("VoucherLocked", locked)):
        settlement.redeem(locked, {"from": supplier1})


def test_redeem_while_paused(
    consortium, settlement, credit, child, maturity, operator, core, supplier2
):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        settlement.redeem(child, {"from": supplier2})


def test_any_member_pushes_a_batch_paying_every_holder(
    voucher, cash, settlement, credit, child, maturity, core, supplier1, supplier2, auditor
):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeemBatch([credit, child], {"from": auditor})

    assert tx.return_value == FACE
    assert [args for name, args in emitted(tx) if name == "ClaimPaid"] == [
        {
            "tokenId": credit,
            "claimant": supplier1,
            "amount": FACE - PAID_ON,
            "totalPaid": FACE - PAID_ON,
        },
        {"tokenId": child, "claimant": supplier2, "amount": PAID_ON, "totalPaid": PAID_ON},
    ]
    assert cash.balanceOf(supplier1) == FACE - PAID_ON
    assert cash.balanceOf(supplier2) == PAID_ON
    assert cash.balanceOf(settlement) == 0
    assert settlement.account(credit)["paidOut"] == FACE
    assert voucher.balanceOf["address"](supplier1) == 0


def test_batch_of_exactly_max_batch_fragments(
    voucher, cash, settlement, credit, maturity, core, supplier1, bank_a, auditor
):
    assert settlement.maxBatch() == settlement.MAX_BATCH() == MAX_BATCH
    parts = [
        voucher.transferFrom["uint256,address,uint256"](
            credit, bank_a, UNIT, {"from": supplier1}
        ).return_value
        for _ in range(MAX_BATCH - 1)
    ]
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)

    tx = settlement.redeemBatch([credit, *parts], {"from": auditor})

    assert tx.return_value == FACE
    assert tx.events.count("FragmentRedeemed") == MAX_BATCH
    assert cash.balanceOf(bank_a) == (MAX_BATCH - 1) * UNIT
    assert cash.balanceOf(supplier1) == FACE - (MAX_BATCH - 1) * UNIT


def test_batch_larger_than_max_batch(settlement, auditor):
    with brownie.reverts(err("SettlementInvalidBatch", MAX_BATCH + 1, MAX_BATCH)):
        settlement.redeemBatch(list(range(1, MAX_BATCH + 2)), {"from": auditor})


def test_empty_batch(settlement, auditor):
    with brownie.reverts(err("SettlementInvalidBatch", 0, MAX_BATCH)):
        settlement.redeemBatch([], {"from": auditor})


def test_batch_skips_a_fragment_its_holder_redeemed_first_and_pays_the_rest(
    cash, settlement, credit, child, maturity, core, supplier1, supplier2, auditor
):
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(maturity)
    settlement.redeem(child, {"from": supplier2})

    tx = settlement.redeemBatch([child, credit], {"from": auditor})

    assert tx.return_value == FACE - PAID_ON
    assert emitted(tx)[0] == (
        "RedemptionSkipped",
        {"tokenId": child, "reason": revert_data("VoucherNonexistentToken(uint256)", child)},
    )
    assert [name for name, _ in emitted(tx)[1:]] == [
        "TransferValue",
        "SlotChanged",
        "Transfer",
        "FragmentRedeemed",
        "ClaimPaid",
        "Transfer",
    ]
    assert cash.balanceOf(supplier1) == FACE - PAID_ON


def test_batch_before_maturity_skips_every_fragment(
    cash, settlement, credit, child, maturity, auditor
):
    tx = settlement.redeemBatch([credit, child], {"from": auditor})

    assert tx.return_value == 0
    not_matured = "VoucherNotMatured(uint256,uint256)"
    assert emitted(tx) == [
        (
            "RedemptionSkipped",
            {"tokenId": credit, "reason": revert_data(not_matured, credit, maturity)},
        ),
        (
            "RedemptionSkipped",
            {"tokenId": child, "reason": revert_data(not_matured, credit, maturity)},
        ),
    ]
    assert cash.balanceOf(settlement) == 0
