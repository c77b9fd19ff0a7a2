"""Rule 2: exposure follows the value, not today's roles. A bank that bought vouchers as a
financier and then lost the role still carries them in its exposure, and sees that exposure fall
back to zero as it passes them on or redeems them: nothing is left stranded."""

import pytest
from conftest import ROLE, UNIT, ZERO, emitted
from flows import deposit, sleep_until

FACE = 1_000 * UNIT
BOUGHT = 400 * UNIT
HALF = BOUGHT // 2


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def bought(voucher, consortium, credit, credit_line, core, supplier1, bank_a, bank_b, operator):
    """bank_a bought BOUGHT of the credit as a financier, then lost the financier role."""
    credit_line(bank_b, core, FACE)
    token = voucher.transferFrom["uint256,address,uint256"](
        credit, bank_a, BOUGHT, {"from": supplier1}
    ).return_value
    consortium.revokeRole(ROLE["FINANCIER"], bank_a, {"from": operator})
    assert consortium.exposure(bank_a, core) == BOUGHT
    return token


def test_selling_the_whole_token_empties_its_exposure(
    voucher, consortium, bought, core, bank_a, bank_b
):
    tx = voucher.transferFrom["address,address,uint256"](bank_a, bank_b, bought, {"from": bank_a})

    assert emitted(tx) == [
        ("Transfer", {"from": bank_a, "to": bank_b, "tokenId": bought}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": 0}),
        ("ExposureChanged", {"financier": bank_b, "obligor": core, "exposure": BOUGHT}),
    ]
    assert consortium.exposure(bank_a, core) == 0
    assert consortium.exposure(bank_b, core) == BOUGHT


def test_selling_part_of_the_value_lowers_its_exposure_by_that_part(
    voucher, consortium, bought, core, bank_a, bank_b
):
    tx = voucher.transferFrom["uint256,address,uint256"](bought, bank_b, HALF, {"from": bank_a})

    sold = tx.return_value
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": bank_b, "tokenId": sold}),
        ("SlotChanged", {"_tokenId": sold, "_oldSlot": 0, "_newSlot": voucher.slotOf(bought)}),
        ("TransferValue", {"_fromTokenId": bought, "_toTokenId": sold, "_value": HALF}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": BOUGHT - HALF}),
        ("ExposureChanged", {"financier": bank_b, "obligor": core, "exposure": HALF}),
    ]
    assert consortium.exposure(bank_a, core) == BOUGHT - HALF


def test_redeeming_a_repaid_fragment_empties_its_exposure(
    voucher, cash, consortium, settlement, credit, bought, core, bank_a, bank_b
):
    deposit(cash, bank_b, core, FACE)
    cash.approve(settlement, FACE, {"from": core})
    settlement.repay(credit, FACE, {"from": core})
    sleep_until(voucher.credit(credit)["maturity"])

    tx = settlement.redeem(bought, {"from": bank_a})

    assert emitted(tx)[4:] == [
        (
            "ClaimPaid",
            {"tokenId": bought, "claimant": bank_a, "amount": BOUGHT, "totalPaid": BOUGHT},
        ),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": 0}),
        ("Transfer", {"from": settlement, "to": bank_a, "value": BOUGHT}),
    ]
    assert consortium.exposure(bank_a, core) == 0
    assert cash.balanceOf(bank_a) == BOUGHT


def test_a_transfer_to_itself_sheds_no_exposure(voucher, consortium, bought, core, bank_a):
    """Found by the forge campaign: nothing is acquired by moving value to oneself, so the
    fragment keeps counting although its owner is no financier today."""
    whole = voucher.transferFrom["address,address,uint256"](
        bank_a, bank_a, bought, {"from": bank_a}
    )
    part = voucher.transferFrom["uint256,address,uint256"](bought, bank_a, HALF, {"from": bank_a})

    assert [name for name, _ in emitted(whole)] == ["Transfer"]
    assert "ExposureChanged" not in [name for name, _ in emitted(part)]
    assert voucher.fragment(bought)["heldAsFinancier"]
    assert voucher.fragment(part.return_value)["heldAsFinancier"]
    assert consortium.exposure(bank_a, core) == BOUGHT
