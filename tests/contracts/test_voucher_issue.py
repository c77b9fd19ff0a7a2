"""CreditVoucher.issue: the obligor turns a confirmed invoice it owes into a credit, within
quota, tenor and the platform's rules."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, ROLE, UNIT, ZERO, emitted, err, h, next_block_at

FACE = 600 * UNIT
INVOICE_AMOUNT = 1_000 * UNIT
QUOTA = 5_000 * UNIT
MAX_UINT96 = 2**96 - 1
GAS = {"gas_limit": 2_000_000}  # mines a reverting issue in the pinned block instead of estimating


@pytest.fixture
def invoice(confirmed_invoice, credit_line, core, supplier1, bank_a) -> int:
    credit_line(bank_a, core, QUOTA)
    return confirmed_invoice(supplier1, core, INVOICE_AMOUNT)


def test_issue_mints_root_fragment_to_invoice_seller(
    voucher, invoices, consortium, invoice, core, supplier1
):
    maturity = chain.time() + 90 * DAY

    tx = voucher.issue(invoice, FACE, maturity, 0, {"from": core})

    credit_id = tx.return_value
    assert credit_id == voucher.tokenCount() == 1
    assert emitted(tx) == [
        (
            "InvoiceDrawnDown",
            {"invoiceId": invoice, "amount": FACE, "remaining": INVOICE_AMOUNT - FACE},
        ),
        ("OutstandingChanged", {"obligor": core, "outstanding": FACE}),
        ("Transfer", {"from": ZERO, "to": supplier1, "tokenId": credit_id}),
        (
            "SlotChanged",
            {"_tokenId": credit_id, "_oldSlot": 0, "_newSlot": credit_id},
        ),
        (
            "TransferValue",
            {"_fromTokenId": 0, "_toTokenId": credit_id, "_value": FACE},
        ),
        (
            "CreditIssued",
            {
                "creditId": credit_id,
                "obligor": core,
                "supplier": supplier1,
                "faceValue": FACE,
                "maturity": maturity,
                "invoiceId": invoice,
                "certificateId": 0,
                "gracePeriodDays": 30,
            },
        ),
    ]
    assert voucher.credit(credit_id).dict() == {
        "obligor": core,
        "maturity": maturity,
        "certificateId": 0,
        "frozen": False,
        "faceValue": FACE,
        "sourceInvoiceId": invoice,
        "issuedAt": tx.timestamp,
        "gracePeriodDays": 30,
        "qualityFreezeLifted": False,
    }
    assert voucher.fragment(credit_id).dict() == {
        "owner": supplier1,
        "value": FACE,
        "creditId": credit_id,
        "parentId": 0,
        "invoiceId": invoice,
        "depth": 0,
        "frozen": False,
        "locked": False,
        "heldAsFinancier": False,
    }
    assert voucher.ownerOf(credit_id) == supplier1
    assert voucher.balanceOf["uint256"](credit_id) == FACE
    assert voucher.balanceOf["address"](supplier1) == 1
    assert voucher.slotOf(credit_id) == credit_id
    assert voucher.isTransferable(credit_id)
    assert invoices.invoice(invoice)["remaining"] == INVOICE_AMOUNT - FACE
    assert consortium.outstanding(core) == FACE


def test_issue_accepts_maturity_at_max_tenor(voucher, invoice, core):
    now = chain.time() + 5
    next_block_at(now)

    tx = voucher.issue(invoice, FACE, now + 180 * DAY, 0, {"from": core})

    assert tx.timestamp == now
    assert voucher.credit(tx.return_value)["maturity"] == now + 180 * DAY


def test_issue_rejects_maturity_beyond_max_tenor(voucher, invoice, core):
    now = chain.time() + 5
    next_block_at(now)

    with brownie.reverts(err("VoucherInvalidMaturity", now + 180 * DAY + 1, now + 180 * DAY)):
        voucher.issue(invoice, FACE, now + 180 * DAY + 1, 0, {"from": core, **GAS})


def test_issue_rejects_maturity_not_in_the_future(voucher, invoice, core):
    now = chain.time() + 5
    next_block_at(now)

    with brownie.reverts(err("VoucherInvalidMaturity", now, now + 180 * DAY)):
        voucher.issue(invoice, FACE, now, 0, {"from": core, **GAS})


def test_issue_follows_the_tenor_the_operator_lowered(voucher, consortium, invoice, core, operator):
    consortium.setLimits(30, 30, 8, {"from": operator})
    now = chain.time() + 5
    next_block_at(now)

    with brownie.reverts(err("VoucherInvalidMaturity", now + 31 * DAY, now + 30 * DAY)):
        voucher.issue(invoice, FACE, now + 31 * DAY, 0, {"from": core, **GAS})


def test_issue_rejects_face_value_beyond_remaining_quota(
    voucher, consortium, confirmed_invoice, credit_line, core, supplier1, bank_a
):
    credit_line(bank_a, core, 1_000 * UNIT)
    maturity = chain.time() + 90 * DAY
    voucher.issue(
        confirmed_invoice(supplier1, core, 700 * UNIT), 700 * UNIT, maturity, 0, {"from": core}
    )
    invoice = confirmed_invoice(supplier1, core, 400 * UNIT)

    with brownie.reverts(
        err("ConsortiumQuotaExceeded", core, 301 * UNIT, 700 * UNIT, 1_000 * UNIT)
    ):
        voucher.issue(invoice, 301 * UNIT, maturity, 0, {"from": core})
    assert consortium.outstanding(core) == 700 * UNIT


def test_issue_without_any_credit_line_exceeds_quota(voucher, confirmed_invoice, core2, supplier1):
    invoice = confirmed_invoice(supplier1, core2, INVOICE_AMOUNT)

    with brownie.reverts(err("ConsortiumQuotaExceeded", core2, FACE, 0, 0)):
        voucher.issue(invoice, FACE, chain.time() + 90 * DAY, 0, {"from": core2})


def test_issue_rejects_face_value_beyond_invoice_remaining(voucher, invoice, core):
    with brownie.reverts(
        err("InvoiceInsufficientRemaining", invoice, INVOICE_AMOUNT + 1, INVOICE_AMOUNT)
    ):
        voucher.issue(invoice, INVOICE_AMOUNT + 1, chain.time() + 90 * DAY, 0, {"from": core})


def test_issue_draws_the_invoice_down_across_credits(voucher, invoice, core):
    maturity = chain.time() + 90 * DAY
    voucher.issue(invoice, FACE, maturity, 0, {"from": core})

    with brownie.reverts(err("InvoiceInsufficientRemaining", invoice, FACE, INVOICE_AMOUNT - FACE)):
        voucher.issue(invoice, FACE, maturity, 0, {"from": core})


def test_issue_rejects_zero_face_value(voucher, invoice, core):
    with brownie.reverts(err("VoucherInsufficientValue", 0, 0, MAX_UINT96)):
        voucher.issue(invoice, 0, chain.time() + 90 * DAY, 0, {"from": core})


def test_issue_rejects_face_value_too_large_to_store(voucher, invoice, core):
    with brownie.reverts(err("VoucherInsufficientValue", 0, MAX_UINT96 + 1, MAX_UINT96)):
        voucher.issue(invoice, MAX_UINT96 + 1, chain.time() + 90 * DAY, 0, {"from": core})


def test_issue_against_invoice_owed_by_another_buyer(voucher, invoice, core, core2, supplier1):
    with brownie.reverts(err("InvoicePartyMismatch", invoice, core, supplier1)):
        voucher.issue(invoice, FACE, chain.time() + 90 * DAY, 0, {"from": core2})


def test_issue_by_a_buyer_that_is_no_core_enterprise(
    voucher, confirmed_invoice, supplier1, supplier2
):
    invoice = confirmed_invoice(supplier2, supplier1, INVOICE_AMOUNT)

    with brownie.reverts(err("ConsortiumMissingRole", supplier1, ROLE["CORE_ENTERPRISE"])):
        voucher.issue(invoice, FACE, chain.time() + 90 * DAY, 0, {"from": supplier1})


def test_issue_against_unconfirmed_invoice(voucher, invoices, credit_line, core, supplier1, bank_a):
    credit_line(bank_a, core, QUOTA)
    tx = invoices.register(
        core,
        INVOICE_AMOUNT,
        chain.time() + 90 * DAY,
        h("INV-open"),
        h("doc-open"),
        {"from": supplier1},
    )

    with brownie.reverts(err("InvoiceInvalidStatus", tx.return_value, 1)):
        voucher.issue(tx.return_value, FACE, chain.time() + 90 * DAY, 0, {"from": core})


def test_issue_against_unknown_invoice(voucher, core):
    with brownie.reverts(err("InvoiceNotFound", 999)):
        voucher.issue(999, FACE, chain.time() + 90 * DAY, 0, {"from": core})


def test_issue_to_a_suspended_supplier(voucher, consortium, invoice, core, supplier1, operator):
    consortium.suspend(supplier1, h("kyc expired"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, 2)):
        voucher.issue(invoice, FACE, chain.time() + 90 * DAY, 0, {"from": core})


def test_issue_while_paused(voucher, consortium, invoice, core, operator):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        voucher.issue(invoice, FACE, chain.time() + 90 * DAY, 0, {"from": core})
