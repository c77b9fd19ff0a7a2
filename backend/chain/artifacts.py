"""Compiled contracts as the backend uses them: ABI, bytecode, and a stable hash of each ABI.

Imports only the standard library and eth_utils (see compiler.py for why).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from eth_utils import keccak

from backend.chain.compiler import BUILD_SUBDIR, META_FILE, PROJECT_ROOT, compile_contracts

# The platform's contracts in deployment order; each constructor takes only earlier ones.
PLATFORM_CONTRACTS = (
    "Forwarder",
    "Consortium",
    "SettlementToken",
    "InvoiceRegistry",
    "QualityRegistry",
    "CreditVoucher",
    "Financing",
    "Settlement",
)

DEFAULT_BUILD_DIR = PROJECT_ROOT / BUILD_SUBDIR


@dataclass(frozen=True)
class Artifact:
    """One compiled contract."""

    name: str
    abi: list[dict]
    bytecode: bytes
    deployed_bytecode: bytes
    storage_layout: dict

    @property
    def abi_hash(self) -> str:
        return abi_hash(self.abi)


def abi_hash(abi: list[dict]) -> str:
    """0x-hex keccak-256 of the ABI as canonical JSON (sorted keys, no whitespace).

    ABIs hold only strings, booleans, lists and objects, so sorted keys and fixed separators
    give one byte string per ABI; it tells a manifest's deployment from a changed build.
    """
    canonical = json.dumps(abi, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "0x" + keccak(canonical.encode("utf-8")).hex()


def _parse(path: Path) -> Artifact:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Artifact(
        name=raw["contractName"],
        abi=raw["abi"],
        bytecode=bytes.fromhex(raw["bytecode"].removeprefix("0x")),
        deployed_bytecode=bytes.fromhex(raw["deployedBytecode"].removeprefix("0x")),
        storage_layout=raw.get("storageLayout", {}),
    )


def ensure_build(build_dir: Path = DEFAULT_BUILD_DIR) -> Path:
    """The build directory, compiling first if the sources changed since the last build."""
    if build_dir.resolve() == DEFAULT_BUILD_DIR.resolve():
        compile_contracts()
    elif not (build_dir / META_FILE).is_file():
        raise FileNotFoundError(f"{build_dir} holds no TierCredit build ({META_FILE} missing)")
    return build_dir


@lru_cache(maxsize=8)
def _load_all(build_dir: Path, sources_hash: str) -> dict[str, Artifact]:
    del sources_hash  # part of the cache key only: a rebuild invalidates the cached artifacts
    meta = json.loads((build_dir / META_FILE).read_text(encoding="utf-8"))
    return {name: _parse(build_dir / f"{name}.json") for name in meta["contracts"]}


def load_artifacts(build_dir: Path = DEFAULT_BUILD_DIR) -> dict[str, Artifact]:
    """Every contract of the build, by name; compiles first when the default build is stale."""
    build_dir = ensure_build(build_dir).resolve()
    meta = json.loads((build_dir / META_FILE).read_text(encoding="utf-8"))
    return _load_all(build_dir, meta["sources_hash"])


def load_artifact(name: str, build_dir: Path = DEFAULT_BUILD_DIR) -> Artifact:
    artifacts = load_artifacts(build_dir)
    if name not in artifacts:
        raise KeyError(f"no contract named {name} in {build_dir}")
    return artifacts[name]


def compiler_version(build_dir: Path = DEFAULT_BUILD_DIR) -> str:
    meta = json.loads((ensure_build(build_dir) / META_FILE).read_text(encoding="utf-8"))
    return str(meta["compiler_version"])


def canonical_type(param: dict) -> str:
    """The eth_abi type string of an ABI parameter; structs become ``(t1,t2,...)`` tuples."""
    type_ = param["type"]
    if not type_.startswith("tuple"):
        return type_
    inner = ",".join(canonical_type(component) for component in param["components"])
    return f"({inner}){type_[len('tuple') :]}"
