"""Documents: canonical hashing, storage, PDFs, access, verification against on-chain anchors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from eth_hash.auto import keccak
from sqlalchemy import update

from backend.core.database import session_factory, transaction
from backend.core.settings import Settings
from backend.documents.hashing import canonical_json, document_hash, text_hash, to_hex
from backend.documents.models import Document
from backend.readmodels.models import CertificateRecord, InvoiceRecord

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from backend.chain.client import Chain
    from backend.chain.sender import TxSender
    from tests.backend.conftest import Credential, LiveServer

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DAY = 86_400


def invoice(number: str | None = None) -> dict[str, Any]:
    return {
        "invoice_number": number or f"INV-{uuid.uuid4().hex[:10]}",
        "currency": "CNY",
        "amount_units": 125_000_000_000,
        "lines": [
            {"sku": "BRK-220", "quantity": 5000, "unit_price_units": 25_000_000, "name": "Bremse"}
        ],
    }


# --- hashing -----------------------------------------------------------------------------------


def test_document_hash_is_keccak_of_rfc8785_bytes() -> None:
    document = {"b": [1.0, "é", 1e21, 0.1], "a": {"z": None, "y": True}}

    assert canonical_json(document) == b'{"a":{"y":true,"z":null},"b":[1,"\xc3\xa9",1e+21,0.1]}'
    assert document_hash(document) == keccak(canonical_json(document))


def test_document_hash_ignores_key_order_and_number_spelling() -> None:
    assert document_hash({"amount": 100, "currency": "CNY"}) == document_hash(
        {"currency": "CNY", "amount": 100.0}
    )
    assert document_hash({"amount": 100}) != document_hash({"amount": 101})


def test_text_hash_is_keccak_of_utf8() -> None:
    assert text_hash("INV-2024-0042") == keccak(b"INV-2024-0042")
    assert (
        to_hex(text_hash(""))
        == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )


# --- storage and access ------------------------------------------------------------------------


@pytest.fixture
def supplier(make_member: Callable[..., Credential]) -> Credential:
    return make_member(["SUPPLIER"], name="Supplier")


def test_store_returns_the_anchor_hash_and_dedupes(
    server: LiveServer, supplier: Credential
) -> None:
    content = invoice()
    with server.client(supplier.api_key) as http:
        first = http.post("/documents", json={"kind": "invoice", "content": content})
        again = http.post(
            "/documents", json={"kind": "invoice", "content": dict(reversed(content.items()))}
        )
        read = http.get(f"/documents/{first.json()['id']}")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["document_hash"] == to_hex(document_hash(content))
    assert first.json()["size_bytes"] == len(canonical_json(content))
    assert read.json()["content"] == content


def test_another_member_storing_the_same_document_is_409(
    server: LiveServer, supplier: Credential, make_member: Callable[..., Credential]
) -> None:
    other = make_member(["SUPPLIER"])
    content = invoice()
    with server.client() as http:
        http.post(
            "/documents",
            json={"kind": "invoice", "content": content},
            headers={"X-API-Key": supplier.api_key},
        )
        clash = http.post(
            "/documents",
            json={"kind": "invoice", "content": content},
            headers={"X-API-Key": other.api_key},
        )

    assert clash.status_code == 409
    assert clash.json()["error"] == "DocumentAlreadyStored"
    assert clash.json()["args"] == {"document_hash": to_hex(document_hash(content))}


def test_integers_json_cannot_carry_exactly_are_422(
    server: LiveServer, supplier: Credential
) -> None:
    with server.client(supplier.api_key) as http:
        response = http.post("/documents", json={"kind": "invoice", "content": {"amount": 2**60}})

    assert response.status_code == 422
    assert response.json()["error"] == "DocumentNotCanonicalizable"


def test_readers_are_owner_supervisors_and_invoice_parties(
    server: LiveServer,
    settings: Settings,
    supplier: Credential,
    make_member: Callable[..., Credential],
) -> None:
    auditor, buyer, stranger = (
        make_member(["AUDITOR"]),
        make_member(["CORE_ENTERPRISE"]),
        make_member(["SUPPLIER"]),
    )
    with server.client(supplier.api_key) as http:
        stored = http.post("/documents", json={"kind": "invoice", "content": invoice()}).json()
    # The indexer has seen the invoice anchoring this document, owed by `buyer`.
    with transaction(session_factory(settings.database_url)) as session:
        session.add(
            InvoiceRecord(
                invoice_id=1,
                seller=supplier.member.address,
                buyer=buyer.member.address,
                amount=1,
                remaining=1,
                due_date=0,
                number_hash="0x" + "01" * 32,
                document_hash=stored["document_hash"],
                status="registered",
                tx_hash="0x" + "02" * 32,
                block_number=1,
                updated_block=1,
            )
        )

    statuses = {}
    with server.client() as http:
        for name, reader in (("auditor", auditor), ("buyer", buyer), ("stranger", stranger)):
            statuses[name] = http.get(
                f"/documents/{stored['id']}", headers={"X-API-Key": reader.api_key}
            )

    assert statuses["auditor"].status_code == statuses["buyer"].status_code == 200
    assert statuses["stranger"].status_code == 403
    assert statuses["stranger"].json()["error"] == "DocumentNotReadable"


def test_a_certificate_document_is_read_by_the_parties_of_the_invoice_it_covers(
    server: LiveServer, settings: Settings, make_member: Callable[..., Credential]
) -> None:
    inspector, seller, buyer, stranger = (
        make_member(["INSPECTOR"]),
        make_member(["SUPPLIER"]),
        make_member(["CORE_ENTERPRISE"]),
        make_member(["SUPPLIER"]),
    )
    content = {"certificate_number": "QC-PARTIES", "result": "pass"}
    with server.client(inspector.api_key) as http:
        stored = http.post("/documents", json={"kind": "certificate", "content": content}).json()
    row = {"tx_hash": "0x" + "02" * 32, "block_number": 1, "updated_block": 1}
    with transaction(session_factory(settings.database_url)) as session:
        session.add(
            InvoiceRecord(
                invoice_id=7,
                seller=seller.member.address,
                buyer=buyer.member.address,
                amount=1,
                remaining=1,
                due_date=0,
                number_hash="0x" + "01" * 32,
                document_hash="0x" + "03" * 32,
                status="confirmed",
                **row,
            )
        )
        session.add(
            CertificateRecord(
                certificate_id=1,
                invoice_id=7,
                inspector=inspector.member.address,
                result="pass",
                batch_code_hash="0x" + "04" * 32,
                standard_code="0x" + "05" * 32,
                document_hash=stored["document_hash"],
                expires_at=0,
                **row,
            )
        )

    with server.client() as http:
        statuses = {
            name: http.get(f"/documents/{stored['id']}", headers={"X-API-Key": who.api_key})
            for name, who in (("seller", seller), ("buyer", buyer), ("stranger", stranger))
        }

    assert statuses["seller"].status_code == statuses["buyer"].status_code == 200
    assert statuses["stranger"].status_code == 403
    assert statuses["stranger"].json()["args"] == {"document_id": stored["id"]}


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_named_by_the_document_is_covered_by_its_anchor(
    server: LiveServer, supplier: Credential
) -> None:
    pdf_hash = to_hex(keccak(PDF))
    content = {**invoice(), "pdf_keccak256": pdf_hash}
    with server.client(supplier.api_key) as http:
        stored = http.post("/documents", json={"kind": "invoice", "content": content}).json()
        attached = http.put(
            f"/documents/{stored['id']}/pdf",
            content=PDF,
            headers={"Content-Type": "application/pdf"},
        )
        downloaded = http.get(f"/documents/{stored['id']}/pdf")
        verified = http.get(
            f"/documents/{stored['id']}/verify", params={"document_hash": stored["document_hash"]}
        )

    assert attached.status_code == 200
    assert attached.json()["pdf_hash"] == pdf_hash
    assert attached.json()["pdf_size_bytes"] == len(PDF)
    assert downloaded.content == PDF
    assert downloaded.headers["content-type"] == "application/pdf"
    assert verified.status_code == 503  # the verification needs the chain; none is configured


def test_pdf_that_is_not_the_named_one_or_not_a_pdf_is_422(
    server: LiveServer, supplier: Credential
) -> None:
    content = {**invoice(), "pdf_keccak256": to_hex(keccak(PDF))}
    with server.client(supplier.api_key) as http:
        stored = http.post("/documents", json={"kind": "invoice", "content": content}).json()
        other_pdf = http.put(f"/documents/{stored['id']}/pdf", content=PDF + b"x")
        not_pdf = http.put(f"/documents/{stored['id']}/pdf", content=b"GIF89a")
        missing = http.get(f"/documents/{stored['id']}/pdf")

    assert other_pdf.status_code == 422
    assert other_pdf.json()["error"] == "PdfHashMismatch"
    assert other_pdf.json()["args"] == {
        "declared": to_hex(keccak(PDF)),
        "actual": to_hex(keccak(PDF + b"x")),
    }
    assert not_pdf.status_code == 422
    assert not_pdf.json()["error"] == "PdfInvalid"
    assert missing.status_code == 404


def test_oversize_pdf_is_413_and_only_the_owner_attaches(
    server: LiveServer,
    settings: Settings,
    supplier: Credential,
    make_member: Callable[..., Credential],
) -> None:
    other = make_member(["SUPPLIER"])
    with server.client(supplier.api_key) as http:
        stored = http.post("/documents", json={"kind": "invoice", "content": invoice()}).json()
        # Over the JSON limit but within the PDF limit: accepted on this route.
        large = PDF + b"0" * settings.max_request_bytes
        accepted = http.put(f"/documents/{stored['id']}/pdf", content=large)
        too_large = http.put(
            f"/documents/{stored['id']}/pdf", content=PDF + b"0" * settings.max_pdf_bytes
        )
        foreign = http.put(
            f"/documents/{stored['id']}/pdf",
            content=PDF,
            headers={"Authorization": f"Bearer {other.api_key}"},
        )

    assert accepted.status_code == 200
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "RequestTooLarge"
    assert foreign.status_code == 403
    assert foreign.json()["error"] == "DocumentNotOwner"


# --- verification against the chain ------------------------------------------------------------


@pytest.fixture
def chain_server(
    serve: Callable[..., LiveServer],
    settings: Settings,
    anvil: Any,
    manifest_path: Any,
    chain_client: Chain,
) -> LiveServer:
    chain_settings = settings.model_copy(
        update={"rpc_url": anvil.url, "chain_id": 7357, "deployment_manifest": manifest_path}
    )
    return serve(chain_settings, chain=chain_client)


def chain_now(chain_client: Chain) -> int:
    return int(chain_client.w3.eth.get_block("latest")["timestamp"])


def test_verify_follows_the_invoice_and_certificate_on_chain(
    chain_server: LiveServer,
    settings: Settings,
    chain_client: Chain,
    onboarded_roles: dict[str, LocalAccount],
    make_sender: Callable[[LocalAccount], TxSender],
    supplier: Credential,
) -> None:
    seller, buyer, inspector = (
        onboarded_roles["supplier1"],
        onboarded_roles["core"],
        onboarded_roles["inspector"],
    )
    content = invoice()
    certificate = {
        "certificate_number": f"QC-{uuid.uuid4().hex[:8]}",
        "result": "pass",
        "standard": "GB/T 19001",
    }
    with chain_server.client(supplier.api_key) as http:
        stored = http.post("/documents", json={"kind": "invoice", "content": content}).json()
        before = http.post("/verify", json={"document": content}).json()

    registered = make_sender(seller).transact(
        chain_client.prepare(
            "InvoiceRegistry",
            "register",
            buyer.address,
            125_000_000_000,
            chain_now(chain_client) + 30 * DAY,
            text_hash(content["invoice_number"]),
            document_hash(content),
        )
    )
    invoice_id = registered.event("InvoiceRegistered").args["invoiceId"]
    with chain_server.client() as http:
        after_register = http.post(
            "/verify", json={"document": dict(reversed(content.items()))}
        ).json()
        make_sender(buyer).transact(chain_client.prepare("InvoiceRegistry", "confirm", invoice_id))
        confirmed = http.get(
            f"/documents/{stored['id']}/verify", params={"document_hash": stored["document_hash"]}
        ).json()
        tampered = http.post("/verify", json={"document": {**content, "amount_units": 1}}).json()

        issued = make_sender(inspector).transact(
            chain_client.prepare(
                "QualityRegistry",
                "issue",
                invoice_id,
                text_hash("BATCH-7"),
                text_hash("GB/T 19001"),
                1,
                document_hash(certificate),
                chain_now(chain_client) + 90 * DAY,
            )
        )
        certificate_id = issued.event("CertificateIssued").args["certificateId"]
        valid = http.post("/verify", json={"document": certificate}).json()
        make_sender(inspector).transact(
            chain_client.prepare(
                "QualityRegistry", "revoke", certificate_id, text_hash("batch recalled")
            )
        )
        revoked = http.post("/verify", json={"document": certificate}).json()

    assert before == {
        "document_hash": stored["document_hash"],
        "document_id": stored["id"],
        "anchored": False,
        "anchors": [],
        "pdf_hash": None,
        "pdf_covered_by_anchor": None,
    }
    assert after_register["anchored"] is True
    assert after_register["document_id"] == stored["id"]
    # Whether it matches its anchor and the anchor's status: no parties, amounts or dates.
    assert after_register["anchors"] == [
        {"kind": "invoice", "id": invoice_id, "status": "registered", "details": {}}
    ]
    assert confirmed["anchors"] == [
        {"kind": "invoice", "id": invoice_id, "status": "confirmed", "details": {}}
    ]
    assert tampered["anchored"] is False
    assert tampered["document_id"] is None
    assert valid["anchors"] == [
        {"kind": "certificate", "id": certificate_id, "status": "valid", "details": {}}
    ]
    assert revoked["anchors"] == [
        {"kind": "certificate", "id": certificate_id, "status": "revoked", "details": {}}
    ]


def test_verify_by_id_catches_a_tampered_database(
    chain_server: LiveServer, settings: Settings, supplier: Credential
) -> None:
    content = invoice()
    with chain_server.client(supplier.api_key) as http:
        stored = http.post("/documents", json={"kind": "invoice", "content": content}).json()
    with transaction(session_factory(settings.database_url)) as session:
        session.execute(
            update(Document)
            .where(Document.id == stored["id"])
            .values(canonical_json=canonical_json({**content, "amount_units": 1}).decode())
        )
    with chain_server.client() as http:
        verified = http.get(
            f"/documents/{stored['id']}/verify", params={"document_hash": stored["document_hash"]}
        ).json()

    assert verified["document_hash"] != stored["document_hash"]
    assert verified["anchored"] is False


def test_verify_needs_exactly_one_of_document_and_id(chain_server: LiveServer) -> None:
    with chain_server.client() as http:
        both = http.post("/verify", json={"document": {"a": 1}, "document_id": 1})
        neither = http.post("/verify", json={})

    assert both.status_code == neither.status_code == 422
    assert both.json()["error"] == "RequestValidationError"
