"""Freezing: an auditor or the operator freezes a fragment or a whole credit with a reason, and a
quality certificate revoked or failed after issuance freezes the credit's vouchers. Frozen value
does not move: no split, no transfer, no financing, no redemption."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, emitted, err, h, hex32
from flows import FAIL, certify, sleep_until

FACE = 1_000 * UNIT
PAID = 300 * UNIT
REASON = h("suspected fake trade background")


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def trade_invoice(confirmed_invoice, supplier1, supplier2) -> int:
    return confirmed_invoice(supplier2, supplier1, FACE)


@pytest.fixture
def certified_credit(
    voucher, quality, confirmed_invoice, credit_line, core, supplier1, bank_a, inspector
):
    """A credit issued against a passing certificate; returns (credit id, certificate id)."""
    credit_line(bank_a, core, 10 * FACE)
    invoice = confirmed_invoice(supplier1, core, FACE)
    certificate = certify(quality, inspector, invoice)
    tx = voucher.issue(invoice, FACE, chain.time() + 90 * DAY, certificate, {"from": core})
    return tx.return_value, certificate


def test_auditor_freezes_a_fragment_with_a_reason(voucher, credit, auditor):
    tx = voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})

    assert emitted(tx) == [
        (
            "FragmentFrozen",
            {"tokenId": credit, "frozen": True, "reasonHash": hex32(REASON)},
        ),
    ]
    assert voucher.fragment(credit)["frozen"]
    assert not voucher.credit(credit)["frozen"]
    assert not voucher.isTransferable(credit)


def test_frozen_fragment_cannot_be_split(
    voucher, credit, trade_invoice, auditor, supplier1, supplier2
):
    voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", credit)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_frozen_fragment_cannot_be_sold_to_a_financier(voucher, credit, auditor, supplier1, bank_a):
    voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", credit)):
        voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PAID, {"from": supplier1})


def test_frozen_fragment_cannot_be_offered_for_financing(
    voucher, financing, credit, auditor, supplier1
):
    voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", credit)):
        financing.requestFinancing(credit, PAID, chain.time() + 10 * DAY, {"from": supplier1})


def test_frozen_fragment_cannot_be_redeemed(voucher, settlement, credit, auditor, supplier1):
    voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})
    sleep_until(voucher.credit(credit)["maturity"])

    with brownie.reverts(err("VoucherFrozen", credit)):
        settlement.redeem(credit, {"from": supplier1})


def test_operator_unfreezes_a_fragment_and_value_moves_again(
    voucher, credit, trade_invoice, auditor, operator, supplier1, supplier2
):
    voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})

    tx = voucher.setFragmentFrozen(credit, False, h("cleared"), {"from": operator})

    assert emitted(tx) == [
        (
            "FragmentFrozen",
            {"tokenId": credit, "frozen": False, "reasonHash": hex32(h("cleared"))},
        ),
    ]
    assert voucher.isTransferable(credit)
    voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})
    assert voucher.balanceOf["uint256"](credit) == FACE - PAID


def test_freezing_a_frozen_fragment_again(voucher, credit, auditor):
    voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})

    with brownie.reverts(err("VoucherFreezeUnchanged", credit, True)):
        voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})


def test_unfreezing_a_fragment_that_is_not_frozen(voucher, credit, auditor):
    with brownie.reverts(err("VoucherFreezeUnchanged", credit, False)):
        voucher.setFragmentFrozen(credit, False, REASON, {"from": auditor})


def test_freezing_an_unknown_fragment(voucher, auditor):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.setFragmentFrozen(99, True, REASON, {"from": auditor})


def test_fragment_freeze_by_a_non_supervisor(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherNotSupervisor", supplier1)):
        voucher.setFragmentFrozen(credit, True, REASON, {"from": supplier1})


def test_fragment_freeze_by_a_suspended_auditor(voucher, consortium, credit, auditor, operator):
    consortium.suspend(auditor, h("conflict of interest"), {"from": operator})

    with brownie.reverts(err("VoucherNotSupervisor", auditor)):
        voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})


def test_auditor_freezes_a_whole_credit_with_a_reason(
    voucher, credit, trade_invoice, auditor, supplier1, supplier2
):
    child = voucher.splitTransfer(
        credit, supplier2, PAID, trade_invoice, {"from": supplier1}
    ).return_value

    tx = voucher.setCreditFrozen(credit, True, REASON, {"from": auditor})

    assert emitted(tx) == [
        (
            "CreditFrozen",
            {"creditId": credit, "frozen": True, "reasonHash": hex32(REASON)},
        ),
    ]
    assert voucher.credit(credit)["frozen"]
    assert not voucher.fragment(child)["frozen"]
    assert not voucher.isTransferable(credit)
    assert not voucher.isTransferable(child)


def test_every_fragment_of_a_frozen_credit_stays_put(
    voucher, confirmed_invoice, credit, trade_invoice, auditor, supplier1, supplier2, supplier3
):
    child = voucher.splitTransfer(
        credit, supplier2, PAID, trade_invoice, {"from": supplier1}
    ).return_value
    next_invoice = confirmed_invoice(supplier3, supplier2, PAID)
    voucher.setCreditFrozen(credit, True, REASON, {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", child)):
        voucher.splitTransfer(child, supplier3, PAID, next_invoice, {"from": supplier2})


def test_operator_unfreezes_a_credit(voucher, credit, auditor, operator):
    voucher.setCreditFrozen(credit, True, REASON, {"from": auditor})

    tx = voucher.setCreditFrozen(credit, False, h("cleared"), {"from": operator})

    assert emitted(tx) == [
        (
            "CreditFrozen",
            {"creditId": credit, "frozen": False, "reasonHash": hex32(h("cleared"))},
        ),
    ]
    assert voucher.isTransferable(credit)


def test_unfreezing_a_credit_that_is_not_frozen(voucher, credit, auditor):
    with brownie.reverts(err("VoucherFreezeUnchanged", credit, False)):
        voucher.setCreditFrozen(credit, False, REASON, {"from": auditor})


def test_credit_freeze_of_a_fragment_id_that_is_no_credit(
    voucher, credit, trade_invoice, auditor, supplier1, supplier2
):
    child = voucher.splitTransfer(
        credit, supplier2, PAID, trade_invoice, {"from": supplier1}
    ).return_value

    with brownie.reverts(err("VoucherNonexistentToken", child)):
        voucher.setCreditFrozen(child, True, REASON, {"from": auditor})


def test_credit_freeze_by_a_non_supervisor(voucher, credit, bank_a):
    with brownie.reverts(err("VoucherNotSupervisor", bank_a)):
        voucher.setCreditFrozen(credit, True, REASON, {"from": bank_a})


def test_revoked_certificate_freezes_the_credit(
    voucher, quality, certified_credit, confirmed_invoice, inspector, supplier1, supplier2
):
    credit, certificate = certified_credit
    trade_invoice = confirmed_invoice(supplier2, supplier1, PAID)
    quality.revoke(certificate, h("batch recalled"), {"from": inspector})

    assert not voucher.isTransferable(credit)
    with brownie.reverts(err("VoucherFrozen", credit)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_revoked_certificate_blocks_sale_to_a_financier(
    voucher, quality, certified_credit, inspector, supplier1, bank_a
):
    credit, certificate = certified_credit
    quality.revoke(certificate, h("batch recalled"), {"from": inspector})

    with brownie.reverts(err("VoucherFrozen", credit)):
        voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PAID, {"from": supplier1})


def test_revoked_certificate_blocks_redemption(
    voucher, settlement, quality, certified_credit, inspector, supplier1
):
    credit, certificate = certified_credit
    quality.revoke(certificate, h("batch recalled"), {"from": inspector})
    sleep_until(voucher.credit(credit)["maturity"])

    with brownie.reverts(err("VoucherFrozen", credit)):
        settlement.redeem(credit, {"from": supplier1})


def test_later_failed_inspection_freezes_the_credit(
    voucher, quality, certified_credit, confirmed_invoice, inspector, supplier1, supplier2
):
    credit, _ = certified_credit
    trade_invoice = confirmed_invoice(supplier2, supplier1, PAID)
    certify(quality, inspector, voucher.credit(credit)["sourceInvoiceId"], FAIL)

    assert not voucher.isTransferable(credit)
    with brownie.reverts(err("VoucherFrozen", credit)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_expiry_of_the_certificate_does_not_freeze_issued_value(
    voucher, quality, confirmed_invoice, credit_line, core, supplier1, supplier2, bank_a, inspector
):
    credit_line(bank_a, core, FACE)
    invoice = confirmed_invoice(supplier1, core, FACE)
    certificate = certify(quality, inspector, invoice, valid_days=1)
    credit = voucher.issue(
        invoice, FACE, chain.time() + 90 * DAY, certificate, {"from": core}
    ).return_value
    trade_invoice = confirmed_invoice(supplier2, supplier1, PAID)
    chain.sleep(2 * DAY)
    chain.mine()

    voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})

    assert voucher.balanceOf["uint256"](credit) == FACE - PAID
