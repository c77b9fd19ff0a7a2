"""The OpenAPI document tells the truth: every operation declares its errors as the one Problem
schema, the security schemes the API accepts are declared and used, and /docs and /redoc load
from the app alone (Swagger UI and ReDoc from npm, no CDN)."""

import re
from typing import Any

import pytest

from backend.core.errors import PROBLEM_MEDIA_TYPE
from tests.backend.conftest import Credential, LiveServer

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Operations anyone may call (sign-in, the public verify, operations, the dev-only members list).
PUBLIC = {
    ("post", "/auth/siwe/nonce"),
    ("post", "/auth/siwe"),
    ("post", "/verify"),
    ("get", "/documents/{document_id}/verify"),
    ("get", "/indexer/status"),
    ("get", "/health"),
    ("get", "/metrics"),
    ("get", "/dev/demo-members"),
}


@pytest.fixture
def document(server: LiveServer) -> dict[str, Any]:
    with server.client() as client:
        answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_schema_names_carry_no_module_path(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])

    assert [name for name in sorted(names) if "__" in name or "backend" in name] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_operation_declares_its_errors_as_problems(document: dict[str, Any]) -> None:
    undeclared = []
    for method, path, operation in operations(document):
        responses = operation["responses"]
        wanted = {"400", "404", "409", "410", "413", "422", "500", "503", "504"}
        if (method, path) not in PUBLIC:
            wanted |= {"401", "403"}
        elif path.startswith("/auth/"):
            # The SIWE sign-in refuses a bad message or signature with 401.
            wanted |= {"401"}
        if path == "/auth/siwe/nonce":
            # Nonces are rate-limited per client and per account.
            wanted |= {"429"}
        for status in sorted(wanted):
            content = responses.get(status, {}).get("content", {})
            if content != {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}:
                undeclared.append((method, path, status))
        # FastAPI's own 422 shape is gone: every refusal is a Problem.
        assert "HTTPValidationError" not in str(responses)

    assert undeclared == []
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "error", "args"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deferrable_writes_declare_their_202(document: dict[str, Any]) -> None:
    writes = [(m, p, o) for m, p, o in operations(document) if m in ("post", "put", "delete")]
    deferrable = {(m, p) for m, p, o in writes if "202" in o["responses"]}

    assert ("post", "/credits") in deferrable
    assert ("post", "/fragments/{token_id}/split-transfer") in deferrable
    refs = document["paths"]["/credits"]["post"]["responses"]["202"]["content"]["application/json"][
        "schema"
    ]["anyOf"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in refs] == [
        "RequestToSignRead",
        "HandedOutRequestRead",
        "RequestRead",
        "TxPending",
    ]
    # The sign-in and the public verify never wait for a signature.
    assert ("post", "/auth/siwe") not in deferrable


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_security_schemes_are_declared_and_used(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]

    assert schemes["ApiKeyBearer"]["type"] == "http"
    assert schemes["ApiKeyBearer"]["scheme"] == "bearer"
    assert (schemes["ApiKeyHeader"]["type"], schemes["ApiKeyHeader"]["in"]) == ("apiKey", "header")
    assert schemes["ApiKeyHeader"]["name"] == "X-API-Key"
    unsecured, credential_parameters = [], []
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC:
            assert "security" not in operation, (method, path)
            continue
        if operation.get("security") != [{"ApiKeyBearer": []}, {"ApiKeyHeader": []}]:
            unsecured.append((method, path))
        # The schemes carry the key: no Authorization or X-API-Key parameter beside them.
        credential_parameters += [
            (method, path, p["name"])
            for p in operation.get("parameters", [])
            if p["name"].lower() in ("authorization", "x-api-key")
        ]
    assert unsecured == []
    assert credential_parameters == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_both_schemes_authenticate_as_declared(server: LiveServer, make_member: Any) -> None:
    supplier: Credential = make_member(["SUPPLIER"])
    with server.client() as client:
        by_bearer = client.get("/invoices", headers={"Authorization": f"Bearer {supplier.api_key}"})
        by_header = client.get("/invoices", headers={"X-API-Key": supplier.api_key})
        without = client.get("/invoices")

    assert (by_bearer.status_code, by_header.status_code) == (200, 200)
    assert without.status_code == 401
    assert without.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert without.json() == {
        "type": "urn:tiercredit:error:MissingApiKey",
        "title": "Unauthorized",
        "status": 401,
        "detail": "send `Authorization: Bearer <API key>` or `X-API-Key`",
        "error": "MissingApiKey",
        "args": {},
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_from_the_app_alone(server: LiveServer, page: str) -> None:
    with server.client() as client:
        html = client.get(page)
        assert html.status_code == 200
        # Every URL the page names: stylesheets, scripts, icons, and the document it renders.
        urls = re.findall(r"""(?:href|src)=["']([^"']+)["']""", html.text)
        urls += re.findall(r"""(?:url|spec-url)[:=]\s*["']([^"']+)["']""", html.text)
        assert "openapi.json" in " ".join(urls)
        assets = {url: client.get(url).status_code for url in urls}

    assert [url for url in urls if url.startswith(("http:", "https:", "//"))] == []
    assert assets == dict.fromkeys(urls, 200)
    assert "cdn" not in html.text.lower()
    assert "fonts.googleapis" not in html.text
