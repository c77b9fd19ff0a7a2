"""Members: API keys, the custodial keystore, Sign-In with Ethereum, onboarding on a real chain."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select, update

from backend.chain.artifacts import load_artifacts
from backend.chain.node import free_port, rpc_request
from backend.core.database import session_factory, transaction
from backend.core.errors import NotFound, Unauthenticated
from backend.core.settings import Settings
from backend.members import service
from backend.members.auth import authenticate_api_key, hash_api_key, parse_siwe_message
from backend.members.keystore import Keystore
from backend.members.models import ApiKey, Member, SiweNonce

if TYPE_CHECKING:
    from backend.chain.client import Chain
    from tests.backend.conftest import Credential, LiveServer

DOMAIN = "tiercredit.test"


def siwe_message(
    address: str,
    nonce: str,
    *,
    domain: str = DOMAIN,
    chain_id: int = 1,
    issued_at: datetime | None = None,
    expiration: datetime | None = None,
    statement: str | None = "Sign in to TierCredit.",
) -> str:
    """An EIP-4361 message laid out exactly as the specification's ABNF says."""
    issued_at = issued_at or datetime.now(UTC)
    lines = [f"{domain} wants you to sign in with your Ethereum account:", address, ""]
    if statement is not None:
        lines += [statement, ""]
    else:
        lines += [""]
    lines += [
        f"URI: https://{domain}/login",
        "Version: 1",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {issued_at.isoformat().replace('+00:00', 'Z')}",
    ]
    if expiration is not None:
        lines.append(f"Expiration Time: {expiration.isoformat().replace('+00:00', 'Z')}")
    lines += ["Resources:", f"- https://{domain}/terms"]
    return "\n".join(lines)


def sign(account: LocalAccount, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix(
        "0x"
    )


@pytest.fixture
def wallet() -> LocalAccount:
    return Account.create()


@pytest.fixture
def self_custodied(make_member: Callable[..., Credential], wallet: LocalAccount) -> Credential:
    return make_member(["FINANCIER"], address=wallet.address, name="Bank")


def new_nonce(server: LiveServer) -> str:
    with server.client() as http:
        response = http.post("/auth/siwe/nonce")
    assert response.status_code == 200
    return str(response.json()["nonce"])


# --- API keys ----------------------------------------------------------------------------------


def test_api_keys_are_stored_only_as_peppered_hashes(settings: Settings, make_member: Any) -> None:
    credential = make_member(["SUPPLIER"])
    with session_factory(settings.database_url)() as session:
        stored = session.execute(
            select(ApiKey).where(ApiKey.member_id == credential.member.id)
        ).scalar_one()

    assert stored.key_hash == hash_api_key(credential.api_key, settings.api_key_pepper)
    assert stored.key_hash != hash_api_key(credential.api_key, "another-pepper")
    assert credential.api_key not in stored.key_hash
    assert stored.prefix == credential.api_key[:12]


def test_a_key_checked_with_another_pepper_is_refused(settings: Settings, make_member: Any) -> None:
    credential = make_member(["SUPPLIER"])
    with session_factory(settings.database_url)() as session:
        assert authenticate_api_key(session, credential.api_key, settings.api_key_pepper).id == (
            credential.member.id
        )
        with pytest.raises(Unauthenticated, match="InvalidApiKey"):
            authenticate_api_key(session, credential.api_key, "another-pepper")


@pytest.mark.parametrize("change", ["expired", "revoked", "suspended"])
def test_expired_revoked_or_suspended_keys_are_401(
    server: LiveServer, settings: Settings, make_member: Any, change: str
) -> None:
    credential = make_member(["SUPPLIER"])
    past = datetime.now(UTC) - timedelta(seconds=1)
    with transaction(session_factory(settings.database_url)) as session:
        if change == "suspended":
            session.execute(
                update(Member).where(Member.id == credential.member.id).values(status="suspended")
            )
        else:
            column = ApiKey.expires_at if change == "expired" else ApiKey.revoked_at
            session.execute(
                update(ApiKey)
                .where(ApiKey.member_id == credential.member.id)
                .values({column: past})
            )

    with server.client(credential.api_key) as http:
        response = http.get("/members/me")

    assert response.status_code == 401
    assert response.json()["error"] == (
        "MemberNotActive" if change == "suspended" else "InvalidApiKey"
    )


def test_role_checks_refuse_other_roles(server: LiveServer, make_member: Any) -> None:
    supplier = make_member(["SUPPLIER"])
    auditor = make_member(["AUDITOR"])
    with server.client() as http:
        refused = http.get("/members", headers={"Authorization": f"Bearer {supplier.api_key}"})
        allowed = http.get("/members", headers={"Authorization": f"Bearer {auditor.api_key}"})
        onboarding = http.post(
            "/members",
            json={"name": "X", "roles": ["SUPPLIER"], "kyc_reference": "K"},
            headers={"Authorization": f"Bearer {auditor.api_key}"},
        )

    assert refused.status_code == 403
    assert refused.json() == {
        "type": "urn:tiercredit:error:MissingRole",
        "title": "Forbidden",
        "status": 403,
        "error": "MissingRole",
        "args": {"member_id": supplier.member.id, "required_any_of": ["AUDITOR", "OPERATOR"]},
        "detail": "the member lacks the role this action needs",
    }
    assert allowed.status_code == 200
    assert {m["id"] for m in allowed.json()} == {supplier.member.id, auditor.member.id}
    assert onboarding.status_code == 403
    assert onboarding.json()["args"]["required_any_of"] == ["OPERATOR"]


# --- keystore ----------------------------------------------------------------------------------


def test_keystore_round_trip_encrypted_and_private(tmp_path: Any) -> None:
    keystore = Keystore(tmp_path / "keys", "s3cret", kdf="pbkdf2", iterations=2)
    address = keystore.create()
    path = tmp_path / "keys" / f"{address}.json"
    account = keystore.account(address)

    assert account.address == address
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert account.key.hex().removeprefix("0x") not in path.read_text()
    # A fresh process (no cache) with the right password gets the key; a wrong one gets nothing.
    assert Keystore(tmp_path / "keys", "s3cret").account(address).key == account.key
    with pytest.raises(ValueError, match="MAC mismatch"):
        Keystore(tmp_path / "keys", "wrong").account(address)
    with pytest.raises(NotFound, match="KeystoreKeyNotFound"):
        keystore.account(Account.create().address)


# --- Sign-In with Ethereum ---------------------------------------------------------------------


def test_siwe_sign_in_issues_a_working_session_key(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount
) -> None:
    message = siwe_message(wallet.address, new_nonce(server))
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
        )
        session_key = response.json()["api_key"]
        me = http.get("/members/me", headers={"Authorization": f"Bearer {session_key}"})

    assert response.status_code == 200
    assert response.json()["member"]["id"] == self_custodied.member.id
    expires_at = datetime.fromisoformat(response.json()["expires_at"])
    assert timedelta(hours=11) < expires_at - datetime.now(UTC) <= timedelta(hours=12)
    assert me.status_code == 200
    assert me.json()["address"] == wallet.address


def test_siwe_bad_signature_is_401(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount
) -> None:
    message = siwe_message(wallet.address, new_nonce(server))
    with server.client() as http:
        forged = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(Account.create(), message)}
        )
        garbage = http.post("/auth/siwe", json={"message": message, "signature": "0x1234"})

    assert forged.status_code == garbage.status_code == 401
    assert forged.json()["error"] == garbage.json()["error"] == "SiweSignatureInvalid"
    assert forged.json()["args"] == {"address": wallet.address}


def test_siwe_replayed_nonce_is_401(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount
) -> None:
    message = siwe_message(wallet.address, new_nonce(server))
    signed = {"message": message, "signature": sign(wallet, message)}
    with server.client() as http:
        first = http.post("/auth/siwe", json=signed)
        replay = http.post("/auth/siwe", json=signed)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert replay.json()["error"] == "SiweNonceInvalid"


def test_siwe_expired_message_is_401(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount
) -> None:
    now = datetime.now(UTC)
    message = siwe_message(
        wallet.address,
        new_nonce(server),
        issued_at=now - timedelta(minutes=5),
        expiration=now - timedelta(seconds=1),
    )
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
        )

    assert response.status_code == 401
    assert response.json()["error"] == "SiweMessageExpired"


def test_siwe_expired_or_unknown_nonce_is_401(
    server: LiveServer, settings: Settings, self_custodied: Credential, wallet: LocalAccount
) -> None:
    stale = new_nonce(server)
    with transaction(session_factory(settings.database_url)) as session:
        session.execute(
            update(SiweNonce)
            .where(SiweNonce.nonce == stale)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    answers = []
    with server.client() as http:
        for nonce in (stale, "neverissued123"):
            message = siwe_message(wallet.address, nonce)
            answers.append(
                http.post(
                    "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
                )
            )

    assert [a.status_code for a in answers] == [401, 401]
    assert [a.json()["error"] for a in answers] == ["SiweNonceInvalid", "SiweNonceInvalid"]


def test_siwe_other_domain_or_unknown_member_is_401(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount, settings: Settings
) -> None:
    stranger = Account.create()
    nonce = new_nonce(server)
    phishing = siwe_message(wallet.address, nonce, domain="evil.example")
    unknown = siwe_message(stranger.address, nonce)
    with server.client() as http:
        wrong_domain = http.post(
            "/auth/siwe", json={"message": phishing, "signature": sign(wallet, phishing)}
        )
        not_member = http.post(
            "/auth/siwe", json={"message": unknown, "signature": sign(stranger, unknown)}
        )

    assert wrong_domain.status_code == not_member.status_code == 401
    assert wrong_domain.json()["error"] == "SiweDomainMismatch"
    assert wrong_domain.json()["args"] == {"domain": "evil.example", "expected": DOMAIN}
    assert not_member.json()["error"] == "SiweUnknownMember"
    # Refusals do not burn the nonce: the member's own sign-in with it still works.
    with transaction(session_factory(settings.database_url)) as session:
        assert session.get(SiweNonce, nonce).used_at is None  # type: ignore[union-attr]


def test_siwe_chain_id_must_match_when_configured(
    serve: Callable[..., LiveServer],
    settings: Settings,
    self_custodied: Credential,
    wallet: LocalAccount,
) -> None:
    server = serve(settings.model_copy(update={"chain_id": 7357}))
    message = siwe_message(wallet.address, new_nonce(server), chain_id=1)
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
        )

    assert response.status_code == 401
    assert response.json() == {
        "type": "urn:tiercredit:error:SiweChainMismatch",
        "title": "Unauthorized",
        "status": 401,
        "error": "SiweChainMismatch",
        "args": {"chain_id": 1, "expected": 7357},
        "detail": "the message is for another chain",
    }


@pytest.mark.parametrize(
    "mangle",
    [
        lambda m: m.replace("Version: 1", "Version: 2"),
        lambda m: m.replace("wants you to sign in", "asks you to sign in"),
        lambda m: m.replace("\nNonce: ", "\nNonce: ab"),  # still parses: longer nonce
        lambda m: m.split("\nIssued At")[0],
        lambda m: m.replace("Chain ID: 1", "Chain ID: one"),
    ],
)
def test_malformed_siwe_messages_are_refused(
    mangle: Callable[[str], str], wallet: LocalAccount
) -> None:
    message = mangle(siwe_message(wallet.address, "abcdef123456"))
    if "Nonce: ababcdef" in message:
        assert parse_siwe_message(message).nonce == "ababcdef123456"
        return
    with pytest.raises(Unauthenticated, match="SiweMessageInvalid"):
        parse_siwe_message(message)


def test_siwe_parser_reads_every_field(wallet: LocalAccount) -> None:
    issued = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    parsed = parse_siwe_message(
        siwe_message(
            wallet.address, "abcdef123456", issued_at=issued, expiration=issued + timedelta(hours=1)
        )
    )
    without_statement = parse_siwe_message(
        siwe_message(wallet.address, "abcdef123456", statement=None)
    )

    assert (parsed.domain, parsed.address, parsed.statement) == (
        DOMAIN,
        wallet.address,
        "Sign in to TierCredit.",
    )
    assert (parsed.uri, parsed.version, parsed.chain_id, parsed.nonce) == (
        f"https://{DOMAIN}/login",
        "1",
        1,
        "abcdef123456",
    )
    assert parsed.issued_at == "2025-01-02T03:04:05Z"
    assert parsed.expiration_time == "2025-01-02T04:04:05Z"
    assert parsed.resources == [f"https://{DOMAIN}/terms"]
    assert without_statement.statement is None
    with pytest.raises(Unauthenticated, match="SiweMessageInvalid"):
        parse_siwe_message(siwe_message(wallet.address.lower(), "abcdef123456"))


@pytest.mark.parametrize(
    "mangle",
    [
        # A resource line anywhere but under `Resources:` (the hand parser skipped any `- ` line).
        lambda m: m.replace("\nVersion: 1", "\n- https://evil.example/\nVersion: 1"),
        # Fields out of the specification's order.
        lambda m: m.replace("Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1"),
        # A second statement line.
        lambda m: m.replace("Sign in to TierCredit.", "Sign in to TierCredit.\nAnd pay me."),
    ],
)
def test_siwe_messages_off_the_grammar_are_refused_by_the_api(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount, mangle: Any
) -> None:
    message = mangle(siwe_message(wallet.address, new_nonce(server)))
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
        )

    assert response.status_code == 401
    assert response.json()["error"] == "SiweMessageInvalid"


def test_siwe_uri_must_be_the_configured_sites(
    server: LiveServer, self_custodied: Credential, wallet: LocalAccount
) -> None:
    nonce = new_nonce(server)
    elsewhere = siwe_message(wallet.address, nonce).replace(
        f"URI: https://{DOMAIN}/login", "URI: https://evil.example/login"
    )
    plain_http = siwe_message(wallet.address, nonce).replace(
        f"URI: https://{DOMAIN}/login", f"URI: http://{DOMAIN}/login"
    )
    with server.client() as http:
        answers = [
            http.post("/auth/siwe", json={"message": m, "signature": sign(wallet, m)})
            for m in (elsewhere, plain_http)
        ]
        message = siwe_message(wallet.address, nonce)
        accepted = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
        )

    assert [a.status_code for a in answers] == [401, 401]
    assert [a.json()["error"] for a in answers] == ["SiweUriMismatch", "SiweUriMismatch"]
    assert answers[0].json()["args"] == {
        "uri": "https://evil.example/login",
        "expected": f"https://{DOMAIN}",
    }
    assert accepted.status_code == 200


def test_siwe_domain_and_uri_come_from_the_settings(
    serve: Callable[..., LiveServer],
    settings: Settings,
    make_member: Any,
    wallet: LocalAccount,
) -> None:
    make_member(["FINANCIER"], address=wallet.address)
    server = serve(
        settings.model_copy(
            update={
                "siwe_domain": "portal.bank.example:8443",
                "siwe_uri": "https://portal.bank.example:8443/app",
            }
        )
    )
    message = siwe_message(wallet.address, new_nonce(server), domain="portal.bank.example:8443")
    message = message.replace(
        "URI: https://portal.bank.example:8443/login",
        "URI: https://portal.bank.example:8443/app/login",
    )
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(wallet, message)}
        )

    assert response.status_code == 200
    assert response.json()["member"]["address"] == wallet.address


def test_siwe_nonces_are_rate_limited_per_client(
    serve: Callable[..., LiveServer], settings: Settings
) -> None:
    server = serve(
        settings.model_copy(
            update={"siwe_nonce_limit_per_client": 3, "siwe_nonce_limit_window_seconds": 60}
        )
    )
    with server.client() as http:
        answers = [http.post("/auth/siwe/nonce") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"] == "SiweNonceRateLimited"
    assert refused.json()["args"] == {
        "scope": "client",
        "client": "127.0.0.1",
        "limit": 3,
        "window_seconds": 60,
        "retry_after_seconds": int(refused.headers["retry-after"]),
    }
    assert 58 <= int(refused.headers["retry-after"]) <= 60


def test_siwe_nonces_are_rate_limited_per_account_and_serve_only_it(
    serve: Callable[..., LiveServer],
    settings: Settings,
    make_member: Any,
    wallet: LocalAccount,
) -> None:
    make_member(["FINANCIER"], address=wallet.address)
    other = Account.create()
    make_member(["FINANCIER"], address=other.address)
    server = serve(
        settings.model_copy(
            update={"siwe_nonce_limit_per_account": 2, "siwe_nonce_limit_window_seconds": 30}
        )
    )
    with server.client() as http:
        mine = [http.post("/auth/siwe/nonce", json={"address": wallet.address}) for _ in range(3)]
        theirs = http.post("/auth/siwe/nonce", json={"address": other.address})
        bound = mine[0].json()["nonce"]
        stolen = siwe_message(other.address, bound)
        misused = http.post(
            "/auth/siwe", json={"message": stolen, "signature": sign(other, stolen)}
        )
        own = siwe_message(wallet.address, bound)
        used = http.post("/auth/siwe", json={"message": own, "signature": sign(wallet, own)})

    assert [a.status_code for a in mine] == [200, 200, 429]
    assert mine[2].json()["error"] == "SiweNonceRateLimited"
    assert mine[2].json()["args"] == {
        "scope": "account",
        "account": wallet.address,
        "limit": 2,
        "window_seconds": 30,
        "retry_after_seconds": int(mine[2].headers["retry-after"]),
    }
    assert 28 <= int(mine[2].headers["retry-after"]) <= 30
    assert theirs.status_code == 200  # another account's limit is its own
    assert misused.status_code == 401
    assert misused.json() == {
        "type": "urn:tiercredit:error:SiweNonceInvalid",
        "title": "Unauthorized",
        "status": 401,
        "error": "SiweNonceInvalid",
        "args": {"nonce": bound},
        "detail": "unknown, expired or already used nonce",
    }
    assert used.status_code == 200


# --- onboarding on a real chain ----------------------------------------------------------------


@pytest.fixture
def chain_settings(settings: Settings, anvil: Any, manifest_path: Any) -> Settings:
    # A relayer of its own, funded here: it pays the operator's onboarding calls.
    relayer = Account.create()
    rpc_request(anvil.url, "anvil_setBalance", [relayer.address, hex(10**20)])
    return settings.model_copy(
        update={
            "rpc_url": anvil.url,
            "chain_id": 7357,
            "deployment_manifest": manifest_path,
            "relayer_private_key": relayer.key.hex(),
        }
    )


@pytest.fixture
def operator_key(
    chain_settings: Settings, role_accounts: dict[str, LocalAccount], onboarded_roles: Any
) -> str:
    """The deployer (the consortium's operator) recorded as the operator member."""
    keystore = Keystore(
        chain_settings.keystore_dir, chain_settings.keystore_password, kdf="pbkdf2", iterations=2
    )
    issued = service.register_operator(
        session_factory(chain_settings.database_url),
        keystore,
        chain_settings.api_key_pepper,
        name="Operator",
        private_key=role_accounts["operator"].key.hex(),
        kyc_reference="KYC-OPERATOR",
    )
    return issued.api_key


def member_count(settings: Settings) -> int:
    with session_factory(settings.database_url)() as session:
        return int(session.execute(select(func.count()).select_from(Member)).scalar_one())


def test_onboarding_grants_roles_on_chain_and_returns_the_key_once(
    serve: Callable[..., LiveServer],
    chain_settings: Settings,
    chain_client: Chain,
    operator_key: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve(chain_settings, chain=chain_client)
    with server.client(operator_key) as http:
        response = http.post(
            "/members",
            json={"name": "Tier-2 Parts Ltd", "roles": ["SUPPLIER"], "kyc_reference": "KYC-77"},
            headers={"Idempotency-Key": "onboard-77"},
        )
        retry = http.post(
            "/members",
            json={"name": "Tier-2 Parts Ltd", "roles": ["SUPPLIER"], "kyc_reference": "KYC-77"},
            headers={"Idempotency-Key": "onboard-77"},
        )
        member = response.json()["member"]
        me = http.get(
            "/members/me", headers={"Authorization": f"Bearer {response.json()['api_key']}"}
        )

    assert response.status_code == 201
    assert retry.json() == response.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert member_count(chain_settings) == 2  # the operator and this member: onboarded once
    assert member["custodial"] is True
    assert member["roles"] == ["SUPPLIER"]
    assert me.json()["id"] == member["id"]
    address = member["address"]
    assert chain_client.read("Consortium", "statusOf", address) == 1  # MemberStatus.Active
    from backend.chain.ids import role_id

    assert (
        chain_client.contract("Consortium").functions.hasRole(role_id("SUPPLIER"), address).call()
    )
    receipt = chain_client.w3.eth.get_transaction_receipt(member["onboarding_tx_hash"])
    assert receipt["status"] == 1
    # The custodial key exists, encrypted, and appears in no response and no log line.
    key = (
        Keystore(chain_settings.keystore_dir, chain_settings.keystore_password).account(address).key
    )
    secret = key.hex().removeprefix("0x")
    assert secret not in response.text
    assert secret not in capsys.readouterr().out


def test_onboarding_revert_is_named_and_leaves_nothing(
    serve: Callable[..., LiveServer],
    chain_settings: Settings,
    chain_client: Chain,
    operator_key: str,
    onboarded_roles: dict[str, LocalAccount],
) -> None:
    taken = onboarded_roles["supplier1"].address  # already a member on-chain
    server = serve(chain_settings, chain=chain_client)
    with server.client(operator_key) as http:
        response = http.post(
            "/members",
            json={
                "name": "Again",
                "roles": ["SUPPLIER"],
                "kyc_reference": "KYC-1",
                "address": taken,
            },
        )

    assert response.status_code == 409
    assert response.json()["error"] == "ConsortiumMemberExists"
    assert response.json()["args"] == {"account": taken}
    assert response.json()["contract"] == "Consortium"
    assert member_count(chain_settings) == 1


def test_onboarding_with_chain_down_is_503_with_retry_after(
    serve: Callable[..., LiveServer], settings: Settings, make_member: Any
) -> None:
    operator = make_member(["OPERATOR"])
    server = serve(settings)  # no RPC URL
    with server.client(operator.api_key) as http:
        response = http.post(
            "/members", json={"name": "X", "roles": ["SUPPLIER"], "kyc_reference": "K"}
        )

    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert response.json()["error"] == "ChainNotConfigured"
    assert member_count(settings) == 1
    assert list((settings.keystore_dir).glob("*.json")) == []


@pytest.fixture
def contract_wallet(chain_client: Chain, anvil: Any) -> tuple[str, LocalAccount]:
    """A TestWallet (EIP-1271: its owner's signatures are the wallet's) deployed on the chain."""
    owner: LocalAccount = Account.create()
    rpc_request(anvil.url, "anvil_setBalance", [owner.address, hex(10**19)])
    w3 = chain_client.w3
    artifact = load_artifacts()["TestWallet"]
    deploy = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(
        owner.address
    )
    transaction = deploy.build_transaction(
        {"from": owner.address, "nonce": w3.eth.get_transaction_count(owner.address)}
    )
    tx_hash = w3.eth.send_raw_transaction(owner.sign_transaction(transaction).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    assert receipt["status"] == 1
    return receipt["contractAddress"], owner


def test_a_contract_wallet_member_signs_in_by_eip1271(
    serve: Callable[..., LiveServer],
    chain_settings: Settings,
    chain_client: Chain,
    make_member: Any,
    contract_wallet: tuple[str, LocalAccount],
) -> None:
    wallet_address, owner = contract_wallet
    member = make_member(["FINANCIER"], address=wallet_address, name="Multisig")
    server = serve(chain_settings, chain=chain_client)
    stranger = Account.create()
    message = siwe_message(wallet_address, new_nonce(server), chain_id=7357)
    with server.client() as http:
        forged = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(stranger, message)}
        )
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(owner, message)}
        )
        me = http.get(
            "/members/me", headers={"Authorization": f"Bearer {response.json()['api_key']}"}
        )

    assert forged.status_code == 401
    assert forged.json()["error"] == "SiweSignatureInvalid"
    assert forged.json()["args"] == {"address": wallet_address}
    assert response.status_code == 200
    assert response.json()["member"]["id"] == member.member.id
    assert me.json()["address"] == wallet_address
    # The wallet itself says so on-chain.
    from eth_account.messages import _hash_eip191_message

    contract = chain_client.w3.eth.contract(
        address=wallet_address, abi=load_artifacts()["TestWallet"].abi
    )
    digest = _hash_eip191_message(encode_defunct(text=message))
    signature = bytes.fromhex(sign(owner, message)[2:])
    assert contract.functions.isValidSignature(digest, signature).call().hex() == "1626ba7e"


def test_a_contract_wallets_sign_in_with_the_chain_down_is_503(
    serve: Callable[..., LiveServer],
    chain_settings: Settings,
    make_member: Any,
    contract_wallet: tuple[str, LocalAccount],
) -> None:
    wallet_address, owner = contract_wallet
    make_member(["FINANCIER"], address=wallet_address, name="Multisig")
    down = chain_settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}"})
    server = serve(down)
    nonce = new_nonce(server)
    message = siwe_message(wallet_address, nonce, chain_id=7357)
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(owner, message)}
        )

    assert response.status_code == 503
    assert response.json()["error"] == "ChainUnavailable"
    assert response.headers["retry-after"] == "5"
    # Not burnt: the sign-in can be tried again with it once the node answers.
    with session_factory(chain_settings.database_url)() as session:
        assert session.get(SiweNonce, nonce).used_at is None  # type: ignore[union-attr]


def test_a_contract_that_is_no_eip1271_wallet_refuses_the_signature(
    serve: Callable[..., LiveServer],
    chain_settings: Settings,
    chain_client: Chain,
    make_member: Any,
) -> None:
    # A member whose address is a contract without isValidSignature (the Consortium itself).
    consortium_address = chain_client.contract("Consortium").address
    make_member(["FINANCIER"], address=consortium_address, name="Not a wallet")
    server = serve(chain_settings, chain=chain_client)
    someone = Account.create()
    message = siwe_message(consortium_address, new_nonce(server), chain_id=7357)
    with server.client() as http:
        response = http.post(
            "/auth/siwe", json={"message": message, "signature": sign(someone, message)}
        )

    assert response.status_code == 401
    assert response.json() == {
        "type": "urn:tiercredit:error:SiweSignatureInvalid",
        "title": "Unauthorized",
        "status": 401,
        "error": "SiweSignatureInvalid",
        "args": {"address": consortium_address},
        "detail": "the signature is not the message address's",
    }
