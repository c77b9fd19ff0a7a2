"""One error hierarchy for the domain: each error knows its HTTP status, its name and its values.

The API renders every error as `{"error": code, "args": {...}, "detail": {...}}`: `args` are the
offending values (for a contract revert, the custom error's arguments), `detail` is context (a
message, the contract, the transaction). The chain's errors (backend.chain.errors) carry the same
`http_status`, `code` and `detail`, so `error_response` serves both without importing web3.
"""

from typing import Any, ClassVar


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
    def detail(self) -> dict[str, Any]:
        return {"message": self.message} if self.message else {}


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


class TooManyRequests(DomainError):
    """Over a rate limit; `Retry-After` says when the client may ask again."""

    http_status = 429

    def __init__(
        self,
        code: str,
        message: str = "",
        args: dict[str, Any] | None = None,
        retry_after_seconds: int = 1,
    ) -> None:
        super().__init__(code, message, args)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """A dependency (the chain node, the database) is down; the client should retry later."""

    http_status = 503

    def __init__(
        self,
        code: str,
        message: str = "",
        args: dict[str, Any] | None = None,
        retry_after_seconds: int = 5,
    ) -> None:
        super().__init__(code, message, args)
        self.retry_after_seconds = retry_after_seconds


def is_renderable(exc: BaseException) -> bool:
    """Whether `exc` is a domain or chain error (both carry `http_status`, `code` and `detail`)."""
    return isinstance(exc, DomainError) or all(
        hasattr(exc, attribute) for attribute in ("http_status", "code", "detail")
    )


def error_response(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, JSON body and headers for a domain or chain error."""
    status = int(getattr(exc, "http_status", 500))
    raw_detail = getattr(exc, "detail", {})
    detail: dict[str, Any] = (
        dict(raw_detail) if isinstance(raw_detail, dict) else {"message": str(raw_detail)}
    )
    if isinstance(exc, DomainError):
        args = exc.error_args
    else:
        # A decoded revert keeps its custom error's arguments under detail["args"].
        found = detail.pop("args", {})
        args = found if isinstance(found, dict) else {}
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after_seconds", None)
    if status in (429, 503) and retry_after is not None:
        headers["Retry-After"] = str(int(retry_after))
    body = {"error": str(getattr(exc, "code", type(exc).__name__)), "args": args, "detail": detail}
    return status, body, headers
