"""HTTP routes of members: onboarding (operator), own profile, and Sign-In with Ethereum."""

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from backend.api_deps import (
    CurrentMember,
    CurrentUser,
    IdempotencyDep,
    KeystoreDep,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    require_role,
)
from backend.core.errors import Forbidden
from backend.core.inputs import RowIdPath
from backend.members import service
from backend.members.auth import SiweNonceLimits
from backend.members.models import Member
from backend.members.schemas import (
    ApprovalPolicy,
    DirectoryEntry,
    MemberCreate,
    MemberRead,
    OnboardingRead,
    SessionKeyRead,
    SiweNonceRead,
    SiweNonceRequest,
    SiweSignIn,
    UserCreate,
    UserIssued,
    UserRead,
)

router = APIRouter(tags=["members"])

# (the operator member, acting) -> how its onboarding transactions reach the chain.
OnboardOnChainFactory = Callable[[Member], service.OnboardOnChain]


def get_onboard_on_chain(request: Request) -> OnboardOnChainFactory:
    factory: OnboardOnChainFactory = request.app.state.onboard_on_chain_factory
    return factory


Operator = Annotated[Member, Depends(require_role("OPERATOR"))]
Supervisor = Annotated[Member, Depends(require_role("OPERATOR", "AUDITOR"))]


@router.post("/members", status_code=201, response_model=OnboardingRead)
def onboard(
    body: MemberCreate,
    operator: Operator,
    factory: SessionFactoryDep,
    keystore: KeystoreDep,
    settings: SettingsDep,
    idempotent: IdempotencyDep,
    on_chain: Annotated[OnboardOnChainFactory, Depends(get_onboard_on_chain)],
) -> Response:
    """Onboards a member after KYC: grants its roles on-chain and returns its API key, once."""

    def run() -> OnboardingRead:
        issued = service.onboard_member(
            factory, keystore, on_chain(operator), settings.api_key_pepper, body
        )
        return OnboardingRead(
            member=MemberRead.model_validate(issued.member), api_key=issued.api_key
        )

    return idempotent.respond(run, status_code=201)


@router.get("/members/me", response_model=MemberRead)
def me(member: CurrentMember) -> MemberRead:
    return MemberRead.model_validate(member)


@router.get("/members", response_model=list[MemberRead])
def list_members(_: Supervisor, session: SessionDep) -> list[MemberRead]:
    return [MemberRead.model_validate(m) for m in service.list_members(session)]


@router.get("/members/directory", response_model=list[DirectoryEntry])
def member_directory(_: CurrentMember, session: SessionDep) -> list[DirectoryEntry]:
    """Every member's name, account, roles and status, for any member: whom it may pay, invoice
    or quote for (no keys, KYC or policies; those are `GET /members` for supervisors)."""
    return [DirectoryEntry.model_validate(m) for m in service.list_members(session)]


@router.get("/members/{member_id}", response_model=MemberRead)
def read_member(member_id: RowIdPath, member: CurrentMember, session: SessionDep) -> MemberRead:
    if member.id != member_id and not {"OPERATOR", "AUDITOR"}.intersection(member.roles):
        raise Forbidden(
            "MemberNotReadable", "members see only themselves", {"member_id": member_id}
        )
    return MemberRead.model_validate(service.get_member(session, member_id))


@router.post("/auth/siwe/nonce", response_model=SiweNonceRead, tags=["auth"])
def siwe_nonce(
    request: Request,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    body: SiweNonceRequest | None = None,
) -> SiweNonceRead:
    """A single-use nonce to put in an EIP-4361 message; one asked for an `address` serves only
    that account. Rate-limited per client and per account: 429 `SiweNonceRateLimited` with
    `Retry-After`."""
    address = body.address if body is not None else None
    nonce = service.new_siwe_nonce(
        factory,
        settings.siwe_nonce_ttl_seconds,
        client=request.client.host if request.client is not None else None,
        address=address,
        limits=SiweNonceLimits(
            per_client=settings.siwe_nonce_limit_per_client,
            per_account=settings.siwe_nonce_limit_per_account,
            window=timedelta(seconds=settings.siwe_nonce_limit_window_seconds),
        ),
    )
    return SiweNonceRead(nonce=nonce.nonce, expires_at=nonce.expires_at)


@router.post("/auth/siwe", response_model=SessionKeyRead, tags=["auth"])
def siwe_sign_in(
    request: Request, body: SiweSignIn, factory: SessionFactoryDep, settings: SettingsDep
) -> SessionKeyRead:
    """Sign-In with Ethereum: verifies the signed message (an account's own signature, or a
    contract wallet's by EIP-1271 on the chain) and returns a session API key."""
    chain_provider = request.app.state.chain_provider
    issued = service.sign_in_with_ethereum(
        factory,
        body.message,
        body.signature,
        domain=settings.siwe_domain,
        uri=settings.siwe_uri,
        chain_id=settings.chain_id,
        w3=lambda: chain_provider().w3,
        pepper=settings.api_key_pepper,
        session_ttl_seconds=settings.session_key_ttl_seconds,
    )
    assert issued.expires_at is not None
    return SessionKeyRead(
        api_key=issued.api_key,
        expires_at=issued.expires_at,
        member=MemberRead.model_validate(issued.member),
    )


@router.post("/members/me/users", status_code=201, response_model=UserIssued)
def add_user(
    body: UserCreate,
    member: CurrentMember,
    user: CurrentUser,
    factory: SessionFactoryDep,
    settings: SettingsDep,
) -> UserIssued:
    """Adds a maker or a checker with an API key of its own (the member's own key only)."""
    added, api_key = service.add_user(
        factory, member, user, settings.api_key_pepper, body.name, body.role
    )
    return UserIssued(user=UserRead.model_validate(added), api_key=api_key)


@router.get("/members/me/users", response_model=list[UserRead])
def list_users(member: CurrentMember, session: SessionDep) -> list[UserRead]:
    return [UserRead.model_validate(u) for u in service.list_users(session, member)]


@router.put("/members/me/approval-policy", response_model=ApprovalPolicy)
def set_approval_policy(
    body: ApprovalPolicy, member: CurrentMember, user: CurrentUser, factory: SessionFactoryDep
) -> ApprovalPolicy:
    """Which of the member's writes wait for a checker's approval (the member's own key only)."""
    service.set_approval_policy(factory, member, user, body.mode, body.threshold_units)
    return body
