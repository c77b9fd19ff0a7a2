"""The OpenAPI document the API serves: every operation declares its errors as the one `Problem`
schema (RFC 9457, backend.core.errors.problem), the writes that can wait for a signature or an
approval declare their 202, and the authenticated operations name the two security schemes
(`Authorization: Bearer <API key>` or `X-API-Key`) that get_current_member accepts.

FastAPI builds the document from the routes; what it cannot know (errors come from one exception
handler, not from the routes' signatures) is added here, once, for every route."""

import logging
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from backend.api_deps import get_current_member, get_idempotent_request
from backend.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX
from backend.core.settings import NODE_MODULES
from backend.requests.schemas import HandedOutRequestRead, RequestRead, RequestToSignRead
from backend.writes import TxPending

log = logging.getLogger("tiercredit.openapi")

# Swagger UI and ReDoc from npm (package.json), served by the app: /docs works offline.
SWAGGER_UI_DIR = NODE_MODULES / "swagger-ui-dist"
REDOC_DIR = NODE_MODULES / "redoc" / "bundles"
SWAGGER_ASSETS, REDOC_ASSETS = "/docs/assets", "/redoc/assets"


class Problem(BaseModel):
    """RFC 9457 problem details: every error the API answers."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"`{PROBLEM_TYPE_PREFIX}<error>`")
    title: str = Field(description="The HTTP status's phrase.")
    status: int
    detail: str = Field(description="What went wrong, in a sentence.")
    error: str = Field(description="The error's name (a contract's custom error for a revert).")
    args: dict[str, Any] = Field(description="The offending values, by name.")
    contract: str | None = Field(default=None, description="The contract that reverted.")
    tx_hash: str | None = Field(default=None, description="The transaction it concerns.")
    loc: list[str | int] | None = Field(default=None, description="Where in the request.")
    retry_after: int | None = Field(default=None, description="Seconds before a retry (429, 503).")


# What any operation can answer: malformed input (a 413 body, a 422 value), a named thing that
# is not there (404), a state that forbids it (409, 410), and a dependency down (503, 504, 500).
EVERY_OPERATION = {
    400: "The request cannot be read.",
    404: "A named thing does not exist.",
    409: "The current state forbids it.",
    410: "It can no longer be acted on.",
    413: "The body is larger than allowed.",
    422: "A value is unacceptable.",
    500: "An unexpected server error (never on input).",
    503: "A dependency (the chain node, the relayer) is unavailable: retry after Retry-After.",
    504: "A transaction was sent but not confirmed in time.",
}
AUTHENTICATED = {
    401: "No valid API key.",
    403: "The member may not do this.",
}
DEFERRED_WRITE = (
    "Recorded, not done yet: the typed data for the member to sign (`RequestToSignRead`), the call "
    "for a contract wallet (`HandedOutRequestRead`), a request waiting for a checker "
    "(`RequestRead`), or a mined transaction the read models do not show yet (`TxPending`)."
)
BEARER, API_KEY = "ApiKeyBearer", "ApiKeyHeader"
SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <API key>`",
    },
    API_KEY: {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The API key"},
}
# The SIWE sign-in authenticates by its own message and signature: it can answer 401 too.
SIGN_IN_PREFIX = "/auth/"
# Rate-limited per client and per account (backend.members.auth.issue_siwe_nonce).
RATE_LIMITED = {"/auth/siwe/nonce": "Too many nonces asked for: retry after Retry-After."}
# get_current_member reads these itself; the security schemes declare them.
CREDENTIAL_HEADERS = {"authorization", "x-api-key"}


def install_openapi(app: FastAPI) -> None:
    """Replaces `app.openapi` with one that declares errors, deferred writes and security."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc (ReDoc) from the npm packages; the app must be built with
    `docs_url=None, redoc_url=None` so FastAPI's CDN pages are not served."""
    if not (SWAGGER_UI_DIR / "swagger-ui-bundle.js").is_file() or not REDOC_DIR.is_dir():
        log.warning("swagger-ui-dist or redoc missing from node_modules (make setup): no /docs")
        return
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(SWAGGER_ASSETS, StaticFiles(directory=SWAGGER_UI_DIR), name="swagger-ui")
    app.mount(REDOC_ASSETS, StaticFiles(directory=REDOC_DIR), name="redoc")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            redoc_js_url=f"{REDOC_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png",
            with_google_fonts=False,
        )


def _document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, RequestToSignRead, HandedOutRequestRead, RequestRead, TxPending):
        _add_schema(schemas, model)
    # FastAPI's own 422 shapes: every refusal is a Problem instead.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    # Routers are included lazily: their routes, with the prefixes and dependencies they get.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        calls = set(_calls(route.dependant))
        path_item = document["paths"].get(route.path_format, {})
        for method in route.methods or ():
            operation = path_item.get(method.lower())
            if operation is not None:
                _declare(operation, calls, route.path_format)
    return document


def _declare(operation: dict[str, Any], calls: set[Callable[..., Any]], path: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    errors = dict(EVERY_OPERATION)
    if path.startswith(SIGN_IN_PREFIX):
        errors[401] = "The sign-in message or its signature is refused."
    if path in RATE_LIMITED:
        errors[429] = RATE_LIMITED[path]
    if get_current_member in calls:
        errors.update(AUTHENTICATED)
        operation["security"] = [{BEARER: []}, {API_KEY: []}]
        operation["parameters"] = [
            p
            for p in operation.get("parameters", [])
            if not (p.get("in") == "header" and p.get("name", "").lower() in CREDENTIAL_HEADERS)
        ]
        if not operation["parameters"]:
            del operation["parameters"]
    for status, description in sorted(errors.items()):
        responses[str(status)] = {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("Problem")}},
        }
    if get_idempotent_request in calls:
        refs = [_ref(name) for name in ("RequestToSignRead", "HandedOutRequestRead")]
        refs += [_ref("RequestRead"), _ref("TxPending")]
        responses.setdefault(
            "202",
            {
                "description": DEFERRED_WRITE,
                "content": {"application/json": {"schema": {"anyOf": refs}}},
            },
        )


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _add_schema(schemas: dict[str, Any], model: type[BaseModel]) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault(model.__name__, schema)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}
