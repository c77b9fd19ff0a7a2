"""The one Python place where document, text and file hashes are computed.

A document's anchor is keccak-256 of its RFC 8785 (JSON Canonicalization Scheme) serialization, so
the same content hashes the same whatever its key order, whitespace or number formatting.
"""

import unicodedata
from typing import Any

import rfc8785
from eth_hash.auto import keccak


def canonical_json(document: Any) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value; rejects NaN, infinities, unsafe integers."""
    return rfc8785.dumps(document)


def keccak256(data: bytes) -> bytes:
    return keccak(data)


def document_hash(document: Any) -> bytes:
    """The bytes32 anchored on-chain for a structured document."""
    return keccak256(canonical_json(document))


def text_hash(text: str) -> bytes:
    """keccak-256 of UTF-8 text: how invoice numbers, batch codes and reasons are anchored."""
    return keccak256(text.encode("utf-8"))


def normalized_invoice_number(number: str) -> str:
    """The form an invoice number is compared and anchored in: NFKC, trimmed, case-folded, so
    look-alikes (full-width digits, a trailing space, another case) are the same number.

    NFKC again after case folding, as Unicode's NFKC_Casefold does: folding can un-normalize.
    """
    folded = unicodedata.normalize("NFKC", number).strip().casefold()
    return unicodedata.normalize("NFKC", folded)


def invoice_number_hash(number: str) -> bytes:
    """The bytes32 anchored on-chain for an invoice number (unique per seller)."""
    return text_hash(normalized_invoice_number(number))


def to_hex(digest: bytes) -> str:
    """0x-prefixed lowercase hex, the form hashes take in the API and the database."""
    return "0x" + digest.hex()
