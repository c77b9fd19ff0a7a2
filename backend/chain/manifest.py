"""The deployment manifest: which chain, which addresses, from which build.

Imports only the standard library (see compiler.py for why).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

MANIFEST_FORMAT = 1


class ManifestError(Exception):
    """A manifest is missing, malformed, or belongs to another chain."""


class ManifestChainMismatch(ManifestError):
    """Writing would replace the manifest of another chain."""

    def __init__(self, path: Path, existing_chain_id: int, new_chain_id: int) -> None:
        super().__init__(
            f"{path} describes chain {existing_chain_id}, not chain {new_chain_id}; "
            "pass force=True (--force) to replace it"
        )
        self.path = path
        self.existing_chain_id = existing_chain_id
        self.new_chain_id = new_chain_id


@dataclass(frozen=True)
class Manifest:
    """Where the platform is deployed, and from which build."""

    chain_id: int
    contracts: dict[str, str]
    deployment_block: int
    deployment_block_hash: str
    compiler_version: str
    abi_hashes: dict[str, str]
    deployer: str
    format: int = field(default=MANIFEST_FORMAT)

    def address(self, name: str) -> str:
        if name not in self.contracts:
            raise ManifestError(f"the manifest has no contract named {name}")
        return self.contracts[name]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            raw = json.loads(text)
            manifest = cls(
                chain_id=int(raw["chain_id"]),
                contracts=dict(raw["contracts"]),
                deployment_block=int(raw["deployment_block"]),
                deployment_block_hash=str(raw["deployment_block_hash"]),
                compiler_version=str(raw["compiler_version"]),
                abi_hashes=dict(raw["abi_hashes"]),
                deployer=str(raw["deployer"]),
                format=int(raw.get("format", MANIFEST_FORMAT)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ManifestError(f"malformed deployment manifest: {exc!r}") from exc
        if manifest.format != MANIFEST_FORMAT:
            raise ManifestError(f"manifest format {manifest.format}, expected {MANIFEST_FORMAT}")
        return manifest


def read_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise ManifestError(f"no deployment manifest at {path}; deploy first (scripts/deploy.py)")
    return Manifest.from_json(path.read_text(encoding="utf-8"))


def ensure_replaceable(path: Path, chain_id: int, *, force: bool = False) -> None:
    """Raises ManifestChainMismatch if ``path`` holds another chain's manifest and not ``force``.

    Deployers call it before deploying too, so a refused manifest costs no deployment.
    """
    if path.exists() and not force:
        existing = read_manifest(path)
        if existing.chain_id != chain_id:
            raise ManifestChainMismatch(path, existing.chain_id, chain_id)


def write_manifest(path: Path, manifest: Manifest, *, force: bool = False) -> None:
    """Writes atomically; refuses to replace another chain's manifest unless ``force``."""
    ensure_replaceable(path, manifest.chain_id, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a manifest.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(manifest.to_json())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
