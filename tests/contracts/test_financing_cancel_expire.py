"""Financing.cancel and Financing.expire: an open request closes and its fragment is unlocked; and
the read side of requests, quotes and prices."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, emitted, err, h
from flows import half_day_maturity, sleep_until

FACE = 1_000 * UNIT
ASKED = 600 * UNIT
RATE = 1_200
NONE = 0  # IConsortium.MemberStatus.None
OPEN, ACCEPTED, CANCELLED, EXPIRED = 1, 2, 3, 4


@pytest.fixture
def credit(voucher, confirmed_invoice, credit_line, core, supplier1, bank_a) -> int:
    credit_line(bank_a, core, 10 * FACE)
    invoice = confirmed_invoice(supplier1, core, FACE)
    return voucher.issue(invoice, FACE, half_day_maturity(90), 0, {"from": core}).return_value


@pytest.fixture
def request_id(financing, credit, supplier1) -> int:
    return financing.requestFinancing(
        credit, ASKED, chain.time() + 7 * DAY, {"from": supplier1}
    ).return_value


@pytest.fixture
def locked(financing, request_id) -> int:
    return financing.request(request_id)["tokenId"]


def test_holder_cancels_and_the_fragment_is_unlocked(
    voucher, financing, credit, request_id, locked, supplier1, bank_a
):
    financing.submitQuote(request_id, RATE, {"from": bank_a})

    tx = financing.cancel(request_id, {"from": supplier1})

    assert emitted(tx) == [
        ("FinancingCancelled", {"requestId": request_id}),
        ("FragmentLocked", {"tokenId": locked, "locked": False}),
    ]
    assert financing.request(request_id)["status"] == CANCELLED
    assert voucher.fragment(locked)["owner"] == supplier1
    assert not voucher.fragment(locked)["locked"]
    assert voucher.isTransferable(locked)
    assert voucher.balanceOf["uint256"](credit) + voucher.balanceOf["uint256"](locked) == FACE


def test_cancel_by_anyone_but_the_holder(financing, request_id, bank_a):
    with brownie.reverts(err("FinancingUnauthorized", bank_a)):
        financing.cancel(request_id, {"from": bank_a})


def test_cancel_twice(financing, request_id, supplier1):
    financing.cancel(request_id, {"from": supplier1})

    with brownie.reverts(err("FinancingRequestNotOpen", request_id, CANCELLED)):
        financing.cancel(request_id, {"from": supplier1})


def test_cancel_after_acceptance(cash, financing, request_id, supplier1, bank_a):
    cash.mint(bank_a, ASKED, h("deposit"), {"from": bank_a})
    cash.approve(financing, ASKED, {"from": bank_a})
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value
    financing.accept(request_id, quote_id, {"from": supplier1})

    with brownie.reverts(err("FinancingRequestNotOpen", request_id, ACCEPTED)):
        financing.cancel(request_id, {"from": supplier1})


def test_cancel_of_an_unknown_request(financing, supplier1):
    with brownie.reverts(err("FinancingRequestNotFound", 9)):
        financing.cancel(9, {"from": supplier1})


def test_any_member_expires_a_request_past_its_expiry(
    voucher, financing, request_id, locked, auditor
):
    sleep_until(financing.request(request_id)["expiresAt"])

    tx = financing.expire(request_id, {"from": auditor})

    assert emitted(tx) == [
        ("FinancingExpired", {"requestId": request_id}),
        ("FragmentLocked", {"tokenId": locked, "locked": False}),
    ]
    assert financing.request(request_id)["status"] == EXPIRED
    assert not voucher.fragment(locked)["locked"]


def test_expire_by_a_non_member(financing, request_id, stranger):
    sleep_until(financing.request(request_id)["expiresAt"])

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        financing.expire(request_id, {"from": stranger})


def test_expire_before_expiry(financing, request_id, stranger):
    expires_at = financing.request(request_id)["expiresAt"]

    with brownie.reverts(err("FinancingRequestNotExpired", request_id, expires_at)):
        financing.expire(request_id, {"from": stranger})


def test_expire_of_a_cancelled_request(financing, request_id, supplier1, stranger):
    financing.cancel(request_id, {"from": supplier1})
    sleep_until(financing.request(request_id)["expiresAt"])

    with brownie.reverts(err("FinancingRequestNotOpen", request_id, CANCELLED)):
        financing.expire(request_id, {"from": stranger})


def test_expire_of_an_unknown_request(financing, stranger):
    with brownie.reverts(err("FinancingRequestNotFound", 9)):
        financing.expire(9, {"from": stranger})


def test_request_view_of_an_unknown_request(financing):
    with brownie.reverts(err("FinancingRequestNotFound", 9)):
        financing.request(9)


def test_quote_view_of_an_unknown_quote(financing):
    with brownie.reverts(err("FinancingQuoteNotFound", 0, 9)):
        financing.quote(9)


def test_price_of_an_unknown_request(financing):
    with brownie.reverts(err("FinancingRequestNotFound", 9)):
        financing.priceOf(9, 1)


def test_price_of_an_unknown_quote(financing, request_id):
    with brownie.reverts(err("FinancingQuoteNotFound", request_id, 9)):
        financing.priceOf(request_id, 9)


def test_price_of_a_withdrawn_quote(financing, request_id, bank_a):
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value
    financing.withdrawQuote(quote_id, {"from": bank_a})

    with brownie.reverts(err("FinancingQuoteWithdrawn", quote_id)):
        financing.priceOf(request_id, quote_id)
