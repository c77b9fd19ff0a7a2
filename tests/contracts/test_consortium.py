"""Consortium: members, roles, platform limits, credit lines, quotas and exposure."""

import brownie
import pytest
from brownie import Consortium
from conftest import ROLE, UNIT, ZERO, emitted, err, h, hex32

ACTIVE, SUSPENDED, NONE = 1, 2, 0
BIT = {
    "OPERATOR": 1,
    "CORE_ENTERPRISE": 2,
    "SUPPLIER": 4,
    "FINANCIER": 8,
    "INSPECTOR": 16,
    "AUDITOR": 32,
    "PLATFORM": 64,
}
LINE = 1_000 * UNIT


@pytest.fixture
def newcomer(roles):
    """An account the fixtures never onboard."""
    return roles["other"]


@pytest.fixture
def platform_caller(consortium, operator, newcomer):
    """Stands in for a TierCredit contract: an onboarded member holding PLATFORM_ROLE."""
    consortium.onboard(newcomer, h("kyc:platform stand-in"), [ROLE["PLATFORM"]], {"from": operator})
    return newcomer


@pytest.fixture
def issuing(operator, core, supplier1, bank_a, newcomer):
    """A consortium of its own whose linked voucher is `newcomer` (a stand-in onboarded with
    PLATFORM_ROLE), with core holding a line of LINE from bank_a and supplier1 onboarded."""
    own = Consortium.deploy(operator, ZERO, {"from": operator})
    members = {core: "CORE_ENTERPRISE", supplier1: "SUPPLIER", bank_a: "FINANCIER"}
    for account, role in (*members.items(), (newcomer, "PLATFORM")):
        own.onboard(account, h(f"kyc:{account}"), [ROLE[role]], {"from": operator})
    own.linkVoucher(newcomer, {"from": operator})
    own.setCreditLine(core, LINE, {"from": bank_a})
    return own


@pytest.fixture
def lined(consortium, core, bank_a):
    """bank_a grants core a credit line of LINE."""
    consortium.setCreditLine(core, LINE, {"from": bank_a})


# ----------------------------------------------------------------- deployment


def test_deployment_onboards_the_operator_and_sets_default_limits(consortium, operator):
    assert [
        (name, args) for name, args in emitted(consortium.tx) if name != "RoleAdminChanged"
    ] == [
        ("MemberOnboarded", {"member": operator, "kycHash": hex32(bytes(32))}),
        ("RoleGranted", {"role": hex32(ROLE["OPERATOR"]), "account": operator, "sender": operator}),
        ("LimitsChanged", {"maxTenorDays": 180, "gracePeriodDays": 30, "maxTierDepth": 8}),
    ]
    assert consortium.statusOf(operator) == ACTIVE
    assert consortium.roleBitsOf(operator) == BIT["OPERATOR"]
    assert consortium.hasRole(ROLE["OPERATOR"], operator)
    assert tuple(consortium.limits()) == (180, 30, 8)


def test_deployment_makes_operator_the_admin_of_every_role(consortium):
    for name in ROLE:
        assert consortium.getRoleAdmin(ROLE[name]) == hex32(ROLE["OPERATOR"])


def test_role_constants_match_their_names(consortium):
    assert consortium.OPERATOR_ROLE() == hex32(ROLE["OPERATOR"])
    assert consortium.CORE_ENTERPRISE_ROLE() == hex32(ROLE["CORE_ENTERPRISE"])
    assert consortium.SUPPLIER_ROLE() == hex32(ROLE["SUPPLIER"])
    assert consortium.FINANCIER_ROLE() == hex32(ROLE["FINANCIER"])
    assert consortium.INSPECTOR_ROLE() == hex32(ROLE["INSPECTOR"])
    assert consortium.AUDITOR_ROLE() == hex32(ROLE["AUDITOR"])
    assert consortium.PLATFORM_ROLE() == hex32(ROLE["PLATFORM"])


def test_caps_are_one_year_tenor_one_year_grace_and_depth_32(consortium):
    assert (
        consortium.TENOR_CAP_DAYS(),
        consortium.GRACE_CAP_DAYS(),
        consortium.TIER_DEPTH_CAP(),
    ) == (365, 365, 32)


def test_supports_erc165_and_access_control_interfaces(consortium):
    assert consortium.supportsInterface("0x01ffc9a7")
    assert consortium.supportsInterface("0x7965db0b")
    assert not consortium.supportsInterface("0xffffffff")


# ----------------------------------------------------------------- onboard


def test_onboard_activates_member_and_grants_roles(consortium, operator, newcomer):
    tx = consortium.onboard(
        newcomer, h("kyc:newcomer"), [ROLE["SUPPLIER"], ROLE["FINANCIER"]], {"from": operator}
    )

    assert emitted(tx) == [
        ("MemberOnboarded", {"member": newcomer, "kycHash": hex32(h("kyc:newcomer"))}),
        ("RoleGranted", {"role": hex32(ROLE["SUPPLIER"]), "account": newcomer, "sender": operator}),
        (
            "RoleGranted",
            {"role": hex32(ROLE["FINANCIER"]), "account": newcomer, "sender": operator},
        ),
    ]
    assert consortium.statusOf(newcomer) == ACTIVE
    assert consortium.roleBitsOf(newcomer) == BIT["SUPPLIER"] | BIT["FINANCIER"]
    assert consortium.hasRole(ROLE["SUPPLIER"], newcomer)
    assert consortium.hasRole(ROLE["FINANCIER"], newcomer)


def test_onboard_without_roles_activates_member_with_no_role_bits(consortium, operator, newcomer):
    tx = consortium.onboard(newcomer, h("kyc:newcomer"), [], {"from": operator})

    assert emitted(tx) == [
        ("MemberOnboarded", {"member": newcomer, "kycHash": hex32(h("kyc:newcomer"))})
    ]
    assert consortium.statusOf(newcomer) == ACTIVE
    assert consortium.roleBitsOf(newcomer) == 0


def test_onboard_of_existing_member_reverts(consortium, operator, supplier1):
    with brownie.reverts(err("ConsortiumMemberExists", supplier1)):
        consortium.onboard(supplier1, h("kyc:again"), [], {"from": operator})


def test_onboard_of_suspended_member_reverts(consortium, operator, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberExists", supplier1)):
        consortium.onboard(supplier1, h("kyc:again"), [], {"from": operator})


def test_onboard_by_non_operator_reverts(consortium, supplier1, newcomer):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", supplier1, ROLE["OPERATOR"])):
        consortium.onboard(newcomer, h("kyc:newcomer"), [], {"from": supplier1})


# ----------------------------------------------------------------- suspend / reinstate


def test_suspend_marks_member_suspended(consortium, operator, supplier1):
    tx = consortium.suspend(supplier1, h("late filings"), {"from": operator})

    assert emitted(tx) == [
        ("MemberSuspended", {"member": supplier1, "reasonHash": hex32(h("late filings"))})
    ]
    assert consortium.statusOf(supplier1) == SUSPENDED
    assert consortium.roleBitsOf(supplier1) == BIT["SUPPLIER"]


def test_suspend_of_suspended_member_reverts(consortium, operator, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumInvalidStatus", supplier1, SUSPENDED)):
        consortium.suspend(supplier1, h("late filings"), {"from": operator})


def test_suspend_of_unknown_account_reverts(consortium, operator, stranger):
    with brownie.reverts(err("ConsortiumInvalidStatus", stranger, NONE)):
        consortium.suspend(stranger, h("unknown"), {"from": operator})


def test_suspend_by_non_operator_reverts(consortium, auditor, supplier1):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", auditor, ROLE["OPERATOR"])):
        consortium.suspend(supplier1, h("late filings"), {"from": auditor})


def test_reinstate_reactivates_suspended_member(consortium, operator, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    tx = consortium.reinstate(supplier1, {"from": operator})

    assert emitted(tx) == [("MemberReinstated", {"member": supplier1})]
    assert consortium.statusOf(supplier1) == ACTIVE


def test_reinstate_of_active_member_reverts(consortium, operator, supplier1):
    with brownie.reverts(err("ConsortiumInvalidStatus", supplier1, ACTIVE)):
        consortium.reinstate(supplier1, {"from": operator})


def test_reinstate_of_unknown_account_reverts(consortium, operator, stranger):
    with brownie.reverts(err("ConsortiumInvalidStatus", stranger, NONE)):
        consortium.reinstate(stranger, {"from": operator})


def test_reinstate_by_non_operator_reverts(consortium, operator, auditor, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("AccessControlUnauthorizedAccount", auditor, ROLE["OPERATOR"])):
        consortium.reinstate(supplier1, {"from": auditor})


# ----------------------------------------------------------------- roles (AccessControl)


def test_grant_role_adds_the_role_bit(consortium, operator, supplier1):
    tx = consortium.grantRole(ROLE["INSPECTOR"], supplier1, {"from": operator})

    assert emitted(tx) == [
        (
            "RoleGranted",
            {"role": hex32(ROLE["INSPECTOR"]), "account": supplier1, "sender": operator},
        )
    ]
    assert consortium.roleBitsOf(supplier1) == BIT["SUPPLIER"] | BIT["INSPECTOR"]


def test_grant_role_to_unknown_account_reverts(consortium, operator, stranger):
    with brownie.reverts(err("ConsortiumUnknownMember", stranger)):
        consortium.grantRole(ROLE["SUPPLIER"], stranger, {"from": operator})


def test_grant_role_by_non_admin_reverts(consortium, core, supplier1):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", core, ROLE["OPERATOR"])):
        consortium.grantRole(ROLE["FINANCIER"], supplier1, {"from": core})


def test_revoke_role_clears_the_role_bit(consortium, operator, supplier1):
    tx = consortium.revokeRole(ROLE["SUPPLIER"], supplier1, {"from": operator})

    assert emitted(tx) == [
        ("RoleRevoked", {"role": hex32(ROLE["SUPPLIER"]), "account": supplier1, "sender": operator})
    ]
    assert consortium.roleBitsOf(supplier1) == 0
    assert not consortium.hasRole(ROLE["SUPPLIER"], supplier1)


def test_revoke_role_by_non_admin_reverts(consortium, core, supplier1):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", core, ROLE["OPERATOR"])):
        consortium.revokeRole(ROLE["SUPPLIER"], supplier1, {"from": core})


def test_renounce_role_clears_the_role_bit(consortium, bank_a):
    tx = consortium.renounceRole(ROLE["FINANCIER"], bank_a, {"from": bank_a})

    assert emitted(tx) == [
        ("RoleRevoked", {"role": hex32(ROLE["FINANCIER"]), "account": bank_a, "sender": bank_a})
    ]
    assert consortium.roleBitsOf(bank_a) == 0


def test_renounce_role_for_another_account_reverts(consortium, bank_a, bank_b):
    with brownie.reverts(err("AccessControlBadConfirmation")):
        consortium.renounceRole(ROLE["FINANCIER"], bank_b, {"from": bank_a})


# ----------------------------------------------------------------- setLimits


def test_set_limits_stores_and_announces_new_limits(consortium, operator):
    tx = consortium.setLimits(90, 10, 4, {"from": operator})

    assert emitted(tx) == [
        ("LimitsChanged", {"maxTenorDays": 90, "gracePeriodDays": 10, "maxTierDepth": 4})
    ]
    assert tuple(consortium.limits()) == (90, 10, 4)


def test_set_limits_accepts_the_caps(consortium, operator):
    consortium.setLimits(365, 365, 32, {"from": operator})

    assert tuple(consortium.limits()) == (365, 365, 32)


def test_set_limits_accepts_zero_grace_period(consortium, operator):
    consortium.setLimits(1, 0, 1, {"from": operator})

    assert tuple(consortium.limits()) == (1, 0, 1)


@pytest.mark.parametrize(
    "limits",
    [(0, 30, 8), (366, 30, 8), (180, 366, 8), (180, 30, 0), (180, 30, 33)],
    ids=["zero-tenor", "tenor-over-a-year", "grace-over-a-year", "zero-depth", "depth-over-cap"],
)
def test_set_limits_out_of_range_reverts(consortium, operator, limits):
    with brownie.reverts(err("ConsortiumInvalidLimits", *limits)):
        consortium.setLimits(*limits, {"from": operator})


def test_set_limits_by_non_operator_reverts(consortium, auditor):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", auditor, ROLE["OPERATOR"])):
        consortium.setLimits(90, 10, 4, {"from": auditor})


# ----------------------------------------------------------------- pause / unpause


def test_pause_stops_member_actions(consortium, operator):
    tx = consortium.pause({"from": operator})

    assert emitted(tx) == [("Paused", {"account": operator})]
    assert consortium.paused()


def test_pause_when_paused_reverts(consortium, operator):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.pause({"from": operator})


def test_pause_by_non_operator_reverts(consortium, auditor):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", auditor, ROLE["OPERATOR"])):
        consortium.pause({"from": auditor})


def test_unpause_resumes_member_actions(consortium, operator):
    consortium.pause({"from": operator})

    tx = consortium.unpause({"from": operator})

    assert emitted(tx) == [("Unpaused", {"account": operator})]
    assert not consortium.paused()


def test_unpause_when_live_reverts(consortium, operator):
    with brownie.reverts(err("ExpectedPause")):
        consortium.unpause({"from": operator})


def test_unpause_by_non_operator_reverts(consortium, operator, auditor):
    consortium.pause({"from": operator})

    with brownie.reverts(err("AccessControlUnauthorizedAccount", auditor, ROLE["OPERATOR"])):
        consortium.unpause({"from": auditor})


# ----------------------------------------------------------------- setQualityRequirement


def test_set_quality_requirement_records_the_obligors_choice(consortium, core, core2):
    tx = consortium.setQualityRequirement(True, {"from": core})

    assert emitted(tx) == [("QualityRequirementChanged", {"obligor": core, "required": True})]
    assert consortium.requiresQualityCertificate(core)
    assert not consortium.requiresQualityCertificate(core2)
    # The choice shares the member record: status and roles are untouched.
    assert (consortium.statusOf(core), consortium.roleBitsOf(core)) == (
        ACTIVE,
        BIT["CORE_ENTERPRISE"],
    )


def test_set_quality_requirement_can_be_lifted(consortium, core):
    consortium.setQualityRequirement(True, {"from": core})

    tx = consortium.setQualityRequirement(False, {"from": core})

    assert emitted(tx) == [("QualityRequirementChanged", {"obligor": core, "required": False})]
    assert not consortium.requiresQualityCertificate(core)


def test_set_quality_requirement_by_non_core_enterprise_reverts(consortium, supplier1):
    with brownie.reverts(err("ConsortiumMissingRole", supplier1, ROLE["CORE_ENTERPRISE"])):
        consortium.setQualityRequirement(True, {"from": supplier1})


def test_set_quality_requirement_by_suspended_core_enterprise_reverts(consortium, operator, core):
    consortium.suspend(core, h("audit"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", core, SUSPENDED)):
        consortium.setQualityRequirement(True, {"from": core})


def test_set_quality_requirement_while_paused_reverts(consortium, operator, core):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.setQualityRequirement(True, {"from": core})


# ----------------------------------------------------------------- setCreditLine


def test_set_credit_line_grants_the_obligor_quota(consortium, core, bank_a):
    tx = consortium.setCreditLine(core, LINE, {"from": bank_a})

    assert emitted(tx) == [
        ("CreditLineSet", {"financier": bank_a, "obligor": core, "limit": LINE, "quota": LINE})
    ]
    assert consortium.creditLine(bank_a, core) == LINE
    assert consortium.issuanceQuota(core) == LINE


def test_set_credit_line_quota_is_the_sum_of_all_lines(consortium, core, bank_a, bank_b, lined):
    tx = consortium.setCreditLine(core, 300 * UNIT, {"from": bank_b})

    assert emitted(tx) == [
        (
            "CreditLineSet",
            {"financier": bank_b, "obligor": core, "limit": 300 * UNIT, "quota": LINE + 300 * UNIT},
        )
    ]
    assert consortium.issuanceQuota(core) == LINE + 300 * UNIT


def test_set_credit_line_cut_lowers_the_quota(consortium, core, bank_a, lined):
    tx = consortium.setCreditLine(core, 400 * UNIT, {"from": bank_a})

    assert emitted(tx) == [
        (
            "CreditLineSet",
            {"financier": bank_a, "obligor": core, "limit": 400 * UNIT, "quota": 400 * UNIT},
        )
    ]
    assert consortium.creditLine(bank_a, core) == 400 * UNIT
    assert consortium.issuanceQuota(core) == 400 * UNIT


def test_set_credit_line_to_zero_withdraws_it(consortium, core, bank_a, lined):
    consortium.setCreditLine(core, 0, {"from": bank_a})

    assert consortium.creditLine(bank_a, core) == 0
    assert consortium.issuanceQuota(core) == 0


def test_set_credit_line_by_non_financier_reverts(consortium, core, supplier1):
    with brownie.reverts(err("ConsortiumMissingRole", supplier1, ROLE["FINANCIER"])):
        consortium.setCreditLine(core, LINE, {"from": supplier1})


def test_set_credit_line_by_non_member_reverts(consortium, core, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        consortium.setCreditLine(core, LINE, {"from": stranger})


def test_set_credit_line_by_suspended_financier_reverts(consortium, operator, core, bank_a):
    consortium.suspend(bank_a, h("capital ratio"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, SUSPENDED)):
        consortium.setCreditLine(core, LINE, {"from": bank_a})


def test_set_credit_line_to_non_core_enterprise_reverts(consortium, supplier1, bank_a):
    with brownie.reverts(err("ConsortiumMissingRole", supplier1, ROLE["CORE_ENTERPRISE"])):
        consortium.setCreditLine(supplier1, LINE, {"from": bank_a})


def test_set_credit_line_below_exposure_reverts(consortium, core, bank_a, lined, platform_caller):
    consortium.increaseExposure(bank_a, core, 600 * UNIT, {"from": platform_caller})

    with brownie.reverts(
        err("ConsortiumCreditLineBelowExposure", bank_a, core, 599 * UNIT, 600 * UNIT)
    ):
        consortium.setCreditLine(core, 599 * UNIT, {"from": bank_a})


def test_set_credit_line_below_outstanding_reverts(issuing, core, supplier1, bank_a, newcomer):
    issuing.drawIssuance(core, supplier1, 700 * UNIT, {"from": newcomer})

    with brownie.reverts(err("ConsortiumQuotaBelowOutstanding", core, 699 * UNIT, 700 * UNIT)):
        issuing.setCreditLine(core, 699 * UNIT, {"from": bank_a})


def test_set_credit_line_while_paused_reverts(consortium, operator, core, bank_a):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.setCreditLine(core, LINE, {"from": bank_a})


# ----------------------------------------------------------------- quota (the voucher only)


def test_link_voucher_once(issuing, operator, newcomer, supplier1):
    with brownie.reverts(err("ConsortiumVoucherAlreadyLinked", newcomer)):
        issuing.linkVoucher(supplier1, {"from": operator})


def test_link_voucher_emits_the_link(operator, newcomer):
    own = Consortium.deploy(operator, ZERO, {"from": operator})

    tx = own.linkVoucher(newcomer, {"from": operator})

    assert emitted(tx) == [("VoucherLinked", {"voucher": newcomer})]


def test_link_voucher_to_zero_reverts(operator):
    own = Consortium.deploy(operator, ZERO, {"from": operator})

    with brownie.reverts(err("ConsortiumNotVoucher", ZERO)):
        own.linkVoucher(ZERO, {"from": operator})


def test_link_voucher_by_non_operator_reverts(consortium, core, newcomer):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", core, ROLE["OPERATOR"])):
        consortium.linkVoucher(newcomer, {"from": core})


def test_draw_issuance_raises_outstanding_and_answers_the_trade_context(
    issuing, core, supplier1, newcomer
):
    tx = issuing.drawIssuance(core, supplier1, 250 * UNIT, {"from": newcomer})

    assert emitted(tx) == [("OutstandingChanged", {"obligor": core, "outstanding": 250 * UNIT})]
    from_bits, to_bits, requires_certificate, limits = tx.return_value
    assert (from_bits, to_bits, requires_certificate) == (
        BIT["CORE_ENTERPRISE"],
        BIT["SUPPLIER"],
        False,
    )
    assert [int(limit) for limit in limits] == [180, 30, 8]
    assert issuing.outstanding(core) == 250 * UNIT


def test_draw_issuance_up_to_the_whole_quota_succeeds(issuing, core, supplier1, newcomer):
    issuing.drawIssuance(core, supplier1, LINE, {"from": newcomer})

    assert issuing.outstanding(core) == LINE


def test_draw_issuance_past_the_quota_reverts(issuing, core, supplier1, newcomer):
    issuing.drawIssuance(core, supplier1, 900 * UNIT, {"from": newcomer})

    with brownie.reverts(err("ConsortiumQuotaExceeded", core, 100 * UNIT + 1, 900 * UNIT, LINE)):
        issuing.drawIssuance(core, supplier1, 100 * UNIT + 1, {"from": newcomer})


def test_draw_issuance_by_anyone_but_the_voucher_reverts(issuing, core, supplier1, bank_a):
    with brownie.reverts(err("ConsortiumNotVoucher", bank_a)):
        issuing.drawIssuance(core, supplier1, UNIT, {"from": bank_a})


def test_draw_issuance_to_a_suspended_supplier_reverts(
    issuing, operator, core, supplier1, newcomer
):
    issuing.suspend(supplier1, h("kyc expired"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        issuing.drawIssuance(core, supplier1, UNIT, {"from": newcomer})


def test_draw_issuance_while_paused_reverts(issuing, operator, core, supplier1, newcomer):
    issuing.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        issuing.drawIssuance(core, supplier1, UNIT, {"from": newcomer})


def test_set_credit_line_beyond_what_a_quota_holds_reverts(consortium, core, bank_a, bank_b):
    consortium.setCreditLine(core, 2**111, {"from": bank_a})

    with brownie.reverts(err("ConsortiumQuotaOverflow", core, 2**112)):
        consortium.setCreditLine(core, 2**111, {"from": bank_b})


def test_restore_quota_lowers_outstanding(issuing, core, supplier1, newcomer):
    issuing.drawIssuance(core, supplier1, 250 * UNIT, {"from": newcomer})

    tx = issuing.restoreQuota(core, 100 * UNIT, {"from": newcomer})

    assert emitted(tx) == [("OutstandingChanged", {"obligor": core, "outstanding": 150 * UNIT})]
    assert issuing.outstanding(core) == 150 * UNIT


def test_restore_quota_beyond_outstanding_reverts(issuing, core, supplier1, newcomer):
    issuing.drawIssuance(core, supplier1, 250 * UNIT, {"from": newcomer})

    with brownie.reverts(err("ConsortiumUnderflow", core, 250 * UNIT + 1, 250 * UNIT)):
        issuing.restoreQuota(core, 250 * UNIT + 1, {"from": newcomer})


def test_restore_quota_by_non_platform_reverts(consortium, core):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", core, ROLE["PLATFORM"])):
        consortium.restoreQuota(core, 0, {"from": core})


# ----------------------------------------------------------------- exposure (platform only)


def test_increase_exposure_within_the_line(consortium, core, bank_a, lined, platform_caller):
    tx = consortium.increaseExposure(bank_a, core, 400 * UNIT, {"from": platform_caller})

    assert emitted(tx) == [
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": 400 * UNIT})
    ]
    assert consortium.exposure(bank_a, core) == 400 * UNIT


def test_increase_exposure_past_the_line_reverts(consortium, core, bank_a, lined, platform_caller):
    consortium.increaseExposure(bank_a, core, 400 * UNIT, {"from": platform_caller})

    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_a, core, LINE + 1, LINE)):
        consortium.increaseExposure(bank_a, core, 600 * UNIT + 1, {"from": platform_caller})


def test_increase_exposure_without_a_line_reverts(consortium, core, bank_b, platform_caller):
    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_b, core, 1, 0)):
        consortium.increaseExposure(bank_b, core, 1, {"from": platform_caller})


def test_increase_exposure_by_non_platform_reverts(consortium, core, bank_a, lined):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", bank_a, ROLE["PLATFORM"])):
        consortium.increaseExposure(bank_a, core, UNIT, {"from": bank_a})


def test_decrease_exposure_lowers_it(consortium, core, bank_a, lined, platform_caller):
    consortium.increaseExposure(bank_a, core, 400 * UNIT, {"from": platform_caller})

    tx = consortium.decreaseExposure(bank_a, core, 150 * UNIT, {"from": platform_caller})

    assert emitted(tx) == [
        ("ExposureChanged", {"financier": bank_a, "obligor": core, "exposure": 250 * UNIT})
    ]
    assert consortium.exposure(bank_a, core) == 250 * UNIT


def test_decrease_exposure_beyond_it_reverts(consortium, core, bank_a, lined, platform_caller):
    consortium.increaseExposure(bank_a, core, 400 * UNIT, {"from": platform_caller})

    with brownie.reverts(err("ConsortiumUnderflow", bank_a, 400 * UNIT + 1, 400 * UNIT)):
        consortium.decreaseExposure(bank_a, core, 400 * UNIT + 1, {"from": platform_caller})


def test_decrease_exposure_by_non_platform_reverts(consortium, core, bank_a):
    with brownie.reverts(err("AccessControlUnauthorizedAccount", bank_a, ROLE["PLATFORM"])):
        consortium.decreaseExposure(bank_a, core, 0, {"from": bank_a})


# ----------------------------------------------------------------- checks the other contracts call


def test_require_active_passes_for_active_member(consortium, bank_a):
    consortium.requireActive(bank_a)


def test_require_active_of_non_member_reverts(consortium, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        consortium.requireActive(stranger)


def test_require_active_of_suspended_member_reverts(consortium, operator, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        consortium.requireActive(supplier1)


def test_require_active_while_paused_reverts(consortium, operator, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.requireActive(supplier1)


def test_require_active_role_passes_for_active_holder(consortium, inspector):
    consortium.requireActiveRole(inspector, ROLE["INSPECTOR"])


def test_require_active_role_without_the_role_reverts(consortium, inspector):
    with brownie.reverts(err("ConsortiumMissingRole", inspector, ROLE["AUDITOR"])):
        consortium.requireActiveRole(inspector, ROLE["AUDITOR"])


def test_require_active_role_of_suspended_holder_reverts(consortium, operator, inspector):
    consortium.suspend(inspector, h("accreditation lapsed"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", inspector, SUSPENDED)):
        consortium.requireActiveRole(inspector, ROLE["INSPECTOR"])


def test_require_active_role_while_paused_reverts(consortium, operator, inspector):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.requireActiveRole(inspector, ROLE["INSPECTOR"])


def test_require_active_pair_passes_for_two_active_members(consortium, supplier1, bank_a):
    consortium.requireActivePair(supplier1, bank_a)


def test_require_active_pair_with_inactive_first_reverts(consortium, stranger, bank_a):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        consortium.requireActivePair(stranger, bank_a)


def test_require_active_pair_with_inactive_second_reverts(consortium, operator, supplier1, bank_a):
    consortium.suspend(bank_a, h("capital ratio"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, SUSPENDED)):
        consortium.requireActivePair(supplier1, bank_a)


def test_require_active_pair_while_paused_reverts(consortium, operator, supplier1, bank_a):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.requireActivePair(supplier1, bank_a)


def test_active_role_bits_returns_every_bit_of_the_member(consortium, operator, supplier1):
    consortium.grantRole(ROLE["AUDITOR"], supplier1, {"from": operator})

    assert consortium.activeRoleBits(supplier1) == BIT["SUPPLIER"] | BIT["AUDITOR"]


def test_active_role_bits_of_non_member_reverts(consortium, stranger):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        consortium.activeRoleBits(stranger)


def test_active_role_bits_of_suspended_member_reverts(consortium, operator, supplier1):
    consortium.suspend(supplier1, h("late filings"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        consortium.activeRoleBits(supplier1)


def test_active_role_bits_while_paused_reverts(consortium, operator, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.activeRoleBits(supplier1)


def test_active_role_bits_pair_returns_both_members_bits(consortium, supplier1, bank_a):
    assert tuple(consortium.activeRoleBitsPair(supplier1, bank_a)) == (
        BIT["SUPPLIER"],
        BIT["FINANCIER"],
    )


def test_active_role_bits_pair_with_inactive_first_reverts(consortium, stranger, bank_a):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        consortium.activeRoleBitsPair(stranger, bank_a)


def test_active_role_bits_pair_with_inactive_second_reverts(
    consortium, operator, supplier1, bank_a
):
    consortium.suspend(bank_a, h("capital ratio"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", bank_a, SUSPENDED)):
        consortium.activeRoleBitsPair(supplier1, bank_a)


def test_active_role_bits_pair_while_paused_reverts(consortium, operator, supplier1, bank_a):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.activeRoleBitsPair(supplier1, bank_a)


def test_trade_context_returns_bits_requirement_and_limits(consortium, operator, core, supplier1):
    consortium.setLimits(90, 10, 3, {"from": operator})
    consortium.setQualityRequirement(True, {"from": core})

    core_bits, supplier_bits, required, limits = consortium.tradeContext(core, supplier1)
    assert (core_bits, supplier_bits, required, tuple(limits)) == (
        BIT["CORE_ENTERPRISE"],
        BIT["SUPPLIER"],
        True,
        (90, 10, 3),
    )
    supplier_bits, core_bits, required, limits = consortium.tradeContext(supplier1, core)
    assert (supplier_bits, core_bits, required, tuple(limits)) == (
        BIT["SUPPLIER"],
        BIT["CORE_ENTERPRISE"],
        False,
        (90, 10, 3),
    )


def test_trade_context_with_inactive_first_reverts(consortium, stranger, supplier1):
    with brownie.reverts(err("ConsortiumMemberNotActive", stranger, NONE)):
        consortium.tradeContext(stranger, supplier1)


def test_trade_context_with_inactive_second_reverts(consortium, operator, core, supplier1):
    consortium.suspend(supplier1, h("sanctions screening"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", supplier1, SUSPENDED)):
        consortium.tradeContext(core, supplier1)


def test_trade_context_while_paused_reverts(consortium, operator, core, supplier1):
    consortium.pause({"from": operator})

    with brownie.reverts(err("EnforcedPause")):
        consortium.tradeContext(core, supplier1)


def test_require_exposure_headroom_passes_up_to_the_line(
    consortium, core, bank_a, lined, platform_caller
):
    consortium.increaseExposure(bank_a, core, 400 * UNIT, {"from": platform_caller})

    consortium.requireExposureHeadroom(bank_a, core, 600 * UNIT)


def test_require_exposure_headroom_past_the_line_reverts(
    consortium, core, bank_a, lined, platform_caller
):
    consortium.increaseExposure(bank_a, core, 400 * UNIT, {"from": platform_caller})

    with brownie.reverts(err("ConsortiumExposureLimitExceeded", bank_a, core, LINE + 1, LINE)):
        consortium.requireExposureHeadroom(bank_a, core, 600 * UNIT + 1)


# ----------------------------------------------------------------- views of unknown accounts


def test_views_of_unknown_account_are_empty(consortium, core, stranger):
    assert consortium.statusOf(stranger) == NONE
    assert consortium.roleBitsOf(stranger) == 0
    assert consortium.creditLine(stranger, core) == 0
    assert consortium.exposure(stranger, core) == 0
    assert consortium.issuanceQuota(stranger) == 0
    assert consortium.outstanding(stranger) == 0
    assert not consortium.requiresQualityCertificate(stranger)
    assert not consortium.hasRole(ROLE["OPERATOR"], ZERO)


def test_suspended_operator_cannot_use_operator_powers(consortium, operator, roles, stranger):
    second = roles["other"]
    consortium.onboard(second, h("kyc:operator2"), [ROLE["OPERATOR"]], {"from": operator})
    consortium.suspend(second, h("left the bank"), {"from": operator})

    with brownie.reverts(err("ConsortiumMemberNotActive", second, 2)):
        consortium.onboard(stranger, h("kyc:stranger"), [], {"from": second})
