"""Financing.accept: the holder takes a quote and, in one transaction, the financier pays
value - value * rate * days / 365 (days to maturity rounded up) and receives the fragment."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, ROLE, UNIT, emitted, err, h
from flows import deposit, discounted_price, half_day_maturity, sleep_until

FACE = 1_000 * UNIT
ASKED = 600 * UNIT
RATE = 1_200
# 600 * 12 % * 91 / 365 = 17.950684..., so the discount is 17_950_684 micro-units.
PRICE_AT_91_DAYS = 582_049_316
BANK_CASH = 1_000 * UNIT
OPEN, ACCEPTED = 1, 2


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


@pytest.fixture
def quote_id(cash, financing, request_id, bank_a) -> int:
    deposit(cash, bank_a, bank_a, BANK_CASH)
    cash.approve(financing, BANK_CASH, {"from": bank_a})
    return financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value


def test_accept_pays_the_price_and_delivers_the_fragment(
    voucher, cash, consortium, financing, request_id, locked, quote_id, core, supplier1, bank_a
):
    tx = financing.accept(request_id, quote_id, {"from": supplier1})

    assert tx.return_value == PRICE_AT_91_DAYS
    assert emitted(tx) == [
        (
            "FinancingAccepted",
            {
                "requestId": request_id,
                "quoteId": quote_id,
                "financier": bank_a,
                "price": PRICE_AT_91_DAYS,
                "daysToMaturity": 91,
            },
        ),
        ("Transfer", {"from": bank_a, "to": supplier1, "value": PRICE_AT_91_DAYS}),
        ("FragmentLocked", {"tokenId": locked, "locked": False}),
        ("Transfer", {"from": supplier1, "to": bank_a, "tokenId": locked}),
        (
            "ExposureChanged",
            {"financier": bank_a, "obligor": core, "exposure": ASKED},
        ),
    ]
    assert cash.balanceOf(supplier1) == PRICE_AT_91_DAYS
    assert cash.balanceOf(bank_a) == BANK_CASH - PRICE_AT_91_DAYS
    assert cash.allowance(bank_a, financing) == BANK_CASH - PRICE_AT_91_DAYS
    assert voucher.fragment(locked)["owner"] == bank_a
    assert not voucher.fragment(locked)["locked"]
    assert voucher.balanceOf["uint256"](locked) == ASKED
    assert consortium.exposure(bank_a, core) == ASKED
    assert financing.request(request_id)["status"] == ACCEPTED
    assert financing.request(request_id)["acceptedQuoteId"] == quote_id


def test_price_follows_the_formula_with_days_rounded_up(financing, request_id, quote_id):
    assert tuple(financing.priceOf(request_id, quote_id)) == (PRICE_AT_91_DAYS, 91)


def test_price_counts_the_days_left_at_acceptance(
    voucher, financing, credit, request_id, quote_id, supplier1
):
    chain.sleep(3 * DAY)
    chain.mine()

    tx = financing.accept(request_id, quote_id, {"from": supplier1})

    price, days = discounted_price(ASKED, RATE, voucher.credit(credit)["maturity"], tx.timestamp)
    assert days == 88
    assert tx.return_value == price == ASKED - ASKED * RATE * 88 // (365 * 10_000)


def test_accept_without_the_financiers_allowance_moves_nothing(
    voucher, cash, consortium, financing, credit_line, request_id, locked, core, supplier1, bank_b
):
    credit_line(bank_b, core, FACE)
    deposit(cash, bank_b, bank_b, BANK_CASH)
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_b}).return_value

    with brownie.reverts(err("ERC20InsufficientAllowance", financing, 0, PRICE_AT_91_DAYS)):
        financing.accept(request_id, quote_id, {"from": supplier1})

    assert voucher.fragment(locked)["owner"] == supplier1
    assert voucher.fragment(locked)["locked"]
    assert cash.balanceOf(bank_b) == BANK_CASH
    assert cash.balanceOf(supplier1) == 0
    assert consortium.exposure(bank_b, core) == 0
    assert financing.request(request_id)["status"] == OPEN


def test_accept_without_the_financiers_cash_moves_nothing(
    voucher, cash, consortium, financing, credit_line, request_id, locked, core, supplier1, bank_b
):
    credit_line(bank_b, core, FACE)
    cash.approve(financing, BANK_CASH, {"from": bank_b})
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_b}).return_value

    with brownie.reverts(err("ERC20InsufficientBalance", bank_b, 0, PRICE_AT_91_DAYS)):
        financing.accept(request_id, quote_id, {"from": supplier1})

    assert voucher.fragment(locked)["owner"] == supplier1
    assert voucher.fragment(locked)["locked"]
    assert cash.balanceOf(supplier1) == 0
    assert consortium.exposure(bank_b, core) == 0
    assert financing.request(request_id)["status"] == OPEN


def test_accept_beyond_the_financiers_credit_line(
    voucher, cash, consortium, financing, credit_line, credit, request_id, core, supplier1, bank_b
):
    credit_line(bank_b, core, 900 * UNIT)
    deposit(cash, bank_b, bank_b, BANK_CASH)
    cash.approve(financing, BANK_CASH, {"from": bank_b})
    rest = financing.requestFinancing(
        credit, FACE - ASKED, chain.time() + 7 * DAY, {"from": supplier1}
    ).return_value
    first = financing.submitQuote(request_id, RATE, {"from": bank_b}).return_value
    second = financing.submitQuote(rest, RATE, {"from": bank_b}).return_value
    financing.accept(request_id, first, {"from": supplier1})
    cash_after_first = cash.balanceOf(bank_b)

    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_b, core, FACE, 900 * UNIT)):
        financing.accept(rest, second, {"from": supplier1})

    assert consortium.exposure(bank_b, core) == ASKED
    assert cash.balanceOf(bank_b) == cash_after_first
    assert voucher.fragment(credit)["owner"] == supplier1
    assert voucher.fragment(credit)["locked"]


def test_accept_of_a_fragment_frozen_while_offered(
    voucher, cash, financing, request_id, locked, quote_id, auditor, supplier1, bank_a
):
    voucher.setFragmentFrozen(locked, True, h("disputed delivery"), {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", locked)):
        financing.accept(request_id, quote_id, {"from": supplier1})

    assert cash.balanceOf(bank_a) == BANK_CASH
    assert voucher.fragment(locked)["owner"] == supplier1


def test_accept_when_the_discount_eats_the_whole_value(
    voucher,
    cash,
    consortium,
    financing,
    confirmed_invoice,
    credit_line,
    operator,
    core,
    supplier1,
    bank_a,
):
    consortium.setLimits(365, 30, 8, {"from": operator})
    credit_line(bank_a, core, 10 * FACE)
    invoice = confirmed_invoice(supplier1, core, FACE, due_in_days=365)
    credit = voucher.issue(
        invoice, FACE, chain.time() + 365 * DAY - 60, 0, {"from": core}
    ).return_value
    request_id = financing.requestFinancing(
        credit, FACE, chain.time() + DAY, {"from": supplier1}
    ).return_value
    quote_id = financing.submitQuote(request_id, 10_000, {"from": bank_a}).return_value

    with brownie.reverts(err("FinancingNothingToPay", FACE, 10_000, 365)):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_by_anyone_but_the_holder(financing, request_id, quote_id, bank_a):
    with brownie.reverts(err("FinancingUnauthorized", bank_a)):
        financing.accept(request_id, quote_id, {"from": bank_a})


def test_accept_after_the_request_expired(financing, request_id, quote_id, supplier1):
    expires_at = financing.request(request_id)["expiresAt"]
    sleep_until(expires_at)

    with brownie.reverts(err("FinancingRequestExpired", request_id, expires_at)):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_of_an_unknown_quote(financing, request_id, supplier1):
    with brownie.reverts(err("FinancingQuoteNotFound", request_id, 9)):
        financing.accept(request_id, 9, {"from": supplier1})


def test_accept_of_a_quote_made_on_another_request(
    financing, credit, request_id, quote_id, supplier1, bank_a
):
    other = financing.requestFinancing(
        credit, 100 * UNIT, chain.time() + DAY, {"from": supplier1}
    ).return_value

    with brownie.reverts(err("FinancingQuoteNotFound", other, quote_id)):
        financing.accept(other, quote_id, {"from": supplier1})


def test_accept_of_a_withdrawn_quote(financing, request_id, quote_id, supplier1, bank_a):
    financing.withdrawQuote(quote_id, {"from": bank_a})

    with brownie.reverts(err("FinancingQuoteWithdrawn", quote_id)):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_twice(financing, request_id, quote_id, supplier1):
    financing.accept(request_id, quote_id, {"from": supplier1})

    with brownie.reverts(err("FinancingRequestNotOpen", request_id, ACCEPTED)):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_of_an_unknown_request(financing, supplier1):
    with brownie.reverts(err("FinancingRequestNotFound", 9)):
        financing.accept(9, 1, {"from": supplier1})


def test_accept_while_paused(consortium, financing, request_id, quote_id, operator, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_from_a_financier_suspended_after_quoting(
    consortium, financing, request_id, quote_id, operator, supplier1, bank_a
):
    consortium.suspend(bank_a, h("licence withdrawn"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, 2)):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_from_a_member_no_longer_a_financier(
    consortium, financing, request_id, quote_id, operator, supplier1, bank_a
):
    consortium.revokeRole(ROLE["FINANCIER"], bank_a, {"from": operator})

    with brownie.reverts(err("ConsortiumMissingRole", bank_a, ROLE["FINANCIER"])):
        financing.accept(request_id, quote_id, {"from": supplier1})


def test_accept_of_a_quote_whose_financier_renounced_by_a_holder_that_is_a_financier(
    consortium, financing, request_id, quote_id, operator, supplier1, bank_a
):
    """Found by the forge campaign at ten times its calls: with a financier on the holder's side
    the hop needs no trade reference, so only the quote's own role check stops the sale."""
    consortium.grantRole(ROLE["FINANCIER"], supplier1, {"from": operator})
    consortium.renounceRole(ROLE["FINANCIER"], bank_a, {"from": bank_a})

    with brownie.reverts(err("ConsortiumMissingRole", bank_a, ROLE["FINANCIER"])):
        financing.accept(request_id, quote_id, {"from": supplier1})
