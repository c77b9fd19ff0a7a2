"""The typed struct reads follow the compiled ABI field by field, and read real state."""

from __future__ import annotations

import dataclasses
import re

import pytest

from backend.chain.artifacts import load_artifacts
from backend.chain.client import Chain
from backend.chain.settlement import Claim, CreditAccount, read_account, read_claim
from backend.chain.voucher import Credit, Fragment


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@pytest.mark.parametrize(
    ("contract", "function", "struct"),
    [
        ("CreditVoucher", "credit", Credit),
        ("CreditVoucher", "fragment", Fragment),
        ("Settlement", "account", CreditAccount),
        ("Settlement", "claimOf", Claim),
    ],
)
def test_struct_fields_are_the_abi_components_in_order(
    contract: str, function: str, struct: type
) -> None:
    (item,) = [i for i in load_artifacts()[contract].abi if i.get("name") == function]
    components = [snake(c["name"]) for c in item["outputs"][0]["components"]]

    assert [f.name for f in dataclasses.fields(struct)] == components


def test_an_unredeemed_token_has_no_claim(chain_client: Chain) -> None:
    assert read_claim(chain_client, 987_654) == Claim(
        "0x0000000000000000000000000000000000000000", 0, 0, 0, False, False
    )
    assert read_account(chain_client, 987_654) == CreditAccount(0, 0, False)
