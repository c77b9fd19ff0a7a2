"""CreditVoucher views: credit and fragment records, and whether a fragment's value may move now."""

import brownie
import pytest
from conftest import UNIT, err
from flows import sleep_until

FACE = 1_000 * UNIT


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def child(voucher, confirmed_invoice, credit, supplier1, supplier2) -> int:
    invoice = confirmed_invoice(supplier2, supplier1, FACE)
    return voucher.splitTransfer(credit, supplier2, UNIT, invoice, {"from": supplier1}).return_value


def test_credit_view_of_an_unknown_credit(voucher):
    with brownie.reverts(err("VoucherNonexistentToken", 5)):
        voucher.credit(5)


def test_credit_view_of_a_fragment_that_is_no_credit(voucher, child):
    with brownie.reverts(err("VoucherNonexistentToken", child)):
        voucher.credit(child)


def test_fragment_view_of_token_zero(voucher, credit):
    with brownie.reverts(err("VoucherNonexistentToken", 0)):
        voucher.fragment(0)


def test_fragment_view_beyond_the_last_token(voucher, child):
    with brownie.reverts(err("VoucherNonexistentToken", child + 1)):
        voucher.fragment(child + 1)


def test_live_fragment_is_transferable(voucher, credit, child):
    assert voucher.isTransferable(credit)
    assert voucher.isTransferable(child)


def test_unknown_fragment_is_not_transferable(voucher, credit):
    assert not voucher.isTransferable(credit + 1)


def test_matured_fragment_is_not_transferable(voucher, credit, child):
    sleep_until(voucher.credit(credit)["maturity"])

    assert not voucher.isTransferable(credit)
    assert not voucher.isTransferable(child)
