"""The voucher's platform hooks: lock, unlock and delivery belong to the linked financing contract,
burning for redemption to the linked settlement contract, and the link is made once by the operator.

The hooks' own checks are exercised by impersonating the linked contracts (Anvil impersonation)."""

import brownie
import pytest
from brownie import CreditVoucher, accounts
from conftest import ROLE, UNIT, emitted, err
from flows import sleep_until

FACE = 1_000 * UNIT


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def as_financing(financing):
    return accounts.at(financing.address, force=True)


@pytest.fixture
def as_settlement(settlement):
    return accounts.at(settlement.address, force=True)


def test_lock_by_anyone_but_financing(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherNotPlatform", supplier1)):
        voucher.lock(credit, FACE, supplier1, {"from": supplier1})


def test_lock_by_the_settlement_contract(voucher, credit, supplier1, as_settlement):
    with brownie.reverts(err("VoucherNotPlatform", as_settlement)):
        voucher.lock(credit, FACE, supplier1, {"from": as_settlement})


def test_unlock_by_anyone_but_financing(voucher, credit, operator):
    with brownie.reverts(err("VoucherNotPlatform", operator)):
        voucher.unlock(credit, {"from": operator})


def test_deliver_locked_by_anyone_but_financing(voucher, credit, bank_a):
    with brownie.reverts(err("VoucherNotPlatform", bank_a)):
        voucher.deliverLocked(credit, bank_a, {"from": bank_a})


def test_burn_for_redemption_by_anyone_but_settlement(voucher, credit, supplier1):
    sleep_until(voucher.credit(credit)["maturity"])

    with brownie.reverts(err("VoucherNotPlatform", supplier1)):
        voucher.burnForRedemption(credit, {"from": supplier1})


def test_burn_for_redemption_by_the_financing_contract(voucher, credit, as_financing):
    sleep_until(voucher.credit(credit)["maturity"])

    with brownie.reverts(err("VoucherNotPlatform", as_financing)):
        voucher.burnForRedemption(credit, {"from": as_financing})


def test_lock_for_someone_who_does_not_hold_the_fragment(voucher, credit, supplier2, as_financing):
    with brownie.reverts(err("VoucherUnauthorized", supplier2, credit)):
        voucher.lock(credit, FACE, supplier2, {"from": as_financing})


def test_lock_of_more_than_the_fragment_holds(voucher, credit, supplier1, as_financing):
    with brownie.reverts(err("VoucherInsufficientValue", credit, FACE + 1, FACE)):
        voucher.lock(credit, FACE + 1, supplier1, {"from": as_financing})


def test_lock_of_zero_value(voucher, credit, supplier1, as_financing):
    with brownie.reverts(err("VoucherInsufficientValue", credit, 0, FACE)):
        voucher.lock(credit, 0, supplier1, {"from": as_financing})


def test_unlock_of_a_fragment_that_is_not_locked(voucher, credit, as_financing):
    with brownie.reverts(err("VoucherNotLocked", credit)):
        voucher.unlock(credit, {"from": as_financing})


def test_deliver_of_a_fragment_that_is_not_locked(voucher, credit, bank_a, as_financing):
    with brownie.reverts(err("VoucherNotLocked", credit)):
        voucher.deliverLocked(credit, bank_a, {"from": as_financing})


def test_lock_of_the_whole_value_locks_the_fragment_in_place(
    voucher, credit, supplier1, as_financing
):
    tx = voucher.lock(credit, FACE, supplier1, {"from": as_financing})

    assert tx.return_value == credit
    assert emitted(tx) == [("FragmentLocked", {"tokenId": credit, "locked": True})]
    assert voucher.fragment(credit)["locked"]
    assert not voucher.isTransferable(credit)


def test_burn_for_redemption_before_maturity(voucher, credit, as_settlement):
    maturity = voucher.credit(credit)["maturity"]

    with brownie.reverts(err("VoucherNotMatured", credit, maturity)):
        voucher.burnForRedemption(credit, {"from": as_settlement})


def test_burn_for_redemption_of_a_burned_fragment(
    voucher, settlement, credit, supplier1, as_settlement
):
    sleep_until(voucher.credit(credit)["maturity"])
    settlement.redeem(credit, {"from": supplier1})

    with brownie.reverts(err("VoucherNonexistentToken", credit)):
        voucher.burnForRedemption(credit, {"from": as_settlement})


def test_link_platform_once_only(voucher, financing, settlement, operator):
    with brownie.reverts(err("VoucherAlreadyLinked")):
        voucher.linkPlatform(financing, settlement, {"from": operator})


def test_link_platform_links_financing_and_settlement(
    consortium, invoices, quality, financing, settlement, operator, supplier1, core
):
    fresh = CreditVoucher.deploy(consortium, invoices, quality, {"from": operator})

    tx = fresh.linkPlatform(financing, settlement, {"from": operator})

    assert emitted(tx) == [
        ("PlatformLinked", {"financing": financing, "settlement": settlement}),
    ]
    with brownie.reverts(err("VoucherNotPlatform", supplier1)):
        fresh.unlock(1, {"from": supplier1})


def test_link_platform_by_a_non_operator(
    consortium, invoices, quality, financing, settlement, operator, supplier1
):
    fresh = CreditVoucher.deploy(consortium, invoices, quality, {"from": operator})

    with brownie.reverts(err("ConsortiumMissingRole", supplier1, ROLE["OPERATOR"])):
        fresh.linkPlatform(financing, settlement, {"from": supplier1})


def test_link_platform_by_a_non_member(
    consortium, invoices, quality, financing, settlement, operator, stranger
):
    fresh = CreditVoucher.deploy(consortium, invoices, quality, {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, 0)):
        fresh.linkPlatform(financing, settlement, {"from": stranger})


def test_link_platform_while_paused(consortium, invoices, quality, financing, settlement, operator):
    fresh = CreditVoucher.deploy(consortium, invoices, quality, {"from": operator})
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        fresh.linkPlatform(financing, settlement, {"from": operator})
