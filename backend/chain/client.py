"""The connection to the platform on chain: web3, contract objects from the manifest, checks."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.exceptions import EncodingError
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3.contract import Contract
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import RPCEndpoint

from backend.chain.artifacts import (
    DEFAULT_BUILD_DIR,
    PLATFORM_CONTRACTS,
    canonical_type,
    load_artifacts,
)
from backend.chain.connection import connect
from backend.chain.errors import ChainUnavailable, ErrorDecoder, normalize, revert_data
from backend.chain.events import EventDecoder
from backend.chain.fees import FeeCache
from backend.chain.manifest import Manifest, ManifestError, read_manifest
from backend.chain.sender import (
    Call,
    NonceAllocator,
    TxSender,
    batch_responses,
    batch_result,
    node_errors,
)
from backend.core.settings import Settings

GWEI = 10**9


@dataclass(frozen=True)
class View:
    """One view call for ``Chain.read_many``: ``contract.function(*args)``."""

    contract: str
    function: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """What ``Chain.snapshot`` read on the latest block, in one round trip."""

    block_time: int
    balance: int | None
    results: list[Any]


@dataclass(frozen=True)
class _FunctionCodec:
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


class Chain:
    """The platform's contracts on one chain, as the manifest describes them."""

    def __init__(
        self,
        rpc_url: str,
        manifest: Manifest,
        *,
        expected_chain_id: int | None = None,
        request_timeout: float = 30.0,
        build_dir: Path = DEFAULT_BUILD_DIR,
    ) -> None:
        if not rpc_url:
            raise ChainUnavailable("no RPC URL configured (TIERCREDIT_RPC_URL)")
        if expected_chain_id is not None and expected_chain_id != manifest.chain_id:
            raise ManifestError(
                f"settings expect chain {expected_chain_id}; "
                f"the manifest is for chain {manifest.chain_id}"
            )
        artifacts = load_artifacts(build_dir)
        changed = [
            name
            for name in PLATFORM_CONTRACTS
            if manifest.abi_hashes.get(name) != artifacts[name].abi_hash
        ]
        if changed:
            raise ManifestError(
                f"the deployment was built from other ABIs of {', '.join(changed)}; redeploy"
            )
        self.rpc_url = rpc_url
        self.manifest = manifest
        # web3's validation middleware asks for the chain id before every call, estimate and
        # send; a node's chain id never changes, so it is asked once (per thread).
        self.w3 = connect(
            rpc_url,
            timeout=request_timeout,
            cache_allowed_requests=True,
            cacheable_requests={RPCEndpoint("eth_chainId")},
        )
        self.abis = {name: artifacts[name].abi for name in PLATFORM_CONTRACTS}
        self.errors = ErrorDecoder(self.abis)
        self.events = EventDecoder(self.abis, manifest.contracts)
        self._contracts: dict[str, Contract] = {
            name: self.w3.eth.contract(address=manifest.address(name), abi=abi)
            for name, abi in self.abis.items()
        }
        self._codecs: dict[tuple[str, str], _FunctionCodec | None] = {}
        self._fee_caches: dict[int | None, FeeCache] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Chain:
        return cls(
            settings.rpc_url,
            read_manifest(settings.deployment_manifest),
            expected_chain_id=settings.chain_id,
        )

    def contract(self, name: str) -> Contract:
        if name not in self._contracts:
            raise ManifestError(f"no platform contract named {name}")
        return self._contracts[name]

    def is_up(self) -> bool:
        """Whether the node answers (nothing more: see ``verify``)."""
        try:
            return self.w3.is_connected()
        except OSError:
            return False

    def verify(self) -> None:
        """Raises unless the node is the manifest's chain and every contract has code there.

        A restarted development node keeps its chain id but loses the contracts.
        """
        with node_errors():
            chain_id = self.w3.eth.chain_id
            if chain_id != self.manifest.chain_id:
                raise ManifestError(
                    f"the node is chain {chain_id}; "
                    f"the manifest is for chain {self.manifest.chain_id}"
                )
            empty = [
                name for name, c in self._contracts.items() if not self.w3.eth.get_code(c.address)
            ]
        if empty:
            raise ManifestError(
                f"no code at the manifest's address of {', '.join(empty)}; redeploy"
            )

    def prepare(self, contract: str, function: str, *args: Any, value: int = 0) -> Call:
        """The call of ``contract.function(*args)`` as a TxSender sends it."""
        target = self.contract(contract)
        codec = self._codec(contract, function)
        data: bytes | None = None
        if codec is not None:
            with suppress(EncodingError):
                data = codec.selector + self.w3.codec.encode(codec.inputs, args)
        if data is None:
            # web3 picks among overloads and normalizes arguments (hex text for bytes, …).
            data = bytes.fromhex(target.encode_abi(function, args=list(args))[2:])
        return Call(to=target.address, data=data, contract=contract, value=value)

    def read(self, contract: str, function: str, *args: Any, block: int | str = "latest") -> Any:
        """A view call; a revert raises ContractRevert with the contract's named error."""
        fn = getattr(self.contract(contract).functions, function)(*args)
        try:
            with node_errors():
                return fn.call(block_identifier=block)
        except (ContractLogicError, Web3RPCError) as exc:
            raw = revert_data(exc)
            if raw is None:
                raise
            raise self.errors.decode(raw, contract=contract) from exc

    def read_many(self, views: Sequence[View]) -> list[Any]:
        """Several view calls on the latest block in one JSON-RPC batch (one round trip),
        results in order; the first that reverts raises ContractRevert with the contract's
        named error. Encoded and decoded straight from the ABI with web3's codec (``_codec``).
        """
        return self._read_batch(views, [])[0]

    def snapshot(self, views: Sequence[View], *, balance_of: str | None = None) -> Snapshot:
        """``read_many(views)``, with the latest block's timestamp (what the forwarder compares
        deadlines with) and, given ``balance_of``, that account's balance, in the same round
        trip."""
        extra = [(RPCEndpoint("eth_getBlockByNumber"), ["latest", False])]
        if balance_of is not None:
            extra.append((RPCEndpoint("eth_getBalance"), [balance_of, "latest"]))
        results, (block, *balance) = self._read_batch(views, extra)
        return Snapshot(
            block_time=int(block["timestamp"], 16),
            balance=int(balance[0], 16) if balance else None,
            results=results,
        )

    def _read_batch(
        self, views: Sequence[View], extra: Sequence[tuple[RPCEndpoint, Any]]
    ) -> tuple[list[Any], list[Any]]:
        """The views' decoded results and the raw results of the `extra` requests sent after
        them in the same JSON-RPC batch."""
        codecs = []
        for view in views:
            codec = self._codec(view.contract, view.function)
            if codec is None:
                raise ManifestError(f"{view.contract}.{view.function} is not exactly one function")
            codecs.append(codec)
        requests = [
            (
                RPCEndpoint("eth_call"),
                [
                    {
                        "to": self.contract(view.contract).address,
                        "data": "0x"
                        + (codec.selector + self.w3.codec.encode(codec.inputs, view.args)).hex(),
                    },
                    "latest",
                ],
            )
            for view, codec in zip(views, codecs, strict=True)
        ]
        responses = batch_responses(self.w3, [*requests, *extra])
        extras = [batch_result(response, self.errors) for response in responses[len(views) :]]
        results = []
        for view, codec, response in zip(views, codecs, responses, strict=False):
            result = batch_result(response, self.errors, view.contract)
            values = self.w3.codec.decode(codec.outputs, bytes.fromhex(result[2:]))
            decoded = [normalize(t, v) for t, v in zip(codec.outputs, values, strict=True)]
            results.append(decoded[0] if len(decoded) == 1 else decoded)
        return results, extras

    def _codec(self, contract: str, function: str) -> _FunctionCodec | None:
        """Selector and ABI types of ``contract.function``; None unless ``function`` names
        exactly one function (an overloaded name, or a signature such as ``f(uint256)``).

        web3's contract functions look the ABI up and validate every argument in Python on each
        call, which cost more than the node takes to answer; this is worked out once.
        """
        self.contract(contract)
        key = (contract, function)
        if key not in self._codecs:
            items = [
                item
                for item in self.abis[contract]
                if item.get("type") == "function" and item.get("name") == function
            ]
            codec = None
            if len(items) == 1:
                inputs = tuple(canonical_type(p) for p in items[0]["inputs"])
                codec = _FunctionCodec(
                    function_signature_to_4byte_selector(f"{function}({','.join(inputs)})"),
                    inputs,
                    tuple(canonical_type(p) for p in items[0]["outputs"]),
                )
            self._codecs[key] = codec
        return self._codecs[key]

    def sender(self, signer: LocalAccount, nonces: NonceAllocator, settings: Settings) -> TxSender:
        """A TxSender for ``signer`` with the confirmations, timeout and fee cap of ``settings``."""
        gwei = settings.max_fee_per_gas_gwei
        cap = None if gwei is None else int(gwei * GWEI)
        # One fee cache for every signer: the fields do not depend on who sends.
        fees = self._fee_caches.setdefault(cap, FeeCache(self.w3, cap))
        return TxSender(
            self.w3,
            signer,
            nonces,
            events=self.events,
            errors=self.errors,
            confirmations=settings.confirmations,
            receipt_timeout=settings.receipt_timeout_seconds,
            fees=fees,
        )
