"""Rule 2: exposure follows the value, not today's roles. A supplier that holds vouchers and is
then made a financier acquired them as a supplier: selling, passing on or redeeming them never
takes from an exposure they were never part of (no ConsortiumUnderflow)."""

import pytest
from conftest import ROLE, UNIT, ZERO, emitted
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
PART = 300 * UNIT


@pytest.fixture
def credit(issued, consortium, core, supplier3, operator) -> int:
    """supplier3 holds the root of a credit of FACE, then becomes a financier as well."""
    credit_id = issued(core, supplier3, FACE)
    consortium.grantRole(ROLE["FINANCIER"], supplier3, {"from": operator})
    return credit_id


def test_selling_the_whole_token_to_a_bank(voucher, consortium, credit, core, supplier3, bank_a):
    tx = voucher.transferFrom["address,address,uint256"](
        supplier3, bank_a, credit, {"from": supplier3}
    )

    assert emitted(tx) == [
        ("Transfer", {"from": supplier3, "to": bank_a, "tokenId": credit}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": FACE}),
    ]
    assert voucher.ownerOf(credit) == bank_a
    assert consortium.exposure(supplier3, core) == 0
    assert consortium.exposure(bank_a, core) == FACE


def test_selling_part_of_the_value_to_a_bank(voucher, consortium, credit, core, supplier3, bank_a):
    tx = voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PART, {"from": supplier3})

    sold = tx.return_value
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": bank_a, "tokenId": sold}),
        ("SlotChanged", {"_tokenId": sold, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": sold, "_value": PART}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": PART}),
    ]
    assert consortium.exposure(supplier3, core) == 0
    assert consortium.exposure(bank_a, core) == PART


def test_passing_value_on_to_a_supplier(voucher, consortium, credit, core, supplier3, supplier1):
    tx = voucher.transferFrom["uint256,address,uint256"](
        credit, supplier1, PART, {"from": supplier3}
    )

    passed = tx.return_value
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": supplier1, "tokenId": passed}),
        ("SlotChanged", {"_tokenId": passed, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": passed, "_value": PART}),
    ]
    assert voucher.balanceOf["uint256"](passed) == PART
    assert consortium.exposure(supplier3, core) == 0


def test_paying_its_own_supplier_by_split_transfer(
    voucher, consortium, confirmed_invoice, credit, core, supplier3, supplier1
):
    invoice = confirmed_invoice(supplier1, supplier3, PART)

    tx = voucher.splitTransfer(credit, supplier1, PART, invoice, {"from": supplier3})

    paid = tx.return_value
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": supplier1, "tokenId": paid}),
        ("SlotChanged", {"_tokenId": paid, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": paid, "_value": PART}),
        (
            "TradeTransferred",
            {
                "fromTokenId": credit,
                "toTokenId": paid,
                "invoiceId": invoice,
                "value": PART,
                "depth": 1,
            },
        ),
        ("InvoiceDrawnDown", {"invoiceId": invoice, "amount": PART, "remaining": 0}),
    ]
    assert consortium.exposure(supplier3, core) == 0


def test_redeeming_at_maturity(
    voucher, cash, consortium, settlement, credit, core, supplier3, bank_a
):
    deposit(cash, bank_a, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])

    tx = settlement.redeem(credit, {"from": supplier3})

    assert [name for name, _ in emitted(tx)] == [
        "TransferValue",
        "SlotChanged",
        "Transfer",
        "FragmentRedeemed",
        "ClaimPaid",
        "Transfer",
    ]
    assert not settlement.claimOf(credit)["heldAsFinancier"]
    assert consortium.exposure(supplier3, core) == 0
    assert cash.balanceOf(supplier3) == FACE


def test_value_it_takes_on_as_a_financier_counts_even_into_an_earlier_fragment(
    voucher, consortium, issued, confirmed_invoice, core, supplier1, supplier3, operator
):
    """supplier3 was paid a fragment by supplier1 as a supplier; once a financier, value poured
    into that fragment is acquired as a financier, and the whole fragment follows (one flag per
    fragment): all of it counts as exposure from then on, within its line."""
    root = issued(core, supplier1, FACE)
    invoice = confirmed_invoice(supplier3, supplier1, PART)
    earlier = voucher.splitTransfer(
        root, supplier3, PART, invoice, {"from": supplier1}
    ).return_value
    consortium.grantRole(ROLE["FINANCIER"], supplier3, {"from": operator})
    consortium.setCreditLine(core, FACE, {"from": supplier3})

    tx = voucher.transferFrom["uint256,uint256,uint256"](root, earlier, PART, {"from": supplier1})

    assert emitted(tx) == [
        ("TransferValue", {"_fromTokenId": root, "_toTokenId": earlier, "_value": PART}),
        ("ExposureChanged", {"financier": supplier3, "obligor": core, "exposure": PART}),
        ("ExposureChanged", {"financier": supplier3, "obligor": core, "exposure": 2 * PART}),
    ]
    assert voucher.balanceOf["uint256"](earlier) == 2 * PART
    assert voucher.fragment(earlier)["heldAsFinancier"]
    assert consortium.exposure(supplier3, core) == 2 * PART
