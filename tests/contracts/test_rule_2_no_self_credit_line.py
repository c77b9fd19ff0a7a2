"""Rule 2: a member that is both a core enterprise and a financier cannot grant a credit line to
itself, which would make its own issuance quota out of nothing."""

import brownie
import pytest
from conftest import ROLE, UNIT, emitted, err

LINE = 1_000 * UNIT


@pytest.fixture
def core_bank(consortium, core, operator):
    """core, a core enterprise that is made a financier as well."""
    consortium.grantRole(ROLE["FINANCIER"], core, {"from": operator})
    return core


def test_credit_line_to_itself(consortium, core_bank):
    with brownie.reverts(err("ConsortiumSelfCreditLine", core_bank)):
        consortium.setCreditLine(core_bank, LINE, {"from": core_bank})

    assert consortium.creditLine(core_bank, core_bank) == 0
    assert consortium.issuanceQuota(core_bank) == 0


def test_credit_line_to_another_obligor_still_works(consortium, core_bank, core2):
    tx = consortium.setCreditLine(core2, LINE, {"from": core_bank})

    assert emitted(tx) == [
        (
            "CreditLineSet",
            {"financier": core_bank, "obligor": core2, "limit": LINE, "quota": LINE},
        ),
    ]
    assert consortium.issuanceQuota(core2) == LINE
