"""Rule 8: value never climbs to a shallower tier. Token-to-token transfers go only into a
fragment split from the source (VoucherLineageMismatch otherwise), so a max-depth fragment cannot
pour its value into a shallower one and be passed on past the tier cap."""

import brownie
import pytest
from conftest import UNIT, emitted, err

FACE = 1_000 * UNIT
MAX_DEPTH = 2
TO_SUPPLIER2 = 300 * UNIT
TO_SUPPLIER3 = 200 * UNIT  # supplier3's depth-1 fragment, straight from supplier1
DEEPEST = 100 * UNIT  # supplier3's depth-2 fragment, from supplier2
MOVED = 50 * UNIT


@pytest.fixture
def credit(consortium, issued, operator, core, supplier1) -> int:
    consortium.setLimits(180, 30, MAX_DEPTH, {"from": operator})
    return issued(core, supplier1, FACE)


@pytest.fixture
def middle(voucher, confirmed_invoice, credit, supplier1, supplier2) -> int:
    """supplier2's fragment at depth 1."""
    invoice = confirmed_invoice(supplier2, supplier1, TO_SUPPLIER2)
    return voucher.splitTransfer(
        credit, supplier2, TO_SUPPLIER2, invoice, {"from": supplier1}
    ).return_value


@pytest.fixture
def deepest(voucher, confirmed_invoice, middle, supplier2, supplier3) -> int:
    """supplier3's fragment at the maximum depth."""
    invoice = confirmed_invoice(supplier3, supplier2, DEEPEST)
    token = voucher.splitTransfer(
        middle, supplier3, DEEPEST, invoice, {"from": supplier2}
    ).return_value
    assert voucher.fragment(token)["depth"] == MAX_DEPTH
    return token


@pytest.fixture
def shallow(voucher, confirmed_invoice, credit, supplier1, supplier3) -> int:
    """supplier3's own fragment at depth 1, paid to it directly by supplier1."""
    invoice = confirmed_invoice(supplier3, supplier1, TO_SUPPLIER3)
    return voucher.splitTransfer(
        credit, supplier3, TO_SUPPLIER3, invoice, {"from": supplier1}
    ).return_value


def test_max_depth_value_into_the_holders_shallower_fragment(
    voucher, credit, deepest, shallow, supplier3
):
    with brownie.reverts(err("VoucherLineageMismatch", deepest, shallow, credit)):
        voucher.transferFrom["uint256,uint256,uint256"](
            deepest, shallow, MOVED, {"from": supplier3}
        )

    assert voucher.balanceOf["uint256"](deepest) == DEEPEST
    assert voucher.balanceOf["uint256"](shallow) == TO_SUPPLIER3


def test_max_depth_value_into_a_financiers_shallower_fragment(
    voucher, middle, deepest, supplier2, supplier3, bank_a
):
    banks = voucher.transferFrom["uint256,address,uint256"](
        middle, bank_a, MOVED, {"from": supplier2}
    ).return_value

    with brownie.reverts(err("VoucherLineageMismatch", deepest, banks, middle)):
        voucher.transferFrom["uint256,uint256,uint256"](deepest, banks, MOVED, {"from": supplier3})

    assert voucher.balanceOf["uint256"](banks) == MOVED


def test_value_back_into_the_parent_fragment(voucher, middle, deepest, supplier3):
    own = voucher.transferFrom["uint256,address,uint256"](
        deepest, supplier3, MOVED, {"from": supplier3}
    ).return_value

    with brownie.reverts(err("VoucherLineageMismatch", own, deepest, middle)):
        voucher.transferFrom["uint256,uint256,uint256"](own, deepest, MOVED, {"from": supplier3})


def test_value_into_a_fragment_split_from_the_source_still_moves(
    voucher, consortium, deepest, core, supplier3, bank_a
):
    banks = voucher.transferFrom["uint256,address,uint256"](
        deepest, bank_a, MOVED, {"from": supplier3}
    ).return_value

    tx = voucher.transferFrom["uint256,uint256,uint256"](
        deepest, banks, DEEPEST - MOVED, {"from": supplier3}
    )

    assert emitted(tx) == [
        (
            "TransferValue",
            {"_fromTokenId": deepest, "_toTokenId": banks, "_value": DEEPEST - MOVED},
        ),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": DEEPEST}),
    ]
    assert voucher.balanceOf["uint256"](banks) == DEEPEST
    assert voucher.fragment(banks)["depth"] == MAX_DEPTH
    assert voucher.fragment(banks)["parentId"] == deepest
