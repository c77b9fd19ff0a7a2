"""Rule 7: a redemption batch skips a fragment it cannot redeem (RedemptionSkipped, with the
voucher's refusal as ABI-encoded custom error) and pays the rest of the batch."""

import pytest
from brownie import web3
from conftest import UNIT, ZERO, emitted, h
from eth_abi import encode
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
PAID_ON = 300 * UNIT  # supplier2's fragment
ROOT_VALUE = FACE - PAID_ON
SUSPENDED = 2


def error_data(signature: str, *args: object) -> str:
    """Revert data of custom error `signature` with `args`: selector, then the ABI-encoded args."""
    types = signature[signature.index("(") + 1 : -1].split(",")
    return "0x" + (web3.keccak(text=signature)[:4] + encode(types, list(args))).hex()


@pytest.fixture
def credit(issued, cash, settlement, core, supplier1, bank_a) -> int:
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    return issued(core, supplier1, FACE)


@pytest.fixture
def child(voucher, settlement, confirmed_invoice, credit, core, supplier1, supplier2) -> int:
    """supplier2's fragment of a credit repaid in full and matured."""
    invoice = confirmed_invoice(supplier2, supplier1, PAID_ON)
    token = voucher.splitTransfer(
        credit, supplier2, PAID_ON, invoice, {"from": supplier1}
    ).return_value
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])
    return token


def root_redeemed(settlement, credit, supplier1) -> list[tuple[str, dict]]:
    """The events of the root fragment's redemption inside a batch."""
    return [
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": 0, "_value": ROOT_VALUE}),
        ("SlotChanged", {"_tokenId": credit, "_oldSlot": credit, "_newSlot": 0}),
        ("Transfer", {"from": supplier1, "to": ZERO, "tokenId": credit}),
        (
            "FragmentRedeemed",
            {
                "tokenId": credit,
                "creditId": credit,
                "holder": supplier1,
                "value": ROOT_VALUE,
                "heldAsFinancier": False,
            },
        ),
        (
            "ClaimPaid",
            {
                "tokenId": credit,
                "claimant": supplier1,
                "amount": ROOT_VALUE,
                "totalPaid": ROOT_VALUE,
            },
        ),
        ("Transfer", {"from": settlement, "to": supplier1, "value": ROOT_VALUE}),
    ]


def test_batch_skips_a_fragment_its_holder_redeemed_first(
    cash, settlement, credit, child, supplier1, supplier2, bank_b
):
    settlement.redeem(child, {"from": supplier2})

    tx = settlement.redeemBatch([credit, child], {"from": bank_b})

    assert tx.return_value == ROOT_VALUE
    assert emitted(tx) == [
        *root_redeemed(settlement, credit, supplier1),
        (
            "RedemptionSkipped",
            {
                "tokenId": child,
                "reason": error_data("VoucherNonexistentToken(uint256)", child),
            },
        ),
    ]
    assert cash.balanceOf(supplier1) == ROOT_VALUE
    assert cash.balanceOf(supplier2) == PAID_ON


def test_batch_skips_a_frozen_fragment(
    voucher, cash, settlement, credit, child, auditor, supplier1, supplier2, bank_b
):
    voucher.setFragmentFrozen(child, True, h("disputed delivery"), {"from": auditor})

    tx = settlement.redeemBatch([credit, child], {"from": bank_b})

    assert tx.return_value == ROOT_VALUE
    assert emitted(tx) == [
        *root_redeemed(settlement, credit, supplier1),
        (
            "RedemptionSkipped",
            {"tokenId": child, "reason": error_data("VoucherFrozen(uint256)", child)},
        ),
    ]
    assert voucher.ownerOf(child) == supplier2
    assert cash.balanceOf(supplier2) == 0


def test_batch_skips_the_fragment_of_a_suspended_holder(
    voucher, consortium, cash, settlement, credit, child, operator, supplier1, supplier2, bank_b
):
    consortium.suspend(supplier2, h("kyc expired"), {"from": operator})

    tx = settlement.redeemBatch([child, credit], {"from": bank_b})

    assert tx.return_value == ROOT_VALUE
    assert emitted(tx) == [
        (
            "RedemptionSkipped",
            {
                "tokenId": child,
                "reason": error_data(
                    "ConsortiumMemberNotActive(address,uint8)", supplier2.address, SUSPENDED
                ),
            },
        ),
        *root_redeemed(settlement, credit, supplier1),
    ]
    assert voucher.ownerOf(child) == supplier2
    assert cash.balanceOf(supplier1) == ROOT_VALUE


def test_skipped_fragment_is_redeemed_later_by_its_holder(
    voucher, cash, settlement, credit, child, auditor, supplier2, bank_b
):
    voucher.setFragmentFrozen(child, True, h("disputed delivery"), {"from": auditor})
    settlement.redeemBatch([credit, child], {"from": bank_b})
    voucher.setFragmentFrozen(child, False, h("dispute settled"), {"from": auditor})

    paid = settlement.redeem(child, {"from": supplier2}).return_value

    assert paid == PAID_ON
    assert cash.balanceOf(supplier2) == PAID_ON


def test_batch_of_nothing_redeemable_pays_nobody(voucher, cash, settlement, child, auditor, bank_b):
    voucher.setFragmentFrozen(child, True, h("disputed delivery"), {"from": auditor})

    tx = settlement.redeemBatch([child], {"from": bank_b})

    assert tx.return_value == 0
    assert emitted(tx) == [
        (
            "RedemptionSkipped",
            {"tokenId": child, "reason": error_data("VoucherFrozen(uint256)", child)},
        ),
    ]
    assert cash.balanceOf(settlement) == 1_000 * UNIT
