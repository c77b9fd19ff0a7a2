"""Onboarding members, bootstrapping the operator, and signing in with Ethereum."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.core.database import transaction
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.sqltypes import utc_now
from backend.documents.hashing import text_hash, to_hex
from backend.members.auth import SiweNonceLimits, issue_api_key, issue_siwe_nonce, verify_siwe
from backend.members.keystore import Keystore
from backend.members.models import Member, MemberUser, SiweNonce
from backend.members.schemas import MemberCreate

if TYPE_CHECKING:
    from web3 import Web3

    from backend.chain.client import Chain
    from backend.chain.sender import TxOutcome, TxSender

# (member address, KYC hash, role names) -> hash of the operator's Consortium.onboard transaction.
OnboardOnChain = Callable[[str, bytes, Sequence[str]], str]


@dataclass(frozen=True)
class IssuedKey:
    member: Member
    api_key: str
    expires_at: datetime | None = None


def onboard_member(
    factory: sessionmaker[Session],
    keystore: Keystore,
    onboard_on_chain: OnboardOnChain,
    pepper: str,
    request: MemberCreate,
) -> IssuedKey:
    """Creates the member's custodial key unless it brings an address, grants its roles on-chain,
    then records the member and issues its first API key.

    No database transaction is held across the chain call: on SQLite the sender's nonce
    allocation needs the write lock. The chain is the arbiter of duplicates (a second onboarding
    of one address reverts with `ConsortiumMemberExists`), and a revert leaves no member behind.
    """
    if request.address is not None:
        with factory() as session:
            if _by_address(session, request.address) is not None:
                raise Conflict(
                    "MemberAddressTaken",
                    "a member already has this address",
                    {"address": request.address},
                )
    custodial = request.address is None
    address = request.address if request.address is not None else keystore.create()
    kyc_hash = text_hash(request.kyc_reference)
    try:
        tx_hash = onboard_on_chain(address, kyc_hash, request.roles)
    except BaseException:
        # The key never backed a member: the chain refused it. Nothing else references it.
        if custodial:
            keystore.remove(address)
        raise
    with transaction(factory) as session:
        member = Member(
            name=request.name,
            address=address,
            roles=list(request.roles),
            custodial=custodial,
            status="active",
            kyc_hash=to_hex(kyc_hash),
            onboarding_tx_hash=tx_hash,
        )
        session.add(member)
        session.flush()
        api_key = issue_api_key(session, member, pepper, kind="onboarding")
    return IssuedKey(member, api_key)


def register_operator(
    factory: sessionmaker[Session],
    keystore: Keystore,
    pepper: str,
    *,
    name: str,
    private_key: str,
    kyc_reference: str,
) -> IssuedKey:
    """Records the consortium's operator (the deployer, operator by the Consortium's constructor),
    keeps its key custodially and issues its API key; no chain call, the role is on-chain."""
    address = keystore.import_key(private_key)
    with transaction(factory) as session:
        if _by_address(session, address) is not None:
            raise Conflict(
                "MemberAddressTaken", "a member already has this address", {"address": address}
            )
        member = Member(
            name=name,
            address=address,
            roles=["OPERATOR"],
            custodial=True,
            status="active",
            kyc_hash=to_hex(text_hash(kyc_reference)),
        )
        session.add(member)
        session.flush()
        api_key = issue_api_key(session, member, pepper, kind="onboarding")
    return IssuedKey(member, api_key)


def signer_for(keystore: Keystore, member: Member) -> LocalAccount:
    """The custodial signer acting for `member`; a member never acts for another."""
    if not member.custodial:
        raise Forbidden(
            "MemberNotCustodial",
            "this member holds its own key; the platform cannot sign for it",
            {"member_id": member.id},
        )
    return keystore.account(member.address)


def list_members(session: Session) -> list[Member]:
    return list(session.execute(select(Member).order_by(Member.id)).scalars())


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound("MemberNotFound", "no member with this id", {"member_id": member_id})
    return member


def new_siwe_nonce(
    factory: sessionmaker[Session],
    ttl_seconds: int,
    *,
    client: str | None = None,
    address: str | None = None,
    limits: SiweNonceLimits | None = None,
) -> SiweNonce:
    with transaction(factory) as session:
        return issue_siwe_nonce(
            session, timedelta(seconds=ttl_seconds), client=client, address=address, limits=limits
        )


def sign_in_with_ethereum(
    factory: sessionmaker[Session],
    message: str,
    signature: str,
    *,
    domain: str,
    uri: str,
    chain_id: int | None,
    pepper: str,
    session_ttl_seconds: int,
    w3: "Callable[[], Web3] | None" = None,
) -> IssuedKey:
    """Verifies the EIP-4361 sign-in, burns its nonce and issues a short-lived session API key.
    `w3` gives the chain a contract wallet's EIP-1271 signature is checked on."""
    with transaction(factory) as session:
        member = verify_siwe(
            session, message, signature, domain=domain, uri=uri, chain_id=chain_id, w3=w3
        )
        expires_at = utc_now() + timedelta(seconds=session_ttl_seconds)
        api_key = issue_api_key(session, member, pepper, kind="session", expires_at=expires_at)
    return IssuedKey(member, api_key, expires_at)


def _by_address(session: Session, address: str) -> Member | None:
    return session.execute(select(Member).where(Member.address == address)).scalar_one_or_none()


# --- chain calls -------------------------------------------------------------------------------


def consortium_onboard(
    chain: "Chain", operator: "TxSender", address: str, kyc_hash: bytes, roles: Sequence[str]
) -> "TxOutcome":
    """The operator's `Consortium.onboard(address, kycHash, roles)`; returns the mined outcome.
    A revert (e.g. `ConsortiumMemberExists`) raises the decoded ContractRevert."""
    from backend.chain.ids import role_id

    call = chain.prepare("Consortium", "onboard", address, kyc_hash, [role_id(r) for r in roles])
    return operator.transact(call)


# --- users and four eyes ----------------------------------------------------------------------


def _require_member_key(member: Member, user: MemberUser | None) -> None:
    """Users and the approval policy are the member's to administer, with its own keys."""
    if user is not None:
        raise Forbidden(
            "MemberKeyRequired",
            "users and the approval policy are managed with the member's own API key",
            {"member_id": member.id, "user_id": user.id},
        )


def add_user(
    factory: sessionmaker[Session],
    member: Member,
    acting: MemberUser | None,
    pepper: str,
    name: str,
    role: str,
) -> tuple[MemberUser, str]:
    """A maker or checker for the member, with its first API key (shown once)."""
    _require_member_key(member, acting)
    with transaction(factory) as session:
        user = MemberUser(member_id=member.id, name=name, role=role)
        session.add(user)
        session.flush()
        stored = session.get(Member, member.id)
        assert stored is not None
        api_key = issue_api_key(session, stored, pepper, kind="user", user_id=user.id)
        session.flush()
        session.expunge(user)
    return user, api_key


def list_users(session: Session, member: Member) -> list[MemberUser]:
    return list(
        session.execute(
            select(MemberUser).where(MemberUser.member_id == member.id).order_by(MemberUser.id)
        ).scalars()
    )


def set_approval_policy(
    factory: sessionmaker[Session],
    member: Member,
    acting: MemberUser | None,
    mode: str,
    threshold_units: int | None,
) -> Member:
    _require_member_key(member, acting)
    with transaction(factory) as session:
        stored = session.get(Member, member.id)
        assert stored is not None
        stored.approval_mode = mode
        stored.approval_threshold_units = None if threshold_units is None else str(threshold_units)
        session.flush()
        session.expunge(stored)
    return stored
