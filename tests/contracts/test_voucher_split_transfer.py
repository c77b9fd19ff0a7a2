"""CreditVoucher.splitTransfer: a holder pays its own supplier with part of a fragment, citing
the invoice it owes that supplier."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, ZERO, emitted, err, h
from flows import sleep_until

FACE = 1_000 * UNIT
TRADE = 400 * UNIT  # what supplier1 owes supplier2
PAID = 300 * UNIT


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def trade_invoice(confirmed_invoice, supplier1, supplier2) -> int:
    return confirmed_invoice(supplier2, supplier1, TRADE)


def test_split_transfer_creates_fragment_one_tier_deeper(
    voucher, invoices, credit, trade_invoice, supplier1, supplier2
):
    tx = voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})

    child = tx.return_value
    assert child == voucher.tokenCount() == credit + 1
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": supplier2, "tokenId": child}),
        ("SlotChanged", {"_tokenId": child, "_oldSlot": 0, "_newSlot": credit}),
        (
            "TransferValue",
            {"_fromTokenId": credit, "_toTokenId": child, "_value": PAID},
        ),
        (
            "TradeTransferred",
            {
                "fromTokenId": credit,
                "toTokenId": child,
                "invoiceId": trade_invoice,
                "value": PAID,
                "depth": 1,
            },
        ),
        (
            "InvoiceDrawnDown",
            {"invoiceId": trade_invoice, "amount": PAID, "remaining": TRADE - PAID},
        ),
    ]
    assert voucher.fragment(child).dict() == {
        "owner": supplier2,
        "value": PAID,
        "creditId": credit,
        "parentId": credit,
        "invoiceId": trade_invoice,
        "depth": 1,
        "frozen": False,
        "locked": False,
        "heldAsFinancier": False,
    }
    assert voucher.balanceOf["uint256"](credit) == FACE - PAID
    assert voucher.balanceOf["uint256"](child) == PAID
    assert voucher.slotOf(child) == credit
    assert voucher.balanceOf["address"](supplier2) == 1
    assert invoices.invoice(trade_invoice)["remaining"] == TRADE - PAID


def test_lineage_traces_every_fragment_back_to_its_root(
    voucher, confirmed_invoice, credit, trade_invoice, supplier1, supplier2, supplier3
):
    tier2 = voucher.splitTransfer(
        credit, supplier2, PAID, trade_invoice, {"from": supplier1}
    ).return_value
    tier3_invoice = confirmed_invoice(supplier3, supplier2, 100 * UNIT)
    tier3 = voucher.splitTransfer(
        tier2, supplier3, 100 * UNIT, tier3_invoice, {"from": supplier2}
    ).return_value

    path, token = [], tier3
    while token != 0:
        fragment = voucher.fragment(token)
        path.append((token, fragment["owner"], fragment["depth"], fragment["invoiceId"]))
        token = fragment["parentId"]

    source_invoice = voucher.credit(credit)["sourceInvoiceId"]
    assert path == [
        (tier3, supplier3, 2, tier3_invoice),
        (tier2, supplier2, 1, trade_invoice),
        (credit, supplier1, 0, source_invoice),
    ]
    assert {voucher.fragment(t)["creditId"] for t in (credit, tier2, tier3)} == {credit}
    assert sum(voucher.balanceOf["uint256"](t) for t in (credit, tier2, tier3)) == FACE


def test_split_transfer_beyond_the_tier_depth_cap(
    voucher,
    consortium,
    confirmed_invoice,
    credit,
    trade_invoice,
    operator,
    supplier1,
    supplier2,
    supplier3,
):
    consortium.setLimits(180, 30, 1, {"from": operator})
    tier2 = voucher.splitTransfer(
        credit, supplier2, PAID, trade_invoice, {"from": supplier1}
    ).return_value
    tier3_invoice = confirmed_invoice(supplier3, supplier2, 100 * UNIT)

    with brownie.reverts(err("VoucherTierDepthExceeded", tier2, 2, 1)):
        voucher.splitTransfer(tier2, supplier3, 100 * UNIT, tier3_invoice, {"from": supplier2})


def test_split_transfer_to_another_than_the_invoice_seller(
    voucher, credit, trade_invoice, supplier1, supplier2, supplier3
):
    with brownie.reverts(err("VoucherInvoiceSellerMismatch", trade_invoice, supplier2, supplier3)):
        voucher.splitTransfer(credit, supplier3, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_citing_an_invoice_the_holder_does_not_owe(
    voucher, confirmed_invoice, credit, supplier1, supplier2, supplier3
):
    others_invoice = confirmed_invoice(supplier2, supplier3, TRADE)

    with brownie.reverts(err("InvoicePartyMismatch", others_invoice, supplier3, supplier2)):
        voucher.splitTransfer(credit, supplier2, PAID, others_invoice, {"from": supplier1})


def test_split_transfer_beyond_what_the_invoice_has_left(
    voucher, credit, trade_invoice, supplier1, supplier2
):
    voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})

    with brownie.reverts(
        err("InvoiceInsufficientRemaining", trade_invoice, 200 * UNIT, TRADE - PAID)
    ):
        voucher.splitTransfer(credit, supplier2, 200 * UNIT, trade_invoice, {"from": supplier1})


def test_split_transfer_of_more_than_the_fragment_holds(
    voucher, confirmed_invoice, credit, supplier1, supplier2
):
    large_invoice = confirmed_invoice(supplier2, supplier1, 2 * FACE)

    with brownie.reverts(err("VoucherInsufficientValue", credit, FACE + 1, FACE)):
        voucher.splitTransfer(credit, supplier2, FACE + 1, large_invoice, {"from": supplier1})


def test_split_transfer_of_zero_value(voucher, credit, trade_invoice, supplier1, supplier2):
    with brownie.reverts(err("VoucherInsufficientValue", credit, 0, FACE)):
        voucher.splitTransfer(credit, supplier2, 0, trade_invoice, {"from": supplier1})


def test_split_transfer_by_a_non_holder_without_allowance(
    voucher, credit, trade_invoice, supplier2
):
    with brownie.reverts(err("VoucherInsufficientAllowance", supplier2, credit, 0, PAID)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier2})


def test_split_transfer_by_an_operator_spends_its_value_allowance(
    voucher, credit, trade_invoice, supplier1, supplier2, bank_b
):
    voucher.approve["uint256,address,uint256"](credit, bank_b, TRADE, {"from": supplier1})

    tx = voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": bank_b})

    assert voucher.ownerOf(tx.return_value) == supplier2
    assert voucher.fragment(tx.return_value)["depth"] == 1
    assert voucher.allowance(credit, bank_b) == TRADE - PAID
    assert tx.events["ApprovalValue"][0] == {
        "_tokenId": credit,
        "_operator": bank_b,
        "_value": TRADE - PAID,
    }


def test_split_transfer_by_a_non_member_with_a_value_allowance(
    voucher, credit, trade_invoice, supplier1, supplier2, stranger
):
    voucher.approve["uint256,address,uint256"](credit, stranger, TRADE, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, 0)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": stranger})


def test_split_transfer_of_an_unknown_fragment(voucher, trade_invoice, supplier1, supplier2):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.splitTransfer(99, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_to_a_suspended_supplier(
    voucher, consortium, credit, trade_invoice, operator, supplier1, supplier2
):
    consortium.suspend(supplier2, h("kyc expired"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier2, 2)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_to_a_non_member(voucher, credit, trade_invoice, supplier1, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, 0)):
        voucher.splitTransfer(credit, stranger, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_while_paused(
    voucher, consortium, credit, trade_invoice, operator, supplier1, supplier2
):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_after_maturity(voucher, credit, trade_invoice, supplier1, supplier2):
    maturity = voucher.credit(credit)["maturity"]
    sleep_until(maturity)

    with brownie.reverts(err("VoucherMatured", credit, maturity)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_of_value_locked_by_a_financing_request(
    voucher, financing, credit, trade_invoice, supplier1, supplier2
):
    financing.requestFinancing(credit, FACE, chain.time() + 10 * DAY, {"from": supplier1})

    with brownie.reverts(err("VoucherLocked", credit)):
        voucher.splitTransfer(credit, supplier2, PAID, trade_invoice, {"from": supplier1})


def test_split_transfer_citing_an_unconfirmed_invoice(
    voucher, invoices, credit, supplier1, supplier2
):
    tx = invoices.register(
        supplier1,
        TRADE,
        chain.time() + 30 * DAY,
        h("INV-unconfirmed"),
        h("doc-unconfirmed"),
        {"from": supplier2},
    )

    with brownie.reverts(err("InvoiceInvalidStatus", tx.return_value, 1)):
        voucher.splitTransfer(credit, supplier2, PAID, tx.return_value, {"from": supplier1})


def test_split_transfer_to_the_zero_address(voucher, credit, trade_invoice, supplier1):
    with brownie.reverts(err("ConsortiumMemberNotActive", ZERO, 0)):
        voucher.splitTransfer(credit, ZERO, PAID, trade_invoice, {"from": supplier1})
