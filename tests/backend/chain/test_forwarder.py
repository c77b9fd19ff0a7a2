"""The forward request's EIP-712 hash, made straight from its fields on the relayer's hot path, is
the one a wallet makes of the typed data the API hands out (eth_account's `sign_typed_data`)."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from eth_account import Account

from backend.chain import forwarder
from backend.chain.forwarder import ForwardRequest


def _chain(chain_id: int, verifying_contract: str) -> SimpleNamespace:
    # `signable` reads only the deployment's chain id and the forwarder's address.
    return SimpleNamespace(
        manifest=SimpleNamespace(chain_id=chain_id, address=lambda name: verifying_contract)
    )


def _request(rng: random.Random, signer: str) -> ForwardRequest:
    return ForwardRequest(
        signer=signer,
        to=Account.create().address,
        data=rng.randbytes(rng.choice([0, 1, 31, 32, 33, 68, 260])),
        gas=rng.randrange(2**64),
        nonce=rng.choice([0, 1, rng.randrange(2**256)]),
        deadline=rng.randrange(2**48),
        value=rng.choice([0, rng.randrange(2**256)]),
    )


@pytest.mark.parametrize("seed", range(20))
def test_signature_is_the_wallets_signature_of_the_typed_data(seed: int) -> None:
    rng = random.Random(seed)
    member = Account.create()
    chain = _chain(rng.choice([1, 31337, 2**32 + seed]), Account.create().address)
    request = _request(rng, member.address)

    wallet = member.sign_typed_data(full_message=forwarder.typed_data(chain, request))

    # RFC 6979 signatures are deterministic: the same hash gives the same bytes.
    assert forwarder.sign(chain, member, request) == bytes(wallet.signature)
    assert forwarder.recover_signer(chain, request, bytes(wallet.signature)) == member.address


def test_a_change_of_a_field_or_of_the_chain_changes_the_signer() -> None:
    rng = random.Random(7)
    member = Account.create()
    chain = _chain(31337, Account.create().address)
    request = _request(rng, member.address)
    signature = forwarder.sign(chain, member, request)
    changed = [
        ForwardRequest(**{**request.__dict__, "nonce": request.nonce ^ 1}),
        ForwardRequest(**{**request.__dict__, "deadline": request.deadline ^ 1}),
        ForwardRequest(**{**request.__dict__, "data": request.data + b"\0"}),
        ForwardRequest(**{**request.__dict__, "gas": request.gas ^ 1}),
    ]
    for other in changed:
        assert forwarder.recover_signer(chain, other, signature) != member.address
    other_domain = _chain(31338, chain.manifest.address(forwarder.FORWARDER))
    assert forwarder.recover_signer(other_domain, request, signature) != member.address


def test_a_malformed_signature_recovers_no_one() -> None:
    member = Account.create()
    chain = _chain(31337, Account.create().address)
    request = _request(random.Random(3), member.address)
    assert forwarder.recover_signer(chain, request, b"\x01" * 10) is None
    assert forwarder.recover_signer(chain, request, b"\x00" * 65) is None
