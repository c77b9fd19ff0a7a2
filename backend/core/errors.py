"""One error hierarchy: each error knows its HTTP status, its name and its values.

The chain's errors (backend.chain.errors.ChainError) are domain errors too, so one handler renders
every refusal. The API answers each as RFC 9457 problem details (`application/problem+json`):
`type`, `title`, `status`, `detail` (a sentence), with the error's name as `error` and the
offending values (for a contract revert, the custom error's arguments) as `args`; context such as
the contract, the transaction or where a value sits in the request are extension members beside
them (`contract`, `tx_hash`, `loc`, `retry_after`).
"""

from http import HTTPStatus
from typing import Any, ClassVar

PROBLEM_MEDIA_TYPE = "application/problem+json"
# A problem's `type`: one URI per error name (RFC 9457 allows a URN; nothing to dereference).
PROBLEM_TYPE_PREFIX = "urn:tiercredit:error:"


class DomainError(Exception):
    """Base of every expected failure; never a bare 500."""

    http_status: ClassVar[int] = 400

    def __init__(self, code: str, message: str = "", args: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message
        # Not `args`: BaseException.args is the constructor's positional tuple.
        self.error_args: dict[str, Any] = dict(args or {})

    @property
    def public_args(self) -> dict[str, Any]:
        """`args` as JSON values."""
        return self.error_args

    @property
    def context(self) -> dict[str, Any]:
        """The problem's extension members beside `error` and `args` (none by default)."""
        return {}


class Unauthenticated(DomainError):
    """No valid credential: missing or wrong API key, bad SIWE message or signature."""

    http_status = 401


class Forbidden(DomainError):
    """Authenticated, but the member may not do this."""

    http_status = 403


class NotFound(DomainError):
    http_status = 404


class Conflict(DomainError):
    """The state forbids the action now (duplicate, wrong status, request in progress)."""

    http_status = 409


class Gone(DomainError):
    """The thing existed but can no longer be acted on (a request whose time to sign ran out)."""

    http_status = 410


class PayloadTooLarge(DomainError):
    http_status = 413


class Unprocessable(DomainError):
    """Well-formed but invalid input, or an idempotency key reused with a different request."""

    http_status = 422


class RetryLater(DomainError):
    """An answer that says when to ask again: `Retry-After` and the body's `retry_after`."""

    default_retry_after_seconds = 5

    def __init__(
        self,
        code: str,
        message: str = "",
        args: dict[str, Any] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(code, message, args)
        self.retry_after_seconds = (
            self.default_retry_after_seconds if retry_after_seconds is None else retry_after_seconds
        )

    @property
    def context(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after_seconds}


class TooManyRequests(RetryLater):
    """Over a rate limit; `Retry-After` says when the client may ask again."""

    http_status = 429
    default_retry_after_seconds = 1


class Unavailable(RetryLater):
    """A dependency (the chain node, the database) is down; the client should retry later."""

    http_status = 503


def problem(
    name: str,
    status: int,
    message: str = "",
    args: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The RFC 9457 body of error `name`: its standard members, `error`, `args`, then context."""
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + name,
        "title": title,
        "status": status,
        "detail": message or title,
        "error": name,
        "args": dict(args or {}),
    }
    for key, value in (context or {}).items():
        body.setdefault(key, value)
    return body


def error_response(exc: DomainError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, problem body and headers for a domain (or chain) error."""
    status = int(exc.http_status)
    headers: dict[str, str] = {}
    if isinstance(exc, RetryLater):
        headers["Retry-After"] = str(int(exc.retry_after_seconds))
    body = problem(exc.code, status, exc.message, exc.public_args, exc.context)
    return status, body, headers
