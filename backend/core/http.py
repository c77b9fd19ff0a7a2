"""ASGI middleware of the API: request ids with access logs and metrics, request-body limits,
strict JSON bodies, and the last-resort 500 that keeps the connection."""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.errors import PROBLEM_MEDIA_TYPE, problem
from backend.core.logging import request_id_var

REQUEST_ID_HEADER = "x-request-id"
# A client-supplied id is kept only if it is short and plain, so it is safe in logs and headers.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

access_log = logging.getLogger("tiercredit.access")
error_log = logging.getLogger("tiercredit.api")


class HttpMetrics:
    """Request counters and latency histograms, labelled by route template (not raw path)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "tiercredit_http_requests_total",
            "HTTP requests served",
            ("method", "route", "status"),
            registry=registry,
        )
        self.latency = Histogram(
            "tiercredit_http_request_duration_seconds",
            "HTTP request latency",
            ("method", "route"),
            registry=registry,
        )


class RequestContextMiddleware:
    """Gives each request an id (a sane X-Request-ID is kept), echoes it, logs and measures it."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        request_id = supplied if _VALID_REQUEST_ID.match(supplied) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(elapsed)
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Answers 413 as soon as a request body exceeds its limit, before the app parses any of it.

    The limit depends on the request (`limit_for(method, path)`), so PDF uploads may be larger than
    JSON bodies. The body is read here, counted, and replayed to the app.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, int(declared), limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(send, size, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, size: int, limit: int) -> None:
    await _send_error(
        send,
        413,
        _error(
            "RequestTooLarge",
            413,
            {"size_bytes": size, "max_bytes": limit},
            "the request body exceeds the size limit",
        ),
    )


class StrictJsonMiddleware:
    """Refuses, before the app parses them, JSON bodies whose meaning the parser would guess:
    a key given twice in one object (the parser keeps the last, a reviewer reads the first),
    and nesting deeper than ``max_depth`` (which would exhaust recursion further in)."""

    def __init__(self, app: ASGIApp, max_depth: int) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refusal = json_refusal(body, self.max_depth)
        if refusal is not None:
            await _send_error(send, 422, refusal)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def json_refusal(body: bytes, max_depth: int) -> dict[str, Any] | None:
    """The error body refusing ``body``, or None when it is fine (or not JSON at all: the app's
    own validation answers that)."""
    if not body.strip():
        return None
    try:
        document = json.loads(body, object_pairs_hook=_unique_keys)
    except _DuplicateKey as duplicate:
        return _error(
            "DuplicateJsonKey",
            422,
            {"key": duplicate.key},
            "a key appears twice in one JSON object",
        )
    except RecursionError:
        return _too_deep(max_depth)
    except ValueError:
        return None
    if _depth_exceeds(document, max_depth):
        return _too_deep(max_depth)
    return None


def _depth_exceeds(document: object, max_depth: int) -> bool:
    """Whether objects and arrays nest deeper than ``max_depth`` (walked without recursion)."""
    pending: list[tuple[object, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            depth += 1
            if depth > max_depth:
                return True
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth) for child in children)
    return False


def _too_deep(max_depth: int) -> dict[str, Any]:
    return _error(
        "JsonTooDeep", 422, {"max_depth": max_depth}, "the JSON body nests deeper than allowed"
    )


def _is_json(scope: Scope) -> bool:
    if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return False
    content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip()
    return content_type == b"application/json" or content_type.endswith(b"+json")


class ServerErrorBoundary:
    """Turns an exception nothing else handled into a 500 answer and keeps the connection open.

    Starlette's own last-resort handler answers 500 and then re-raises, and uvicorn closes the
    connection of a request whose app raised: a kept-alive client lost it in mid-use.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            error_log.exception("unhandled error", extra={"path": scope["path"]})
            if not started:
                await _send_error(
                    send, 500, _error("InternalError", 500, {}, "unexpected server error")
                )


def _error(name: str, status: int, args: dict[str, Any], message: str) -> dict[str, Any]:
    return problem(name, status, message, args)


async def _send_error(send: Send, status: int, error: dict[str, Any]) -> None:
    body = json.dumps(error).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
