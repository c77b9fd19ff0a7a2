"""Financing quotes: financiers with a credit line offer an annual discount rate, with or without a
permit for the payment, and may withdraw it while the request is open."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, ROLE, UNIT, emitted, err, h
from flows import half_day_maturity, permit_signature, sleep_until

FACE = 1_000 * UNIT
ASKED = 600 * UNIT
RATE = 1_200
MAX_RATE = 10_000


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


def test_financier_quotes_a_rate(financing, request_id, bank_a):
    tx = financing.submitQuote(request_id, RATE, {"from": bank_a})

    assert tx.return_value == 1
    assert emitted(tx) == [
        (
            "QuoteSubmitted",
            {"quoteId": 1, "requestId": request_id, "financier": bank_a, "rateBps": RATE},
        ),
    ]
    assert financing.quote(1).dict() == {
        "financier": bank_a,
        "requestId": request_id,
        "rateBps": RATE,
        "withdrawn": False,
    }


def test_several_financiers_compete_on_one_request(
    financing, credit_line, request_id, core, bank_a, bank_b
):
    credit_line(bank_b, core, ASKED)
    first = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value

    second = financing.submitQuote(request_id, RATE - 100, {"from": bank_b}).return_value

    assert (first, second) == (1, 2)
    assert financing.quote(second)["financier"] == bank_b
    assert financing.priceOf(request_id, second)[0] > financing.priceOf(request_id, first)[0]


def test_quote_at_the_maximum_rate(financing, request_id, bank_a):
    financing.submitQuote(request_id, MAX_RATE, {"from": bank_a})

    assert financing.quote(1)["rateBps"] == MAX_RATE


def test_quote_at_zero_rate(financing, request_id, bank_a):
    with brownie.reverts(err("FinancingInvalidRate", 0, MAX_RATE)):
        financing.submitQuote(request_id, 0, {"from": bank_a})


def test_quote_above_the_maximum_rate(financing, request_id, bank_a):
    with brownie.reverts(err("FinancingInvalidRate", MAX_RATE + 1, MAX_RATE)):
        financing.submitQuote(request_id, MAX_RATE + 1, {"from": bank_a})


def test_quote_on_an_unknown_request(financing, bank_a):
    with brownie.reverts(err("FinancingRequestNotFound", 9)):
        financing.submitQuote(9, RATE, {"from": bank_a})


def test_quote_on_a_cancelled_request(financing, request_id, supplier1, bank_a):
    financing.cancel(request_id, {"from": supplier1})

    with brownie.reverts(err("FinancingRequestNotOpen", request_id, 3)):
        financing.submitQuote(request_id, RATE, {"from": bank_a})


def test_quote_on_an_expired_request(financing, request_id, bank_a):
    expires_at = financing.request(request_id)["expiresAt"]
    sleep_until(expires_at)

    with brownie.reverts(err("FinancingRequestExpired", request_id, expires_at)):
        financing.submitQuote(request_id, RATE, {"from": bank_a})


def test_quote_by_a_member_that_is_no_financier(financing, request_id, supplier2):
    with brownie.reverts(err("ConsortiumMissingRole", supplier2, ROLE["FINANCIER"])):
        financing.submitQuote(request_id, RATE, {"from": supplier2})


def test_quote_by_a_suspended_financier(consortium, financing, request_id, operator, bank_a):
    consortium.suspend(bank_a, h("licence withdrawn"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, 2)):
        financing.submitQuote(request_id, RATE, {"from": bank_a})


def test_quote_while_paused(consortium, financing, request_id, operator, bank_a):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        financing.submitQuote(request_id, RATE, {"from": bank_a})


def test_quote_beyond_the_financiers_credit_line(financing, credit_line, request_id, core, bank_b):
    credit_line(bank_b, core, ASKED - 1)

    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_b, core, ASKED, ASKED - 1)):
        financing.submitQuote(request_id, RATE, {"from": bank_b})


def test_quote_counts_exposure_the_financier_already_holds(
    voucher, financing, credit_line, credit, request_id, core, supplier1, bank_b
):
    credit_line(bank_b, core, 800 * UNIT)
    voucher.transferFrom["uint256,address,uint256"](credit, bank_b, 300 * UNIT, {"from": supplier1})

    with brownie.reverts(
        err("ConsortiumExposureLimitExceeded", bank_b, core, 900 * UNIT, 800 * UNIT)
    ):
        financing.submitQuote(request_id, RATE, {"from": bank_b})


def test_quote_with_permit_approves_the_payment(cash, financing, request_id, bank_a):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, bank_a, financing, ASKED, deadline)

    tx = financing.submitQuoteWithPermit(
        request_id, RATE, ASKED, deadline, v, r, s, {"from": bank_a}
    )

    assert emitted(tx) == [
        ("Approval", {"owner": bank_a, "spender": financing, "value": ASKED}),
        (
            "QuoteSubmitted",
            {
                "quoteId": tx.return_value,
                "requestId": request_id,
                "financier": bank_a,
                "rateBps": RATE,
            },
        ),
    ]
    assert cash.allowance(bank_a, financing) == ASKED
    assert cash.nonces(bank_a) == 1


def test_quote_with_an_expired_permit_stands_unfunded(cash, financing, request_id, bank_a):
    deadline = chain.time() - 1
    v, r, s = permit_signature(cash, bank_a, financing, ASKED, deadline)

    tx = financing.submitQuoteWithPermit(
        request_id, RATE, ASKED, deadline, v, r, s, {"from": bank_a}
    )

    assert [name for name, _ in emitted(tx)] == ["QuoteSubmitted"]
    assert cash.allowance(bank_a, financing) == 0
    assert cash.nonces(bank_a) == 0


def test_quote_with_a_permit_signed_by_someone_else_stands_unfunded(
    cash, financing, request_id, bank_a, bank_b
):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, bank_a, financing, ASKED, deadline, signer=bank_b)

    financing.submitQuoteWithPermit(request_id, RATE, ASKED, deadline, v, r, s, {"from": bank_a})

    assert cash.allowance(bank_a, financing) == 0


def test_quote_with_a_permit_someone_already_submitted(cash, financing, request_id, bank_a, bank_b):
    deadline = chain.time() + DAY
    v, r, s = permit_signature(cash, bank_a, financing, ASKED, deadline)
    cash.permit(bank_a, financing, ASKED, deadline, v, r, s, {"from": bank_b})

    tx = financing.submitQuoteWithPermit(
        request_id, RATE, ASKED, deadline, v, r, s, {"from": bank_a}
    )

    assert [name for name, _ in emitted(tx)] == ["QuoteSubmitted"]
    assert cash.allowance(bank_a, financing) == ASKED


def test_financier_withdraws_its_quote(financing, request_id, bank_a):
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value

    tx = financing.withdrawQuote(quote_id, {"from": bank_a})

    assert emitted(tx) == [("QuoteWithdrawn", {"quoteId": quote_id})]
    assert financing.quote(quote_id)["withdrawn"]


def test_withdraw_of_an_unknown_quote(financing, bank_a):
    with brownie.reverts(err("FinancingQuoteNotFound", 0, 9)):
        financing.withdrawQuote(9, {"from": bank_a})


def test_withdraw_of_another_financiers_quote(financing, request_id, bank_a, bank_b):
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value

    with brownie.reverts(err("FinancingUnauthorized", bank_b)):
        financing.withdrawQuote(quote_id, {"from": bank_b})


def test_withdraw_of_a_withdrawn_quote(financing, request_id, bank_a):
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value
    financing.withdrawQuote(quote_id, {"from": bank_a})

    with brownie.reverts(err("FinancingQuoteWithdrawn", quote_id)):
        financing.withdrawQuote(quote_id, {"from": bank_a})


def test_withdraw_after_the_request_closed(financing, request_id, supplier1, bank_a):
    quote_id = financing.submitQuote(request_id, RATE, {"from": bank_a}).return_value
    financing.cancel(request_id, {"from": supplier1})

    with brownie.reverts(err("FinancingRequestNotOpen", request_id, 3)):
        financing.withdrawQuote(quote_id, {"from": bank_a})
