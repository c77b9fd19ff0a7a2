"""Certificate and credit-voucher writes over HTTP on a real chain: certify and revoke, issue,
split-transfer across tiers, freeze and unfreeze with reasons, the obligor's quality rule."""

from __future__ import annotations

import uuid

from backend.documents.hashing import document_hash, text_hash, to_hex
from tests.consortium_api import (
    DAY,
    LINE,
    UNIT,
    Consortium,
    PrivateChain,
    confirmed_invoice,
    issued_credit,
)


def certificate_body(chain: PrivateChain, invoice_id: int, result: str = "pass") -> dict:
    batch = f"BATCH-{uuid.uuid4().hex[:8]}"
    return {
        "invoice_id": invoice_id,
        "result": result,
        "batch_code": batch,
        "standard_code": "GB/T 19001",
        "expires_at": chain.now() + 180 * DAY,
        "document": {"batch": batch, "standard": "GB/T 19001", "result": result, "lab": "SGS"},
    }


def test_certify_revoke_and_the_quality_rule_gate_issuance(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core, supplier, inspector = consortium["core"], consortium["supplier1"], consortium["inspector"]
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    rule = core.ok("/obligors/me/quality-requirement", {"required": True})
    invoice_id = confirmed_invoice(private_chain, supplier, core, 500 * UNIT)
    body = certificate_body(private_chain, invoice_id)
    issue = {
        "invoice_id": invoice_id,
        "face_value_units": 500 * UNIT,
        "maturity": private_chain.now() + 30 * DAY,
    }

    uncertified = core.post("/credits", issue)
    certified = inspector.ok("/certificates", body, status=201)
    certificate_id = certified["certificate"]["certificate_id"]
    credit = core.ok("/credits", {**issue, "certificate_id": certificate_id}, status=201)
    revoked = inspector.ok(f"/certificates/{certificate_id}/revoke", {"reason": "Batch recalled"})
    again = inspector.post(f"/certificates/{certificate_id}/revoke", {"reason": "Twice"})
    frozen_move = supplier.post(
        f"/fragments/{credit['credit']['credit_id']}/split-transfer",
        {"to": consortium["supplier2"].address, "value_units": UNIT, "invoice_id": invoice_id},
    )

    assert rule == {
        "tx_hash": rule["tx_hash"],
        "block_number": rule["block_number"],
        "obligor": core.address,
        "required": True,
    }
    assert uncertified.status_code == 409
    assert uncertified.json()["error"] == "VoucherCertificateRequired"
    assert uncertified.json()["args"] == {"obligor": core.address, "invoiceId": invoice_id}
    certificate = certified["certificate"]
    assert certificate["result"] == "pass"
    assert certificate["inspector"] == inspector.address
    assert certificate["batch_code_hash"] == to_hex(text_hash(body["batch_code"]))
    assert certificate["standard_code"] == to_hex(text_hash("GB/T 19001"))
    assert certificate["document_hash"] == to_hex(document_hash(body["document"]))
    assert credit["credit"]["certificate_id"] == certificate_id
    assert revoked["certificate"]["revoked"] is True
    assert revoked["certificate"]["reason"] == "Batch recalled"
    assert again.status_code == 409
    assert again.json()["args"] == {"certificateId": certificate_id}
    # Revocation froze the voucher issued against the certificate.
    assert frozen_move.status_code == 409
    assert frozen_move.json()["args"] == {"tokenId": credit["credit"]["credit_id"]}
    core.ok("/obligors/me/quality-requirement", {"required": False})


def test_issue_then_split_across_three_tiers(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    core = consortium["core"]
    s1, s2, s3 = consortium["supplier1"], consortium["supplier2"], consortium["supplier3"]
    issued = issued_credit(private_chain, consortium, 1_000 * UNIT)
    credit_id = issued["credit"]["credit_id"]
    tier2_invoice = confirmed_invoice(private_chain, s2, s1, 400 * UNIT)
    tier3_invoice = confirmed_invoice(private_chain, s3, s2, 150 * UNIT)

    to_tier2 = s1.ok(
        f"/fragments/{credit_id}/split-transfer",
        {"to": s2.address, "value_units": 400 * UNIT, "invoice_id": tier2_invoice},
        status=201,
    )
    tier2_token = to_tier2["fragment"]["token_id"]
    to_tier3 = s2.ok(
        f"/fragments/{tier2_token}/split-transfer",
        {"to": s3.address, "value_units": 150 * UNIT, "invoice_id": tier3_invoice},
        status=201,
    )
    overdraw = s2.post(
        f"/fragments/{tier2_token}/split-transfer",
        {"to": s3.address, "value_units": 1 * UNIT, "invoice_id": tier3_invoice},
    )

    credit = issued["credit"]
    assert credit["obligor"] == core.address and credit["supplier"] == s1.address
    assert credit["face_value_units"] == 1_000 * UNIT
    assert issued["root_fragment"] == {
        "token_id": credit_id,
        "credit_id": credit_id,
        "parent_id": None,
        "invoice_id": credit["invoice_id"],
        "depth": 0,
        "holder": s1.address,
        "value_units": 1_000 * UNIT,
        "frozen": False,
        "locked": False,
        "redeemed": False,
        "redeemed_value_units": None,
        "freeze": None,
        "block_number": issued["block_number"],
    }
    assert to_tier2["source"]["value_units"] == 600 * UNIT
    assert to_tier2["fragment"]["holder"] == s2.address
    assert to_tier2["fragment"]["parent_id"] == credit_id
    assert to_tier2["fragment"]["depth"] == 1
    assert to_tier2["fragment"]["invoice_id"] == tier2_invoice
    assert to_tier3["source"]["value_units"] == 250 * UNIT
    assert to_tier3["fragment"]["depth"] == 2
    assert to_tier3["fragment"]["holder"] == s3.address
    assert to_tier3["fragment"]["value_units"] == 150 * UNIT
    assert overdraw.status_code == 409
    assert overdraw.json()["error"] == "InvoiceInsufficientRemaining"
    assert overdraw.json()["args"] == {
        "invoiceId": tier3_invoice,
        "requested": UNIT,
        "remaining": 0,
    }
    voucher = private_chain.client
    assert voucher.read("CreditVoucher", "ownerOf", to_tier3["fragment"]["token_id"]) == s3.address
    assert voucher.read("CreditVoucher", "balanceOf", credit_id) == 600 * UNIT


def test_freeze_and_unfreeze_fragment_and_credit_with_reasons(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    auditor, operator = consortium["auditor"], consortium["operator"]
    s1, s2 = consortium["supplier1"], consortium["supplier2"]
    credit_id = issued_credit(private_chain, consortium, 300 * UNIT)["credit"]["credit_id"]
    invoice_id = confirmed_invoice(private_chain, s2, s1, 100 * UNIT)
    move = {"to": s2.address, "value_units": 10 * UNIT, "invoice_id": invoice_id}

    frozen = auditor.ok(f"/fragments/{credit_id}/freeze", {"reason": "Suspected fraud"})
    blocked = s1.post(f"/fragments/{credit_id}/split-transfer", move)
    twice = auditor.post(f"/fragments/{credit_id}/freeze", {"reason": "Again"})
    thawed = auditor.ok(f"/fragments/{credit_id}/unfreeze", {"reason": "Cleared"})
    credit_frozen = operator.ok(f"/credits/{credit_id}/freeze", {"reason": "Court order"})
    blocked_by_credit = s1.post(f"/fragments/{credit_id}/split-transfer", move)
    credit_thawed = operator.ok(f"/credits/{credit_id}/unfreeze", {"reason": "Order lifted"})
    moved = s1.ok(f"/fragments/{credit_id}/split-transfer", move, status=201)

    assert frozen["fragment"]["frozen"] is True
    assert frozen["reason"] == {
        "reason": "Suspected fraud",
        "reason_hash": to_hex(text_hash("Suspected fraud")),
    }
    assert blocked.status_code == 409 and blocked.json()["error"] == "VoucherFrozen"
    assert twice.status_code == 409
    assert twice.json()["args"] == {"id": credit_id, "frozen": True}
    assert thawed["fragment"]["frozen"] is False
    assert credit_frozen["credit"]["frozen"] is True
    assert blocked_by_credit.status_code == 409
    assert credit_thawed["credit"]["frozen"] is False
    assert moved["source"]["value_units"] == 290 * UNIT


def test_a_failed_inspection_freezes_the_credit_until_a_supervisor_lifts_it(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    auditor, operator, inspector = (
        consortium["auditor"],
        consortium["operator"],
        consortium["inspector"],
    )
    core, s1, s2 = consortium["core"], consortium["supplier1"], consortium["supplier2"]
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    invoice_id = confirmed_invoice(private_chain, s1, core, 400 * UNIT)
    passing = inspector.ok("/certificates", certificate_body(private_chain, invoice_id), status=201)
    certificate_id = passing["certificate"]["certificate_id"]
    credit_id = core.ok(
        "/credits",
        {
            "invoice_id": invoice_id,
            "face_value_units": 400 * UNIT,
            "maturity": private_chain.now() + 30 * DAY,
            "certificate_id": certificate_id,
        },
        status=201,
    )["credit"]["credit_id"]
    move = {
        "to": s2.address,
        "value_units": 10 * UNIT,
        "invoice_id": confirmed_invoice(private_chain, s2, s1, 100 * UNIT),
    }

    not_frozen = auditor.post(f"/credits/{credit_id}/lift-quality-freeze", {"reason": "Early"})
    inspector.ok("/certificates", certificate_body(private_chain, invoice_id, "fail"), status=201)
    blocked = s1.post(f"/fragments/{credit_id}/split-transfer", move)
    frozen_read = auditor.http.get(f"/credits/{credit_id}").json()
    by_holder = s1.post(f"/credits/{credit_id}/lift-quality-freeze", {"reason": "Mine"})
    operator.ok(f"/credits/{credit_id}/freeze", {"reason": "Court order"})
    lifted = auditor.ok(
        f"/credits/{credit_id}/lift-quality-freeze", {"reason": "Re-inspected: defect isolated"}
    )
    still_frozen = s1.post(f"/fragments/{credit_id}/split-transfer", move)
    operator.ok(f"/credits/{credit_id}/unfreeze", {"reason": "Order lifted"})
    moved = s1.ok(f"/fragments/{credit_id}/split-transfer", move, status=201)
    twice = operator.post(f"/credits/{credit_id}/lift-quality-freeze", {"reason": "Again"})
    lifted_read = auditor.http.get(f"/credits/{credit_id}").json()

    assert not_frozen.status_code == 409
    assert not_frozen.json() == {
        "type": "urn:tiercredit:error:VoucherNotQualityFrozen",
        "title": "Conflict",
        "status": 409,
        "error": "VoucherNotQualityFrozen",
        "args": {"creditId": credit_id, "certificateId": certificate_id},
        "detail": "CreditVoucher reverted with VoucherNotQualityFrozen",
        "contract": "CreditVoucher",
    }
    assert blocked.status_code == 409
    assert blocked.json()["args"] == {"tokenId": credit_id}
    assert (frozen_read["frozen"], frozen_read["frozen_by_quality"]) == (True, True)
    assert frozen_read["quality_freeze_lifted"] is False
    assert by_holder.status_code == 403 and by_holder.json()["error"] == "MissingRole"
    assert lifted["supervisor"] == auditor.address
    assert lifted["reason"] == {
        "reason": "Re-inspected: defect isolated",
        "reason_hash": to_hex(text_hash("Re-inspected: defect isolated")),
    }
    assert (lifted["credit"]["quality_freeze_lifted"], lifted["credit"]["frozen"]) == (True, True)
    # The operator's own freeze outlives the lift.
    assert still_frozen.status_code == 409 and still_frozen.json()["error"] == "VoucherFrozen"
    assert moved["source"]["value_units"] == 390 * UNIT
    assert twice.status_code == 409
    assert twice.json()["args"] == {"creditId": credit_id, "certificateId": certificate_id}
    assert (lifted_read["frozen"], lifted_read["frozen_by_quality"]) == (False, False)
    assert lifted_read["quality_freeze_lifted"] is True


def test_revoking_the_failing_certificate_lifts_the_freeze_it_caused(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    inspector, core, s1 = consortium["inspector"], consortium["core"], consortium["supplier1"]
    s2 = consortium["supplier2"]
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    invoice_id = confirmed_invoice(private_chain, s1, core, 200 * UNIT)
    passing = inspector.ok("/certificates", certificate_body(private_chain, invoice_id), status=201)
    credit_id = core.ok(
        "/credits",
        {
            "invoice_id": invoice_id,
            "face_value_units": 200 * UNIT,
            "maturity": private_chain.now() + 30 * DAY,
            "certificate_id": passing["certificate"]["certificate_id"],
        },
        status=201,
    )["credit"]["credit_id"]
    failing = inspector.ok(
        "/certificates", certificate_body(private_chain, invoice_id, "fail"), status=201
    )
    frozen = s1.http.get(f"/credits/{credit_id}").json()

    inspector.ok(
        f"/certificates/{failing['certificate']['certificate_id']}/revoke",
        {"reason": "Wrong batch inspected"},
    )
    thawed = s1.http.get(f"/credits/{credit_id}").json()
    moved = s1.ok(
        f"/fragments/{credit_id}/split-transfer",
        {
            "to": s2.address,
            "value_units": 5 * UNIT,
            "invoice_id": confirmed_invoice(private_chain, s2, s1, 5 * UNIT),
        },
        status=201,
    )

    assert (frozen["frozen"], frozen["frozen_by_quality"]) == (True, True)
    assert (thawed["frozen"], thawed["frozen_by_quality"]) == (False, False)
    assert thawed["quality_freeze_lifted"] is False
    assert moved["fragment"]["value_units"] == 5 * UNIT


def test_reads_say_who_froze_when_and_why(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    auditor, operator = consortium["auditor"], consortium["operator"]
    s1, core = consortium["supplier1"], consortium["core"]
    credit_id = issued_credit(private_chain, consortium, 300 * UNIT)["credit"]["credit_id"]

    frozen = auditor.ok(f"/fragments/{credit_id}/freeze", {"reason": "Suspected fraud"})
    fragment = s1.http.get("/fragments", params={"credit_id": credit_id}).json()["items"][0]
    credit_frozen = operator.ok(f"/credits/{credit_id}/freeze", {"reason": "Court order"})
    credit = core.http.get(f"/credits/{credit_id}").json()
    root = core.http.get(f"/credits/{credit_id}/lineage").json()["root"]
    auditor.ok(f"/fragments/{credit_id}/unfreeze", {"reason": "Cleared"})
    # The fragment's own freeze is lifted; its credit's still holds it.
    after = s1.http.get("/fragments", params={"credit_id": credit_id}).json()["items"][0]

    def when(tx_hash: str) -> int:
        block = private_chain.client.w3.eth.get_transaction_receipt(tx_hash)["blockNumber"]
        return int(private_chain.client.w3.eth.get_block(block)["timestamp"])

    fragment_freeze = {
        "scope": "fragment",
        "target_id": credit_id,
        "frozen_by": auditor.address,
        "frozen_at": when(frozen["tx_hash"]),
        "block_number": frozen["block_number"],
        "tx_hash": frozen["tx_hash"],
        "reason_hash": to_hex(text_hash("Suspected fraud")),
        "reason": "Suspected fraud",
    }
    credit_freeze = {
        "scope": "credit",
        "target_id": credit_id,
        "frozen_by": operator.address,
        "frozen_at": when(credit_frozen["tx_hash"]),
        "block_number": credit_frozen["block_number"],
        "tx_hash": credit_frozen["tx_hash"],
        "reason_hash": to_hex(text_hash("Court order")),
        "reason": "Court order",
    }
    assert (fragment["frozen"], fragment["freeze"]) == (True, fragment_freeze)
    assert (credit["frozen"], credit["freeze"]) == (True, credit_freeze)
    assert root["freeze"] == fragment_freeze
    assert (after["frozen"], after["freeze"]) == (True, credit_freeze)
