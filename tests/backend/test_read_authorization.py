"""Who reads what, route by route and role by role, on the scripted day (indexer_flow.py).

The day: core owes credit1 (issued to supplier1, who paid supplier2 with part of it; supplier2
paid supplier3; supplier3 sold part to bank_b through request1, on which bank_a quoted and
withdrew; supplier1 asked for cash on another part, request2, and cancelled). core2 owes credit2
(issued to supplier1), which the auditor froze. Invoices: inv1, inv4, inv5 supplier1 -> core,
inv2 supplier2 -> supplier1, inv3 supplier3 -> supplier2, inv6 supplier1 -> core2; the inspector's
cert1 covers inv1. Every refusal is a named error with its values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.backend.indexer_flow import UNIT, Platform, h

SUPERVISORS = ("auditor", "operator")
Client = Callable[[str], httpx.Client]


def refusal(error: str, **args: Any) -> tuple[int, str, dict[str, Any]]:
    return 403, error, args


def read_table(
    day: Platform, member_ids: dict[str, int], document: dict[str, Any]
) -> list[tuple[str, str, Any]]:
    """(path, who, expected): 200, or (status, error, args) for a refusal. ``document`` was
    stored by supplier1; ``member_ids`` are the API's ids of the day's members."""
    ids, a = day.ids, day.address
    inv1_document = "0x" + h("document:inv1").hex()
    cert1_document = "0x" + h("certificate-1").hex()
    rows: list[tuple[str, str, Any]] = []

    def allow(path: str, *who: str) -> None:
        rows.extend((path, name, 200) for name in who)

    credit1 = f"/credits/{ids['credit1']}"
    for path in (credit1, credit1 + "/lineage"):
        # Its obligor, supervisors, and whoever holds or held a fragment of it.
        allow(path, "core", *SUPERVISORS, "supplier1", "supplier2", "supplier3", "bank_b")
        for who in ("bank_a", "core2", "inspector", "stranger"):
            rows.append(
                (
                    path,
                    who,
                    refusal("CreditNotReadable", credit_id=ids["credit1"], member=a(who)),
                )
            )
    rows.append(("/credits/999999", "auditor", (404, "CreditNotFound", {"credit_id": 999999})))
    rows.append(
        ("/credits/999999/lineage", "stranger", (404, "CreditNotFound", {"credit_id": 999999}))
    )

    portfolio = f"/portfolios/{a('supplier1')}"
    allow(portfolio, "supplier1", *SUPERVISORS)
    for who in ("supplier2", "core"):
        rows.append(
            (portfolio, who, refusal("NotYourAccount", member=a(who), address=a("supplier1")))
        )
    exposures = f"/financiers/{a('bank_a')}/exposures"
    allow(exposures, "bank_a", *SUPERVISORS)
    for who in ("bank_b", "core"):
        rows.append((exposures, who, refusal("NotYourAccount", member=a(who), address=a("bank_a"))))
    # An obligor's lines: itself, supervisors, each financier that granted it one (its own).
    for obligor, financiers, others in (
        ("core", ("bank_a", "bank_b"), ("supplier1", "core2", "inspector")),
        ("core2", ("bank_a",), ("bank_b", "core")),
    ):
        lines = f"/obligors/{a(obligor)}/credit-lines"
        allow(lines, obligor, *financiers, *SUPERVISORS)
        for who in others:
            rows.append((lines, who, refusal("NotYourAccount", member=a(who), address=a(obligor))))
    others_fragments = f"/fragments?owner={a('supplier1')}"
    allow(others_fragments, "supplier1", *SUPERVISORS)
    for who in ("supplier2", "core"):
        rows.append(
            (
                others_fragments,
                who,
                refusal("NotYourAccount", member=a(who), address=a("supplier1")),
            )
        )
    others_requests = f"/financing-requests?holder={a('supplier1')}"
    allow(others_requests, "supplier1", "bank_a", *SUPERVISORS)
    rows.append(
        (
            others_requests,
            "supplier2",
            refusal("NotYourAccount", member=a("supplier2"), address=a("supplier1")),
        )
    )

    for anchored, parties, strangers in (
        (inv1_document, ("supplier1", "core"), ("supplier2", "bank_b", "inspector")),
        (cert1_document, ("inspector", "supplier1", "core"), ("supplier2", "bank_a")),
    ):
        allow(f"/audit-trail/{anchored}", *parties, *SUPERVISORS)
        for who in strangers:
            rows.append(
                (
                    f"/audit-trail/{anchored}",
                    who,
                    refusal("AuditTrailNotReadable", document_hash=anchored, member=a(who)),
                )
            )

    invoice2 = f"/invoices/{ids['inv2']}"
    allow(invoice2, "supplier2", "supplier1", *SUPERVISORS)
    for who in ("core", "supplier3"):
        rows.append(
            (invoice2, who, refusal("InvoiceNotReadable", invoice_id=ids["inv2"], member=a(who)))
        )
    rows.append(("/invoices/999999", "auditor", (404, "InvoiceNotFound", {"invoice_id": 999999})))

    request1, request2 = (f"/financing-requests/{ids[r]}" for r in ("request1", "request2"))
    for path in (request1, request1 + "/quotes"):
        # Its holder, the financier that bought it, the one that quoted, supervisors.
        allow(path, "supplier3", "bank_b", "bank_a", *SUPERVISORS)
        for who in ("supplier1", "core"):
            rows.append(
                (
                    path,
                    who,
                    refusal(
                        "FinancingRequestNotReadable", request_id=ids["request1"], member=a(who)
                    ),
                )
            )
    # Cancelled without a quote: no financier may quote on it any more, none took part.
    allow(request2, "supplier1", *SUPERVISORS)
    rows.append(
        (
            request2,
            "bank_a",
            refusal("FinancingRequestNotReadable", request_id=ids["request2"], member=a("bank_a")),
        )
    )
    rows.append(
        (
            "/financing-requests/999999",
            "bank_a",
            (404, "FinancingRequestNotFound", {"request_id": 999999}),
        )
    )

    certificate1 = f"/certificates/{ids['cert1']}"
    allow(certificate1, "inspector", "supplier1", "core", *SUPERVISORS)
    for who in ("supplier2", "bank_a"):
        rows.append(
            (
                certificate1,
                who,
                refusal("CertificateNotReadable", certificate_id=ids["cert1"], member=a(who)),
            )
        )
    rows.append(
        (
            "/certificates/999999",
            "inspector",
            (404, "CertificateNotFound", {"certificate_id": 999999}),
        )
    )

    # Lists answer every member, with what it is party to (the next test checks their items).
    for path in (
        "/credits",
        "/credits/overdue",
        "/invoices",
        "/certificates",
        "/fragments",
        "/financing-requests",
        "/requests",
        "/members/me",
        "/members/me/users",
        "/members/directory",
        "/platform/limits",
    ):
        allow(path, "supplier2", "bank_a", "inspector", *SUPERVISORS)

    allow("/members", *SUPERVISORS)
    rows.append(
        (
            "/members",
            "supplier1",
            refusal(
                "MissingRole",
                member_id=member_ids["supplier1"],
                required_any_of=["AUDITOR", "OPERATOR"],
            ),
        )
    )
    supplier2 = f"/members/{member_ids['supplier2']}"
    allow(supplier2, "supplier2", *SUPERVISORS)
    rows.append(
        (supplier2, "supplier1", refusal("MemberNotReadable", member_id=member_ids["supplier2"]))
    )

    stored = f"/documents/{document['id']}"
    allow(stored, "supplier1", *SUPERVISORS)
    no_pdf = (404, "DocumentPdfNotFound", {"document_id": document["id"]})
    rows.extend((stored + "/pdf", who, no_pdf) for who in ("supplier1", *SUPERVISORS))
    for path in (stored, stored + "/pdf"):
        rows.append((path, "supplier2", refusal("DocumentNotReadable", document_id=document["id"])))
    # Public, for whoever holds the document (its id and hash).
    allow(f"{stored}/verify?document_hash={document['document_hash']}", "stranger", "auditor")
    unknown_request = "0" * 32
    rows.append(
        (
            f"/requests/{unknown_request}",
            "supplier1",
            (404, "RequestNotFound", {"request_id": unknown_request}),
        )
    )
    return rows


# Not member reads: operations (/health, /metrics), the indexer's public progress, the demo's
# member list (development only).
NOT_MEMBER_READS = frozenset({"/health", "/metrics", "/indexer/status", "/dev/demo-members"})


def answer(response: httpx.Response) -> Any:
    if response.status_code == 200:
        return 200
    body = response.json()
    return response.status_code, body["error"], body["args"]


def test_every_read_route_as_each_role(
    day: Platform, day_client: Client, stored: dict[str, Any]
) -> None:
    auditor = day_client("auditor")
    member_ids = {m["name"]: m["id"] for m in auditor.get("/members").json()}
    table = read_table(day, member_ids, stored)
    clients = {who: day_client(who) for who in {who for _, who, _ in table}}
    anonymous = day_client("auditor")
    anonymous.headers.pop("Authorization")
    documented = {
        path
        for path, operations in auditor.get("/openapi.json").json()["paths"].items()
        if "get" in operations and path not in NOT_MEMBER_READS
    }

    actual = [(path, who, answer(clients[who].get(path))) for path, who, _ in table]
    without_key = {
        path: answer(anonymous.get(path)) for path, _, _ in table if "/verify" not in path
    }

    assert actual == table
    assert without_key == dict.fromkeys(without_key, (401, "MissingApiKey", {}))
    covered = {
        template for template in documented for path, _, _ in table if matches(template, path)
    }
    assert covered == documented


def matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path.partition("?")[0]) is not None


def test_lists_answer_only_what_the_member_is_party_to(day: Platform, day_client: Client) -> None:
    ids = day.ids

    def listed(who: str, path: str, key: str) -> list[int]:
        response = day_client(who).get(path)
        assert response.status_code == 200, response.text
        return [item[key] for item in response.json()["items"]]

    assert listed("supplier2", "/credits", "credit_id") == [ids["credit1"]]
    assert listed("supplier1", "/credits", "credit_id") == [ids["credit1"], ids["credit2"]]
    assert listed("core2", "/credits", "credit_id") == [ids["credit2"]]
    assert listed("bank_a", "/credits", "credit_id") == []
    assert listed("auditor", "/credits", "credit_id") == [ids["credit1"], ids["credit2"]]
    # Asking for another obligor's credits narrows what the member sees; it widens nothing.
    assert listed("supplier2", f"/credits?obligor={day.address('core2')}", "credit_id") == []
    assert listed("core2", "/credits/overdue", "credit_id") == [ids["credit2"]]
    assert listed("stranger", "/credits/overdue", "credit_id") == []
    assert listed("supplier2", "/fragments", "token_id") == [ids["token2"]]
    assert listed("supplier3", "/invoices", "invoice_id") == [ids["inv3"]]
    assert listed("core2", "/invoices", "invoice_id") == [ids["inv6"]]
    assert listed("bank_a", "/financing-requests", "request_id") == [ids["request1"]]
    assert listed("bank_b", "/financing-requests", "request_id") == [ids["request1"]]
    assert listed("supplier1", "/financing-requests", "request_id") == [ids["request2"]]
    assert listed("core", "/financing-requests", "request_id") == []
    assert listed("operator", "/financing-requests", "request_id") == [
        ids["request1"],
        ids["request2"],
    ]
    assert listed("core", "/certificates", "certificate_id") == [ids["cert1"]]
    assert listed("inspector", "/certificates", "certificate_id") == [ids["cert1"]]
    assert listed("supplier2", "/certificates", "certificate_id") == []


def tree(node: dict[str, Any]) -> dict[int, Any]:
    """token id -> (holder, discount price or None, children's token ids), over the tree."""
    found = {
        node["token_id"]: (
            node["holder"],
            node["discount"] and node["discount"]["price_units"],
            [child["token_id"] for child in node["children"]],
        )
    }
    for child in node["children"]:
        found.update(tree(child))
    return found


def test_a_holder_sees_the_path_through_its_own_fragments(
    day: Platform, day_client: Client
) -> None:
    ids, a = day.ids, day.address
    root, token2, token3, token4, token5 = (
        ids[k] for k in ("credit1", "token2", "token3", "token4", "token5")
    )
    path = f"/credits/{root}/lineage"

    views = {who: day_client(who).get(path).json() for who in ("supplier2", "bank_b", "core")}
    by_supplier1 = day_client("supplier1").get(path).json()

    # supplier2: the root it came from, its fragment and what came of it; not supplier1's other
    # branch (token5), and not the price supplier3 sold its part for.
    assert tree(views["supplier2"]["root"]) == {
        root: (a("supplier1"), None, [token2]),
        token2: (a("supplier2"), None, [token3]),
        token3: (a("supplier3"), None, [token4]),
        token4: (a("bank_b"), None, []),
    }
    assert views["supplier2"]["fragment_count"] == 4
    # bank_b bought token4: it sees its own price.
    assert tree(views["bank_b"]["root"])[token4] == (a("bank_b"), ids["price1"], [])
    assert token5 not in tree(views["bank_b"]["root"])
    # The obligor sees the whole tree with every price.
    assert set(tree(views["core"]["root"])) == {root, token2, token3, token4, token5}
    assert tree(views["core"]["root"])[token4][1] == ids["price1"]
    assert views["core"]["fragment_count"] == 5
    # supplier1 held the root: all of it lies below its fragment, but supplier3's sale is not its.
    assert set(tree(by_supplier1["root"])) == {root, token2, token3, token4, token5}
    assert tree(by_supplier1["root"])[token4][1] is None


def test_a_financier_sees_its_own_quotes_and_the_holder_every_quote(
    day: Platform, day_client: Client
) -> None:
    ids = day.ids
    path = f"/financing-requests/{ids['request1']}/quotes"

    def quotes(who: str) -> list[tuple[int, str]]:
        return [(q["quote_id"], q["financier"]) for q in day_client(who).get(path).json()]

    assert quotes("supplier3") == [
        (ids["quote_a"], day.address("bank_a")),
        (ids["quote_b"], day.address("bank_b")),
    ]
    assert quotes("auditor") == quotes("supplier3")
    assert quotes("bank_a") == [(ids["quote_a"], day.address("bank_a"))]
    assert quotes("bank_b") == [(ids["quote_b"], day.address("bank_b"))]


# ---------------------------------------------------------------------- the new reads


def test_the_member_directory_names_every_member_and_nothing_more(day_client: Client) -> None:
    members = day_client("auditor").get("/members").json()

    directory = day_client("supplier2").get("/members/directory").json()

    assert len(members) >= 10
    assert directory == [
        {"name": m["name"], "address": m["address"], "roles": m["roles"], "status": m["status"]}
        for m in members
    ]


def test_one_invoice_request_and_certificate(day: Platform, day_client: Client) -> None:
    ids, a = day.ids, day.address

    invoice = day_client("supplier1").get(f"/invoices/{ids['inv2']}").json()
    request = day_client("bank_a").get(f"/financing-requests/{ids['request1']}").json()
    certificate = day_client("core").get(f"/certificates/{ids['cert1']}").json()

    assert invoice == {
        "invoice_id": ids["inv2"],
        "seller": a("supplier2"),
        "buyer": a("supplier1"),
        "amount_units": 50_000 * UNIT,
        "remaining_units": 20_000 * UNIT,
        "due_date": invoice["due_date"],
        "number_hash": "0x" + h("number:inv2").hex(),
        "document_hash": "0x" + h("document:inv2").hex(),
        "status": "confirmed",
        "reason_hash": None,
        "reason": None,
        "block_number": invoice["block_number"],
    }
    assert invoice["due_date"] == day.read("InvoiceRegistry", "invoice", ids["inv2"])[2]
    assert request == {
        "request_id": ids["request1"],
        "holder": a("supplier3"),
        "token_id": ids["token4"],
        "value_units": 4_000 * UNIT,
        "expires_at": request["expires_at"],
        "status": "accepted",
        "accepted_quote_id": ids["quote_b"],
        "financier": a("bank_b"),
        "price_units": ids["price1"],
        "days_to_maturity": request["days_to_maturity"],
        "block_number": request["block_number"],
        "credit_id": ids["credit1"],
        "obligor": a("core"),
        "maturity": ids["maturity1"],
    }
    assert certificate == {
        "certificate_id": ids["cert1"],
        "invoice_id": ids["inv1"],
        "inspector": a("inspector"),
        "result": "pass",
        "document_hash": "0x" + h("certificate-1").hex(),
        "document_id": None,
        "expires_at": certificate["expires_at"],
        "revoked": False,
        "revoke_reason_hash": None,
        "block_number": certificate["block_number"],
        "batch_code_hash": "0x" + h("batch-1").hex(),
        "standard_code": "0x" + h("GB/T 19001").hex(),
    }


def test_platform_limits_and_pause_as_the_consortium_holds_them(
    day: Platform, day_client: Client
) -> None:
    limits = day_client("supplier3").get("/platform/limits").json()
    anonymous = day_client("supplier3")
    anonymous.headers.pop("Authorization")
    refused = anonymous.get("/platform/limits")

    tenor, grace, depth = day.read("Consortium", "limits")
    assert limits == {
        "max_tenor_days": tenor,
        "grace_period_days": grace,
        "max_tier_depth": depth,
        "paused": False,
        "block_number": limits["block_number"],
    }
    assert (tenor, depth) == (180, 8)
    assert limits["block_number"] == day.chain.w3.eth.block_number
    assert refused.status_code == 401


def test_a_freeze_in_force_says_when_and_why_on_the_credit_its_fragments_and_lineage(
    day: Platform, day_client: Client
) -> None:
    ids = day.ids
    credit2 = ids["credit2"]
    client = day_client("supplier1")

    credit = client.get(f"/credits/{credit2}").json()
    fragments = {f["token_id"]: f for f in client.get("/fragments").json()["items"]}
    lineage = client.get(f"/credits/{credit2}/lineage").json()
    held = client.get(f"/portfolios/{day.address('supplier1')}").json()["fragments"]["items"]
    unfrozen = day_client("supplier2").get(f"/credits/{ids['credit1']}/lineage").json()

    freeze = credit["freeze"]
    frozen_log = day.chain.w3.eth.get_transaction_receipt(freeze["tx_hash"])
    block = day.chain.w3.eth.get_block(frozen_log["blockNumber"])
    assert freeze == {
        "scope": "credit",
        "target_id": credit2,
        # Sent straight from the auditor's account, not relayed: the event names no caller.
        "frozen_by": None,
        "frozen_at": block["timestamp"],
        "block_number": frozen_log["blockNumber"],
        "tx_hash": freeze["tx_hash"],
        "reason_hash": "0x" + h("reason:dispute").hex(),
        "reason": None,
    }
    assert frozen_log["from"] == day.address("auditor")
    assert fragments[credit2]["freeze"] == freeze
    assert [f["freeze"] for f in held if f["token_id"] == credit2] == [freeze]
    assert lineage["root"]["freeze"] == freeze and lineage["credit"]["freeze"] == freeze
    # token2 was frozen and unfrozen again: nothing in force.
    token2 = tree_node(unfrozen["root"], ids["token2"])
    assert token2 is not None and (token2["frozen"], token2["freeze"]) == (False, None)
    assert fragments[ids["credit1"]]["freeze"] is None


def tree_node(node: dict[str, Any], token_id: int) -> dict[str, Any] | None:
    if node["token_id"] == token_id:
        return node
    found = (tree_node(child, token_id) for child in node["children"])
    return next((f for f in found if f is not None), None)


# ---------------------------------------------------------------------- public verify


@pytest.fixture
def stored(day_client: Client) -> dict[str, Any]:
    content = {"invoice_number": "AUTH-1", "amount_units": 5, "seller": "S", "buyer": "B"}
    response = day_client("supplier1").post(
        "/documents", json={"kind": "invoice", "content": content}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_stored_document_is_verified_by_its_id_with_its_hash_only(
    day_client: Client, stored: dict[str, Any]
) -> None:
    public = day_client("stranger")
    public.headers.pop("Authorization")
    path = f"/documents/{stored['id']}/verify"
    wrong = "0x" + "ab" * 32

    with_hash = public.get(path, params={"document_hash": stored["document_hash"]})
    without = public.get(path)
    wrong_hash = public.get(path, params={"document_hash": wrong})
    posted = public.post(
        "/verify", json={"document_id": stored["id"], "document_hash": stored["document_hash"]}
    )
    posted_without = public.post("/verify", json={"document_id": stored["id"]})
    read_by_stranger = day_client("stranger").get(f"/documents/{stored['id']}")

    assert with_hash.status_code == 200
    assert with_hash.json() == {
        "document_hash": stored["document_hash"],
        "document_id": stored["id"],
        "anchored": False,
        "anchors": [],
        "pdf_hash": None,
        "pdf_covered_by_anchor": None,
    }
    assert posted.json() == with_hash.json()
    assert (without.status_code, without.json()["error"]) == (422, "RequestValidationError")
    assert (posted_without.status_code, posted_without.json()["error"]) == (
        422,
        "RequestValidationError",
    )
    # A wrong hash is answered as a missing document: counting through ids tells nothing.
    assert (wrong_hash.status_code, wrong_hash.json()["error"], wrong_hash.json()["args"]) == (
        404,
        "DocumentNotFound",
        {"document_id": stored["id"], "document_hash": wrong},
    )
    assert (read_by_stranger.status_code, read_by_stranger.json()["error"]) == (
        403,
        "DocumentNotReadable",
    )
