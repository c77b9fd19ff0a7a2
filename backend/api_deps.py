"""FastAPI dependencies as `Annotated` aliases: settings, sessions, member, roles, idempotency.

Dependencies that only read app state are `async def`: FastAPI runs a plain `def` dependency in
its thread pool, a hand-off per dependency per request; only those that block (SQL, the chain)
are plain functions.
"""

import json
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from backend.core import idempotency
from backend.core.errors import (
    PROBLEM_MEDIA_TYPE,
    DomainError,
    Forbidden,
    Unprocessable,
    error_response,
)
from backend.core.settings import Settings
from backend.members.auth import authenticate_api_key_record, presented_api_key
from backend.members.keystore import Keystore
from backend.members.models import Member, MemberUser


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def get_session(
    factory: Annotated[sessionmaker[Session], Depends(get_session_factory)],
) -> Iterator[Session]:
    """A session for reads; services that write open their own transaction from the factory."""
    with factory() as session:
        yield session


async def get_keystore(request: Request) -> Keystore:
    keystore: Keystore = request.app.state.keystore
    return keystore


def get_chain(request: Request) -> Any:
    """The `backend.chain.client.Chain` of this app; 503 if no chain is configured or reachable."""
    provider: Callable[[], Any] = request.app.state.chain_provider
    return provider()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
SessionFactoryDep = Annotated[sessionmaker[Session], Depends(get_session_factory)]
SessionDep = Annotated[Session, Depends(get_session)]
KeystoreDep = Annotated[Keystore, Depends(get_keystore)]
ChainDep = Annotated[Any, Depends(get_chain)]


def get_current_member(
    request: Request,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(description="`Bearer <API key>`")] = None,
    x_api_key: Annotated[
        str | None, Header(description="The API key, as an alternative to Authorization")
    ] = None,
) -> Member:
    api_key = presented_api_key(authorization, x_api_key)
    with factory() as session:
        record = authenticate_api_key_record(session, api_key, settings.api_key_pepper)
        member, user = record.member, record.user
        # Loaded now: the member (and the key's user) outlive this session.
        session.expunge(member)
        if user is not None:
            session.expunge(user)
        request.state.user = user
        return member


CurrentMember = Annotated[Member, Depends(get_current_member)]


async def get_current_user(request: Request, _: CurrentMember) -> MemberUser | None:
    """The user whose API key made the request (maker or checker); None for the member's own
    keys."""
    user: MemberUser | None = getattr(request.state, "user", None)
    return user


CurrentUser = Annotated[MemberUser | None, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[[Member], Member]:
    """Admits members holding one of `roles`; the contracts check the role again on-chain."""
    wanted = frozenset(roles)

    def check(member: CurrentMember) -> Member:
        if not wanted.intersection(member.roles):
            raise Forbidden(
                "MissingRole",
                "the member lacks the role this action needs",
                {"member_id": member.id, "required_any_of": sorted(wanted)},
            )
        return member

    return check


@dataclass(frozen=True)
class Reply:
    """A write's answer when its status depends on the outcome (201 created, 200 existing)."""

    status_code: int
    body: Any


@dataclass
class _RunningClaim:
    """The claimed `Idempotency-Key` of the request running in this context."""

    member_id: int
    key: str
    status_code: int
    # (status, JSON body) once the action stored its answer in its own transaction.
    answer: tuple[int, Any] | None = None


_running_claim: ContextVar[_RunningClaim | None] = ContextVar("running_claim", default=None)

SIGN_BY_PLATFORM, SIGN_BY_MEMBER = "platform", "self"


@dataclass(frozen=True)
class WriteOptions:
    """How the client wants its write carried out, beyond the action itself: `sign` is
    "platform" (the keystore signs the forward request) or "self" (the API answers 202 with the
    typed data for the member to sign), from the body's `sign` key or the `sign` query
    parameter."""

    sign: str = SIGN_BY_PLATFORM
    # The user whose key made the request (maker-checker); None for the member's own keys.
    user_id: int | None = None


_write_options: ContextVar[WriteOptions | None] = ContextVar("write_options", default=None)


def current_write_options() -> WriteOptions:
    return _write_options.get() or WriteOptions()


class WriteDeferred(Exception):
    """Raised by the write path when a request is recorded but waits (for the member's
    signature, or a checker's approval): `reply` is the answer, stored like any other."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"deferred with {reply.status_code}")
        self.reply = reply


def running_idempotency_key() -> str | None:
    """The Idempotency-Key of the request running in this context (None without one): the
    write path records it with the request, so recovery can answer it after a crash."""
    claim = _running_claim.get()
    return None if claim is None else claim.key


def store_answer(session: Session, answer: Any) -> None:
    """Stores `answer` as the response of the running idempotent request, in `session`'s
    transaction: a write's answer then commits with its read models, in one transaction instead
    of two, and never one without the other. Does nothing for a request without a key."""
    claim = _running_claim.get()
    if claim is None:
        return
    status_code, body = _encoded(answer, claim.status_code)
    idempotency.store(session, claim.member_id, claim.key, status_code, body)
    claim.answer = (status_code, body)


class IdempotentRequest:
    """Runs a write at most once per `Idempotency-Key` (see backend.core.idempotency)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        member_id: int,
        key: str | None,
        fingerprint: str,
        options: WriteOptions | None = None,
    ) -> None:
        self._factory = factory
        self._member_id = member_id
        self._key = key
        self._fingerprint = fingerprint
        self._options = options or WriteOptions()

    def respond(self, action: Callable[[], Any], status_code: int = 200) -> JSONResponse:
        """The stored response for a retry; otherwise runs `action` and stores what it answered."""
        token = _write_options.set(self._options)
        try:
            return self._respond(_deferrable(action), status_code)
        finally:
            _write_options.reset(token)

    def _respond(self, action: Callable[[], Any], status_code: int) -> JSONResponse:
        if self._key is None:
            return _json(action(), status_code)
        stored = idempotency.claim(self._factory, self._member_id, self._key, self._fingerprint)
        if stored is not None:
            return JSONResponse(
                stored.body,
                status_code=stored.status_code,
                headers={"Idempotent-Replayed": "true"},
                media_type=PROBLEM_MEDIA_TYPE if stored.status_code >= 400 else None,
            )
        claim = _RunningClaim(self._member_id, self._key, status_code)
        token = _running_claim.set(claim)
        try:
            result = action()
        except BaseException as exc:
            status, error_body, _ = (
                error_response(exc) if isinstance(exc, DomainError) else (500, None, {})
            )
            # A 4xx is final; so is any failure after a transaction went out (it carries the hash):
            # releasing the key then would let a retry send the same action twice.
            sent = getattr(exc, "tx_hash", None) is not None
            if getattr(exc, "keeps_claim", False):
                # Recorded and maybe sent: recovery finishes it and answers the key.
                pass
            elif error_body is not None and (status < 500 or sent):
                idempotency.complete(self._factory, self._member_id, self._key, status, error_body)
            else:
                idempotency.release(self._factory, self._member_id, self._key)
            raise
        finally:
            _running_claim.reset(token)
        if claim.answer is None:
            claim.answer = _encoded(result, status_code)
            idempotency.complete(self._factory, self._member_id, self._key, *claim.answer)
        answer_status, body = claim.answer
        return JSONResponse(body, status_code=answer_status)


def _deferrable(action: Callable[[], Any]) -> Callable[[], Any]:
    """`action`, answering a deferred write's reply as its result."""

    def run() -> Any:
        try:
            return action()
        except WriteDeferred as deferred:
            return deferred.reply

    return run


def _encoded(result: Any, default_status: int) -> tuple[int, Any]:
    if isinstance(result, Reply):
        return result.status_code, jsonable_encoder(result.body)
    return default_status, jsonable_encoder(result)


def _json(result: Any, default_status: int) -> JSONResponse:
    status_code, body = _encoded(result, default_status)
    return JSONResponse(body, status_code=status_code)


async def get_idempotent_request(
    request: Request,
    member: CurrentMember,
    factory: SessionFactoryDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="Makes a retried write return the first response and do nothing."),
    ] = None,
) -> IdempotentRequest:
    body = await request.body()
    fingerprint = idempotency.request_fingerprint(request.method, request.url.path, body)
    return IdempotentRequest(
        factory, member.id, idempotency_key, fingerprint, _write_options_of(request, body)
    )


def _write_options_of(request: Request, body: bytes) -> WriteOptions:
    user: MemberUser | None = getattr(request.state, "user", None)
    user_id = None if user is None else user.id
    sign = request.query_params.get("sign")
    if sign is None and body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None  # the route's own validation reports a malformed body
        if isinstance(parsed, dict) and isinstance(parsed.get("sign"), str):
            sign = parsed["sign"]
    if sign is None:
        return WriteOptions(user_id=user_id)
    if sign not in (SIGN_BY_PLATFORM, SIGN_BY_MEMBER):
        raise Unprocessable(
            "SignModeInvalid",
            'sign is "platform" (the keystore signs) or "self" (you sign the typed data)',
            {"sign": sign},
        )
    return WriteOptions(sign=sign, user_id=user_id)


IdempotencyDep = Annotated[IdempotentRequest, Depends(get_idempotent_request)]
