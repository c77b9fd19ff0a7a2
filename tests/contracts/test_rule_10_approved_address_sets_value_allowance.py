"""Rule 10: as EIP-3525 says, the token's approved address (ERC-721 approve) may set value
allowances of that token, besides its owner and the owner's operators."""

import brownie
import pytest
from conftest import UNIT, emitted, err

FACE = 1_000 * UNIT
PART = 100 * UNIT


@pytest.fixture
def credit(voucher, issued, credit_line, core, supplier1, bank_a, bank_b) -> int:
    """supplier1's root token, of which bank_a is the approved address; bank_b may buy it."""
    credit_line(bank_b, core, FACE)
    credit_id = issued(core, supplier1, FACE)
    voucher.approve["address,uint256"](bank_a, credit_id, {"from": supplier1})
    return credit_id


def test_approved_address_sets_a_value_allowance(voucher, credit, bank_a, bank_b):
    tx = voucher.approve["uint256,address,uint256"](credit, bank_b, PART, {"from": bank_a})

    assert emitted(tx) == [
        ("ApprovalValue", {"_tokenId": credit, "_operator": bank_b, "_value": PART}),
    ]
    assert voucher.allowance(credit, bank_b) == PART


def test_allowance_set_by_the_approved_address_can_be_spent(voucher, credit, bank_a, bank_b):
    voucher.approve["uint256,address,uint256"](credit, bank_b, PART, {"from": bank_a})

    bought = voucher.transferFrom["uint256,address,uint256"](
        credit, bank_b, PART, {"from": bank_b}
    ).return_value

    assert voucher.ownerOf(bought) == bank_b
    assert voucher.balanceOf["uint256"](credit) == FACE - PART


def test_approved_address_of_another_token_cannot(
    voucher, issued, credit, core, supplier1, bank_a, bank_b
):
    other = issued(core, supplier1, FACE)

    with brownie.reverts(err("VoucherUnauthorized", bank_a, other)):
        voucher.approve["uint256,address,uint256"](other, bank_b, PART, {"from": bank_a})


def test_former_approved_address_cannot_once_the_token_changed_hands(
    voucher, credit, supplier1, bank_a, bank_b
):
    voucher.transferFrom["address,address,uint256"](supplier1, bank_b, credit, {"from": supplier1})

    with brownie.reverts(err("VoucherUnauthorized", bank_a, credit)):
        voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": bank_a})
