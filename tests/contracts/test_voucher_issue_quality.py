"""CreditVoucher.issue against quality certificates: required by the obligor if it says so, and
usable only while valid."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, UNIT, err, h
from flows import FAIL, certify, event_args

FACE = 600 * UNIT
REASON_FAILED, REASON_REVOKED, REASON_EXPIRED, REASON_INVOICE_FAILED, REASON_OTHER_INVOICE = (
    1,
    2,
    3,
    4,
    5,
)


@pytest.fixture
def invoice(confirmed_invoice, credit_line, core, supplier1, bank_a) -> int:
    credit_line(bank_a, core, 5_000 * UNIT)
    return confirmed_invoice(supplier1, core, 1_000 * UNIT)


@pytest.fixture
def maturity() -> int:
    return chain.time() + 90 * DAY


def test_issue_without_certificate_when_obligor_requires_one(
    voucher, consortium, invoice, maturity, core
):
    consortium.setQualityRequirement(True, {"from": core})

    with brownie.reverts(err("VoucherCertificateRequired", core, invoice)):
        voucher.issue(invoice, FACE, maturity, 0, {"from": core})


def test_issue_against_passing_certificate_records_it(
    voucher, consortium, quality, invoice, maturity, core, supplier1, inspector
):
    consortium.setQualityRequirement(True, {"from": core})
    certificate = certify(quality, inspector, invoice)

    tx = voucher.issue(invoice, FACE, maturity, certificate, {"from": core})

    assert event_args(tx, "CreditIssued") == {
        "creditId": tx.return_value,
        "obligor": core,
        "supplier": supplier1,
        "faceValue": FACE,
        "maturity": maturity,
        "invoiceId": invoice,
        "certificateId": certificate,
        "gracePeriodDays": 30,
    }
    assert voucher.credit(tx.return_value)["certificateId"] == certificate
    assert voucher.isTransferable(tx.return_value)


def test_issue_against_failed_certificate_even_if_not_required(
    voucher, quality, invoice, maturity, core, inspector
):
    certificate = certify(quality, inspector, invoice, FAIL)

    with brownie.reverts(err("QualityCertificateNotUsable", certificate, invoice, REASON_FAILED)):
        voucher.issue(invoice, FACE, maturity, certificate, {"from": core})


def test_issue_against_revoked_certificate(voucher, quality, invoice, maturity, core, inspector):
    certificate = certify(quality, inspector, invoice)
    quality.revoke(certificate, h("sampling error"), {"from": inspector})

    with brownie.reverts(err("QualityCertificateNotUsable", certificate, invoice, REASON_REVOKED)):
        voucher.issue(invoice, FACE, maturity, certificate, {"from": core})


def test_issue_against_expired_certificate(voucher, quality, invoice, core, inspector):
    certificate = certify(quality, inspector, invoice, valid_days=1)
    chain.sleep(2 * DAY)
    chain.mine()

    with brownie.reverts(err("QualityCertificateNotUsable", certificate, invoice, REASON_EXPIRED)):
        voucher.issue(invoice, FACE, chain.time() + 60 * DAY, certificate, {"from": core})


def test_issue_against_certificate_of_goods_that_later_failed(
    voucher, quality, invoice, maturity, core, inspector
):
    certificate = certify(quality, inspector, invoice)
    certify(quality, inspector, invoice, FAIL)

    with brownie.reverts(
        err("QualityCertificateNotUsable", certificate, invoice, REASON_INVOICE_FAILED)
    ):
        voucher.issue(invoice, FACE, maturity, certificate, {"from": core})


def test_issue_against_certificate_of_another_invoice(
    voucher, quality, confirmed_invoice, invoice, maturity, core, supplier1, inspector
):
    certificate = certify(quality, inspector, confirmed_invoice(supplier1, core, 1_000 * UNIT))

    with brownie.reverts(
        err("QualityCertificateNotUsable", certificate, invoice, REASON_OTHER_INVOICE)
    ):
        voucher.issue(invoice, FACE, maturity, certificate, {"from": core})


def test_issue_against_unknown_certificate(voucher, invoice, maturity, core):
    with brownie.reverts(err("QualityCertificateNotFound", 77)):
        voucher.issue(invoice, FACE, maturity, 77, {"from": core})
