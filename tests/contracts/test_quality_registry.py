"""QualityRegistry: inspection certificates, their revocation, and when they may back issuance."""

import brownie
import pytest
from brownie import chain
from conftest import DAY, ROLE, UNIT, emitted, err, h, hex32, next_block_at

NO_RESULT, PASS, FAIL = 0, 1, 2
NONE, SUSPENDED = 0, 2
FAILED, REVOKED, EXPIRED, INVOICE_FAILED, OTHER_INVOICE = 1, 2, 3, 4, 5
BATCH = h("batch:2024-W18-07")
STANDARD = h("GB/T 19001-2016")
DOCUMENT = h("cert:QC-2024-0042")
UINT40_MAX = 2**40 - 1


@pytest.fixture
def invoice_id(confirmed_invoice, supplier1, core) -> int:
    return confirmed_invoice(supplier1, core, 500 * UNIT)


@pytest.fixture
def expiry() -> int:
    return chain.time() + 180 * DAY


@pytest.fixture
def passed(quality, inspector, invoice_id, expiry) -> int:
    """A passing certificate for `invoice_id`."""
    return quality.issue(
        invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": inspector}
    ).return_value


@pytest.fixture
def inspector2(consortium, operator, roles):
    """A second accredited inspector."""
    account = roles["other"]
    consortium.onboard(account, h("kyc:inspector2"), [ROLE["INSPECTOR"]], {"from": operator})
    return account


# ----------------------------------------------------------------- issue


def test_issue_records_a_passing_certificate(quality, inspector, invoice_id, expiry):
    tx = quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": inspector})

    assert tx.return_value == 1
    assert emitted(tx) == [
        (
            "CertificateIssued",
            {
                "certificateId": 1,
                "invoiceId": invoice_id,
                "inspector": inspector,
                "result": PASS,
                "batchCodeHash": hex32(BATCH),
                "standardCode": hex32(STANDARD),
                "documentHash": hex32(DOCUMENT),
                "expiresAt": expiry,
            },
        )
    ]
    assert tuple(quality.certificate(1)) == (
        inspector,
        invoice_id,
        PASS,
        False,
        expiry,
        hex32(BATCH),
        hex32(STANDARD),
        hex32(DOCUMENT),
    )
    assert quality.certificateIdByDocument(DOCUMENT) == 1
    assert quality.inGoodStanding(1)
    assert not quality.invoiceFailedInspection(invoice_id)


def test_issue_numbers_certificates_from_one(quality, inspector, passed, invoice_id, expiry):
    tx = quality.issue(
        invoice_id, BATCH, STANDARD, PASS, h("cert:QC-2024-0043"), expiry, {"from": inspector}
    )

    assert (passed, tx.return_value) == (1, 2)


def test_issue_of_a_failing_certificate_marks_the_invoice_failed(
    quality, inspector, invoice_id, expiry
):
    tx = quality.issue(invoice_id, BATCH, STANDARD, FAIL, DOCUMENT, expiry, {"from": inspector})

    assert tx.events["CertificateIssued"]["result"] == FAIL
    assert quality.invoiceFailedInspection(invoice_id)
    assert not quality.inGoodStanding(tx.return_value)


def test_issue_of_a_later_failing_certificate_taints_the_earlier_pass(
    quality, inspector, passed, invoice_id, expiry
):
    quality.issue(
        invoice_id, BATCH, STANDARD, FAIL, h("cert:QC-2024-0043"), expiry, {"from": inspector}
    )

    assert not quality.inGoodStanding(passed)
    assert not quality.certificate(passed)["revoked"]


def test_issue_of_a_failing_certificate_leaves_other_invoices_untouched(
    quality, inspector, passed, confirmed_invoice, supplier2, core, expiry
):
    other_invoice = confirmed_invoice(supplier2, core, 100 * UNIT)

    quality.issue(
        other_invoice, BATCH, STANDARD, FAIL, h("cert:QC-2024-0043"), expiry, {"from": inspector}
    )

    assert quality.inGoodStanding(passed)


def test_issue_by_non_inspector_reverts(quality, supplier1, invoice_id, expiry):
    with brownie.reverts(err("ConsortiumMissingRole", supplier1, ROLE["INSPECTOR"])):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": supplier1})


def test_issue_by_non_member_reverts(quality, stranger, invoice_id, expiry):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": stranger})


def test_issue_by_suspended_inspector_reverts(
    quality, consortium, operator, inspector, invoice_id, expiry
):
    consortium.suspend(inspector, h("accreditation lapsed"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", inspector, SUSPENDED)):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": inspector})


def test_issue_while_paused_reverts(quality, consortium, operator, inspector, invoice_id, expiry):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": inspector})


def test_issue_for_unknown_invoice_reverts(quality, inspector, expiry):
    with brownie.reverts(err("InvoiceNotFound", 99)):
        quality.issue(99, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": inspector})


@pytest.mark.parametrize("close, status", [("reject", 3), ("cancel", 4)])
def test_issue_for_a_rejected_or_cancelled_invoice_reverts(
    quality, invoices, inspector, supplier1, core, expiry, close, status
):
    invoice_id = invoices.register(
        core,
        100 * UNIT,
        chain.time() + 30 * DAY,
        h("INV-closed"),
        h("doc-closed"),
        {"from": supplier1},
    ).return_value
    if close == "reject":
        invoices.reject(invoice_id, h("not ours"), {"from": core})
    else:
        invoices.cancel(invoice_id, {"from": supplier1})

    with brownie.reverts(err("InvoiceInvalidStatus", invoice_id, status)):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expiry, {"from": inspector})


def test_issue_without_a_result_reverts(quality, inspector, invoice_id, expiry):
    with brownie.reverts(err("QualityInvalidResult", NO_RESULT)):
        quality.issue(invoice_id, BATCH, STANDARD, NO_RESULT, DOCUMENT, expiry, {"from": inspector})


def test_issue_expiring_now_reverts(quality, inspector, invoice_id):
    now = next_block_at(chain[-1].timestamp + 10)

    with brownie.reverts(err("QualityInvalidExpiry", now, now)):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, DOCUMENT, now, {"from": inspector})


def test_issue_expiring_beyond_uint40_reverts(quality, inspector, invoice_id):
    now = next_block_at(chain[-1].timestamp + 10)

    with brownie.reverts(err("QualityInvalidExpiry", UINT40_MAX + 1, now)):
        quality.issue(
            invoice_id, BATCH, STANDARD, PASS, DOCUMENT, UINT40_MAX + 1, {"from": inspector}
        )


def test_issue_with_an_anchored_document_reverts(quality, inspector, passed, invoice_id, expiry):
    with brownie.reverts(err("QualityDocumentAlreadyRegistered", DOCUMENT, passed)):
        quality.issue(invoice_id, BATCH, STANDARD, FAIL, DOCUMENT, expiry, {"from": inspector})


def test_issue_with_an_empty_document_hash_reverts(quality, inspector, invoice_id, expiry):
    with brownie.reverts(err("QualityDocumentAlreadyRegistered", bytes(32), 0)):
        quality.issue(invoice_id, BATCH, STANDARD, PASS, bytes(32), expiry, {"from": inspector})


# ----------------------------------------------------------------- revoke


def test_revoke_takes_the_certificate_out_of_good_standing(quality, inspector, passed):
    tx = quality.revoke(passed, h("sample swapped"), {"from": inspector})

    assert emitted(tx) == [
        ("CertificateRevoked", {"certificateId": passed, "reasonHash": hex32(h("sample swapped"))})
    ]
    assert quality.certificate(passed)["revoked"]
    assert not quality.inGoodStanding(passed)


def test_revoke_by_another_inspector_reverts(quality, passed, inspector2):
    with brownie.reverts(err("QualityNotIssuer", passed, inspector2)):
        quality.revoke(passed, h("sample swapped"), {"from": inspector2})


def test_revoke_by_suspended_issuer_reverts(quality, consortium, operator, inspector, passed):
    consortium.suspend(inspector, h("accreditation lapsed"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", inspector, SUSPENDED)):
        quality.revoke(passed, h("sample swapped"), {"from": inspector})


def test_revoke_while_paused_reverts(quality, consortium, operator, inspector, passed):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        quality.revoke(passed, h("sample swapped"), {"from": inspector})


def test_revoke_of_unknown_certificate_reverts(quality, inspector):
    with brownie.reverts(err("QualityCertificateNotFound", 99)):
        quality.revoke(99, h("sample swapped"), {"from": inspector})


def test_revoke_twice_reverts(quality, inspector, passed):
    quality.revoke(passed, h("sample swapped"), {"from": inspector})

    with brownie.reverts(err("QualityCertificateAlreadyRevoked", passed)):
        quality.revoke(passed, h("sample swapped"), {"from": inspector})


# ----------------------------------------------------------------- requireUsable


def test_require_usable_passes_for_a_valid_pass_of_the_invoice(quality, passed, invoice_id):
    quality.requireUsable(passed, invoice_id)


def test_require_usable_for_another_invoice_reverts(
    quality, passed, confirmed_invoice, supplier2, core
):
    other_invoice = confirmed_invoice(supplier2, core, 100 * UNIT)

    with brownie.reverts(err("QualityCertificateNotUsable", passed, other_invoice, OTHER_INVOICE)):
        quality.requireUsable(passed, other_invoice)


def test_require_usable_of_a_failing_certificate_reverts(quality, inspector, invoice_id, expiry):
    failed = quality.issue(
        invoice_id, BATCH, STANDARD, FAIL, DOCUMENT, expiry, {"from": inspector}
    ).return_value

    with brownie.reverts(err("QualityCertificateNotUsable", failed, invoice_id, FAILED)):
        quality.requireUsable(failed, invoice_id)


def test_require_usable_of_a_revoked_certificate_reverts(quality, inspector, passed, invoice_id):
    quality.revoke(passed, h("sample swapped"), {"from": inspector})

    with brownie.reverts(err("QualityCertificateNotUsable", passed, invoice_id, REVOKED)):
        quality.requireUsable(passed, invoice_id)


def test_require_usable_after_the_goods_failed_later_reverts(
    quality, inspector, passed, invoice_id, expiry
):
    quality.issue(
        invoice_id, BATCH, STANDARD, FAIL, h("cert:QC-2024-0043"), expiry, {"from": inspector}
    )

    with brownie.reverts(err("QualityCertificateNotUsable", passed, invoice_id, INVOICE_FAILED)):
        quality.requireUsable(passed, invoice_id)


def test_require_usable_of_an_expired_certificate_reverts(quality, inspector, invoice_id):
    expires_at = chain[-1].timestamp + DAY
    certificate_id = quality.issue(
        invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expires_at, {"from": inspector}
    ).return_value
    chain.sleep(2 * DAY)
    chain.mine()

    with brownie.reverts(err("QualityCertificateNotUsable", certificate_id, invoice_id, EXPIRED)):
        quality.requireUsable(certificate_id, invoice_id)


def test_require_usable_of_unknown_certificate_reverts(quality, invoice_id):
    with brownie.reverts(err("QualityCertificateNotFound", 99)):
        quality.requireUsable(99, invoice_id)


# ----------------------------------------------------------------- views


def test_expiry_alone_keeps_the_certificate_in_good_standing(quality, inspector, invoice_id):
    expires_at = chain[-1].timestamp + DAY
    certificate_id = quality.issue(
        invoice_id, BATCH, STANDARD, PASS, DOCUMENT, expires_at, {"from": inspector}
    ).return_value
    chain.sleep(2 * DAY)
    chain.mine()

    assert quality.inGoodStanding(certificate_id)


def test_unknown_certificate_is_not_in_good_standing(quality):
    assert not quality.inGoodStanding(99)


def test_certificate_of_unknown_id_reverts(quality):
    with brownie.reverts(err("QualityCertificateNotFound", 0)):
        quality.certificate(0)


def test_lookup_of_unknown_document_is_zero(quality, invoice_id):
    assert quality.certificateIdByDocument(DOCUMENT) == 0
    assert not quality.invoiceFailedInspection(invoice_id)
