"""Four eyes on a real Anvil, on SQLite and PostgreSQL: a core enterprise's clerk (maker)
prepares a voucher issue, which waits until a reviewer (checker) approves it; nobody approves its
own request; requests can be rejected and expire; only the member's own key manages users and
the policy."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from backend.core.database import session_factory, transaction
from backend.core.sqltypes import utc_now
from backend.readmodels.models import CreditRecord
from backend.relay.models import WriteRequest
from tests.consortium_api import DAY, LINE, UNIT, Consortium, PrivateChain, confirmed_invoice


def add_user(consortium: Consortium, member: str, name: str, role: str) -> httpx.Client:
    answer = consortium[member].ok("/members/me/users", {"name": name, "role": role}, status=201)
    assert answer["user"]["role"] == role
    return consortium.server.client(answer["api_key"])


def issue_body(chain: PrivateChain, consortium: Consortium, face_value: int) -> dict[str, Any]:
    core, supplier = consortium["core"], consortium["supplier1"]
    invoice_id = confirmed_invoice(chain, supplier, core, face_value)
    return {
        "invoice_id": invoice_id,
        "face_value_units": face_value,
        "maturity": chain.now() + 60 * DAY,
    }


def post(client: httpx.Client, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return client.post(path, json=body or {}, headers={"Idempotency-Key": uuid.uuid4().hex})


@pytest.fixture
def reviewed(consortium: Consortium) -> dict[str, httpx.Client]:
    """core requires approval above 50.00; one clerk (maker) and two reviewers (checkers)."""
    consortium["bank_a"].ok(
        "/credit-lines", {"obligor": consortium["core"].address, "limit_units": LINE}
    )
    policy = consortium["core"].http.put(
        "/members/me/approval-policy", json={"mode": "above", "threshold_units": 50 * UNIT}
    )
    assert policy.status_code == 200, policy.text
    return {
        "clerk": add_user(consortium, "core", "Payables clerk", "maker"),
        "reviewer": add_user(consortium, "core", "Finance reviewer", "checker"),
        "second": add_user(consortium, "core", "Second reviewer", "checker"),
    }


def credit_count(consortium: Consortium) -> int:
    with session_factory(consortium.settings.database_url)() as session:
        return session.query(CreditRecord).count()


def test_a_makers_issue_above_the_threshold_waits_for_a_checker(
    consortium: Consortium, private_chain: PrivateChain, reviewed: dict[str, httpx.Client]
) -> None:
    clerk, reviewer = reviewed["clerk"], reviewed["reviewer"]
    body = issue_body(private_chain, consortium, 100 * UNIT)
    block, credits = private_chain.block_number(), credit_count(consortium)

    waiting = post(clerk, "/credits", body)

    assert waiting.status_code == 202, waiting.text
    pending = waiting.json()
    assert pending["status"] == "pending_approval"
    assert pending["function"] == "issue" and pending["amount_units"] == str(100 * UNIT)
    # Nothing was signed or sent.
    assert private_chain.block_number() == block and credit_count(consortium) == credits
    inbox = reviewer.get("/requests", params={"status": "pending_approval"})
    assert [r["request_id"] for r in inbox.json()] == [pending["request_id"]]
    refused = clerk.get("/requests")
    assert refused.status_code == 403 and refused.json()["error"] == "CheckerRequired"
    by_maker = post(clerk, f"/requests/{pending['request_id']}/approve")
    assert by_maker.status_code == 403 and by_maker.json()["error"] == "CheckerRequired"

    approved = post(reviewer, f"/requests/{pending['request_id']}/approve")

    assert approved.status_code == 200, approved.text
    done = approved.json()
    assert done["status"] == "done" and done["checker_user_id"] is not None
    issued = [e for e in done["outcome"]["events"] if e["name"] == "CreditIssued"]
    assert len(issued) == 1
    assert issued[0]["args"]["obligor"] == consortium["core"].address
    assert int(issued[0]["args"]["faceValue"]) == 100 * UNIT
    assert credit_count(consortium) == credits + 1
    again = post(reviewer, f"/requests/{pending['request_id']}/approve")
    assert again.status_code == 409 and again.json()["error"] == "RequestNotPending"
    shown = clerk.get(f"/requests/{pending['request_id']}")
    assert shown.json()["status"] == "done" and shown.json()["tx_hash"] == done["tx_hash"]


def test_below_the_threshold_a_maker_writes_at_once(
    consortium: Consortium, private_chain: PrivateChain, reviewed: dict[str, httpx.Client]
) -> None:
    answer = post(reviewed["clerk"], "/credits", issue_body(private_chain, consortium, 10 * UNIT))
    assert answer.status_code == 201, answer.text
    assert answer.json()["credit"]["face_value_units"] == 10 * UNIT


def test_nobody_approves_its_own_request(
    consortium: Consortium, private_chain: PrivateChain, reviewed: dict[str, httpx.Client]
) -> None:
    reviewer, second = reviewed["reviewer"], reviewed["second"]
    own = post(reviewer, "/credits", issue_body(private_chain, consortium, 80 * UNIT)).json()
    assert own["status"] == "pending_approval"

    refused = post(reviewer, f"/requests/{own['request_id']}/approve")

    assert refused.status_code == 403
    assert refused.json()["error"] == "MakerCannotApprove"
    assert post(second, f"/requests/{own['request_id']}/approve").json()["status"] == "done"


def test_a_rejected_or_expired_request_is_never_sent(
    consortium: Consortium, private_chain: PrivateChain, reviewed: dict[str, httpx.Client]
) -> None:
    clerk, reviewer = reviewed["clerk"], reviewed["reviewer"]
    rejected = post(clerk, "/credits", issue_body(private_chain, consortium, 70 * UNIT)).json()
    stale = post(clerk, "/credits", issue_body(private_chain, consortium, 90 * UNIT)).json()
    block = private_chain.block_number()

    answer = post(reviewer, f"/requests/{rejected['request_id']}/reject", {"reason": "wrong PO"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rejected"
    assert answer.json()["decision_reason"] == "wrong PO"
    late = post(reviewer, f"/requests/{rejected['request_id']}/approve")
    assert late.status_code == 409
    assert late.json() == {
        "type": "urn:tiercredit:error:RequestNotPending",
        "title": "Conflict",
        "status": 409,
        "error": "RequestNotPending",
        "args": {"request_id": rejected["request_id"], "status": "rejected"},
        "detail": late.json()["detail"],
    }
    with transaction(session_factory(consortium.settings.database_url)) as session:
        session.execute(
            update(WriteRequest)
            .where(WriteRequest.public_id == stale["request_id"])
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
    expired = post(reviewer, f"/requests/{stale['request_id']}/approve")
    assert expired.status_code == 409 and expired.json()["error"] == "RequestExpired"
    assert clerk.get(f"/requests/{stale['request_id']}").json()["status"] == "expired"
    assert private_chain.block_number() == block


def test_only_the_members_own_key_manages_users_and_policy(
    consortium: Consortium, reviewed: dict[str, httpx.Client]
) -> None:
    clerk = reviewed["clerk"]
    added = clerk.post("/members/me/users", json={"name": "Rogue", "role": "checker"})
    assert added.status_code == 403 and added.json()["error"] == "MemberKeyRequired"
    policy = clerk.put("/members/me/approval-policy", json={"mode": "none"})
    assert policy.status_code == 403 and policy.json()["error"] == "MemberKeyRequired"
    me = consortium["core"].http.get("/members/me").json()
    assert me["approval_mode"] == "above"
    assert me["approval_threshold_units"] == str(50 * UNIT)
