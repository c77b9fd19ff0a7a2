"""Rule 5: a pause leaves supervision open. Auditors and the operator still freeze, unfreeze and
lift quality freezes, and the operator unpauses, after which members act again."""

import pytest
from brownie import chain
from conftest import DAY, UNIT, emitted, h, hex32
from flows import certify

FACE = 1_000 * UNIT
REASON = h("disputed delivery")


@pytest.fixture
def credit(issued, core, supplier1) -> int:
    return issued(core, supplier1, FACE)


@pytest.fixture
def paused(consortium, operator) -> None:
    consortium.pause({"from": operator})


def test_auditor_freezes_and_the_operator_unfreezes_a_fragment(
    voucher, credit, paused, auditor, operator
):
    frozen = voucher.setFragmentFrozen(credit, True, REASON, {"from": auditor})
    unfrozen = voucher.setFragmentFrozen(credit, False, REASON, {"from": operator})

    assert emitted(frozen) == [
        ("FragmentFrozen", {"tokenId": credit, "frozen": True, "reasonHash": hex32(REASON)}),
    ]
    assert emitted(unfrozen) == [
        ("FragmentFrozen", {"tokenId": credit, "frozen": False, "reasonHash": hex32(REASON)}),
    ]


def test_auditor_freezes_and_unfreezes_a_credit(voucher, credit, paused, auditor):
    voucher.setCreditFrozen(credit, True, REASON, {"from": auditor})
    voucher.setCreditFrozen(credit, False, REASON, {"from": auditor})

    assert not voucher.credit(credit)["frozen"]


def test_auditor_lifts_a_quality_freeze(
    voucher,
    consortium,
    quality,
    confirmed_invoice,
    credit_line,
    core,
    supplier1,
    bank_a,
    inspector,
    auditor,
    operator,
):
    credit_line(bank_a, core, FACE)
    invoice = confirmed_invoice(supplier1, core, FACE)
    certificate = certify(quality, inspector, invoice)
    credit = voucher.issue(
        invoice, FACE, chain.time() + 90 * DAY, certificate, {"from": core}
    ).return_value
    quality.revoke(certificate, h("batch recalled"), {"from": inspector})
    consortium.pause({"from": operator})

    tx = voucher.liftQualityFreeze(credit, REASON, {"from": auditor})

    assert emitted(tx) == [
        (
            "QualityFreezeLifted",
            {"creditId": credit, "supervisor": auditor, "reasonHash": hex32(REASON)},
        ),
    ]


def test_operator_unpauses_and_members_act_again(
    voucher, consortium, credit, paused, operator, supplier1, bank_a
):
    tx = consortium.unpause({"from": operator})
    voucher.setApprovalForAll(bank_a, True, {"from": supplier1})

    assert emitted(tx) == [("Unpaused", {"account": operator})]
    assert not consortium.paused()
    assert voucher.isApprovedForAll(supplier1, bank_a)
