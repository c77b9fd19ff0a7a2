"""Credentials: API keys (kept as peppered hashes) and Sign-In with Ethereum (EIP-4361)."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

import siwe
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, joinedload

from backend.core.errors import TooManyRequests, Unauthenticated, Unavailable
from backend.core.sqltypes import utc_now
from backend.members.models import ApiKey, Member, SiweNonce

if TYPE_CHECKING:
    from web3 import Web3

API_KEY_PREFIX = "tck_"
SHOWN_PREFIX_LENGTH = 12
# Clocks of clients and server disagree a little; a message issued this far "in the future" is fine.
CLOCK_SKEW = timedelta(seconds=60)


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str, pepper: str) -> str:
    """HMAC-SHA256 keyed by the server's pepper: a stolen table alone cannot test guesses."""
    return hmac.new(pepper.encode(), api_key.encode(), hashlib.sha256).hexdigest()


def issue_api_key(
    session: Session,
    member: Member,
    pepper: str,
    kind: str,
    expires_at: datetime | None = None,
    user_id: int | None = None,
) -> str:
    """Stores a new key's hash for `member` and returns the key, the only time it is visible."""
    api_key = generate_api_key()
    session.add(
        ApiKey(
            member_id=member.id,
            key_hash=hash_api_key(api_key, pepper),
            prefix=api_key[:SHOWN_PREFIX_LENGTH],
            kind=kind,
            expires_at=expires_at,
            user_id=user_id,
        )
    )
    return api_key


def presented_api_key(authorization: str | None, x_api_key: str | None) -> str:
    """The API key a request presents: `Authorization: Bearer <key>`, else `X-API-Key`."""
    api_key: str | None = None
    if authorization is not None:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Unauthenticated(
                "InvalidAuthorizationHeader", "expected `Authorization: Bearer <API key>`"
            )
        api_key = credential.strip()
    elif x_api_key is not None:
        api_key = x_api_key.strip()
    if not api_key:
        raise Unauthenticated(
            "MissingApiKey", "send `Authorization: Bearer <API key>` or `X-API-Key`"
        )
    return api_key


def authenticate_api_key(session: Session, api_key: str, pepper: str) -> Member:
    return authenticate_api_key_record(session, api_key, pepper).member


def authenticate_api_key_record(session: Session, api_key: str, pepper: str) -> ApiKey:
    """The valid key with its member (and user, if the key is a user's) loaded."""
    now = utc_now()
    # The member comes in the same query: every authenticated request needs it.
    record = session.execute(
        select(ApiKey)
        .options(joinedload(ApiKey.member), joinedload(ApiKey.user))
        .where(ApiKey.key_hash == hash_api_key(api_key, pepper))
    ).scalar_one_or_none()
    if (
        record is None
        or record.revoked_at is not None
        or (record.expires_at is not None and record.expires_at <= now)
    ):
        raise Unauthenticated("InvalidApiKey", "unknown, revoked or expired API key")
    if record.member.status != "active":
        raise Unauthenticated(
            "MemberNotActive", "the member is suspended", {"member_id": record.member_id}
        )
    return record


# --- Sign-In with Ethereum -------------------------------------------------------------------
# The EIP-4361 text is parsed by the `siwe` library (its ABNF grammar); the checks against this
# site's settings, the nonce and the signature (EOA, or EIP-1271 for a contract wallet) are here.

_SIGNATURE = re.compile(r"^0x(?:[0-9a-fA-F]{2})+$")


def _invalid(detail: str) -> Unauthenticated:
    return Unauthenticated("SiweMessageInvalid", detail)


def parse_siwe_message(message: str) -> siwe.SiweMessage:
    """Parses the EIP-4361 text; raises 401 `SiweMessageInvalid` on any deviation from it."""
    try:
        parsed = siwe.SiweMessage.from_message(message, abnf=True)
    except Exception as exc:  # the grammar's ParseError, pydantic's ValidationError, ValueError
        raise _invalid(f"not an EIP-4361 message ({_first_line(exc)})") from exc
    if not parsed.nonce.isalnum():
        raise _invalid("the nonce has at least 8 alphanumeric characters")
    return parsed


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise _invalid("a timestamp has no time zone")
    return parsed


def _uri_allowed(uri: str, expected: str) -> bool:
    """The message's URI is the configured one or a path under it (same scheme, host, port)."""
    got, want = urlsplit(uri), urlsplit(expected)
    if (got.scheme.lower(), got.netloc.lower()) != (want.scheme.lower(), want.netloc.lower()):
        return False
    base = want.path.rstrip("/")
    return got.path == base or got.path.startswith(base + "/") or (not base and not got.path)


class SiweNonceLimits(NamedTuple):
    per_client: int
    per_account: int
    window: timedelta


def issue_siwe_nonce(
    session: Session,
    ttl: timedelta,
    *,
    client: str | None = None,
    address: str | None = None,
    limits: SiweNonceLimits | None = None,
) -> SiweNonce:
    """A fresh nonce for `client` (and for `address`, when named); 429 `SiweNonceRateLimited`
    when either has had its limit of nonces within the window."""
    now = utc_now()
    window = limits.window if limits is not None else timedelta(0)
    # Expired nonces are useless once they are out of the limits' window: dropping them here
    # keeps the table small.
    session.execute(
        delete(SiweNonce).where(SiweNonce.expires_at < now, SiweNonce.created_at < now - window)
    )
    if limits is not None:
        checks = [("client", SiweNonce.client, client, limits.per_client)]
        checks.append(("account", SiweNonce.address, address, limits.per_account))
        for scope, column, value, limit in checks:
            if value is None:
                continue
            recent = list(
                session.execute(
                    select(SiweNonce.created_at)
                    .where(column == value, SiweNonce.created_at > now - window)
                    .order_by(SiweNonce.created_at.desc())
                    .limit(limit)
                ).scalars()
            )
            if len(recent) >= limit:
                # The oldest of the last `limit` leaves the window first.
                wait = (recent[-1] + window - now).total_seconds()
                retry_after = max(1, math.ceil(wait))
                raise TooManyRequests(
                    "SiweNonceRateLimited",
                    f"at most {limit} nonces per {scope} in {int(window.total_seconds())} s",
                    {
                        "scope": scope,
                        scope: value,
                        "limit": limit,
                        "window_seconds": int(window.total_seconds()),
                        "retry_after_seconds": retry_after,
                    },
                    retry_after_seconds=retry_after,
                )
    nonce = SiweNonce(
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + ttl,
        client=client,
        address=address,
    )
    session.add(nonce)
    return nonce


def verify_siwe(
    session: Session,
    message: str,
    signature: str,
    *,
    domain: str,
    uri: str,
    chain_id: int | None,
    w3: Callable[[], Web3] | None = None,
) -> Member:
    """Checks an EIP-4361 sign-in and consumes its nonce; returns the member that signed.

    The signature is the address's own (EIP-191) or, for a contract wallet, one its
    `isValidSignature` accepts (EIP-1271) on the chain `w3` gives."""
    parsed = parse_siwe_message(message)
    now = utc_now()
    if parsed.domain != domain:
        raise Unauthenticated(
            "SiweDomainMismatch",
            "the message is for another site",
            {"domain": parsed.domain, "expected": domain},
        )
    if not _uri_allowed(parsed.uri, uri):
        raise Unauthenticated(
            "SiweUriMismatch",
            "the message's URI is not this site's",
            {"uri": parsed.uri, "expected": uri},
        )
    if chain_id is not None and parsed.chain_id != chain_id:
        raise Unauthenticated(
            "SiweChainMismatch",
            "the message is for another chain",
            {"chain_id": parsed.chain_id, "expected": chain_id},
        )
    expiration_time = _parse_time(parsed.expiration_time)
    not_before = _parse_time(parsed.not_before)
    issued_at = _parse_time(parsed.issued_at)
    if expiration_time is not None and expiration_time <= now:
        raise Unauthenticated(
            "SiweMessageExpired",
            "the message has expired",
            {"expiration_time": expiration_time.isoformat()},
        )
    if not_before is not None and not_before > now + CLOCK_SKEW:
        raise Unauthenticated(
            "SiweMessageNotYetValid",
            "the message is not valid yet",
            {"not_before": not_before.isoformat()},
        )
    if issued_at is not None and issued_at > now + CLOCK_SKEW:
        raise Unauthenticated("SiweMessageInvalid", "issued in the future")
    _check_signature(message, signature, parsed.address, w3)
    # One conditional UPDATE: two concurrent sign-ins with the same nonce cannot both succeed.
    # A nonce asked for a named account serves only that account.
    consumed = session.execute(
        update(SiweNonce)
        .where(
            SiweNonce.nonce == parsed.nonce,
            SiweNonce.used_at.is_(None),
            SiweNonce.expires_at > now,
            or_(SiweNonce.address.is_(None), SiweNonce.address == parsed.address),
        )
        .values(used_at=now)
    )
    if consumed.rowcount != 1:
        raise Unauthenticated(
            "SiweNonceInvalid", "unknown, expired or already used nonce", {"nonce": parsed.nonce}
        )
    member = session.execute(
        select(Member).where(Member.address == parsed.address)
    ).scalar_one_or_none()
    if member is None or member.status != "active":
        raise Unauthenticated(
            "SiweUnknownMember", "no active member has this address", {"address": parsed.address}
        )
    return member


def _check_signature(
    message: str, signature: str, address: str, w3: Callable[[], Web3] | None
) -> None:
    refused = Unauthenticated(
        "SiweSignatureInvalid", "the signature is not the message address's", {"address": address}
    )
    if not _SIGNATURE.match(signature):
        raise Unauthenticated(
            "SiweSignatureInvalid", "the signature is not 0x-prefixed hex", {"address": address}
        )
    signable = encode_defunct(text=message)
    try:
        signer = Account.recover_message(signable, signature=signature)
    except Exception:  # not a 65-byte ECDSA signature: maybe a contract wallet's
        signer = None
    if signer == address:
        return
    if w3 is None:
        raise refused
    from backend.chain.sender import node_errors

    try:
        with node_errors():
            web3 = w3()
    except Unavailable:
        raise refused from None  # no chain configured: only an EOA's signature can be checked
    # A node that does not answer is 503 ChainUnavailable (node_errors); a contract that is no
    # EIP-1271 wallet, or answers anything but the magic value, refuses the signature.
    with node_errors():
        if len(web3.eth.get_code(address)) == 0:
            raise refused
        try:
            valid = siwe.siwe.check_contract_wallet_signature(address, signable, signature, web3)
        except OSError:
            raise
        except Exception:
            valid = False
    if not valid:
        raise refused
