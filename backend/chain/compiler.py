"""Compiles contracts/ with py-solc-x into build/tiercredit/, again only when a source changed.

The compiler settings are brownie-config.yaml's (backend/chain/compiler_settings.py), so Brownie
and the backend compile the same code. Imports only the standard library and solcx:
`brownie run scripts/deploy.py` loads this module in the Brownie environment, which does not have
the backend's dependencies.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import solcx

from backend.chain.compiler_settings import (
    PROJECT_ROOT,
    CompilerSettings,
    CompilerSettingsError,
    compiler_settings,
)

BUILD_SUBDIR = Path("build") / "tiercredit"
META_FILE = "meta.json"
OUTPUT_SELECTION = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "storageLayout"]


class CompilerError(Exception):
    """solc is missing or rejected the sources."""


@dataclass(frozen=True)
class BuildResult:
    """Where the artifacts are and whether this call ran solc."""

    build_dir: Path
    compiler_version: str
    sources_hash: str
    compiled: bool


def pinned_solc_version(project_root: Path = PROJECT_ROOT) -> str:
    """The solc version pinned in brownie-config.yaml, the one place it is pinned."""
    return compiler_settings(project_root).solc_version


def solc_binary(version: str) -> Path:
    """The solc py-solc-x would use: ``solc-v<version>`` in SOLCX_BINARY_PATH (default .solcx)."""
    directory = Path(os.environ.get("SOLCX_BINARY_PATH") or PROJECT_ROOT / ".solcx")
    binary = directory / f"solc-v{version}"
    if not binary.exists():
        raise CompilerError(
            f"{binary} is missing; run `python3 tools/install_solc.py` (or `make setup`)"
        )
    return binary


def project_sources(project_root: Path) -> dict[str, str]:
    """Every Solidity file under contracts/, keyed by its project-relative POSIX path."""
    contracts_dir = project_root / "contracts"
    sources = {
        path.relative_to(project_root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(contracts_dir.rglob("*.sol"))
    }
    if not sources:
        raise CompilerError(f"no Solidity sources under {contracts_dir}")
    return sources


def standard_input(sources: dict[str, str], settings: CompilerSettings) -> dict:
    return {
        "language": "Solidity",
        "sources": {path: {"content": content} for path, content in sources.items()},
        "settings": {
            **settings.solc_json_settings(),
            "outputSelection": {"*": {"*": OUTPUT_SELECTION}},
        },
    }


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sources_hash(
    settings: CompilerSettings, project_files: list[str], used: dict[str, str]
) -> str:
    """One digest of compiler, settings, the project's file list and every file solc read."""
    payload = {
        "version": settings.solc_version,
        "settings": standard_input({}, settings)["settings"],
        "project_files": project_files,
        "used": used,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _current_digests(project_root: Path, paths: list[str]) -> dict[str, str] | None:
    digests = {}
    for path in paths:
        file = project_root / path
        if not file.is_file():
            return None
        digests[path] = _file_digest(file)
    return digests


def _cached(project_root: Path, build_dir: Path, settings: CompilerSettings) -> BuildResult | None:
    version = settings.solc_version
    meta_file = build_dir / META_FILE
    if not meta_file.is_file():
        return None
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    project_files = sorted(project_sources(project_root))
    if meta.get("compiler_version") != version or meta.get("project_files") != project_files:
        return None
    # Imported files (OpenZeppelin) count too: an npm upgrade must trigger a rebuild.
    used = _current_digests(project_root, sorted(meta.get("used", {})))
    if used is None or _sources_hash(settings, project_files, used) != meta.get("sources_hash"):
        return None
    missing = [name for name in meta["contracts"] if not (build_dir / f"{name}.json").is_file()]
    if missing:
        return None
    return BuildResult(build_dir, version, meta["sources_hash"], compiled=False)


def _solc_failures(exc: solcx.exceptions.SolcError) -> str:
    """solc's own error messages, without py-solc-x's dump of the whole JSON answer."""
    try:
        answer = json.loads(exc.stdout_data)
    except (TypeError, ValueError):
        return str(exc)
    failures = [e["formattedMessage"] for e in answer.get("errors", []) if e["severity"] == "error"]
    return "\n".join(failures) or str(exc)


def compile_contracts(
    project_root: Path = PROJECT_ROOT, build_dir: Path | None = None, *, force: bool = False
) -> BuildResult:
    """Compiles contracts/ unless build_dir already holds the build of exactly these sources.

    Writes one ``<Contract>.json`` (abi, bytecode, deployedBytecode, storageLayout, sourcePath)
    per contract declared under contracts/, and ``meta.json`` (compiler version, sources hash).
    """
    project_root = project_root.resolve()
    build_dir = (build_dir or project_root / BUILD_SUBDIR).resolve()
    try:
        settings = compiler_settings(project_root)
    except CompilerSettingsError as exc:
        raise CompilerError(str(exc)) from None
    version = settings.solc_version
    if not force:
        cached = _cached(project_root, build_dir, settings)
        if cached is not None:
            return cached

    binary = solc_binary(version)
    sources = project_sources(project_root)
    try:
        output = solcx.compile_standard(
            standard_input(sources, settings),
            solc_binary=binary,
            base_path=str(project_root),
            allow_paths=[str(project_root)],
        )
    except solcx.exceptions.SolcError as exc:
        raise CompilerError(_solc_failures(exc)) from None

    used = _current_digests(project_root, sorted(output["sources"]))
    if used is None:
        raise CompilerError("solc read a source that is not a file under the project root")
    project_files = sorted(sources)
    sources_hash = _sources_hash(settings, project_files, used)

    build_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for source_path in project_files:
        for name, contract in output["contracts"].get(source_path, {}).items():
            artifact = {
                "contractName": name,
                "sourcePath": source_path,
                "abi": contract["abi"],
                "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
                "storageLayout": contract.get("storageLayout", {}),
            }
            if name in written:
                raise CompilerError(
                    f"two contracts are named {name}; artifact names must be unique"
                )
            (build_dir / f"{name}.json").write_text(
                json.dumps(artifact, indent=1), encoding="utf-8"
            )
            written.append(name)
    meta = {
        "compiler_version": version,
        "evm_version": settings.evm_version,
        "optimizer": settings.optimizer,
        "sources_hash": sources_hash,
        "project_files": project_files,
        "used": used,
        "contracts": sorted(written),
    }
    # meta.json last: a build interrupted before it is never mistaken for a complete one.
    (build_dir / META_FILE).write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    return BuildResult(build_dir, version, sources_hash, compiled=True)
