"""Every write endpoint against every role, a member the chain never onboarded, and no or a
wrong credential: refused with 401 or 403 before anything is sent, and nothing changes."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.chain.ids import ROLE_BITS
from backend.core.database import session_factory
from backend.readmodels.models import AuditEvent
from tests.consortium_api import DAY, Consortium, PrivateChain

ANY_MEMBER = frozenset(
    {"OPERATOR", "CORE_ENTERPRISE", "SUPPLIER", "FINANCIER", "INSPECTOR", "AUDITOR"}
)
# The party acting for each role; the cast's names (see tests/consortium_api.py).
ROLE_PARTIES = {
    "OPERATOR": "operator",
    "CORE_ENTERPRISE": "core",
    "SUPPLIER": "supplier1",
    "FINANCIER": "bank_a",
    "INSPECTOR": "inspector",
    "AUDITOR": "auditor",
}
ADDRESS = "0x00000000000000000000000000000000000000A1"
REASON = {"reason": "because"}


def endpoints(chain: PrivateChain) -> list[tuple[str, dict | None, frozenset[str]]]:
    """(path, a valid body, the roles that may call it) for every write endpoint."""
    later = chain.now() + 30 * DAY
    document = {"document": {"n": "authorization matrix"}}
    return [
        (
            "/invoices",
            {
                "buyer": ADDRESS,
                "amount_units": 1,
                "due_date": later,
                "invoice_number": "N-1",
                **document,
            },
            frozenset({"SUPPLIER"}),
        ),
        ("/invoices/1/confirm", None, frozenset({"CORE_ENTERPRISE", "SUPPLIER"})),
        ("/invoices/1/reject", REASON, frozenset({"CORE_ENTERPRISE", "SUPPLIER"})),
        ("/invoices/1/cancel", None, frozenset({"SUPPLIER"})),
        (
            "/certificates",
            {
                "invoice_id": 1,
                "result": "pass",
                "batch_code": "B",
                "standard_code": "S",
                "expires_at": later,
                **document,
            },
            frozenset({"INSPECTOR"}),
        ),
        ("/certificates/1/revoke", REASON, frozenset({"INSPECTOR"})),
        (
            "/credits",
            {"invoice_id": 1, "face_value_units": 1, "maturity": later},
            frozenset({"CORE_ENTERPRISE"}),
        ),
        (
            "/fragments/1/split-transfer",
            {"to": ADDRESS, "value_units": 1, "invoice_id": 1},
            frozenset({"SUPPLIER", "CORE_ENTERPRISE"}),
        ),
        ("/fragments/1/freeze", REASON, frozenset({"AUDITOR", "OPERATOR"})),
        ("/fragments/1/unfreeze", REASON, frozenset({"AUDITOR", "OPERATOR"})),
        ("/credits/1/freeze", REASON, frozenset({"AUDITOR", "OPERATOR"})),
        ("/credits/1/unfreeze", REASON, frozenset({"AUDITOR", "OPERATOR"})),
        ("/credits/1/lift-quality-freeze", REASON, frozenset({"AUDITOR", "OPERATOR"})),
        ("/obligors/me/quality-requirement", {"required": True}, frozenset({"CORE_ENTERPRISE"})),
        (
            "/cash/mint",
            {"to": ADDRESS, "amount_units": 1, "deposit_reference": "D"},
            frozenset({"FINANCIER"}),
        ),
        ("/cash/burn", {"amount_units": 1, "withdrawal_reference": "W"}, ANY_MEMBER),
        ("/cash/approvals", {"spender": "financing", "amount_units": 1}, ANY_MEMBER),
        ("/credit-lines", {"obligor": ADDRESS, "limit_units": 1}, frozenset({"FINANCIER"})),
        (
            "/financing/requests",
            {"token_id": 1, "value_units": 1, "expires_at": later},
            frozenset({"SUPPLIER", "FINANCIER"}),
        ),
        ("/financing/requests/1/quotes", {"rate_bps": 100}, frozenset({"FINANCIER"})),
        ("/financing/quotes/1/withdraw", None, frozenset({"FINANCIER"})),
        ("/financing/requests/1/accept", {"quote_id": 1}, frozenset({"SUPPLIER", "FINANCIER"})),
        ("/financing/requests/1/cancel", None, frozenset({"SUPPLIER", "FINANCIER"})),
        ("/financing/requests/1/expire", None, ANY_MEMBER),
        ("/credits/1/repayments", {"amount_units": 1}, frozenset({"CORE_ENTERPRISE"})),
        ("/fragments/1/redeem", None, ANY_MEMBER),
        ("/redemptions/batch", {"token_ids": [1]}, ANY_MEMBER),
        ("/fragments/1/claim", None, ANY_MEMBER),
        # The contract lets the claimant alone write off, whatever its roles today.
        ("/fragments/1/write-off", REASON, ANY_MEMBER),
        ("/credits/1/mark-overdue", None, ANY_MEMBER),
        (
            "/platform/limits",
            {"max_tenor_days": 180, "grace_period_days": 30, "max_tier_depth": 8},
            frozenset({"OPERATOR"}),
        ),
        ("/platform/pause", None, frozenset({"OPERATOR"})),
        ("/platform/unpause", None, frozenset({"OPERATOR"})),
        ("/platform/members/1/suspend", REASON, frozenset({"OPERATOR"})),
        ("/platform/members/1/reinstate", None, frozenset({"OPERATOR"})),
    ]


def audit_rows(consortium: Consortium) -> int:
    with session_factory(consortium.settings.database_url)() as session:
        return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def test_every_write_refuses_roles_it_does_not_serve_and_strangers(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    stranger = consortium.stranger()
    table = endpoints(private_chain)
    block, audited = private_chain.block_number(), audit_rows(consortium)
    openapi = consortium["operator"].http.get("/openapi.json").json()["paths"]
    # /requests routes act on a request the member was cleared for when it made it: another
    # member's is not found (tests/backend/writes/test_self_custody.py).
    documented = {
        path
        for path, operations in openapi.items()
        if "post" in operations
        # A member's own requests (signatures, approvals by its checkers) are tested in
        # test_self_custody.py and test_maker_checker.py.
        and not path.startswith(("/members", "/auth", "/documents", "/verify", "/requests"))
    }
    outcomes: dict[tuple[str, str], tuple[int, str]] = {}
    expected: dict[tuple[str, str], tuple[int, str]] = {}
    anonymous_client = consortium.server.client()
    forged_client = consortium.server.client("tc_forged_key")

    for path, body, allowed in table:
        for role, party in ROLE_PARTIES.items():
            if role in allowed:
                continue
            response = consortium[party].post(path, body)
            outcomes[(path, role)] = (response.status_code, response.json()["error"])
            expected[(path, role)] = (403, "MissingRole")
        response = stranger.post(path, body)
        outcomes[(path, "stranger")] = (response.status_code, response.json()["error"])
        expected[(path, "stranger")] = (403, "MemberNotActive")
        anonymous = anonymous_client.post(path, json=body)
        outcomes[(path, "anonymous")] = (anonymous.status_code, anonymous.json()["error"])
        expected[(path, "anonymous")] = (401, "MissingApiKey")
        forged = forged_client.post(path, json=body)
        outcomes[(path, "forged")] = (forged.status_code, forged.json()["error"])
        expected[(path, "forged")] = (401, forged.json()["error"])
        assert forged.status_code == 401

    anonymous_client.close()
    forged_client.close()
    assert outcomes == expected
    # The table covers every write route the app serves (path templates with ids filled in).
    assert len(table) == len(documented) == 35
    assert private_chain.block_number() == block
    assert audit_rows(consortium) == audited


def test_role_bits_agree_with_the_consortium(consortium: Consortium) -> None:
    """backend.chain.ids.ROLE_BITS is the Python twin of Roles.sol's bits."""
    chain = consortium.chain.client
    for role, party in ROLE_PARTIES.items():
        assert chain.read("Consortium", "roleBitsOf", consortium[party].address) == ROLE_BITS[role]
