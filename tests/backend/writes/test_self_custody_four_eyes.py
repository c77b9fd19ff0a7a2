"""Four eyes for a member holding its own key, over HTTP on a real chain, on SQLite and PostgreSQL:
a write its policy covers waits as pending_approval with the typed data to sign; only a checker
other than its maker completes it, by posting the member's signature; it can be rejected and it
expires, and its forwarder nonce comes back once the chain's clock passes its deadline; below the
threshold the maker signs as any self-custody write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import update

from backend.core.database import session_factory, transaction
from backend.core.sqltypes import utc_now
from backend.relay.models import WriteRequest
from tests.backend.writes.test_maker_checker import credit_count, post
from tests.backend.writes.test_self_custody import (
    forwarder_nonce,
    invoice_body,
    signature_of,
    signed,
    to_sign,
    wait_for,
)
from tests.consortium_api import DAY, LINE, UNIT, Consortium, Party, PrivateChain

THRESHOLD = 50 * UNIT


@dataclass
class User:
    id: int
    http: httpx.Client


@dataclass
class ReviewedCore:
    """A core enterprise holding its own key, approval required above 50.00; one clerk (maker),
    two reviewers (checkers)."""

    party: Party
    key: LocalAccount
    clerk: User
    reviewer: User
    second: User


def add_user(consortium: Consortium, member: Party, name: str, role: str) -> User:
    answer = member.ok("/members/me/users", {"name": name, "role": role}, status=201)
    return User(answer["user"]["id"], consortium.server.client(answer["api_key"]))


@pytest.fixture
def reviewed(consortium: Consortium) -> ReviewedCore:
    key: LocalAccount = Account.create()
    core = consortium.onboard("self-core", ["CORE_ENTERPRISE"], address=key.address)
    consortium["bank_a"].ok("/credit-lines", {"obligor": core.address, "limit_units": LINE})
    policy = core.http.put(
        "/members/me/approval-policy", json={"mode": "above", "threshold_units": THRESHOLD}
    )
    assert policy.status_code == 200, policy.text
    return ReviewedCore(
        core,
        key,
        add_user(consortium, core, "Payables clerk", "maker"),
        add_user(consortium, core, "Finance reviewer", "checker"),
        add_user(consortium, core, "Second reviewer", "checker"),
    )


def issue_body(chain: PrivateChain, consortium: Consortium, core: ReviewedCore, face: int) -> Any:
    """An invoice supplier1 registered and the core confirmed (by signing), to issue against."""
    supplier = consortium["supplier1"]
    body = invoice_body(chain, supplier, core.party, face)
    invoice_id = supplier.ok("/invoices", body, status=201)["invoice"]["invoice_id"]
    signed(core.party, core.key, to_sign(core.party.post(f"/invoices/{invoice_id}/confirm")))
    return {"invoice_id": invoice_id, "face_value_units": face, "maturity": chain.now() + 60 * DAY}


def pending(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"request_id", "status", "typed_data", "expires_at"}
    assert body["status"] == "pending_approval"
    return body


def sign_as(user: User, answer: dict[str, Any], signature: str) -> httpx.Response:
    return post(user.http, f"/requests/{answer['request_id']}/signature", {"signature": signature})


def test_a_makers_write_above_the_threshold_is_signed_by_a_checker(
    consortium: Consortium, private_chain: PrivateChain, reviewed: ReviewedCore
) -> None:
    core, clerk, reviewer = reviewed.party, reviewed.clerk, reviewed.reviewer
    supplier = consortium["supplier1"]
    body = issue_body(private_chain, consortium, reviewed, 100 * UNIT)
    nonce = forwarder_nonce(private_chain, core.address)
    block, credits = private_chain.block_number(), credit_count(consortium)

    waiting = pending(post(clerk.http, "/credits", body))
    inbox = reviewer.http.get("/requests", params={"status": "pending_approval"})
    signature = signature_of(reviewed.key, waiting)
    by_maker = sign_as(clerk, waiting, signature)
    by_member_key = core.post(
        f"/requests/{waiting['request_id']}/signature", {"signature": signature}
    )
    approved_unsigned = post(reviewer.http, f"/requests/{waiting['request_id']}/approve")
    forged = sign_as(reviewer, waiting, signature_of(Account.create(), waiting))
    sent_before_the_checker = private_chain.block_number() - block
    credits_before_the_checker = credit_count(consortium)
    done = sign_as(reviewer, waiting, signature)

    message = waiting["typed_data"]["message"]
    assert (message["from"], message["to"], message["nonce"]) == (
        core.address,
        private_chain.manifest.address("CreditVoucher"),
        str(nonce),
    )
    assert datetime.fromisoformat(waiting["expires_at"]) <= utc_now() + timedelta(hours=1)
    # The checker's inbox shows it with the typed data to sign.
    assert inbox.status_code == 200, inbox.text
    (shown,) = inbox.json()
    assert (shown["request_id"], shown["status"], shown["signing"]) == (
        waiting["request_id"],
        "pending_approval",
        "self",
    )
    assert (shown["function"], shown["amount_units"]) == ("issue", str(100 * UNIT))
    assert (shown["maker_user_id"], shown["forwarder_nonce"]) == (clerk.id, nonce)
    assert shown["typed_data"] == waiting["typed_data"]
    # Nobody but a checker completes it, though the signature is the member's own.
    assert by_maker.status_code == 403
    assert by_maker.json()["error"] == "CheckerRequired"
    assert by_maker.json()["args"] == {"member_id": core.member_id, "role": "maker"}
    assert by_member_key.status_code == 403
    assert by_member_key.json()["args"] == {"member_id": core.member_id, "role": None}
    assert approved_unsigned.status_code == 409
    assert approved_unsigned.json()["error"] == "SignatureRequired"
    assert approved_unsigned.json()["args"] == {
        "request_id": waiting["request_id"],
        "signing": "self",
    }
    assert forged.status_code == 403
    assert forged.json()["error"] == "ForwardRequestSignatureInvalid"
    assert (sent_before_the_checker, credits_before_the_checker) == (0, credits)

    assert done.status_code == 200, done.text
    request = done.json()
    assert (request["status"], request["signing"]) == ("done", "self")
    assert (request["maker_user_id"], request["checker_user_id"]) == (clerk.id, reviewer.id)
    events = request["outcome"]["events"]
    issued = [e["args"] for e in events if e["name"] == "CreditIssued"]
    assert len(issued) == 1
    credit_id = issued[0]["creditId"]
    assert (issued[0]["obligor"], issued[0]["supplier"], issued[0]["faceValue"]) == (
        core.address,
        supplier.address,
        100 * UNIT,
    )
    assert ("Consortium", "OutstandingChanged") in [(e["contract"], e["name"]) for e in events]
    tx = private_chain.client.w3.eth.get_transaction(request["tx_hash"])
    assert tx["to"] == private_chain.manifest.address("Forwarder")
    # On chain: the root fragment is the supplier's, drawn on the core's quota, at the nonce.
    assert private_chain.client.read("CreditVoucher", "ownerOf", credit_id) == supplier.address
    assert private_chain.client.read("Consortium", "outstanding", core.address) == 100 * UNIT
    assert forwarder_nonce(private_chain, core.address) == nonce + 1
    # The read models took it with the batch.
    assert credit_count(consortium) == credits + 1
    credit = core.http.get(f"/credits/{credit_id}").json()
    assert (credit["obligor"], credit["supplier"], credit["face_value_units"]) == (
        core.address,
        supplier.address,
        100 * UNIT,
    )
    assert reviewer.http.get("/requests").json() == []
    again = sign_as(reviewed.second, waiting, signature)
    assert again.status_code == 200 and again.json()["tx_hash"] == request["tx_hash"]


def test_below_the_threshold_the_maker_signs_as_before(
    consortium: Consortium, private_chain: PrivateChain, reviewed: ReviewedCore
) -> None:
    body = issue_body(private_chain, consortium, reviewed, 10 * UNIT)

    answer = to_sign(post(reviewed.clerk.http, "/credits", body))
    done = sign_as(reviewed.clerk, answer, signature_of(reviewed.key, answer))

    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["checker_user_id"]) == ("done", None)
    (issued,) = [e for e in done.json()["outcome"]["events"] if e["name"] == "CreditIssued"]
    assert issued["args"]["faceValue"] == 10 * UNIT


def test_a_checker_cannot_sign_its_own_request(
    consortium: Consortium, private_chain: PrivateChain, reviewed: ReviewedCore
) -> None:
    reviewer, second = reviewed.reviewer, reviewed.second
    own = pending(
        post(reviewer.http, "/credits", issue_body(private_chain, consortium, reviewed, 80 * UNIT))
    )
    signature = signature_of(reviewed.key, own)

    refused = sign_as(reviewer, own, signature)
    done = sign_as(second, own, signature)

    assert refused.status_code == 403
    assert refused.json()["error"] == "MakerCannotApprove"
    assert refused.json()["args"] == {"request_id": own["request_id"], "user_id": reviewer.id}
    assert done.status_code == 200, done.text
    assert (done.json()["maker_user_id"], done.json()["checker_user_id"]) == (
        reviewer.id,
        second.id,
    )


def test_a_rejected_or_expired_request_is_never_sent_and_its_nonce_comes_back(
    consortium: Consortium, private_chain: PrivateChain, reviewed: ReviewedCore
) -> None:
    core, clerk, reviewer = reviewed.party, reviewed.clerk, reviewed.reviewer
    rejected_body = issue_body(private_chain, consortium, reviewed, 70 * UNIT)
    stale_body = issue_body(private_chain, consortium, reviewed, 90 * UNIT)
    nonce = forwarder_nonce(private_chain, core.address)
    credits = credit_count(consortium)

    rejected = pending(post(clerk.http, "/credits", rejected_body))
    decision = post(
        reviewer.http, f"/requests/{rejected['request_id']}/reject", {"reason": "wrong PO"}
    )
    late = sign_as(reviewer, rejected, signature_of(reviewed.key, rejected))
    blocked = post(clerk.http, "/credits", stale_body)
    deadline = rejected["typed_data"]["message"]["deadline"]
    # Its signature could still be made and relayed by anyone until the chain passes its deadline.
    private_chain.travel_to(deadline + 1)
    wait_for(
        lambda: (
            core.http.get(f"/requests/{rejected['request_id']}").json()["forwarder_nonce"] is None
        )
    )
    stale = pending(post(clerk.http, "/credits", stale_body))
    with transaction(session_factory(consortium.settings.database_url)) as session:
        session.execute(
            update(WriteRequest)
            .where(WriteRequest.public_id == stale["request_id"])
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
    expired = sign_as(reviewer, stale, signature_of(reviewed.key, stale))
    shown = core.http.get(f"/requests/{stale['request_id']}").json()

    assert decision.status_code == 200, decision.text
    assert (decision.json()["status"], decision.json()["decision_reason"]) == (
        "rejected",
        "wrong PO",
    )
    assert decision.json()["checker_user_id"] == reviewer.id
    assert late.status_code == 409
    assert late.json()["error"] == "RequestNotAwaitingSignature"
    assert late.json()["args"] == {"request_id": rejected["request_id"], "status": "rejected"}
    # While the rejected request holds the member's next nonce, nothing behind it could run.
    assert blocked.status_code == 409
    assert (blocked.json()["error"], blocked.json()["args"]) == (
        "RejectedRequestHoldsNonce",
        {"request_id": rejected["request_id"], "forwarder_nonce": nonce, "deadline": deadline},
    )
    assert stale["typed_data"]["message"]["nonce"] == str(nonce)
    assert expired.status_code == 410
    assert expired.json()["error"] == "RequestExpired"
    assert expired.json()["args"]["request_id"] == stale["request_id"]
    assert expired.json()["args"]["deadline"] == stale["typed_data"]["message"]["deadline"]
    assert (shown["status"], shown["tx_hash"]) == ("expired", None)
    assert forwarder_nonce(private_chain, core.address) == nonce
    assert credit_count(consortium) == credits
