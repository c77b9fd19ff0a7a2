"""Rule 10: ERC-721 and ERC-3525 metadata. name and symbol; tokenURI, contractURI and slotURI
answer `data:application/json;base64,` JSON describing the fragment, the contract and the credit;
supportsInterface says so for ERC721Metadata (0x5b5e139f) and ERC3525Metadata (0xe1600902)."""

import base64
import json

import pytest
from brownie import chain
from conftest import DAY, UNIT, h
from flows import sleep_until

FACE = 1_000 * UNIT
PART = 300 * UNIT
JSON_DATA_URI = "data:application/json;base64,"


def decoded(uri: str) -> dict:
    """The JSON document of a base64 `data:` URI."""
    assert uri.startswith(JSON_DATA_URI)
    return json.loads(base64.b64decode(uri[len(JSON_DATA_URI) :]))


@pytest.fixture
def invoice(confirmed_invoice, credit_line, core, supplier1, bank_a) -> int:
    credit_line(bank_a, core, 10 * FACE)
    return confirmed_invoice(supplier1, core, FACE)


@pytest.fixture
def maturity() -> int:
    return chain.time() + 90 * DAY


@pytest.fixture
def credit(voucher, invoice, maturity, core) -> int:
    return voucher.issue(invoice, FACE, maturity, 0, {"from": core}).return_value


@pytest.fixture
def child(voucher, confirmed_invoice, credit, supplier1, supplier2) -> int:
    trade = confirmed_invoice(supplier2, supplier1, PART)
    return voucher.splitTransfer(credit, supplier2, PART, trade, {"from": supplier1}).return_value


def test_name_and_symbol(voucher):
    assert voucher.name() == "TierCredit Credit Voucher"
    assert voucher.symbol() == "TCV"


@pytest.mark.parametrize(
    "interface_id", ["0x5b5e139f", "0xe1600902"], ids=["ERC721Metadata", "ERC3525Metadata"]
)
def test_supports_the_metadata_interfaces(voucher, interface_id):
    assert voucher.supportsInterface(interface_id)


def test_token_uri_of_the_root(voucher, invoice, maturity, credit, core):
    document = decoded(voucher.tokenURI(credit))

    assert document["slot"] == credit
    assert document["balance"] == str(FACE)
    assert document["properties"] == {
        "obligor": core.address.lower(),
        "faceValue": str(FACE),
        "maturity": maturity,
        "invoice": invoice,
        "certificate": 0,
        "depth": 0,
        "parent": 0,
        "status": "live",
    }


def test_token_uri_of_a_fragment_one_tier_down(voucher, credit, child, core):
    document = decoded(voucher.tokenURI(child))

    assert document["slot"] == credit
    assert document["balance"] == str(PART)
    assert document["properties"]["obligor"] == core.address.lower()
    assert document["properties"]["faceValue"] == str(FACE)
    assert document["properties"]["depth"] == 1
    assert document["properties"]["parent"] == credit
    assert document["properties"]["status"] == "live"


def test_token_uri_of_a_frozen_fragment(voucher, child, auditor):
    voucher.setFragmentFrozen(child, True, h("disputed delivery"), {"from": auditor})

    assert decoded(voucher.tokenURI(child))["properties"]["status"] == "frozen"


def test_token_uri_of_a_locked_fragment(voucher, financing, credit, supplier1):
    tx = financing.requestFinancing(credit, PART, chain.time() + 7 * DAY, {"from": supplier1})
    locked = financing.request(tx.return_value)["tokenId"]

    assert decoded(voucher.tokenURI(locked))["properties"]["status"] == "locked in financing"


def test_token_uri_of_a_matured_fragment(voucher, credit, maturity):
    sleep_until(maturity)

    assert decoded(voucher.tokenURI(credit))["properties"]["status"] == "matured"


def test_contract_uri(voucher):
    document = decoded(voucher.contractURI())

    assert document["name"] == "TierCredit Credit Voucher"
    assert document["valueDecimals"] == 6


def test_slot_uri(voucher, invoice, maturity, credit, core):
    document = decoded(voucher.slotURI(credit))

    assert document["properties"] == {
        "obligor": core.address.lower(),
        "faceValue": str(FACE),
        "maturity": maturity,
        "invoice": invoice,
        "certificate": 0,
        "status": "live",
    }


def test_slot_uri_of_a_frozen_credit(voucher, credit, auditor):
    voucher.setCreditFrozen(credit, True, h("fraud inquiry"), {"from": auditor})

    assert decoded(voucher.slotURI(credit))["properties"]["status"] == "frozen"
