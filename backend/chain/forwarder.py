"""The platform's ERC-2771 forwarder, typed: forward requests, their EIP-712 typed data, the
`executeBatch` call, and a batch receipt's events told apart per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from eth_abi import encode
from eth_account import Account
from eth_account.messages import SignableMessage
from eth_utils import keccak

from backend.chain.events import DecodedEvent
from backend.chain.sender import Call

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from backend.chain.client import Chain

FORWARDER = "Forwarder"
# The forwarder's EIP-712 domain (contracts/Forwarder.sol names it "TierCredit Forwarder").
DOMAIN_NAME = "TierCredit Forwarder"
DOMAIN_VERSION = "1"
FORWARD_REQUEST_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "ForwardRequest": [
        {"name": "from", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "gas", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint48"},
        {"name": "data", "type": "bytes"},
    ],
}
# What the forwarder itself spends around each request of a batch (signature recovery, the nonce,
# the event, calldata copying), above the gas the request gives its call; measured on Anvil with
# room to spare, since a batch short of gas would fail every request in it.
PER_REQUEST_OVERHEAD_GAS = 40_000
BATCH_BASE_GAS = 60_000


@dataclass(frozen=True)
class ForwardRequest:
    """One member call for the forwarder to relay; `signer` signs it over `nonce` and `deadline`."""

    signer: str
    to: str
    data: bytes
    gas: int
    nonce: int
    deadline: int
    value: int = 0

    def message(self) -> dict[str, Any]:
        return {
            "from": self.signer,
            "to": self.to,
            "value": self.value,
            "gas": self.gas,
            "nonce": self.nonce,
            "deadline": self.deadline,
            "data": self.data,
        }


def typed_data(chain: Chain, request: ForwardRequest) -> dict[str, Any]:
    """The full EIP-712 typed data of `request`, as a wallet's `eth_signTypedData_v4` takes it
    (bytes as 0x-hex, integers as JSON numbers or decimal strings)."""
    message = request.message()
    return {
        "types": FORWARD_REQUEST_TYPES,
        "primaryType": "ForwardRequest",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain.manifest.chain_id,
            "verifyingContract": chain.manifest.address(FORWARDER),
        },
        "message": {
            **message,
            "value": str(message["value"]),
            "gas": str(message["gas"]),
            "nonce": str(message["nonce"]),
            "data": "0x" + request.data.hex(),
        },
    }


def _type_string(name: str) -> str:
    fields = ",".join(f"{f['type']} {f['name']}" for f in FORWARD_REQUEST_TYPES[name])
    return f"{name}({fields})"


DOMAIN_TYPEHASH = keccak(text=_type_string("EIP712Domain"))
FORWARD_REQUEST_TYPEHASH = keccak(text=_type_string("ForwardRequest"))
# EIP-712 encodes a `bytes` field as its keccak-256, every other field of ForwardRequest as is.
_FIELDS = [(f["name"], f["type"]) for f in FORWARD_REQUEST_TYPES["ForwardRequest"]]
_STRUCT_TYPES = ["bytes32", *("bytes32" if kind == "bytes" else kind for _, kind in _FIELDS)]
_domain_separators: dict[tuple[int, str], bytes] = {}


def domain_separator(chain_id: int, verifying_contract: str) -> bytes:
    """The forwarder's EIP-712 domain separator (what its `eip712Domain()` describes)."""
    key = (chain_id, verifying_contract)
    if key not in _domain_separators:
        _domain_separators[key] = keccak(
            encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [
                    DOMAIN_TYPEHASH,
                    keccak(text=DOMAIN_NAME),
                    keccak(text=DOMAIN_VERSION),
                    chain_id,
                    verifying_contract,
                ],
            )
        )
    return _domain_separators[key]


def signable(chain: Chain, request: ForwardRequest) -> SignableMessage:
    """The EIP-712 message a member signs for `request`: the same as `typed_data` encoded by a
    wallet (tests/backend/chain/test_forwarder.py holds the two equal), made straight from the
    fields, since a batch signs one per request on the relayer's hot path (eth_account's
    typed-data encoder cost more than the signature)."""
    message = request.message()
    values = [keccak(message[name]) if kind == "bytes" else message[name] for name, kind in _FIELDS]
    struct = keccak(encode(_STRUCT_TYPES, [FORWARD_REQUEST_TYPEHASH, *values]))
    domain = domain_separator(chain.manifest.chain_id, chain.manifest.address(FORWARDER))
    return SignableMessage(version=b"\x01", header=domain, body=struct)


def sign(chain: Chain, signer: LocalAccount, request: ForwardRequest) -> bytes:
    """The 65-byte signature of `request` by the custodial key `signer`."""
    return bytes(signer.sign_message(signable(chain, request)).signature)


def recover_signer(chain: Chain, request: ForwardRequest, signature: bytes) -> str | None:
    """Who signed `request`, or None when `signature` is not a valid ECDSA signature."""
    try:
        return str(Account.recover_message(signable(chain, request), signature=signature))
    except Exception:  # eth_keys raises several types for malformed signatures
        return None


def execute_batch(
    chain: Chain, requests: Sequence[tuple[ForwardRequest, bytes]], refund_receiver: str
) -> Call:
    """`Forwarder.executeBatch(requests, refundReceiver)`: with a refund receiver a request that
    fails is skipped and reported by its `ExecutedForwardRequest`, not fatal to the others."""
    tuples = [
        (r.signer, r.to, r.value, r.gas, r.deadline, r.data, signature) for r, signature in requests
    ]
    call = chain.prepare(FORWARDER, "executeBatch", tuples, refund_receiver)
    return replace(batch_call(chain, [r.gas for r, _ in requests]), data=call.data)


def batch_call(chain: Chain, gas_of_requests: Sequence[int]) -> Call:
    """An `executeBatch` of requests giving their calls `gas_of_requests`, with the gas the batch
    needs and no data yet (what `execute_batch` fills in once the requests are signed)."""
    gas = BATCH_BASE_GAS + sum(gas + PER_REQUEST_OVERHEAD_GAS for gas in gas_of_requests)
    return Call(to=chain.manifest.address(FORWARDER), data=b"", contract=FORWARDER, gas=gas)


@dataclass(frozen=True)
class ForwardedOutcome:
    """What one relayed request did: `success` and its events, or skipped (never executed)."""

    executed: bool
    success: bool
    events: list[DecodedEvent]


def outcomes_by_request(
    events: Sequence[DecodedEvent], requests: Sequence[ForwardRequest]
) -> list[ForwardedOutcome]:
    """Splits a batch's events per request: the forwarder emits `ExecutedForwardRequest` right
    after each call it made, so the events before it (since the previous one) are that call's.
    A request without one was skipped (invalid signature, spent nonce or past deadline)."""
    found: dict[tuple[str, int], ForwardedOutcome] = {}
    pending: list[DecodedEvent] = []
    for event in sorted(events, key=lambda e: e.log_index):
        if event.contract == FORWARDER and event.name == "ExecutedForwardRequest":
            key = (event.args["signer"], int(event.args["nonce"]))
            found[key] = ForwardedOutcome(True, bool(event.args["success"]), pending)
            pending = []
        elif event.contract != FORWARDER:
            pending.append(event)
    skipped = ForwardedOutcome(False, False, [])
    return [found.get((r.signer, r.nonce), skipped) for r in requests]
