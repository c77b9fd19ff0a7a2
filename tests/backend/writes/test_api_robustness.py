"""Issue 10, robustness and inputs: no event stops the indexer, no input reaches a 5xx, and inputs
are strict (ASCII digits, EIP-55 addresses, normalised invoice numbers, unique JSON keys).

The real app over HTTP on a private Anvil, on SQLite and PostgreSQL, as the other write tests.
"""

from __future__ import annotations

import http.client
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from backend.cli import _status_checks
from backend.core.database import session_factory, transaction
from backend.core.migrate import run_migrations
from backend.indexer.follower import Follower
from backend.readmodels.models import AuditEvent, CashBalance, QuarantinedEvent
from tests.backend.writes.test_api_writes_invoices import invoice_body
from tests.consortium_api import UNIT, Consortium, Party, PrivateChain

HUGE = 2**63
UINT256_MAX = 2**256 - 1


def follower(consortium: Consortium, database_url: str | None = None) -> Follower:
    url = database_url or consortium.settings.database_url
    return Follower(consortium.chain.client, session_factory(url))


def mint(bank: Party, to: Party, amount: int) -> httpx.Response:
    return bank.post(
        "/cash/mint",
        {"to": to.address, "amount_units": amount, "deposit_reference": f"DEP-{uuid.uuid4().hex}"},
    )


def burn(member: Party, amount: int) -> httpx.Response:
    return member.post(
        "/cash/burn", {"amount_units": amount, "withdrawal_reference": f"WD-{uuid.uuid4().hex}"}
    )


def quarantined(url: str) -> list[tuple[Any, ...]]:
    with session_factory(url)() as session:
        rows = session.scalars(select(QuarantinedEvent).order_by(QuarantinedEvent.id)).all()
        return [
            (q.block_number, q.log_index, q.tx_hash, q.contract, q.event, q.error) for q in rows
        ]


def metric(http_client: httpx.Client, name: str) -> float:
    for line in http_client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


# ---------------------------------------------------------------------- the indexer survives


def test_a_zero_burn_by_a_member_that_never_held_cash_projects(
    consortium: Consortium, tmp_path: Path
) -> None:
    stranger_to_cash = consortium["supplier2"]

    answer = burn(stranger_to_cash, 0)
    # The follower itself, from the deployment on, into a database of its own.
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    run_migrations(fresh)
    follower(consortium).index_once()
    follower(consortium, fresh).index_once()

    assert answer.status_code == 200, answer.text
    tx_hash = answer.json()["tx_hash"]
    for url in (consortium.settings.database_url, fresh):
        assert quarantined(url) == []
        with session_factory(url)() as session:
            assert session.get(CashBalance, stranger_to_cash.address).balance == 0
            events = session.scalars(
                select(AuditEvent.event).where(AuditEvent.tx_hash == tx_hash)
            ).all()
            assert sorted(events) == ["ExecutedForwardRequest", "Transfer", "Withdrawn"]


def test_an_event_the_read_models_cannot_take_is_quarantined_and_indexing_goes_on(
    consortium: Consortium, private_chain: PrivateChain, caplog: pytest.LogCaptureFixture
) -> None:
    bank, holder, other = consortium["bank_a"], consortium["supplier1"], consortium["supplier3"]
    url = consortium.settings.database_url
    assert mint(bank, holder, 5 * UNIT).status_code == 200
    follower(consortium).index_once()
    # A read-model row broken behind the projection's back: the burn below cannot be taken.
    with transaction(session_factory(url)) as session:
        session.execute(delete(CashBalance).where(CashBalance.account == holder.address))

    burned = burn(holder, UNIT)
    minted = mint(bank, other, 7 * UNIT)
    with caplog.at_level(logging.ERROR, logger="backend.indexer.follower"):
        applied = follower(consortium).index_once()
    status = consortium["auditor"].http.get("/indexer/status").json()
    checks = {check.component: check for check in _status_checks(consortium.settings)}

    # The write path left the burn to the indexer (no row to take it from); the chain has it.
    assert burned.status_code == 200, burned.text
    assert minted.status_code == 200, minted.text
    burn_tx = burned.json()["tx_hash"]
    receipt = private_chain.client.w3.eth.get_transaction_receipt(burn_tx)
    transfer = next(
        entry
        for entry in receipt["logs"]
        if entry["address"] == private_chain.manifest.contracts["SettlementToken"]
        and len(entry["topics"]) == 3
    )
    error = f"ProjectionError: cash balance of {holder.address} below {UNIT}"
    assert quarantined(url) == [
        (
            receipt["blockNumber"],
            transfer["logIndex"],
            burn_tx,
            "SettlementToken",
            "Transfer",
            error,
        )
    ]
    # The rest of that transaction and of the batch went in; the cursor is at the head.
    assert applied >= 2
    head = private_chain.block_number()
    assert status["block_number"] == head
    assert status["head_block"] == head
    assert status["lag_blocks"] == 0
    assert status["quarantined_count"] == 1
    assert [
        (q["block_number"], q["log_index"], q["tx_hash"], q["contract"], q["event"], q["error"])
        for q in status["quarantined"]
    ] == [
        (
            receipt["blockNumber"],
            transfer["logIndex"],
            burn_tx,
            "SettlementToken",
            "Transfer",
            error,
        )
    ]
    with session_factory(url)() as session:
        assert session.get(CashBalance, other.address).balance == 7 * UNIT
        withdrawn = session.scalars(
            select(AuditEvent.event).where(AuditEvent.tx_hash == burn_tx)
        ).all()
        assert sorted(withdrawn) == ["ExecutedForwardRequest", "Withdrawn"]
    # Reported in the log, in `tiercredit status` (failing) and in /metrics.
    where = f"at block {receipt['blockNumber']} (tx {burn_tx}, log {transfer['logIndex']})"
    assert [
        r.getMessage()
        for r in caplog.records
        if r.name == "backend.indexer.follower" and r.levelno >= logging.ERROR
    ] == [f"quarantined SettlementToken.Transfer {where}: {error}"]
    assert not checks["quarantine"].ok
    assert checks["quarantine"].detail == (
        f"1 event(s) quarantined; latest SettlementToken.Transfer {where}: {error}"
    )
    assert metric(consortium["auditor"].http, "tiercredit_indexer_quarantined_events") == 1.0
    assert metric(consortium["auditor"].http, "tiercredit_indexer_lag_blocks") == 0.0
    # Indexing on changes nothing: the event stays quarantined once.
    assert follower(consortium).index_once() == 0
    assert len(quarantined(url)) == 1


# ---------------------------------------------------------------------- no 5xx on input


def every_list(consortium: Consortium) -> list[str]:
    """Every route that answers a page of items."""
    return [
        "/credits",
        "/credits/overdue",
        "/invoices",
        "/financing-requests",
        "/fragments",
        "/certificates",
        f"/portfolios/{consortium['supplier1'].address}",
    ]


def test_ids_and_offsets_beyond_64_bits_are_422(consortium: Consortium) -> None:
    auditor = consortium["auditor"].http
    lists = every_list(consortium)
    paths = [
        f"/credits/{HUGE}",
        f"/credits/{HUGE}/lineage",
        f"/documents/{HUGE}",
        f"/documents/{HUGE}/verify?document_hash=0x{'ab' * 32}",
        # Found by schemathesis (tests/e2e/test_schemathesis.py): 500 before its id was bounded.
        f"/financing-requests/{HUGE}/quotes",
        *(f"{listed}?offset={offset}" for listed in lists for offset in (HUGE, "1.1e23")),
        f"/fragments?credit_id={2**64}",
    ]

    answers = {path: auditor.get(path) for path in paths}

    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(paths, 422)
    assert {path: r.json()["error"] for path, r in answers.items()} == dict.fromkeys(
        paths, "RequestValidationError"
    )
    assert answers[f"/credits/{HUGE}"].json()["args"]["errors"] == [
        {
            "loc": ["path", "credit_id"],
            "msg": f"Input should be less than {HUGE}",
            "type": "less_than",
        }
    ]
    # The largest id and offset that fit are answered as usual.
    assert auditor.get(f"/credits/{HUGE - 1}").json()["error"] == "CreditNotFound"
    assert auditor.get(f"/credits?offset={HUGE - 1}").json()["items"] == []


def test_a_contract_panic_is_422_naming_it(consortium: Consortium) -> None:
    bank, holder = consortium["bank_a"], consortium["supplier1"]
    assert mint(bank, holder, 1).status_code == 200

    overflow = mint(bank, holder, UINT256_MAX)

    assert overflow.status_code == 422
    assert overflow.json()["error"] == "Panic"
    assert overflow.json()["args"] == {"code": 17, "reason": "arithmetic overflow"}


def test_a_json_body_nested_600_deep_is_422(consortium: Consortium) -> None:
    content: dict[str, Any] = {}
    for _ in range(600):
        content = {"n": content}

    answer = consortium["supplier1"].http.post(
        "/documents", json={"kind": "invoice", "content": content}
    )

    assert answer.status_code == 422
    assert answer.json() == {
        "type": "urn:tiercredit:error:JsonTooDeep",
        "title": "Unprocessable Entity",
        "status": 422,
        "error": "JsonTooDeep",
        "args": {"max_depth": 32},
        "detail": "the JSON body nests deeper than allowed",
    }


def test_a_server_error_is_500_and_keeps_the_connection(
    consortium: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.reads import service

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "indexer_status", broken)
    connection = http.client.HTTPConnection("127.0.0.1", consortium.server.port, timeout=30)
    answers = []
    sockets = []
    for _ in range(2):
        connection.request("GET", "/indexer/status")
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())["error"]))
        sockets.append(connection.sock)
    connection.close()

    assert answers == [(500, "InternalError"), (500, "InternalError")]
    assert sockets[0] is not None and sockets[0] is sockets[1]


# ---------------------------------------------------------------------- strict inputs


@pytest.mark.parametrize(
    "number",
    ["1_0", " 10", "10 ", "+10", "10.0", "\uff11\uff10", "\u0661\u0660"],
    ids=[
        "underscore",
        "leading-space",
        "trailing-space",
        "sign",
        "decimal",
        "full-width",
        "arabic",
    ],
)
def test_path_and_query_integers_take_ascii_digits_only(
    consortium: Consortium, number: str
) -> None:
    auditor = consortium["auditor"].http
    paths = [
        f"/credits/{number}",
        f"/credits/{number}/lineage",
        f"/documents/{number}",
        f"/financing-requests/{number}/quotes",
        f"/fragments?credit_id={number}",
        f"/credits?limit={number}",
        *(f"{listed}?offset={number}" for listed in every_list(consortium)),
    ]

    answers = {path: auditor.get(path) for path in paths}

    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(paths, 422)
    assert {
        path: [e["msg"] for e in r.json()["args"]["errors"]] for path, r in answers.items()
    } == {path: ["Value error, expected ASCII digits 0-9"] for path in paths}


@pytest.mark.parametrize(
    "amount",
    ["\u0661\u0660\u0660\u0660", "\uff11\uff10\uff10\uff10", "1000\u0660", " 1000", "+1000"],
    ids=["arabic-indic", "full-width", "mixed", "space", "sign"],
)
def test_amounts_take_ascii_digits_only(
    consortium: Consortium, private_chain: PrivateChain, amount: str
) -> None:
    block = private_chain.block_number()

    answer = consortium["supplier1"].post(
        "/invoices", invoice_body(private_chain, consortium, amount_units=amount)
    )

    assert answer.status_code == 422
    assert answer.json()["error"] == "RequestValidationError"
    assert [(e["loc"], e["msg"]) for e in answer.json()["args"]["errors"]] == [
        (
            ["body", "amount_units"],
            "Value error, expected an integer or a string of ASCII digits 0-9",
        )
    ]
    assert private_chain.block_number() == block


def test_ascii_digit_text_is_still_an_amount(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    answer = consortium["supplier1"].post(
        "/invoices", invoice_body(private_chain, consortium, amount_units=str(1_000 * UNIT))
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["invoice"]["amount_units"] == 1_000 * UNIT


def test_addresses_must_be_eip55_with_0x_everywhere(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    seller, buyer = consortium["supplier1"], consortium["core"]
    wrong_case = buyer.address[:2] + buyer.address[2:].swapcase()
    forms = {"lowercase": buyer.address.lower(), "no 0x": buyer.address[2:]}
    forms["wrong checksum"] = wrong_case

    invoices = {
        name: seller.post("/invoices", invoice_body(private_chain, consortium, buyer=value))
        for name, value in forms.items()
    }
    members = {
        name: consortium["operator"].post(
            "/members",
            {"name": "Wallet", "roles": ["SUPPLIER"], "kyc_reference": "K", "address": value},
        )
        for name, value in forms.items()
    }
    portfolio = consortium["auditor"].http.get(f"/portfolios/{buyer.address.lower()}")

    for answers in (invoices, members):
        assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(forms, 422)
        assert {
            name: [e["msg"] for e in r.json()["args"]["errors"]] for name, r in answers.items()
        } == {
            name: ["Value error, expected an EIP-55 checksummed 0x-prefixed address"]
            for name in forms
        }
    assert invoices["no 0x"].json()["args"]["errors"][0]["loc"] == ["body", "buyer"]
    assert portfolio.status_code == 422
    assert portfolio.json()["error"] == "InvalidAddress"
    assert portfolio.json()["args"] == {"address": buyer.address.lower()}


@pytest.mark.parametrize(
    "look_alike",
    ["{n} ", " {n}", "{lower}", "{full_width}", "{n}\u00a0"],
    ids=["trailing space", "leading space", "case", "full-width", "no-break space"],
)
def test_look_alike_invoice_numbers_are_duplicates(
    consortium: Consortium, private_chain: PrivateChain, look_alike: str
) -> None:
    seller = consortium["supplier1"]
    number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in number)
    first = seller.ok(
        "/invoices", invoice_body(private_chain, consortium, invoice_number=number), status=201
    )
    again = look_alike.format(n=number, lower=number.lower(), full_width=full_width)

    answer = seller.post("/invoices", invoice_body(private_chain, consortium, invoice_number=again))

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "InvoiceAlreadyRegistered"
    assert answer.json()["args"] == {
        "seller": seller.address,
        "numberHash": first["invoice"]["number_hash"],
        "existingInvoiceId": first["invoice"]["invoice_id"],
    }


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("INV-1\x00", "character U+0000 (Cc)"),
        ("INV-\n1", "character U+000A (Cc)"),
        ("INV-\u202e1-VNI", "character U+202E (Cf)"),
        ("INV-\u200b1", "character U+200B (Cf)"),
        ("INV-\u20281", "character U+2028 (Zl)"),
        ("   ", "blank"),
        ("\u3000", "blank"),
    ],
    ids=[
        "NUL",
        "newline",
        "RTL override",
        "zero width space",
        "line separator",
        "spaces",
        "ideographic space",
    ],
)
def test_invoice_numbers_with_control_characters_or_blank_are_refused(
    consortium: Consortium, private_chain: PrivateChain, number: str, reason: str
) -> None:
    block = private_chain.block_number()

    answer = consortium["supplier1"].post(
        "/invoices", invoice_body(private_chain, consortium, invoice_number=number)
    )

    assert answer.status_code == 422
    assert answer.json()["error"] == "InvoiceNumberInvalid"
    assert answer.json()["args"] == {"invoice_number": number, "reason": reason}
    assert answer.json()["loc"] == ["body", "invoice_number"]
    assert private_chain.block_number() == block


def test_duplicate_json_keys_are_refused(
    consortium: Consortium, private_chain: PrivateChain
) -> None:
    body = invoice_body(private_chain, consortium)
    text = json.dumps(body)
    # The buyer named twice: a reviewer reads the first, a parser keeps the last.
    twice = text[:-1] + f', "buyer": "{consortium["supplier2"].address}"}}'
    nested = json.dumps({"kind": "invoice", "content": {"a": 1}})[:-2] + ', "a": 2}}'
    seller = consortium["supplier1"]
    block = private_chain.block_number()

    answers = [
        seller.http.post(
            path,
            content=content.encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        for path, content in (("/invoices", twice), ("/documents", nested))
    ]

    assert [(r.status_code, r.json()["error"], r.json()["args"]) for r in answers] == [
        (422, "DuplicateJsonKey", {"key": "buyer"}),
        (422, "DuplicateJsonKey", {"key": "a"}),
    ]
    assert private_chain.block_number() == block
