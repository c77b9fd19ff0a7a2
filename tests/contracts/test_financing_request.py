"""Financing.requestFinancing: a holder splits off and locks value, asking financiers for cash."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, ZERO, emitted, err, h
from flows import half_day_maturity

FACE = 1_000 * UNIT
ASKED = 600 * UNIT


@pytest.fixture
def credit(voucher, confirmed_invoice, credit_line, core, supplier1, bank_a) -> int:
    credit_line(bank_a, core, 10 * FACE)
    invoice = confirmed_invoice(supplier1, core, FACE)
    return voucher.issue(invoice, FACE, half_day_maturity(90), 0, {"from": core}).return_value


@pytest.fixture
def expires_at() -> int:
    return chain.time() + 7 * DAY


def test_request_locks_part_of_a_fragment_as_a_new_fragment(
    voucher, financing, credit, expires_at, supplier1
):
    tx = financing.requestFinancing(credit, ASKED, expires_at, {"from": supplier1})

    request_id, locked = tx.return_value, credit + 1
    assert request_id == 1
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": supplier1, "tokenId": locked}),
        ("SlotChanged", {"_tokenId": locked, "_oldSlot": 0, "_newSlot": credit}),
        (
            "TransferValue",
            {"_fromTokenId": credit, "_toTokenId": locked, "_value": ASKED},
        ),
        ("FragmentLocked", {"tokenId": locked, "locked": True}),
        (
            "FinancingRequested",
            {
                "requestId": request_id,
                "holder": supplier1,
                "tokenId": locked,
                "value": ASKED,
                "expiresAt": expires_at,
            },
        ),
    ]
    assert financing.request(request_id).dict() == {
        "holder": supplier1,
        "tokenId": locked,
        "expiresAt": expires_at,
        "status": 1,
        "value": ASKED,
        "acceptedQuoteId": 0,
        "creditId": credit,
    }
    assert voucher.fragment(locked).dict() == {
        "owner": supplier1,
        "value": ASKED,
        "creditId": credit,
        "parentId": credit,
        "invoiceId": 0,
        "depth": 0,
        "frozen": False,
        "locked": True,
        "heldAsFinancier": False,
    }
    assert voucher.balanceOf["uint256"](credit) == FACE - ASKED
    assert voucher.isTransferable(credit)
    assert not voucher.isTransferable(locked)


def test_request_of_the_whole_value_locks_the_fragment_itself(
    voucher, financing, credit, expires_at, supplier1
):
    tx = financing.requestFinancing(credit, FACE, expires_at, {"from": supplier1})

    assert emitted(tx) == [
        ("FragmentLocked", {"tokenId": credit, "locked": True}),
        (
            "FinancingRequested",
            {
                "requestId": tx.return_value,
                "holder": supplier1,
                "tokenId": credit,
                "value": FACE,
                "expiresAt": expires_at,
            },
        ),
    ]
    assert voucher.tokenCount() == credit
    assert voucher.fragment(credit)["locked"]


def test_locked_fragment_cannot_be_requested_again(
    voucher, financing, credit, expires_at, supplier1
):
    financing.requestFinancing(credit, FACE, expires_at, {"from": supplier1})

    with brownie.reverts(err("VoucherLocked", credit)):
        financing.requestFinancing(credit, ASKED, expires_at, {"from": supplier1})


def test_request_by_someone_who_does_not_hold_the_fragment(
    financing, credit, expires_at, supplier2
):
    with brownie.reverts(err("VoucherUnauthorized", supplier2, credit)):
        financing.requestFinancing(credit, ASKED, expires_at, {"from": supplier2})


def test_request_of_more_than_the_fragment_holds(financing, credit, expires_at, supplier1):
    with brownie.reverts(err("VoucherInsufficientValue", credit, FACE + 1, FACE)):
        financing.requestFinancing(credit, FACE + 1, expires_at, {"from": supplier1})


def test_request_of_zero_value(financing, credit, expires_at, supplier1):
    with brownie.reverts(err("VoucherInsufficientValue", credit, 0, FACE)):
        financing.requestFinancing(credit, 0, expires_at, {"from": supplier1})


def test_request_expiring_after_maturity(voucher, financing, credit, supplier1):
    maturity = voucher.credit(credit)["maturity"]

    with brownie.reverts(err("FinancingInvalidExpiry", maturity + 1, maturity)):
        financing.requestFinancing(credit, ASKED, maturity + 1, {"from": supplier1})


def test_request_expiring_in_the_past(voucher, financing, credit, supplier1):
    maturity = voucher.credit(credit)["maturity"]
    past = chain.time() - DAY

    with brownie.reverts(err("FinancingInvalidExpiry", past, maturity)):
        financing.requestFinancing(credit, ASKED, past, {"from": supplier1})


def test_request_on_an_unknown_fragment(financing, expires_at, supplier1):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        financing.requestFinancing(99, ASKED, expires_at, {"from": supplier1})


def test_request_by_a_suspended_holder(
    consortium, financing, credit, expires_at, operator, supplier1
):
    consortium.suspend(supplier1, h("kyc expired"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, 2)):
        financing.requestFinancing(credit, ASKED, expires_at, {"from": supplier1})


def test_request_while_paused(consortium, financing, credit, expires_at, operator, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        financing.requestFinancing(credit, ASKED, expires_at, {"from": supplier1})
