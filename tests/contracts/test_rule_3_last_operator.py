"""Rule 3: the platform never loses its last active operator. It cannot be suspended, have its
role revoked or renounce it (ConsortiumLastOperator); handing over to a second operator first
works."""

import brownie
import pytest
from conftest import ROLE, emitted, err, h, hex32

ACTIVE, SUSPENDED = 1, 2


@pytest.fixture
def second_operator(consortium, auditor, operator):
    """The auditor, made an operator as well: two active operators."""
    consortium.grantRole(ROLE["OPERATOR"], auditor, {"from": operator})
    return auditor


def test_the_deploying_operator_is_the_one_active_operator(consortium):
    assert consortium.activeOperatorCount() == 1


def test_last_operator_cannot_be_suspended(consortium, operator):
    with brownie.reverts(err("ConsortiumLastOperator", operator)):
        consortium.suspend(operator, h("leaving"), {"from": operator})

    assert consortium.statusOf(operator) == ACTIVE
    assert consortium.activeOperatorCount() == 1


def test_last_operator_role_cannot_be_revoked(consortium, operator):
    with brownie.reverts(err("ConsortiumLastOperator", operator)):
        consortium.revokeRole(ROLE["OPERATOR"], operator, {"from": operator})

    assert consortium.hasRole(ROLE["OPERATOR"], operator)


def test_last_operator_cannot_renounce_its_role(consortium, operator):
    with brownie.reverts(err("ConsortiumLastOperator", operator)):
        consortium.renounceRole(ROLE["OPERATOR"], operator, {"from": operator})

    assert consortium.hasRole(ROLE["OPERATOR"], operator)


def test_granting_the_role_to_a_second_member_counts_it(consortium, second_operator):
    assert consortium.activeOperatorCount() == 2


def test_onboarding_an_operator_counts_it(consortium, roles, operator):
    consortium.onboard(roles["other"], h("kyc:other"), [ROLE["OPERATOR"]], {"from": operator})

    assert consortium.activeOperatorCount() == 2


def test_hand_over_then_revoke_the_first(consortium, second_operator, operator):
    tx = consortium.revokeRole(ROLE["OPERATOR"], operator, {"from": second_operator})

    assert emitted(tx) == [
        (
            "RoleRevoked",
            {"role": hex32(ROLE["OPERATOR"]), "account": operator, "sender": second_operator},
        ),
    ]
    assert consortium.activeOperatorCount() == 1
    assert not consortium.hasRole(ROLE["OPERATOR"], operator)


def test_hand_over_then_the_first_renounces(consortium, second_operator, operator):
    consortium.renounceRole(ROLE["OPERATOR"], operator, {"from": operator})

    assert consortium.activeOperatorCount() == 1
    with brownie.reverts(err("ConsortiumLastOperator", second_operator)):
        consortium.renounceRole(ROLE["OPERATOR"], second_operator, {"from": second_operator})


def test_hand_over_then_suspend_the_first(consortium, second_operator, operator):
    consortium.suspend(operator, h("rotated out"), {"from": second_operator})

    assert consortium.activeOperatorCount() == 1
    assert consortium.statusOf(operator) == SUSPENDED
    with brownie.reverts(err("ConsortiumLastOperator", second_operator)):
        consortium.suspend(second_operator, h("leaving"), {"from": second_operator})


def test_reinstating_a_suspended_operator_counts_it_again(consortium, second_operator, operator):
    consortium.suspend(operator, h("rotated out"), {"from": second_operator})

    consortium.reinstate(operator, {"from": second_operator})

    assert consortium.activeOperatorCount() == 2


def test_revoking_a_suspended_operators_role_leaves_the_count(
    consortium, second_operator, operator
):
    consortium.suspend(operator, h("rotated out"), {"from": second_operator})

    consortium.revokeRole(ROLE["OPERATOR"], operator, {"from": second_operator})
    consortium.reinstate(operator, {"from": second_operator})

    assert consortium.activeOperatorCount() == 1
    with brownie.reverts(err("ConsortiumLastOperator", second_operator)):
        consortium.revokeRole(ROLE["OPERATOR"], second_operator, {"from": second_operator})
