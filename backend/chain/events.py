"""Fast event decoding: one precomputed decoder per (topic0, topic count), straight through eth_abi.

web3's ``contract.events.X().process_log`` decodes near 2,600 logs/s on these machines; the
indexer needs far more, so the ABI work is done once here and a log costs one table lookup and
one eth_abi call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.decoding import ContextFramesBytesIO, TupleDecoder
from eth_abi.registry import registry
from eth_utils import event_signature_to_log_topic

from backend.chain.artifacts import canonical_type
from backend.chain.errors import checksummed, normalize

# Indexed parameters of these kinds are stored as the keccak of their value, not the value.
_HASHED_WHEN_INDEXED = ("string", "bytes", "(")


@dataclass(frozen=True)
class DecodedEvent:
    """One log, decoded: which contract emitted what, with which arguments, where."""

    contract: str
    name: str
    args: dict[str, Any]
    address: str
    block_number: int
    block_hash: bytes
    transaction_hash: bytes
    transaction_index: int
    log_index: int


class _EventSpec:
    __slots__ = ("contract", "data_decoder", "data_names", "data_types", "indexed", "name")

    def __init__(self, contract: str, item: dict) -> None:
        self.contract = contract
        self.name: str = item["name"]
        self.indexed: list[tuple[str, str, Any]] = []
        self.data_names: list[str] = []
        self.data_types: list[str] = []
        for position, param in enumerate(item["inputs"]):
            name = param["name"] or f"arg{position}"
            type_ = canonical_type(param)
            if param.get("indexed"):
                hashed = type_.startswith(_HASHED_WHEN_INDEXED) or type_.endswith("]")
                decoder = None if hashed else registry.get_decoder(type_)
                self.indexed.append((name, type_, decoder))
            else:
                self.data_names.append(name)
                self.data_types.append(type_)
        self.data_decoder = TupleDecoder(
            decoders=[registry.get_decoder(t) for t in self.data_types]
        )

    @property
    def topic_count(self) -> int:
        return 1 + len(self.indexed)

    def decode_args(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for (name, type_, decoder), topic in zip(self.indexed, topics[1:], strict=True):
            # The common indexed kinds are read straight from the 32-byte word.
            if type_ == "address":
                args[name] = checksummed("0x" + topic[12:].hex())
            elif type_ == "uint256":
                args[name] = int.from_bytes(topic, "big")
            elif decoder is None:
                # A hashed indexed value cannot be recovered; its 32-byte hash is the value.
                args[name] = topic
            else:
                args[name] = normalize(type_, decoder(ContextFramesBytesIO(topic)))
        if self.data_types:
            values = self.data_decoder(ContextFramesBytesIO(data))
            for name, type_, value in zip(self.data_names, self.data_types, values, strict=True):
                args[name] = normalize(type_, value)
        return args


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return bytes(value)
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def _as_int(value: Any) -> int:
    return value if isinstance(value, int) else int(value, 16)


class EventDecoder:
    """Decodes logs of the given contracts; knows addresses when given them (from the manifest).

    ERC-20 and ERC-721 both emit ``Transfer(address,address,uint256)`` with one topic0 and
    different indexing, so a decoder is chosen by (address, topic0) when the address is known
    and by (topic0, topic count) otherwise.
    """

    def __init__(
        self, abis: Mapping[str, Iterable[dict]], addresses: Mapping[str, str] | None = None
    ) -> None:
        self._by_contract: dict[tuple[str, bytes], _EventSpec] = {}
        self._by_shape: dict[tuple[bytes, int], _EventSpec] = {}
        for contract, abi in abis.items():
            for item in abi:
                if item.get("type") != "event" or item.get("anonymous"):
                    continue
                spec = _EventSpec(contract, item)
                types = ",".join(canonical_type(p) for p in item["inputs"])
                topic0 = event_signature_to_log_topic(f"{item['name']}({types})")
                self._by_contract[(contract, topic0)] = spec
                self._by_shape.setdefault((topic0, spec.topic_count), spec)
        # name by lowercase address: logs from JSON-RPC carry lowercase or checksummed hex.
        self._contract_at = {addr.lower(): name for name, addr in (addresses or {}).items()}

    @property
    def topics(self) -> list[bytes]:
        """Every topic0 this decoder knows, e.g. for an eth_getLogs filter."""
        return sorted({topic0 for topic0, _ in self._by_shape})

    def decode(self, log: Mapping[str, Any]) -> DecodedEvent | None:
        """The decoded log, or None for a log of an unknown contract or event."""
        topics = [_as_bytes(t) for t in log["topics"]]
        if not topics:
            return None
        address = log["address"]
        contract = self._contract_at.get(address.lower())
        if contract is not None:
            spec = self._by_contract.get((contract, topics[0]))
        elif self._contract_at:
            return None
        else:
            spec = self._by_shape.get((topics[0], len(topics)))
        if spec is None or spec.topic_count != len(topics):
            return None
        return DecodedEvent(
            contract=spec.contract,
            name=spec.name,
            args=spec.decode_args(topics, _as_bytes(log["data"])),
            address=checksummed(address),
            block_number=_as_int(log["blockNumber"]),
            block_hash=_as_bytes(log["blockHash"]),
            transaction_hash=_as_bytes(log["transactionHash"]),
            transaction_index=_as_int(log["transactionIndex"]),
            log_index=_as_int(log["logIndex"]),
        )

    def decode_all(self, logs: Iterable[Mapping[str, Any]]) -> list[DecodedEvent]:
        """The decodable logs among ``logs``, in order; logs of other contracts are skipped."""
        decoded = (self.decode(log) for log in logs)
        return [event for event in decoded if event is not None]
