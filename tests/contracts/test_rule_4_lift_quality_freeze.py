"""Rule 4: an auditor or the operator lifts, with a reason, the freeze that a certificate gone bad
put on a credit (CreditVoucher.liftQualityFreeze); an auditor's own freezes stay."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, emitted, err, h, hex32
from flows import certify

FACE = 1_000 * UNIT
PART = 100 * UNIT
REASON = h("re-inspection passed, recall withdrawn")


@pytest.fixture
def certified(voucher, quality, confirmed_invoice, credit_line, core, supplier1, bank_a, inspector):
    """(credit, certificate): a credit issued against a passing certificate."""
    credit_line(bank_a, core, 10 * FACE)
    invoice = confirmed_invoice(supplier1, core, FACE)
    certificate = certify(quality, inspector, invoice)
    credit = voucher.issue(
        invoice, FACE, chain.time() + 90 * DAY, certificate, {"from": core}
    ).return_value
    return credit, certificate


@pytest.fixture
def credit(voucher, quality, certified, inspector) -> int:
    """The certified credit, frozen because its certificate was revoked."""
    credit, certificate = certified
    quality.revoke(certificate, h("batch recalled"), {"from": inspector})
    assert not voucher.isTransferable(credit)
    return credit


def test_auditor_lifts_the_quality_freeze(voucher, credit, auditor):
    tx = voucher.liftQualityFreeze(credit, REASON, {"from": auditor})

    assert emitted(tx) == [
        (
            "QualityFreezeLifted",
            {"creditId": credit, "supervisor": auditor, "reasonHash": hex32(REASON)},
        ),
    ]
    assert voucher.credit(credit)["qualityFreezeLifted"]
    assert voucher.isTransferable(credit)
    assert not voucher.isFrozen(credit)


def test_operator_lifts_the_quality_freeze_and_value_moves_again(
    voucher, credit, operator, supplier1, bank_a
):
    voucher.liftQualityFreeze(credit, REASON, {"from": operator})

    sold = voucher.transferFrom["uint256,address,uint256"](
        credit, bank_a, PART, {"from": supplier1}
    ).return_value

    assert voucher.balanceOf["uint256"](sold) == PART


def test_lifting_leaves_an_auditors_credit_freeze(voucher, credit, auditor):
    voucher.setCreditFrozen(credit, True, h("fraud inquiry"), {"from": auditor})

    voucher.liftQualityFreeze(credit, REASON, {"from": auditor})

    assert not voucher.isTransferable(credit)


def test_lifting_leaves_an_auditors_fragment_freeze(voucher, credit, auditor):
    voucher.setFragmentFrozen(credit, True, h("disputed delivery"), {"from": auditor})

    voucher.liftQualityFreeze(credit, REASON, {"from": auditor})

    assert not voucher.isTransferable(credit)


def test_lifting_twice(voucher, credit, certified, auditor):
    _, certificate = certified
    voucher.liftQualityFreeze(credit, REASON, {"from": auditor})

    with brownie.reverts(err("VoucherNotQualityFrozen", credit, certificate)):
        voucher.liftQualityFreeze(credit, REASON, {"from": auditor})


def test_lifting_a_credit_in_good_standing(voucher, certified, auditor):
    credit, certificate = certified

    with brownie.reverts(err("VoucherNotQualityFrozen", credit, certificate)):
        voucher.liftQualityFreeze(credit, REASON, {"from": auditor})


def test_lifting_a_credit_without_certificate(voucher, issued, core, supplier2, auditor):
    uncertified = issued(core, supplier2, FACE)

    with brownie.reverts(err("VoucherNotQualityFrozen", uncertified, 0)):
        voucher.liftQualityFreeze(uncertified, REASON, {"from": auditor})


def test_lifting_by_a_non_supervisor(voucher, credit, supplier1):
    with brownie.reverts(err("VoucherNotSupervisor", supplier1)):
        voucher.liftQualityFreeze(credit, REASON, {"from": supplier1})


def test_lifting_by_a_suspended_auditor(voucher, consortium, credit, auditor, operator):
    consortium.suspend(auditor, h("conflict of interest"), {"from": operator})

    with brownie.reverts(err("VoucherNotSupervisor", auditor)):
        voucher.liftQualityFreeze(credit, REASON, {"from": auditor})


def test_lifting_an_unknown_credit(voucher, auditor):
    with brownie.reverts(err("VoucherNonexistentToken", 99)):
        voucher.liftQualityFreeze(99, REASON, {"from": auditor})
