"""Read answers cached per API key, resource and read-model version, with ETags.

A read over the read models answers the same bytes until the read models change, and every
change moves `read_model_version` on in its own transaction (backend/readmodels/models.py). So
a route marked `@cached_read` is answered, for a caller whose key is still valid, from what it
answered that key for the same path and query at the same version, without routing, FastAPI's
dependencies, the query or serializing. Every answer carries an `ETag`; a client sending it back
in `If-None-Match` gets `304 Not Modified` while the answer would be the same.

What a hit still does, in one SQL statement: checks the API key (not revoked, not expired, its
member active) and reads the version. A key that is not valid, a caller without a key, an
answer other than 200 and every route not marked go to the app as before, which answers them
itself (401, 403, ...). Entries are per API key, so one caller never meets another's answer;
each process keeps at most `read_cache_entries` of them, least recently used out first.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import Engine, bindparam, or_, select
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.errors import Unauthenticated
from backend.core.sqltypes import utc_now
from backend.members.auth import hash_api_key, presented_api_key
from backend.members.models import ApiKey, Member
from backend.readmodels.models import READ_MODEL_VERSION_ROW, ReadModelVersion

F = TypeVar("F", bound=Callable[..., Any])
CACHED_READ = "_tiercredit_cached_read"
NOT_MODIFIED = 304
# What a cached answer is sent with: the client keeps it but asks again (with its ETag).
CACHE_CONTROL = b"private, no-cache"
VARY = b"Authorization, X-API-Key"


def cached_read(endpoint: F) -> F:
    """Marks a read route whose answer depends only on the read models and the caller."""
    setattr(endpoint, CACHED_READ, True)
    return endpoint


def _is_cached(route: Any) -> bool:
    return bool(getattr(getattr(route, "endpoint", None), CACHED_READ, False))


def cached_routes(routes: Iterable[BaseRoute]) -> list[BaseRoute]:
    return [route for route in routes if _is_cached(route)]


@dataclass(frozen=True)
class _Answer:
    version: int
    etag: bytes
    body: bytes
    content_type: bytes
    route: BaseRoute


def _credential(headers: Sequence[tuple[bytes, bytes]]) -> str | None:
    """The API key as get_current_member reads it; None when it would refuse the header."""
    found = dict(headers)
    authorization, x_api_key = (
        value.decode("latin-1") if value is not None else None
        for value in (found.get(b"authorization"), found.get(b"x-api-key"))
    )
    try:
        return presented_api_key(authorization, x_api_key)
    except Unauthenticated:
        return None


class ReadCacheMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Sequence[BaseRoute],
        engine: Callable[[], Engine],
        pepper: str,
        max_entries: int,
        registry: CollectorRegistry,
    ) -> None:
        self.app = app
        # hit: answered from the cache; miss: the app answered and the answer was kept.
        self._outcomes = Counter(
            "tiercredit_read_cache_answers_total",
            "Answers of cached read routes, by where they came from",
            ("result",),
            registry=registry,
        )
        self._routes = routes
        self._engine = engine
        self._pepper = pepper
        self._max_entries = max_entries
        self._answers: OrderedDict[tuple[str, str], _Answer] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        credential = _credential(scope["headers"]) if self._may_be_cached(scope) else None
        if credential is None:
            await self.app(scope, receive, send)
            return
        key_hash = hash_api_key(credential, self._pepper)
        engine = self._engine()
        if engine.dialect.name == "sqlite":
            # A local file: one indexed lookup takes less than the thread pool's round trip.
            version = _version_for(engine, key_hash)
        else:
            version = await run_in_threadpool(_version_for, engine, key_hash)
        if version is None:  # the app says why: unknown, revoked or expired key, member suspended
            await self.app(scope, receive, send)
            return
        resource = scope["path"] + "?" + scope["query_string"].decode("latin-1")
        entry = self._answers.get((key_hash, resource))
        if entry is not None and entry.version == version:
            self._answers.move_to_end((key_hash, resource))
            scope["route"] = entry.route  # for the access log's and metrics' route label
            self._outcomes.labels("hit").inc()
            await self._send(scope, send, entry)
            return
        await self._answer_and_keep(scope, receive, send, (key_hash, resource), version)

    def _may_be_cached(self, scope: Scope) -> bool:
        """Whether a marked route's pattern matches; whether the app routes it there (and not
        to a route declared before it, /credits/overdue before /credits/{credit_id}) is known
        once it answered, and only then is the answer kept."""
        if scope["type"] != "http" or scope["method"] != "GET" or self._max_entries <= 0:
            return False
        return any(route.matches(scope)[0] is Match.FULL for route in self._routes)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, str], version: int
    ) -> None:
        """The app answers; a 200 is kept (the version was read before the app read the models,
        so the answer is at least that new) and sent with its ETag, or as 304 if it matches."""
        start: Message | None = None
        chunks: list[bytes] = []

        def kept() -> bool:
            # The router put the route it chose in the scope before the endpoint answered.
            return start is not None and start["status"] == 200 and _is_cached(scope.get("route"))

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                if not kept():
                    await send(message)
                return
            if start is None or not kept():
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            content_type = dict(start.get("headers", [])).get(b"content-type", b"application/json")
            entry = _Answer(version, _etag(body), body, content_type, scope["route"])
            self._keep(key, entry)
            self._outcomes.labels("miss").inc()
            await self._send(scope, send, entry)

        await self.app(scope, receive, keep)

    def _keep(self, key: tuple[str, str], entry: _Answer) -> None:
        self._answers[key] = entry
        self._answers.move_to_end(key)
        while len(self._answers) > self._max_entries:
            self._answers.popitem(last=False)

    @staticmethod
    async def _send(scope: Scope, send: Send, entry: _Answer) -> None:
        wanted = dict(scope["headers"]).get(b"if-none-match")
        matches = wanted is not None and entry.etag in (t.strip() for t in wanted.split(b","))
        headers = [
            (b"etag", entry.etag),
            (b"cache-control", CACHE_CONTROL),
            (b"vary", VARY),
        ]
        if matches:
            await send({"type": "http.response.start", "status": NOT_MODIFIED, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-type", entry.content_type),
            (b"content-length", str(len(entry.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})


# Built once: a hit runs it with its key's hash and the time.
_VERSION_FOR_KEY = (
    select(ReadModelVersion.version)
    .join(ApiKey, ApiKey.key_hash == bindparam("key_hash"))
    .join(Member, Member.id == ApiKey.member_id)
    .where(
        ReadModelVersion.id == READ_MODEL_VERSION_ROW,
        ApiKey.revoked_at.is_(None),
        or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > bindparam("now")),
        Member.status == "active",
    )
)


def _version_for(engine: Engine, key_hash: str) -> int | None:
    """The read-model version if ``key_hash`` is a valid key of an active member."""
    with engine.connect() as connection:
        version = connection.execute(
            _VERSION_FOR_KEY, {"key_hash": key_hash, "now": utc_now()}
        ).scalar_one_or_none()
    return None if version is None else int(version)


def _etag(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
