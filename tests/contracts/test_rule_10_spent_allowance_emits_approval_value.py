"""Rule 10: spending a value allowance emits ApprovalValue(tokenId, spender, newAllowance), so
wallets and indexers following the events know the allowance left."""

import pytest
from conftest import UNIT, ZERO, emitted

FACE = 1_000 * UNIT
ALLOWED = 300 * UNIT
PART = 100 * UNIT
MAX_UINT = 2**256 - 1


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


def test_value_transfer_to_an_address_spends_and_reports_the_allowance(
    voucher, credit, core, supplier1, bank_a
):
    voucher.approve["uint256,address,uint256"](credit, bank_a, ALLOWED, {"from": supplier1})

    tx = voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PART, {"from": bank_a})

    bought = tx.return_value
    assert emitted(tx) == [
        ("ApprovalValue", {"_tokenId": credit, "_operator": bank_a, "_value": ALLOWED - PART}),
        ("Transfer", {"from": ZERO, "to": bank_a, "tokenId": bought}),
        ("SlotChanged", {"_tokenId": bought, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": bought, "_value": PART}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": PART}),
    ]
    assert voucher.allowance(credit, bank_a) == ALLOWED - PART


def test_value_transfer_into_a_token_spends_and_reports_the_allowance(
    voucher, credit, core, supplier1, bank_a
):
    bought = voucher.transferFrom["uint256,address,uint256"](
        credit, bank_a, PART, {"from": supplier1}
    ).return_value
    voucher.approve["uint256,address,uint256"](credit, bank_a, ALLOWED, {"from": supplier1})

    tx = voucher.transferFrom["uint256,uint256,uint256"](credit, bought, ALLOWED, {"from": bank_a})

    assert emitted(tx) == [
        ("ApprovalValue", {"_tokenId": credit, "_operator": bank_a, "_value": 0}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": bought, "_value": ALLOWED}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": PART + ALLOWED}),
    ]


def test_split_transfer_spends_and_reports_the_allowance(
    voucher, confirmed_invoice, credit, supplier1, supplier2, bank_a
):
    invoice = confirmed_invoice(supplier2, supplier1, PART)
    voucher.approve["uint256,address,uint256"](credit, bank_a, ALLOWED, {"from": supplier1})

    tx = voucher.splitTransfer(credit, supplier2, PART, invoice, {"from": bank_a})

    assert emitted(tx)[0] == (
        "ApprovalValue",
        {"_tokenId": credit, "_operator": bank_a, "_value": ALLOWED - PART},
    )


def test_unlimited_allowance_is_neither_spent_nor_reported(voucher, credit, supplier1, bank_a):
    voucher.approve["uint256,address,uint256"](credit, bank_a, MAX_UINT, {"from": supplier1})

    tx = voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PART, {"from": bank_a})

    assert "ApprovalValue" not in [name for name, _ in emitted(tx)]
    assert voucher.allowance(credit, bank_a) == MAX_UINT
