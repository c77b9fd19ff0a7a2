"""CreditVoucher as ERC-3525 and ERC-721 token: introspection, views, transfers and approvals.

Plain transfers follow the membership rules: between two suppliers they need a trade reference, so
every transfer here has a financier (bank_a, holding a credit line to the obligor) on one side.
"""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, ZERO, emitted, err, h

FACE = 1_000 * UNIT
PART = 100 * UNIT
MAX_UINT = 2**256 - 1
NONE, SUSPENDED = 0, 2
ERC_EVENTS = ("Transfer", "SlotChanged", "TransferValue")


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    """A credit of FACE from core; supplier1 holds its root token, whose id is the credit id."""
    return issued(core, supplier1, FACE)


@pytest.fixture
def bank_token(voucher, credit, supplier1, bank_a) -> int:
    """bank_a holds a token of PART of the credit, split off supplier1's root."""
    return voucher.transferFrom["uint256,address,uint256"](
        credit, bank_a, PART, {"from": supplier1}
    ).return_value


@pytest.fixture
def supplier2_token(voucher, bank_token, bank_a, supplier2) -> int:
    """supplier2 holds a token of PART / 2 of the credit, paid to it by bank_a."""
    return voucher.transferFrom["uint256,address,uint256"](
        bank_token, supplier2, PART // 2, {"from": bank_a}
    ).return_value


@pytest.fixture
def locked_token(financing, credit, supplier1) -> int:
    """A token of PART split off supplier1's root and locked by a financing request."""
    tx = financing.requestFinancing(credit, PART, chain.time() + 10 * DAY, {"from": supplier1})
    return tx.events["FragmentLocked"]["tokenId"]


def value_transfer(voucher, from_token: int, to, value: int, sender):
    return voucher.transferFrom["uint256,address,uint256"](from_token, to, value, {"from": sender})


def token_to_token(voucher, from_token: int, to_token: int, value: int, sender):
    return voucher.transferFrom["uint256,uint256,uint256"](
        from_token, to_token, value, {"from": sender}
    )


def token_transfer(voucher, holder, to, token_id: int, sender):
    return voucher.transferFrom["address,address,uint256"](holder, to, token_id, {"from": sender})


def mature(voucher, credit_id: int) -> int:
    maturity = voucher.credit(credit_id)["maturity"]
    chain.sleep(maturity - chain[-1].timestamp + 1)
    chain.mine()
    return maturity


# ----------------------------------------------------------------- introspection


@pytest.mark.parametrize(
    "interface_id",
    ["0x01ffc9a7", "0x80ac58cd", "0xd5358140"],
    ids=["ERC-165", "ERC-721", "ERC-3525"],
)
def test_supports_the_standard_interfaces(voucher, interface_id):
    assert voucher.supportsInterface(interface_id)


def test_does_not_support_the_invalid_interface_id(voucher):
    assert not voucher.supportsInterface("0xffffffff")


def test_value_has_six_decimals(voucher):
    assert voucher.valueDecimals() == 6


# ----------------------------------------------------------------- views


def test_issue_mints_the_root_token_with_standard_events(
    voucher, confirmed_invoice, credit_line, core, supplier1, bank_a
):
    credit_line(bank_a, core, FACE)
    invoice_id = confirmed_invoice(supplier1, core, FACE)

    tx = voucher.issue(invoice_id, FACE, chain.time() + 90 * DAY, 0, {"from": core})

    assert [(name, args) for name, args in emitted(tx) if name in ERC_EVENTS] == [
        ("Transfer", {"from": ZERO, "to": supplier1, "tokenId": 1}),
        ("SlotChanged", {"_tokenId": 1, "_oldSlot": 0, "_newSlot": 1}),
        ("TransferValue", {"_fromTokenId": 0, "_toTokenId": 1, "_value": FACE}),
    ]


def test_root_token_is_owned_valued_and_slotted(voucher, credit, supplier1):
    assert voucher.ownerOf(credit) == supplier1
    assert voucher.balanceOf["uint256"](credit) == FACE
    assert voucher.slotOf(credit) == credit
    assert voucher.balanceOf["address"](supplier1) == 1


def test_balance_of_owner_counts_tokens(voucher, bank_token, supplier1, bank_a, bank_b):
    assert voucher.balanceOf["address"](supplier1) == 1
    assert voucher.balanceOf["address"](bank_a) == 1
    assert voucher.balanceOf["address"](bank_b) == 0


def test_balance_of_zero_address_reverts(voucher):
    with brownie.reverts(err("VoucherInvalidOwner", ZERO)):
        voucher.balanceOf["address"](ZERO)


def test_owner_of_unknown_token_reverts(voucher):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.ownerOf(99)


def test_balance_of_unknown_token_reverts(voucher):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.balanceOf["uint256"](99)


def test_slot_of_unknown_token_reverts(voucher):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.slotOf(99)


# ----------------------------------------------------------------- value transfer to an address


def test_value_transfer_to_address_mints_a_new_token(
    voucher, consortium, credit, core, supplier1, bank_a
):
    tx = value_transfer(voucher, credit, bank_a, PART, supplier1)

    new_token = tx.return_value
    assert new_token == 2
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": bank_a, "tokenId": new_token}),
        ("SlotChanged", {"_tokenId": new_token, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": new_token, "_value": PART}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": PART}),
    ]
    assert voucher.balanceOf["uint256"](credit) == FACE - PART
    assert voucher.balanceOf["uint256"](new_token) == PART
    assert voucher.ownerOf(new_token) == bank_a
    assert voucher.slotOf(new_token) == credit
    assert consortium.exposure(bank_a, core) == PART


def test_value_transfer_from_financier_to_supplier_lowers_exposure(
    voucher, consortium, bank_token, core, bank_a, supplier2
):
    tx = value_transfer(voucher, bank_token, supplier2, 40 * UNIT, bank_a)

    new_token = tx.return_value
    assert emitted(tx) == [
        ("Transfer", {"from": ZERO, "to": supplier2, "tokenId": new_token}),
        (
            "SlotChanged",
            {"_tokenId": new_token, "_oldSlot": 0, "_newSlot": voucher.slotOf(bank_token)},
        ),
        (
            "TransferValue",
            {"_fromTokenId": bank_token, "_toTokenId": new_token, "_value": 40 * UNIT},
        ),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": PART - 40 * UNIT}),
    ]
    assert voucher.balanceOf["uint256"](new_token) == 40 * UNIT
    assert consortium.exposure(bank_a, core) == PART - 40 * UNIT


def test_value_transfer_of_the_whole_value_leaves_a_zero_value_token(
    voucher, credit, supplier1, bank_a
):
    value_transfer(voucher, credit, bank_a, FACE, supplier1)

    assert voucher.balanceOf["uint256"](credit) == 0
    assert voucher.ownerOf(credit) == supplier1


def test_value_transfer_between_suppliers_reverts(voucher, credit, supplier1, supplier2):
    with brownie.reverts(err("VoucherTradeReferenceRequired", supplier1, supplier2)):
        value_transfer(voucher, credit, supplier2, PART, supplier1)


def test_value_transfer_to_financier_without_credit_line_reverts(
    voucher, credit, core, supplier1, bank_b
):
    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_b, core, PART, 0)):
        value_transfer(voucher, credit, bank_b, PART, supplier1)


def test_value_transfer_to_non_member_reverts(voucher, credit, supplier1, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        value_transfer(voucher, credit, stranger, PART, supplier1)


def test_value_transfer_to_suspended_member_reverts(
    voucher, consortium, operator, credit, supplier1, bank_a
):
    consortium.suspend(bank_a, h("capital ratio"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, SUSPENDED)):
        value_transfer(voucher, credit, bank_a, PART, supplier1)


def test_value_transfer_to_zero_address_reverts(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherInvalidReceiver", ZERO)):
        value_transfer(voucher, credit, ZERO, PART, supplier1)


def test_value_transfer_of_zero_value_reverts(voucher, credit, supplier1, bank_a):
    with brownie.reverts(err("VoucherInsufficientValue", credit, 0, FACE)):
        value_transfer(voucher, credit, bank_a, 0, supplier1)


def test_value_transfer_beyond_the_token_value_reverts(voucher, credit, supplier1, bank_a):
    with brownie.reverts(err("VoucherInsufficientValue", credit, FACE + 1, FACE)):
        value_transfer(voucher, credit, bank_a, FACE + 1, supplier1)


def test_value_transfer_from_unknown_token_reverts(voucher, supplier1, bank_a):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        value_transfer(voucher, 99, bank_a, PART, supplier1)


def test_value_transfer_after_maturity_reverts(voucher, credit, supplier1, bank_a):
    maturity = mature(voucher, credit)

    with brownie.reverts(err("VoucherMatured", credit, maturity)):
        value_transfer(voucher, credit, bank_a, PART, supplier1)


def test_value_transfer_from_frozen_token_reverts(voucher, credit, auditor, supplier1, bank_a):
    voucher.setFragmentFrozen(credit, True, h("dispute"), {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", credit)):
        value_transfer(voucher, credit, bank_a, PART, supplier1)


def test_value_transfer_from_locked_token_reverts(voucher, locked_token, supplier1, bank_a):
    with brownie.reverts(err("VoucherLocked", locked_token)):
        value_transfer(voucher, locked_token, bank_a, PART, supplier1)


def test_value_transfer_while_paused_reverts(
    voucher, consortium, operator, credit, supplier1, bank_a
):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        value_transfer(voucher, credit, bank_a, PART, supplier1)


# ----------------------------------------------------------------- value transfer to a token


def test_token_to_token_moves_value_into_the_target(
    voucher, consortium, credit, bank_token, core, supplier1, bank_a
):
    tx = token_to_token(voucher, credit, bank_token, 30 * UNIT, supplier1)

    assert emitted(tx) == [
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": bank_token, "_value": 30 * UNIT}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": PART + 30 * UNIT}),
    ]
    assert voucher.balanceOf["uint256"](credit) == FACE - PART - 30 * UNIT
    assert voucher.balanceOf["uint256"](bank_token) == PART + 30 * UNIT
    assert voucher.tokenCount() == 2


def test_token_to_token_from_financier_to_supplier(
    voucher, consortium, bank_token, supplier2_token, core, bank_a
):
    tx = token_to_token(voucher, bank_token, supplier2_token, 30 * UNIT, bank_a)

    assert emitted(tx) == [
        (
            "TransferValue",
            {"_fromTokenId": bank_token, "_toTokenId": supplier2_token, "_value": 30 * UNIT},
        ),
        (
            "ExposureChanged",
            {"financier": bank_a, "obligor": core, "exposure": PART // 2 - 30 * UNIT},
        ),
    ]
    assert voucher.balanceOf["uint256"](supplier2_token) == PART // 2 + 30 * UNIT


def test_token_to_token_between_own_tokens_needs_no_financier(
    voucher, credit, bank_token, supplier1, bank_a
):
    token_transfer(voucher, bank_a, supplier1, bank_token, bank_a)

    tx = token_to_token(voucher, credit, bank_token, 30 * UNIT, supplier1)

    assert emitted(tx) == [
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": bank_token, "_value": 30 * UNIT})
    ]
    assert voucher.balanceOf["uint256"](bank_token) == PART + 30 * UNIT


def test_token_to_token_between_suppliers_reverts(
    voucher, credit, bank_token, supplier1, supplier2, bank_a
):
    token_transfer(voucher, bank_a, supplier2, bank_token, bank_a)

    with brownie.reverts(err("VoucherTradeReferenceRequired", supplier1, supplier2)):
        token_to_token(voucher, credit, bank_token, UNIT, supplier1)


def test_token_to_token_across_slots_reverts(voucher, issued, credit, core, supplier1, supplier2):
    other_credit = issued(core, supplier2, FACE)

    with brownie.reverts(err("VoucherSlotMismatch", credit, other_credit)):
        token_to_token(voucher, credit, other_credit, UNIT, supplier1)


def test_token_to_token_into_unknown_token_reverts(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        token_to_token(voucher, credit, 99, UNIT, supplier1)


def test_token_to_token_into_frozen_token_reverts(voucher, credit, bank_token, auditor, supplier1):
    voucher.setFragmentFrozen(bank_token, True, h("dispute"), {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", bank_token)):
        token_to_token(voucher, credit, bank_token, UNIT, supplier1)


def test_token_to_token_into_locked_token_reverts(voucher, credit, locked_token, supplier1):
    with brownie.reverts(err("VoucherLocked", locked_token)):
        token_to_token(voucher, credit, locked_token, UNIT, supplier1)


def test_token_to_token_of_zero_value_reverts(voucher, credit, bank_token, supplier1):
    with brownie.reverts(err("VoucherInsufficientValue", credit, 0, FACE - PART)):
        token_to_token(voucher, credit, bank_token, 0, supplier1)


def test_token_to_token_beyond_the_source_value_reverts(voucher, credit, bank_token, supplier1):
    with brownie.reverts(err("VoucherInsufficientValue", credit, FACE - PART + 1, FACE - PART)):
        token_to_token(voucher, credit, bank_token, FACE - PART + 1, supplier1)


def test_token_to_token_into_suspended_members_token_reverts(
    voucher, consortium, operator, credit, bank_token, supplier1, bank_a
):
    consortium.suspend(bank_a, h("capital ratio"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, SUSPENDED)):
        token_to_token(voucher, credit, bank_token, UNIT, supplier1)


def test_token_to_token_after_maturity_reverts(voucher, credit, bank_token, supplier1):
    maturity = mature(voucher, credit)

    with brownie.reverts(err("VoucherMatured", credit, maturity)):
        token_to_token(voucher, credit, bank_token, UNIT, supplier1)


# ----------------------------------------------------------------- value approvals


def test_value_approve_sets_the_allowance(voucher, credit, supplier1, bank_a):
    tx = voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": supplier1})

    assert emitted(tx) == [
        ("ApprovalValue", {"_tokenId": credit, "_operator": bank_a, "_value": PART})
    ]
    assert voucher.allowance(credit, bank_a) == PART


def test_value_approve_by_operator_for_all_sets_the_owners_allowance(
    voucher, credit, supplier1, bank_a, bank_b
):
    voucher.setApprovalForAll(bank_b, True, {"from": supplier1})

    tx = voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": bank_b})

    assert emitted(tx) == [
        ("ApprovalValue", {"_tokenId": credit, "_operator": bank_a, "_value": PART})
    ]
    assert voucher.allowance(credit, bank_a) == PART


def test_value_approve_by_non_owner_reverts(voucher, credit, bank_a):
    with brownie.reverts(err("VoucherUnauthorized", bank_a, credit)):
        voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": bank_a})


def test_value_approve_to_the_owner_reverts(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherInvalidOperator", supplier1)):
        voucher.approve["uint256,address,uint256"](credit, supplier1, PART, {"from": supplier1})


def test_value_approve_of_unknown_token_reverts(voucher, supplier1, bank_a):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.approve["uint256,address,uint256"](99, bank_a, PART, {"from": supplier1})


def test_allowance_of_unknown_token_reverts(voucher, bank_a):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.allowance(99, bank_a)


def test_operator_spends_value_allowance_to_an_address(voucher, credit, core, supplier1, bank_a):
    voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": supplier1})

    tx = value_transfer(voucher, credit, bank_a, 60 * UNIT, bank_a)

    new_token = tx.return_value
    assert emitted(tx) == [
        ("ApprovalValue", {"_tokenId": credit, "_operator": bank_a, "_value": PART - 60 * UNIT}),
        ("Transfer", {"from": ZERO, "to": bank_a, "tokenId": new_token}),
        ("SlotChanged", {"_tokenId": new_token, "_oldSlot": 0, "_newSlot": credit}),
        ("TransferValue", {"_fromTokenId": credit, "_toTokenId": new_token, "_value": 60 * UNIT}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": 60 * UNIT}),
    ]
    assert voucher.allowance(credit, bank_a) == PART - 60 * UNIT
    assert voucher.balanceOf["uint256"](credit) == FACE - 60 * UNIT


def test_operator_spends_value_allowance_into_a_token(
    voucher, credit, bank_token, supplier1, bank_a
):
    voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": supplier1})

    token_to_token(voucher, credit, bank_token, 60 * UNIT, bank_a)

    assert voucher.allowance(credit, bank_a) == PART - 60 * UNIT
    assert voucher.balanceOf["uint256"](bank_token) == PART + 60 * UNIT


def test_unlimited_value_allowance_is_not_spent(voucher, credit, supplier1, bank_a):
    voucher.approve["uint256,address,uint256"](credit, bank_a, MAX_UINT, {"from": supplier1})

    value_transfer(voucher, credit, bank_a, 60 * UNIT, bank_a)

    assert voucher.allowance(credit, bank_a) == MAX_UINT


def test_operator_spending_beyond_value_allowance_reverts(voucher, credit, supplier1, bank_a):
    voucher.approve["uint256,address,uint256"](credit, bank_a, PART, {"from": supplier1})

    with brownie.reverts(err("VoucherInsufficientAllowance", bank_a, credit, PART, PART + 1)):
        value_transfer(voucher, credit, bank_a, PART + 1, bank_a)


def test_value_transfer_by_caller_without_allowance_reverts(voucher, credit, bank_a):
    with brownie.reverts(err("VoucherInsufficientAllowance", bank_a, credit, 0, PART)):
        value_transfer(voucher, credit, bank_a, PART, bank_a)


def test_value_allowance_lapses_when_the_token_changes_owner(
    voucher, credit, supplier1, bank_a, bank_b
):
    voucher.approve["uint256,address,uint256"](credit, bank_b, PART, {"from": supplier1})

    token_transfer(voucher, supplier1, bank_a, credit, supplier1)

    assert voucher.allowance(credit, bank_b) == 0


def test_lapsed_value_allowance_cannot_be_spent(voucher, credit, supplier1, bank_a, bank_b):
    voucher.approve["uint256,address,uint256"](credit, bank_b, PART, {"from": supplier1})
    token_transfer(voucher, supplier1, bank_a, credit, supplier1)

    with brownie.reverts(err("VoucherInsufficientAllowance", bank_b, credit, 0, PART)):
        value_transfer(voucher, credit, bank_b, PART, bank_b)


def test_lapsed_value_allowance_stays_lapsed_when_the_token_comes_back(
    voucher, credit, supplier1, bank_a, bank_b
):
    voucher.approve["uint256,address,uint256"](credit, bank_b, PART, {"from": supplier1})
    token_transfer(voucher, supplier1, bank_a, credit, supplier1)
    token_transfer(voucher, bank_a, supplier1, credit, bank_a)

    assert voucher.ownerOf(credit) == supplier1
    assert voucher.allowance(credit, bank_b) == 0


def test_value_transfer_to_a_platform_contract_reverts(
    voucher, settlement, credit, bank_token, bank_a
):
    with brownie.reverts(err("VoucherInvalidReceiver", settlement)):
        value_transfer(voucher, bank_token, settlement, UNIT, bank_a)


# ----------------------------------------------------------------- ERC-721 approvals


def test_approve_sets_the_approved_address(voucher, credit, supplier1, bank_a):
    tx = voucher.approve["address,uint256"](bank_a, credit, {"from": supplier1})

    assert emitted(tx) == [
        ("Approval", {"owner": supplier1, "approved": bank_a, "tokenId": credit})
    ]
    assert voucher.getApproved(credit) == bank_a


def test_approve_by_operator_for_all_names_the_owner(voucher, credit, supplier1, bank_a, bank_b):
    voucher.setApprovalForAll(bank_b, True, {"from": supplier1})

    tx = voucher.approve["address,uint256"](bank_a, credit, {"from": bank_b})

    assert emitted(tx) == [
        ("Approval", {"owner": supplier1, "approved": bank_a, "tokenId": credit})
    ]
    assert voucher.getApproved(credit) == bank_a


def test_approve_by_non_owner_reverts(voucher, credit, bank_a):
    with brownie.reverts(err("VoucherUnauthorized", bank_a, credit)):
        voucher.approve["address,uint256"](bank_a, credit, {"from": bank_a})


def test_approve_of_unknown_token_reverts(voucher, supplier1, bank_a):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.approve["address,uint256"](bank_a, 99, {"from": supplier1})


def test_get_approved_of_unknown_token_reverts(voucher):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.getApproved(99)


def test_set_approval_for_all_grants_and_revokes_an_operator(voucher, supplier1, bank_a):
    tx = voucher.setApprovalForAll(bank_a, True, {"from": supplier1})

    assert emitted(tx) == [
        ("ApprovalForAll", {"owner": supplier1, "operator": bank_a, "approved": True})
    ]
    assert voucher.isApprovedForAll(supplier1, bank_a)

    tx = voucher.setApprovalForAll(bank_a, False, {"from": supplier1})

    assert emitted(tx) == [
        ("ApprovalForAll", {"owner": supplier1, "operator": bank_a, "approved": False})
    ]
    assert not voucher.isApprovedForAll(supplier1, bank_a)


def test_set_approval_for_all_to_oneself_reverts(voucher, supplier1):
    with brownie.reverts(err("VoucherInvalidOperator", supplier1)):
        voucher.setApprovalForAll(supplier1, True, {"from": supplier1})


def test_set_approval_for_all_to_zero_address_reverts(voucher, supplier1):
    with brownie.reverts(err("VoucherInvalidOperator", ZERO)):
        voucher.setApprovalForAll(ZERO, True, {"from": supplier1})


def test_approved_address_moves_value_without_value_allowance(voucher, credit, supplier1, bank_a):
    voucher.approve["address,uint256"](bank_a, credit, {"from": supplier1})

    value_transfer(voucher, credit, bank_a, PART, bank_a)

    assert voucher.balanceOf["uint256"](credit) == FACE - PART
    assert voucher.allowance(credit, bank_a) == 0


def test_operator_for_all_moves_value_without_value_allowance(voucher, credit, supplier1, bank_a):
    voucher.setApprovalForAll(bank_a, True, {"from": supplier1})

    value_transfer(voucher, credit, bank_a, PART, bank_a)

    assert voucher.balanceOf["uint256"](credit) == FACE - PART


# ----------------------------------------------------------------- ERC-721 transfers


def test_transfer_from_moves_the_whole_token(voucher, consortium, credit, core, supplier1, bank_a):
    tx = token_transfer(voucher, supplier1, bank_a, credit, supplier1)

    assert emitted(tx) == [
        ("Transfer", {"from": supplier1, "to": bank_a, "tokenId": credit}),
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": FACE}),
    ]
    assert voucher.ownerOf(credit) == bank_a
    assert voucher.balanceOf["uint256"](credit) == FACE
    assert voucher.balanceOf["address"](supplier1) == 0
    assert voucher.balanceOf["address"](bank_a) == 1


def test_transfer_from_clears_the_token_approval(voucher, credit, supplier1, bank_a, bank_b):
    voucher.approve["address,uint256"](bank_b, credit, {"from": supplier1})

    token_transfer(voucher, supplier1, bank_a, credit, supplier1)

    assert voucher.getApproved(credit) == ZERO


def test_transfer_from_by_approved_address(voucher, credit, supplier1, bank_a):
    voucher.approve["address,uint256"](bank_a, credit, {"from": supplier1})

    tx = token_transfer(voucher, supplier1, bank_a, credit, bank_a)

    assert tx.events["Transfer"] == {"from": supplier1, "to": bank_a, "tokenId": credit}
    assert voucher.ownerOf(credit) == bank_a


def test_transfer_from_by_operator_for_all(voucher, credit, supplier1, bank_a, bank_b):
    voucher.setApprovalForAll(bank_b, True, {"from": supplier1})

    tx = token_transfer(voucher, supplier1, bank_a, credit, bank_b)

    assert tx.events["Transfer"] == {"from": supplier1, "to": bank_a, "tokenId": credit}
    assert voucher.ownerOf(credit) == bank_a


def test_transfer_from_with_wrong_from_reverts(voucher, credit, supplier1, supplier2, bank_a):
    with brownie.reverts(err("VoucherUnauthorized", supplier2, credit)):
        token_transfer(voucher, supplier2, bank_a, credit, supplier1)


def test_transfer_from_by_unauthorized_caller_reverts(voucher, credit, supplier1, bank_a):
    with brownie.reverts(err("VoucherUnauthorized", bank_a, credit)):
        token_transfer(voucher, supplier1, bank_a, credit, bank_a)


def test_transfer_from_between_suppliers_reverts(voucher, credit, supplier1, supplier2):
    with brownie.reverts(err("VoucherTradeReferenceRequired", supplier1, supplier2)):
        token_transfer(voucher, supplier1, supplier2, credit, supplier1)


def test_transfer_from_to_non_member_reverts(voucher, credit, supplier1, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        token_transfer(voucher, supplier1, stranger, credit, supplier1)


def test_transfer_from_by_suspended_owner_reverts(
    voucher, consortium, operator, credit, supplier1, bank_a
):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        token_transfer(voucher, supplier1, bank_a, credit, supplier1)


def test_transfer_from_to_zero_address_reverts(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherInvalidReceiver", ZERO)):
        token_transfer(voucher, supplier1, ZERO, credit, supplier1)


def test_transfer_from_to_financier_without_credit_line_reverts(
    voucher, credit, core, supplier1, bank_b
):
    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_b, core, FACE, 0)):
        token_transfer(voucher, supplier1, bank_b, credit, supplier1)


def test_transfer_from_after_maturity_reverts(voucher, credit, supplier1, bank_a):
    maturity = mature(voucher, credit)

    with brownie.reverts(err("VoucherMatured", credit, maturity)):
        token_transfer(voucher, supplier1, bank_a, credit, supplier1)


def test_transfer_from_of_frozen_token_reverts(voucher, credit, auditor, supplier1, bank_a):
    voucher.setFragmentFrozen(credit, True, h("dispute"), {"from": auditor})

    with brownie.reverts(err("VoucherFrozen", credit)):
        token_transfer(voucher, supplier1, bank_a, credit, supplier1)


def test_transfer_from_of_locked_token_reverts(voucher, locked_token, supplier1, bank_a):
    with brownie.reverts(err("VoucherLocked", locked_token)):
        token_transfer(voucher, supplier1, bank_a, locked_token, supplier1)


def test_transfer_from_of_unknown_token_reverts(voucher, supplier1, bank_a):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        token_transfer(voucher, supplier1, bank_a, 99, supplier1)


def test_safe_transfer_from_to_an_account(voucher, credit, supplier1, bank_a):
    tx = voucher.safeTransferFrom["address,address,uint256"](
        supplier1, bank_a, credit, {"from": supplier1}
    )

    assert tx.events["Transfer"] == {"from": supplier1, "to": bank_a, "tokenId": credit}
    assert voucher.ownerOf(credit) == bank_a


def test_safe_transfer_from_with_data_to_an_account(voucher, credit, supplier1, bank_a):
    tx = voucher.safeTransferFrom["address,address,uint256,bytes"](
        supplier1, bank_a, credit, b"invoice INV-2024-001", {"from": supplier1}
    )

    assert tx.events["Transfer"] == {"from": supplier1, "to": bank_a, "tokenId": credit}
    assert voucher.ownerOf(credit) == bank_a


def test_safe_transfer_from_to_a_non_receiver_contract_reverts(
    voucher, settlement, bank_token, bank_a
):
    with brownie.reverts(err("VoucherInvalidReceiver", settlement)):
        voucher.safeTransferFrom["address,address,uint256"](
            bank_a, settlement, bank_token, {"from": bank_a}
        )
