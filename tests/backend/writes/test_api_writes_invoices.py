"""Invoice writes over HTTP on a real chain: register (document and PDF anchored), confirm,
reject (reason kept off-chain), cancel; named reverts; idempotent retries."""

from __future__ import annotations

import base64
import json
import uuid

from sqlalchemy import func, select

from backend.core.database import session_factory
from backend.documents.hashing import (
    document_hash,
    invoice_number_hash,
    keccak256,
    text_hash,
    to_hex,
)
from backend.documents.models import Document
from backend.readmodels.models import InvoiceRecord
from backend.reasons.models import ReasonText
from tests.consortium_api import DAY, UNIT, Consortium, PrivateChain, invoice_document

PDF = b"%PDF-1.7\n% TierCredit test invoice\n"


def invoice_body(
    chain: PrivateChain, consortium: Consortium, amount: int = 1_000 * UNIT, **overrides: object
) -> dict[str, object]:
    number = f"INV-{uuid.uuid4().hex[:10]}"
    seller, buyer = consortium["supplier1"], consortium["core"]
    body: dict[str, object] = {
        "buyer": buyer.address,
        "amount_units": amount,
        "due_date": chain.now() + 90 * DAY,
        "invoice_number": number,
        "document": invoice_document(seller, buyer, amount, number),
    }
    body.update(overrides)
    return body


def count(consortium: Consortium, model: type) -> int:
    with session_factory(consortium.settings.database_url)() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_register_anchors_number_and_document_and_stores_them(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller, core = consortium["supplier1"], consortium["core"]
    body = invoice_body(private_chain, consortium)
    document = dict(body["document"])  # type: ignore[call-overload]
    document["pdf_keccak256"] = to_hex(keccak256(PDF))
    body["document"] = document
    body["pdf_base64"] = base64.b64encode(PDF).decode()

    answer = seller.ok("/invoices", body, status=201)

    invoice = answer["invoice"]
    assert invoice["seller"] == seller.address
    assert invoice["buyer"] == core.address
    assert invoice["amount_units"] == 1_000 * UNIT
    # Nothing can be drawn from an invoice its buyer has not confirmed.
    assert invoice["remaining_units"] == 0
    assert invoice["status"] == "registered"
    assert invoice["number_hash"] == to_hex(invoice_number_hash(str(body["invoice_number"])))
    assert invoice["document_hash"] == to_hex(document_hash(document))
    on_chain = private_chain.client.read("InvoiceRegistry", "invoice", invoice["invoice_id"])
    # Invoice: seller, status, dueDate, buyer, remaining, amount, numberHash, documentHash
    assert on_chain[0] == seller.address and on_chain[5] == 1_000 * UNIT
    assert to_hex(on_chain[7]) == invoice["document_hash"]
    receipt = private_chain.client.w3.eth.get_transaction_receipt(answer["tx_hash"])
    assert receipt["blockNumber"] == answer["block_number"]
    stored = seller.http.get(f"/documents/{answer['document_id']}").json()
    assert stored["document_hash"] == invoice["document_hash"]
    assert stored["pdf_hash"] == to_hex(keccak256(PDF))
    verified = seller.http.get(
        f"/documents/{answer['document_id']}/verify",
        params={"document_hash": invoice["document_hash"]},
    ).json()
    assert verified["anchored"] is True
    assert verified["anchors"][0]["id"] == invoice["invoice_id"]


def test_confirm_reject_and_cancel_move_the_invoice(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller, core = consortium["supplier1"], consortium["core"]
    confirmed = seller.ok("/invoices", invoice_body(private_chain, consortium), status=201)
    rejected = seller.ok("/invoices", invoice_body(private_chain, consortium), status=201)
    cancelled = seller.ok("/invoices", invoice_body(private_chain, consortium), status=201)

    confirm = core.ok(f"/invoices/{confirmed['invoice']['invoice_id']}/confirm")
    reject = core.ok(
        f"/invoices/{rejected['invoice']['invoice_id']}/reject",
        {"reason": "Goods not delivered"},
    )
    cancel = seller.ok(f"/invoices/{cancelled['invoice']['invoice_id']}/cancel")

    assert confirm["invoice"]["status"] == "confirmed"
    assert confirm["invoice"]["remaining_units"] == 1_000 * UNIT
    assert reject["invoice"]["status"] == "rejected"
    assert reject["invoice"]["reason"] == "Goods not delivered"
    assert reject["invoice"]["reason_hash"] == to_hex(text_hash("Goods not delivered"))
    assert cancel["invoice"]["status"] == "cancelled"
    statuses = [
        private_chain.client.read("InvoiceRegistry", "statusOf", answer["invoice"]["invoice_id"])
        for answer in (confirmed, rejected, cancelled)
    ]
    assert statuses == [2, 3, 4]  # Confirmed, Rejected, Cancelled
    with session_factory(consortium.settings.database_url)() as session:
        reason = session.get(ReasonText, to_hex(text_hash("Goods not delivered")))
        assert reason is not None and reason.text == "Goods not delivered"
        assert reason.member_id == core.member_id


def test_a_second_registration_of_the_number_is_409_named(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller = consortium["supplier1"]
    first = invoice_body(private_chain, consortium)
    answer = seller.ok("/invoices", first, status=201)
    again = invoice_body(private_chain, consortium, invoice_number=first["invoice_number"])
    block = private_chain.block_number()

    response = seller.post("/invoices", again)

    assert response.status_code == 409
    assert response.json()["error"] == "InvoiceAlreadyRegistered"
    assert response.json()["args"] == {
        "seller": seller.address,
        "numberHash": to_hex(invoice_number_hash(str(first["invoice_number"]))),
        "existingInvoiceId": answer["invoice"]["invoice_id"],
    }
    assert private_chain.block_number() == block
    assert count(consortium, InvoiceRecord) == 1
    assert count(consortium, Document) == 1  # the refused invoice's document is not kept


def test_party_and_status_reverts_are_named_and_send_nothing(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller, core, other = consortium["supplier1"], consortium["core"], consortium["supplier2"]
    invoice_id = seller.ok("/invoices", invoice_body(private_chain, consortium), status=201)[
        "invoice"
    ]["invoice_id"]
    block = private_chain.block_number()

    by_stranger = other.post(f"/invoices/{invoice_id}/confirm")
    unknown = core.post("/invoices/999999/confirm")
    seller_cancels_twice = [seller.post(f"/invoices/{invoice_id}/cancel") for _ in range(2)]

    assert by_stranger.status_code == 403
    assert by_stranger.json()["error"] == "InvoiceUnauthorizedParty"
    assert by_stranger.json()["args"] == {"invoiceId": invoice_id, "account": other.address}
    assert unknown.status_code == 404
    assert unknown.json() == {
        "type": "urn:tiercredit:error:InvoiceNotFound",
        "title": "Not Found",
        "status": 404,
        "error": "InvoiceNotFound",
        "args": {"invoiceId": 999999},
        "detail": "InvoiceRegistry reverted with InvoiceNotFound",
        "contract": "InvoiceRegistry",
    }
    assert seller_cancels_twice[0].status_code == 200
    assert seller_cancels_twice[1].status_code == 409
    assert seller_cancels_twice[1].json()["args"] == {"invoiceId": invoice_id, "status": 4}
    assert private_chain.block_number() == block + 1  # only the first cancel was mined


def test_a_retry_with_the_same_key_replays_and_sends_nothing(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller = consortium["supplier1"]
    body = invoice_body(private_chain, consortium)
    first = seller.post("/invoices", body, key="register-once")
    block = private_chain.block_number()

    retry = seller.post("/invoices", body, key="register-once")
    reused = seller.post("/invoices", invoice_body(private_chain, consortium), key="register-once")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert reused.status_code == 422
    assert reused.json()["error"] == "IdempotencyKeyReused"
    assert private_chain.block_number() == block
    assert count(consortium, InvoiceRecord) == 1


def test_hostile_input_is_4xx_and_changes_nothing(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller = consortium["supplier1"]
    block = private_chain.block_number()
    huge = invoice_body(private_chain, consortium)
    huge["document"] = {"blob": "x" * (consortium.settings.max_document_bytes + 1)}
    cases = {
        "amount as text": invoice_body(private_chain, consortium, amount_units="lots"),
        "amount as float": invoice_body(private_chain, consortium, amount_units=1.5),
        "amount as bool": invoice_body(private_chain, consortium, amount_units=True),
        "negative amount": invoice_body(private_chain, consortium, amount_units=-1),
        "amount past uint256": invoice_body(private_chain, consortium, amount_units=2**256),
        "buyer not an address": invoice_body(private_chain, consortium, buyer="0x1234"),
        "due date garbage": invoice_body(private_chain, consortium, due_date="soon"),
        "no document": {
            k: v for k, v in invoice_body(private_chain, consortium).items() if k != "document"
        },
        "pdf not base64": invoice_body(private_chain, consortium, pdf_base64="!!!"),
        "pdf not a pdf": invoice_body(
            private_chain, consortium, pdf_base64=base64.b64encode(b"MZ\x90").decode()
        ),
    }
    answers = {name: seller.post("/invoices", body) for name, body in cases.items()}
    too_large_document = seller.post("/invoices", huge)
    not_json = seller.http.post(
        "/invoices", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    past_due = seller.post("/invoices", invoice_body(private_chain, consortium, due_date=1))
    zero = seller.post("/invoices", invoice_body(private_chain, consortium, amount_units=0))
    past_uint96 = seller.post(
        "/invoices", invoice_body(private_chain, consortium, amount_units=2**96)
    )

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(cases, 422)
    assert too_large_document.status_code == 413
    assert too_large_document.json()["error"] == "DocumentTooLarge"
    assert not_json.status_code == 422
    assert past_due.status_code == 422
    assert past_due.json()["error"] == "InvoiceInvalidDueDate"
    assert zero.json() == {
        "type": "urn:tiercredit:error:InvoiceInvalidAmount",
        "title": "Unprocessable Entity",
        "status": 422,
        "error": "InvoiceInvalidAmount",
        "args": {"amount": 0},
        "detail": "InvoiceRegistry reverted with InvoiceInvalidAmount",
        "contract": "InvoiceRegistry",
    }
    assert past_uint96.json()["args"] == {"amount": 2**96}
    assert private_chain.block_number() == block
    assert count(consortium, InvoiceRecord) == 0
    assert count(consortium, Document) == 0
    assert json.loads(answers["amount as text"].text)["error"] == "RequestValidationError"
