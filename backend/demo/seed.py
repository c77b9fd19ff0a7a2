"""Seeds the demo consortium: the operator from the deployer's key, everyone else through the API.

The operator is the deployer (the Consortium's constructor made it operator), so it is recorded
by the members service, not onboarded. Every other member is onboarded by the operator with
`POST /members`, exactly as a real operator would after KYC: the platform creates its custodial
key. On a development chain those keys then get ether for gas from a funded node account.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.chain.client import Chain
from backend.chain.sender import Call, NonceAllocator
from backend.core.database import engine_for, session_factory
from backend.core.settings import Settings
from backend.demo.cast import MEMBERS, OPERATOR, Role, SeededMember
from backend.members import service as members_service
from backend.members.keystore import Keystore

WEI_PER_ETHER = 10**18


def keystore_for(settings: Settings) -> Keystore:
    return Keystore(
        settings.keystore_dir,
        settings.keystore_password,
        kdf=settings.keystore_kdf,
        iterations=settings.keystore_kdf_iterations,
    )


def register_operator(settings: Settings, deployer: LocalAccount) -> SeededMember:
    """Records the deployer as the consortium's operator and issues its API key."""
    issued = members_service.register_operator(
        session_factory(settings.database_url),
        keystore_for(settings),
        settings.api_key_pepper,
        name=OPERATOR.name,
        private_key=deployer.key.hex(),
        kyc_reference=OPERATOR.kyc_reference,
    )
    return _seeded(OPERATOR, issued.member.id, issued.member.address, issued.api_key)


def onboard_members(
    api: httpx.Client, operator_key: str, progress: Callable[[Role], None]
) -> dict[str, SeededMember]:
    """Onboards the demo members through the API, the operator acting; returns them by key."""
    seeded: dict[str, SeededMember] = {}
    for role in MEMBERS:
        progress(role)
        own_key = Account.create() if role.self_custody else None
        response = api.post(
            "/members",
            json={
                "name": role.name,
                "roles": list(role.roles),
                "kyc_reference": role.kyc_reference,
                **({"address": own_key.address} if own_key is not None else {}),
            },
            headers={
                "Authorization": f"Bearer {operator_key}",
                "Idempotency-Key": f"demo-onboard-{role.key}",
            },
        )
        if response.status_code != 201:
            raise OnboardingFailed(role, response)
        body = response.json()
        seeded[role.key] = _seeded(
            role,
            body["member"]["id"],
            body["member"]["address"],
            body["api_key"],
            None if own_key is None else own_key.key.hex(),
        )
    return seeded


class OnboardingFailed(RuntimeError):
    def __init__(self, role: Role, response: httpx.Response) -> None:
        super().__init__(f"onboarding {role.name} answered {response.status_code}: {response.text}")


def fund_with_ether(
    settings: Settings, chain: Chain, funder: LocalAccount, addresses: list[str], ether: int
) -> list[str]:
    """Sends ``ether`` to each address for gas; returns the transaction hashes."""
    nonces = NonceAllocator(engine_for(settings.database_url), chain.w3)
    sender = chain.sender(funder, nonces, settings)
    calls = [Call(to=address, data=b"", value=ether * WEI_PER_ETHER) for address in addresses]
    return [outcome.tx_hash for outcome in sender.send_many(calls)]


def _seeded(
    role: Role, member_id: int, address: str, api_key: str, private_key: str | None = None
) -> SeededMember:
    return SeededMember(
        key=role.key,
        member_id=member_id,
        name=role.name,
        address=address,
        roles=list(role.roles),
        part=role.part,
        api_key=api_key,
        private_key=private_key,
    )
