"""Rule 9: every caller is a member. An address never onboarded, or suspended, moves nothing with
an ERC-721 approval, an approval for all or an ERC-3525 value allowance
(ConsortiumMemberNotActive)."""

import brownie
import pytest
from conftest import UNIT, err, h

FACE = 1_000 * UNIT
PART = 100 * UNIT
NONE, SUSPENDED = 0, 2


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


def test_stranger_with_token_approval(
    voucher, consortium, credit, core, supplier1, bank_a, stranger
):
    voucher.approve["address,uint256"](stranger, credit, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        voucher.transferFrom["address,address,uint256"](
            supplier1, bank_a, credit, {"from": stranger}
        )

    assert voucher.ownerOf(credit) == supplier1
    assert consortium.exposure(bank_a, core) == 0


def test_stranger_with_token_approval_and_safe_transfer(
    voucher, credit, supplier1, bank_a, stranger
):
    voucher.approve["address,uint256"](stranger, credit, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        voucher.safeTransferFrom["address,address,uint256"](
            supplier1, bank_a, credit, {"from": stranger}
        )


def test_stranger_approved_for_all_moves_the_token(voucher, credit, supplier1, bank_a, stranger):
    voucher.setApprovalForAll(stranger, True, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        voucher.transferFrom["address,address,uint256"](
            supplier1, bank_a, credit, {"from": stranger}
        )


def test_stranger_approved_for_all_moves_value(voucher, credit, supplier1, bank_a, stranger):
    voucher.setApprovalForAll(stranger, True, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PART, {"from": stranger})

    assert voucher.balanceOf["uint256"](credit) == FACE


def test_stranger_with_value_allowance(voucher, credit, supplier1, bank_a, stranger):
    voucher.approve["uint256,address,uint256"](credit, stranger, PART, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        voucher.transferFrom["uint256,address,uint256"](credit, bank_a, PART, {"from": stranger})

    assert voucher.allowance(credit, stranger) == PART
    assert voucher.balanceOf["uint256"](credit) == FACE


def test_stranger_with_value_allowance_pays_a_supplier(
    voucher, confirmed_invoice, credit, supplier1, supplier2, stranger
):
    invoice = confirmed_invoice(supplier2, supplier1, PART)
    voucher.approve["uint256,address,uint256"](credit, stranger, PART, {"from": supplier1})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        voucher.splitTransfer(credit, supplier2, PART, invoice, {"from": stranger})


def test_suspended_operator_for_all(
    voucher, consortium, credit, operator, supplier1, bank_a, bank_b
):
    voucher.setApprovalForAll(bank_b, True, {"from": supplier1})
    consortium.suspend(bank_b, h("licence withdrawn"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_b, SUSPENDED)):
        voucher.transferFrom["address,address,uint256"](supplier1, bank_a, credit, {"from": bank_b})

    assert voucher.ownerOf(credit) == supplier1
