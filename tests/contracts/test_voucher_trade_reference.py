"""Plain ERC-3525 / ERC-721 transfers: between two suppliers they need a trade reference, so they
revert unless a financier is on one side."""

import brownie
import pytest
from conftest import UNIT, ZERO, emitted, err

FACE = 1_000 * UNIT
PART = 100 * UNIT


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


def test_value_transfer_to_a_new_fragment_between_suppliers(voucher, credit, supplier1, supplier2):
    with brownie.reverts(err("VoucherTradeReferenceRequired", supplier1, supplier2)):
        voucher.transferFrom["uint256,address,uint256"](
            credit, supplier2, PART, {"from": supplier1}
        )


def test_value_transfer_into_a_suppliers_fragment(
    voucher, confirmed_invoice, credit, supplier1, supplier2
):
    invoice = confirmed_invoice(supplier2, supplier1, PART)
    target = voucher.splitTransfer(
        credit, supplier2, PART, invoice, {"from": supplier1}
    ).return_value

    with brownie.reverts(err("VoucherTradeReferenceRequired", supplier1, supplier2)):
        voucher.transferFrom["uint256,uint256,uint256"](credit, target, PART, {"from": supplier1})


def test_whole_token_transfer_between_suppliers(voucher, credit, supplier1, supplier2):
    with brownie.reverts(err("VoucherTradeReferenceRequired", supplier1, supplier2)):
        voucher.transferFrom["address,address,uint256"](
            supplier1, supplier2, credit, {"from": supplier1}
        )


def test_value_transfer_to_a_financier_keeps_tier_and_adds_exposure(
    voucher, consortium, credit, core, supplier1, bank_a
):
    tx = voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PART, {"from": supplier1})

    bought = tx.return_value
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": bank_a, "tokenId": bought}),
        ("SlotChanged", {"_tokenId": bought, "_oldSlot": 0, "_newSlot": credit}),
        (
            "TransferValue",
            {"_fromTokenId": credit, "_toTokenId": bought, "_value": PART},
        ),
        (
            "ExposureChanged",
            {"financier": bank_a, "obligor": core, "exposure": PART},
        ),
    ]
    assert voucher.fragment(bought).dict() == {
        "owner": bank_a,
        "value": PART,
        "creditId": credit,
        "parentId": credit,
        "invoiceId": 0,
        "depth": 0,
        "frozen": False,
        "locked": False,
        "heldAsFinancier": True,
    }
    assert consortium.exposure(bank_a, core) == PART


def test_value_transfer_to_a_financier_beyond_its_credit_line(
    voucher, credit, credit_line, core, supplier1, bank_b
):
    credit_line(bank_b, core, PART - 1)

    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_b, core, PART, PART - 1)):
        voucher.transferFrom["uint256,address,uint256"](credit, bank_b, PART, {"from": supplier1})
