"""Ids and keys the contracts compute, computed the same way in Python, each in one place.

tests/backend/chain/test_ids.py proves each agrees with its Solidity twin on a real chain.
"""

from __future__ import annotations

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

ROLE_NAMES = (
    "OPERATOR",
    "CORE_ENTERPRISE",
    "SUPPLIER",
    "FINANCIER",
    "INSPECTOR",
    "AUDITOR",
    "PLATFORM",
)
# Roles.sol's bit of each role, as Consortium.roleBitsOf reports them.
ROLE_BITS = {name: 1 << index for index, name in enumerate(ROLE_NAMES)}

# The contracts' enums by value: IConsortium.MemberStatus, IInvoiceRegistry.InvoiceStatus,
# IFinancing.RequestStatus.
MEMBER_STATUSES = ("none", "active", "suspended")
INVOICE_STATUSES = ("none", "registered", "confirmed", "rejected", "cancelled")
REQUEST_STATUSES = ("none", "open", "accepted", "cancelled", "expired")


def role_id(name: str) -> bytes:
    """The AccessControl id of role ``name`` ("SUPPLIER"): keccak256("<NAME>_ROLE"), Roles.sol."""
    if name not in ROLE_NAMES:
        raise ValueError(f"unknown role {name!r}; expected one of {', '.join(ROLE_NAMES)}")
    return keccak(text=f"{name}_ROLE")


def invoice_number_key(seller: str, number_hash: bytes) -> bytes:
    """InvoiceRegistry's key of (seller, number hash): keccak256(abi.encode(seller, numberHash)).

    One seller can register an invoice number once; this key is what the registry indexes by.
    """
    if len(number_hash) != 32:
        raise ValueError(f"number_hash must be 32 bytes, got {len(number_hash)}")
    return keccak(abi_encode(["address", "bytes32"], [to_checksum_address(seller), number_hash]))
