"""Rule 10: argument errors as the standards name them: the zero address owns nothing
(VoucherInvalidOwner); an owner cannot make itself, or the zero address, its operator
(VoucherInvalidOperator), nor give itself a value allowance."""

import brownie
import pytest
from conftest import UNIT, ZERO, err

FACE = 1_000 * UNIT


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


def test_balance_of_the_zero_address(voucher):
    with brownie.reverts(err("VoucherInvalidOwner", ZERO)):
        voucher.balanceOf["address"](ZERO)


def test_approval_for_all_to_oneself(voucher, supplier1):
    with brownie.reverts(err("VoucherInvalidOperator", supplier1)):
        voucher.setApprovalForAll(supplier1, True, {"from": supplier1})


def test_approval_for_all_to_the_zero_address(voucher, supplier1):
    with brownie.reverts(err("VoucherInvalidOperator", ZERO)):
        voucher.setApprovalForAll(ZERO, True, {"from": supplier1})


def test_value_allowance_to_the_owner(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherInvalidOperator", supplier1)):
        voucher.approve["uint256,address,uint256"](credit, supplier1, FACE, {"from": supplier1})
