"""Rule 4: a failing certificate freezes the vouchers issued against a passing certificate of the
same goods; revoking that failing certificate lifts the freeze it caused, though not a freeze an
auditor put on the credit."""

import pytest
from brownie import chain
from conftest import DAY, UNIT, h
from flows import FAIL, certify

FACE = 1_000 * UNIT
PART = 100 * UNIT


@pytest.fixture
def invoice(confirmed_invoice, credit_line, core, supplier1, bank_a) -> int:
    credit_line(bank_a, core, 10 * FACE)
    return confirmed_invoice(supplier1, core, FACE)


@pytest.fixture
def credit(voucher, quality, invoice, core, inspector) -> int:
    """A credit issued against a passing certificate of the invoice's goods."""
    passing = certify(quality, inspector, invoice)
    return voucher.issue(
        invoice, FACE, chain.time() + 90 * DAY, passing, {"from": core}
    ).return_value


@pytest.fixture
def failing(voucher, quality, invoice, credit, inspector) -> int:
    """A later inspection of the same goods failed: the credit is frozen."""
    certificate = certify(quality, inspector, invoice, FAIL)
    assert not voucher.isTransferable(credit)
    return certificate


def test_revoking_the_failing_certificate_unfreezes_the_credit(
    voucher, quality, invoice, credit, failing, inspector
):
    quality.revoke(failing, h("wrong batch sampled"), {"from": inspector})

    assert voucher.isTransferable(credit)
    assert not voucher.isFrozen(credit)
    assert not quality.invoiceFailedInspection(invoice)


def test_value_moves_again_once_the_failing_certificate_is_revoked(
    voucher, consortium, quality, credit, failing, core, inspector, supplier1, bank_a
):
    quality.revoke(failing, h("wrong batch sampled"), {"from": inspector})

    sold = voucher.transferFrom["uint256,address,uint256"](
        credit, bank_a, PART, {"from": supplier1}
    ).return_value

    assert voucher.ownerOf(sold) == bank_a
    assert consortium.exposure(bank_a, core) == PART


def test_an_auditors_freeze_stands_when_the_failing_certificate_is_revoked(
    voucher, quality, credit, failing, auditor, inspector
):
    voucher.setCreditFrozen(credit, True, h("fraud inquiry"), {"from": auditor})

    quality.revoke(failing, h("wrong batch sampled"), {"from": inspector})

    assert not voucher.isTransferable(credit)
    voucher.setCreditFrozen(credit, False, h("inquiry closed"), {"from": auditor})
    assert voucher.isTransferable(credit)


def test_the_freeze_stays_while_another_failing_certificate_stands(
    voucher, quality, invoice, credit, failing, inspector
):
    second = certify(quality, inspector, invoice, FAIL)

    quality.revoke(failing, h("wrong batch sampled"), {"from": inspector})

    assert not voucher.isTransferable(credit)
    quality.revoke(second, h("lab error"), {"from": inspector})
    assert voucher.isTransferable(credit)
