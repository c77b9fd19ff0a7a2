"""Credentials: API keys (kept as peppered hashes) and Sign-In with Ethereum (EIP-4361)."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_checksum_address
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from backend.core.errors import Unauthenticated
from backend.core.sqltypes import utc_now
from backend.members.models import ApiKey, Member, SiweNonce

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

_HEADER = re.compile(
    r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?P<domain>[^\s/]+)"
    r" wants you to sign in with your Ethereum account:$"
)
_FIELDS = {
    "URI": "uri",
    "Version": "version",
    "Chain ID": "chain_id",
    "Nonce": "nonce",
    "Issued At": "issued_at",
    "Expiration Time": "expiration_time",
    "Not Before": "not_before",
    "Request ID": "request_id",
}
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")


@dataclass(frozen=True)
class SiweMessage:
    """The fields of an EIP-4361 message this service checks."""

    domain: str
    address: str
    statement: str | None
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None
    not_before: datetime | None


def _invalid(detail: str) -> Unauthenticated:
    return Unauthenticated("SiweMessageInvalid", detail)


def _timestamp(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"{name} is not an RFC 3339 timestamp") from exc
    if parsed.tzinfo is None:
        raise _invalid(f"{name} has no time zone")
    return parsed


def parse_siwe_message(message: str) -> SiweMessage:
    """Parses the EIP-4361 text; raises 401 `SiweMessageInvalid` on any deviation from it."""
    lines = message.split("\n")
    header = _HEADER.match(lines[0]) if lines else None
    if header is None or len(lines) < 6:
        raise _invalid("not an EIP-4361 message")
    address = lines[1]
    if not is_checksum_address(address):
        raise _invalid("the address must be EIP-55 checksummed")
    if lines[2] != "":
        raise _invalid("a blank line must follow the address")
    index = 3
    statement_lines: list[str] = []
    while index < len(lines) and not lines[index].startswith("URI: "):
        statement_lines.append(lines[index])
        index += 1
    statement_text = [line for line in statement_lines if line]
    if len(statement_text) > 1:
        raise _invalid("the statement is a single line")
    values: dict[str, str] = {}
    for line in lines[index:]:
        if line in ("Resources:", "") or line.startswith("- "):
            continue
        name, separator, value = line.partition(": ")
        field = _FIELDS.get(name)
        if not separator or field is None or field in values:
            raise _invalid(f"unexpected line {line!r}")
        values[field] = value
    for required in ("uri", "version", "chain_id", "nonce", "issued_at"):
        if required not in values:
            raise _invalid(f"missing {required}")
    if values["version"] != "1":
        raise _invalid("only version 1 is supported")
    if not values["chain_id"].isdigit():
        raise _invalid("the chain id is not a number")
    if not _NONCE.match(values["nonce"]):
        raise _invalid("the nonce has at least 8 alphanumeric characters")
    return SiweMessage(
        domain=header["domain"],
        address=address,
        statement=statement_text[0] if statement_text else None,
        uri=values["uri"],
        version=values["version"],
        chain_id=int(values["chain_id"]),
        nonce=values["nonce"],
        issued_at=_timestamp(values["issued_at"], "issued at"),
        expiration_time=_timestamp(values["expiration_time"], "expiration time")
        if "expiration_time" in values
        else None,
        not_before=_timestamp(values["not_before"], "not before")
        if "not_before" in values
        else None,
    )


def issue_siwe_nonce(session: Session, ttl: timedelta) -> SiweNonce:
    now = utc_now()
    # Expired nonces are useless; dropping them here keeps the table small.
    session.execute(delete(SiweNonce).where(SiweNonce.expires_at < now))
    nonce = SiweNonce(nonce=secrets.token_hex(16), created_at=now, expires_at=now + ttl)
    session.add(nonce)
    return nonce


def verify_siwe(
    session: Session, message: str, signature: str, *, domain: str, chain_id: int | None
) -> Member:
    """Checks an EIP-4361 sign-in and consumes its nonce; returns the member that signed."""
    parsed = parse_siwe_message(message)
    now = utc_now()
    if parsed.domain != domain:
        raise Unauthenticated(
            "SiweDomainMismatch",
            "the message is for another site",
            {"domain": parsed.domain, "expected": domain},
        )
    if chain_id is not None and parsed.chain_id != chain_id:
        raise Unauthenticated(
            "SiweChainMismatch",
            "the message is for another chain",
            {"chain_id": parsed.chain_id, "expected": chain_id},
        )
    if parsed.expiration_time is not None and parsed.expiration_time <= now:
        raise Unauthenticated(
            "SiweMessageExpired",
            "the message has expired",
            {"expiration_time": parsed.expiration_time.isoformat()},
        )
    if parsed.not_before is not None and parsed.not_before > now + CLOCK_SKEW:
        raise Unauthenticated(
            "SiweMessageNotYetValid",
            "the message is not valid yet",
            {"not_before": parsed.not_before.isoformat()},
        )
    if parsed.issued_at > now + CLOCK_SKEW:
        raise Unauthenticated("SiweMessageInvalid", "issued in the future")
    try:
        signer = Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception as exc:  # malformed signatures raise a variety of errors from eth-keys
        raise Unauthenticated("SiweSignatureInvalid", "the signature cannot be recovered") from exc
    if signer != parsed.address:
        raise Unauthenticated(
            "SiweSignatureInvalid",
            "the signature is not the message address's",
            {"address": parsed.address},
        )
    # One conditional UPDATE: two concurrent sign-ins with the same nonce cannot both succeed.
    consumed = session.execute(
        update(SiweNonce)
        .where(
            SiweNonce.nonce == parsed.nonce, SiweNonce.used_at.is_(None), SiweNonce.expires_at > now
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
