"""The app over real HTTP: health, metrics, request ids, error shape, limits, auth, idempotency."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from backend.api_deps import IdempotentRequest, Reply, store_answer
from backend.core import idempotency
from backend.core.database import session_factory, transaction
from backend.core.errors import Conflict, Unavailable
from backend.core.migrate import run_migrations
from backend.core.settings import Settings
from backend.devtools.postgres import POSTGRES_BIN_GLOB, postgres_bin
from backend.devtools.postgres import postgres_server as start_postgres
from backend.documents.models import Document

if TYPE_CHECKING:
    from tests.backend.conftest import Credential, LiveServer

INVOICE = {
    "invoice_number": "INV-1",
    "amount_units": 125_000_000,
    "lines": [{"sku": "A", "qty": 2}],
}


@pytest.fixture
def supplier(make_member: Callable[..., Credential]) -> Credential:
    return make_member(["SUPPLIER"], name="Supplier")


def document_count(settings: Settings) -> int:
    with session_factory(settings.database_url)() as session:
        return int(session.execute(select(func.count()).select_from(Document)).scalar_one())


def test_health_reports_database_up_and_chain_not_configured(server: LiveServer) -> None:
    with server.client() as http:
        response = http.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "up", "chain": "not_configured"}


def test_metrics_count_requests_by_route_template(server: LiveServer, supplier: Credential) -> None:
    with server.client(supplier.api_key) as http:
        http.get("/health")
        http.get("/documents/41")
        http.get("/documents/42")
        metrics = http.get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'tiercredit_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert (
        'tiercredit_http_requests_total{method="GET",route="/documents/{document_id}",'
        'status="404"} 2.0' in text
    )
    assert (
        'tiercredit_http_request_duration_seconds_count{method="GET",route="/health"} 1.0' in text
    )


def test_request_id_is_generated_echoed_and_logged(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with server.client() as http:
        generated = http.get("/health").headers["x-request-id"]
        echoed = http.get("/health", headers={"X-Request-ID": "trace-abc.123"}).headers[
            "x-request-id"
        ]
        replaced = http.get("/health", headers={"X-Request-ID": "bad id\twith spaces"}).headers[
            "x-request-id"
        ]

    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert echoed == "trace-abc.123"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced)
    logged = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    access = [
        entry
        for entry in logged
        if entry.get("request_id") == "trace-abc.123" and entry["logger"] == "tiercredit.access"
    ]
    assert len(access) == 1
    assert access[0]["message"] == "request"
    assert access[0]["path"] == "/health"
    assert access[0]["status"] == 200
    assert access[0]["level"] == "INFO"


def test_domain_error_has_the_json_shape(server: LiveServer, supplier: Credential) -> None:
    with server.client(supplier.api_key) as http:
        response = http.get("/documents/999")

    assert response.status_code == 404
    assert response.json() == {
        "type": "urn:tiercredit:error:DocumentNotFound",
        "title": "Not Found",
        "status": 404,
        "error": "DocumentNotFound",
        "args": {"document_id": 999},
        "detail": "no document with this id",
    }


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, "MissingApiKey"),
        ({"Authorization": "Bearer tck_not-a-real-key"}, "InvalidApiKey"),
        ({"X-API-Key": "tck_not-a-real-key"}, "InvalidApiKey"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "InvalidAuthorizationHeader"),
    ],
)
def test_bad_credentials_are_401(server: LiveServer, headers: dict[str, str], error: str) -> None:
    with server.client() as http:
        response = http.get("/members/me", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == error


def test_api_key_works_in_either_header(server: LiveServer, supplier: Credential) -> None:
    with server.client() as http:
        bearer = http.get("/members/me", headers={"Authorization": f"Bearer {supplier.api_key}"})
        header = http.get("/members/me", headers={"X-API-Key": supplier.api_key})

    assert bearer.status_code == header.status_code == 200
    assert bearer.json()["id"] == header.json()["id"] == supplier.member.id


def test_wrong_types_are_422_with_locations(server: LiveServer, supplier: Credential) -> None:
    with server.client(supplier.api_key) as http:
        response = http.post("/documents", json={"kind": "purchase-order", "content": [1, 2]})

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "RequestValidationError"
    assert {tuple(e["loc"]) for e in body["args"]["errors"]} == {
        ("body", "kind"),
        ("body", "content"),
    }


def test_oversize_body_is_413_before_parsing(
    server: LiveServer, supplier: Credential, settings: Settings
) -> None:
    payload = b'{"kind": "invoice", "content": {"x": "' + b"a" * settings.max_request_bytes + b'"}}'
    with server.client(supplier.api_key) as http:
        declared = http.post(
            "/documents", content=payload, headers={"Content-Type": "application/json"}
        )
        chunked = http.post(
            "/documents",
            content=iter([payload[i : i + 65536] for i in range(0, len(payload), 65536)]),
            headers={"Content-Type": "application/json"},
        )

    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.json()["error"] == "RequestTooLarge"
        assert response.json()["args"]["max_bytes"] == settings.max_request_bytes
        assert "x-request-id" in response.headers
    assert document_count(settings) == 0


def test_oversize_document_is_413(
    server: LiveServer, supplier: Credential, settings: Settings
) -> None:
    # Under the request limit, over the document limit once canonicalised.
    content = {"notes": "n" * (settings.max_document_bytes + 1)}
    with server.client(supplier.api_key) as http:
        response = http.post("/documents", json={"kind": "invoice", "content": content})

    assert response.status_code == 413
    assert response.json()["error"] == "DocumentTooLarge"
    assert response.json()["args"]["max_bytes"] == settings.max_document_bytes
    assert document_count(settings) == 0


def test_idempotent_retry_returns_first_response_and_stores_once(
    server: LiveServer, supplier: Credential, settings: Settings
) -> None:
    body = {"kind": "invoice", "content": INVOICE}
    with server.client(supplier.api_key) as http:
        first = http.post("/documents", json=body, headers={"Idempotency-Key": "k-1"})
        # Same request with other whitespace and key order: still the same request.
        retry = http.post(
            "/documents",
            content=json.dumps({"content": INVOICE, "kind": "invoice"}, indent=2),
            headers={"Idempotency-Key": "k-1", "Content-Type": "application/json"},
        )

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert document_count(settings) == 1


def test_same_key_with_another_body_is_422(server: LiveServer, supplier: Credential) -> None:
    with server.client(supplier.api_key) as http:
        http.post(
            "/documents",
            json={"kind": "invoice", "content": INVOICE},
            headers={"Idempotency-Key": "k"},
        )
        reused = http.post(
            "/documents",
            json={"kind": "invoice", "content": {**INVOICE, "amount_units": 1}},
            headers={"Idempotency-Key": "k"},
        )

    assert reused.status_code == 422
    assert reused.json() == {
        "type": "urn:tiercredit:error:IdempotencyKeyReused",
        "title": "Unprocessable Entity",
        "status": 422,
        "error": "IdempotencyKeyReused",
        "args": {"key": "k"},
        "detail": "this Idempotency-Key was used for a different request",
    }


def test_keys_are_per_member(
    server: LiveServer, supplier: Credential, make_member: Callable[..., Credential]
) -> None:
    other = make_member(["SUPPLIER"])
    with server.client() as http:
        mine = http.post(
            "/documents",
            json={"kind": "invoice", "content": INVOICE},
            headers={"Idempotency-Key": "shared", "Authorization": f"Bearer {supplier.api_key}"},
        )
        theirs = http.post(
            "/documents",
            json={"kind": "invoice", "content": {**INVOICE, "invoice_number": "INV-2"}},
            headers={"Idempotency-Key": "shared", "Authorization": f"Bearer {other.api_key}"},
        )

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_duplicate_still_in_progress_is_409(
    server: LiveServer, supplier: Credential, settings: Settings
) -> None:
    body = json.dumps({"kind": "invoice", "content": INVOICE}).encode()
    factory = session_factory(settings.database_url)
    # The first request has claimed the key and is still running.
    fingerprint = idempotency.request_fingerprint("POST", "/documents", body)
    assert idempotency.claim(factory, supplier.member.id, "busy", fingerprint) is None

    with server.client(supplier.api_key) as http:
        duplicate = http.post(
            "/documents",
            content=body,
            headers={"Idempotency-Key": "busy", "Content-Type": "application/json"},
        )

    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "IdempotencyKeyInProgress"
    assert document_count(settings) == 0


@pytest.fixture
def idempotent(
    settings: Settings, supplier: Credential
) -> Iterator[Callable[[str], IdempotentRequest]]:
    factory = session_factory(settings.database_url)
    yield lambda key: IdempotentRequest(factory, supplier.member.id, key, "fingerprint")


def test_a_refusal_is_replayed_without_running_again(
    idempotent: Callable[[str], IdempotentRequest],
) -> None:
    runs: list[int] = []

    def refuse() -> None:
        runs.append(1)
        raise Conflict("InvoiceAlreadyRegistered", "", {"existingInvoiceId": 7})

    with pytest.raises(Conflict):
        idempotent("r").respond(refuse)
    replay = idempotent("r").respond(refuse)

    assert runs == [1]
    assert replay.status_code == 409
    assert json.loads(replay.body) == {
        "type": "urn:tiercredit:error:InvoiceAlreadyRegistered",
        "title": "Conflict",
        "status": 409,
        "error": "InvoiceAlreadyRegistered",
        "args": {"existingInvoiceId": 7},
        "detail": "Conflict",
    }


def test_a_server_side_failure_releases_the_key_for_a_retry(
    idempotent: Callable[[str], IdempotentRequest],
) -> None:
    outcomes: list[Exception | None] = [Unavailable("ChainUnavailable", "node down"), None]

    def flaky() -> dict[str, str]:
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure
        return {"tx_hash": "0x01"}

    with pytest.raises(Unavailable):
        idempotent("f").respond(flaky)
    retried = idempotent("f").respond(flaky, status_code=201)

    assert outcomes == []
    assert retried.status_code == 201
    assert json.loads(retried.body) == {"tx_hash": "0x01"}


def test_a_write_answers_what_it_stored_with_its_records(
    idempotent: Callable[[str], IdempotentRequest], settings: Settings
) -> None:
    factory = session_factory(settings.database_url)
    runs: list[int] = []

    def write() -> Reply:
        runs.append(1)
        answer = Reply(201, {"tx_hash": "0x03"})
        with transaction(factory) as session:
            store_answer(session, answer)
        return answer

    first = idempotent("w").respond(write)
    replay = idempotent("w").respond(write)

    assert runs == [1]
    assert (first.status_code, json.loads(first.body)) == (201, {"tx_hash": "0x03"})
    assert (replay.status_code, replay.body) == (201, first.body)
    assert replay.headers["idempotent-replayed"] == "true"


def test_a_failure_after_the_answer_was_stored_neither_releases_nor_replaces_it(
    idempotent: Callable[[str], IdempotentRequest], settings: Settings
) -> None:
    factory = session_factory(settings.database_url)
    runs: list[int] = []

    def write_then_fail() -> None:
        runs.append(1)
        with transaction(factory) as session:
            store_answer(session, {"tx_hash": "0x02"})
        raise Unavailable("ChainUnavailable", "node gone after the commit")

    with pytest.raises(Unavailable):
        idempotent("s").respond(write_then_fail, status_code=201)
    replay = idempotent("s").respond(write_then_fail, status_code=201)

    assert runs == [1]
    assert (replay.status_code, json.loads(replay.body)) == (201, {"tx_hash": "0x02"})


def test_openapi_documents_examples_and_error_free_schema(server: LiveServer) -> None:
    with server.client() as http:
        spec = http.get("/openapi.json").json()

    create = spec["components"]["schemas"]["DocumentCreate"]
    assert create["examples"][0]["kind"] == "invoice"
    assert "/verify" in spec["paths"]
    assert "/members" in spec["paths"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_out_of_reach_is_a_named_503_not_a_500(
    serve: Callable[..., LiveServer], settings: Settings
) -> None:
    """What an API host answers while PostgreSQL restarts: retry later, by name."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL binaries not found under {POSTGRES_BIN_GLOB}")
    with start_postgres(bin_dir) as database:
        url = database.url(database.create_database("down"))
        run_migrations(url)
        server = serve(settings.model_copy(update={"database_url": url}))
        database.stop()
        with server.client("tck_any-key") as http:
            response = http.get("/members/me")

    assert response.status_code == 503
    assert response.json() == {
        "type": "urn:tiercredit:error:DatabaseUnavailable",
        "title": "Service Unavailable",
        "status": 503,
        "error": "DatabaseUnavailable",
        "args": {},
        "detail": "the database is unreachable",
        "retry_after": 2,
    }
    assert response.headers["retry-after"] == "2"
