"""Ids computed in Python agree with the contracts' own computation on a real chain."""

from __future__ import annotations

import time

from eth_abi import encode as abi_encode
from eth_utils import keccak

from backend.chain.artifacts import load_artifact
from backend.chain.client import Chain
from backend.chain.ids import ROLE_NAMES, invoice_number_key, role_id

DAY = 86_400


def mapping_slot(contract: str, label: str) -> int:
    """The storage slot of state variable ``label`` from the compiler's storage layout."""
    layout = load_artifact(contract).storage_layout["storage"]
    return int(next(entry["slot"] for entry in layout if entry["label"] == label))


def test_invoice_number_key_is_the_registry_mapping_key(
    chain_client: Chain, onboarded_roles, make_sender
) -> None:
    seller, buyer = onboarded_roles["supplier1"], onboarded_roles["core"]
    number_hash = keccak(text="INV-ids-1")
    outcome = make_sender(seller).transact(
        chain_client.prepare(
            "InvoiceRegistry",
            "register",
            buyer.address,
            1_000_000,
            int(time.time()) + 30 * DAY,
            number_hash,
            keccak(text="doc-ids-1"),
        )
    )
    invoice_id = outcome.event("InvoiceRegistered").args["invoiceId"]

    key = invoice_number_key(seller.address, number_hash)

    # The private mapping _idByNumber stores the id under keccak256(key . slot).
    slot = keccak(key + mapping_slot("InvoiceRegistry", "_idByNumber").to_bytes(32, "big"))
    stored = chain_client.w3.eth.get_storage_at(
        chain_client.manifest.address("InvoiceRegistry"), slot
    )
    assert int.from_bytes(stored, "big") == invoice_id
    assert (
        chain_client.read("InvoiceRegistry", "invoiceIdByNumber", seller.address, number_hash)
        == invoice_id
    )
    assert key == keccak(abi_encode(["address", "bytes32"], [seller.address, number_hash]))


def test_invoice_number_key_differs_per_seller(onboarded_roles) -> None:
    number_hash = keccak(text="INV-1")

    one = invoice_number_key(onboarded_roles["supplier1"].address, number_hash)
    other = invoice_number_key(onboarded_roles["supplier2"].address, number_hash)

    assert one != other


def test_role_ids_equal_the_consortium_getters(chain_client: Chain) -> None:
    for name in ROLE_NAMES:
        assert role_id(name) == chain_client.read("Consortium", f"{name}_ROLE"), name


def test_unknown_role_is_refused() -> None:
    try:
        role_id("ADMIN")
    except ValueError as exc:
        assert "ADMIN" in str(exc)
    else:
        raise AssertionError("role_id accepted an unknown role")
