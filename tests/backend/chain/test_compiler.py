"""The compiler builds once and rebuilds exactly when a source it read changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from backend.chain.compiler import (
    META_FILE,
    PROJECT_ROOT,
    CompilerError,
    compile_contracts,
    pinned_solc_version,
)
from backend.chain.compiler_settings import CONFIG_FILE, compiler_settings

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract Token is ERC20 {
    constructor() ERC20("Token", "TKN") {}
}
"""

# No imports: compiles in a fraction of the time, for the tests that compile several times.
MINIMAL = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

contract Token {
    uint256 public supply = 1;
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A one-contract project sharing the real node_modules (OpenZeppelin) and compiler settings."""
    shutil.copy(PROJECT_ROOT / CONFIG_FILE, tmp_path / CONFIG_FILE)
    (tmp_path / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Token.sol").write_text(TOKEN)
    return tmp_path


def test_builds_once_then_serves_the_cache(project: Path) -> None:
    first = compile_contracts(project)
    artifact = json.loads((first.build_dir / "Token.json").read_text())
    meta = json.loads((first.build_dir / META_FILE).read_text())

    second = compile_contracts(project)

    assert (first.compiled, second.compiled) == (True, False)
    assert second.sources_hash == first.sources_hash
    assert first.build_dir == project / "build" / "tiercredit"
    assert {entry["name"] for entry in artifact["abi"] if entry.get("name")} >= {
        "transfer",
        "balanceOf",
    }
    assert artifact["bytecode"].startswith("0x60") and len(artifact["deployedBytecode"]) > 2
    assert meta["compiler_version"] == pinned_solc_version() and meta["contracts"] == ["Token"]
    assert "node_modules/@openzeppelin/contracts/token/ERC20/ERC20.sol" in meta["used"]


def test_rebuilds_when_a_source_changes(project: Path) -> None:
    (project / "contracts" / "Token.sol").write_text(MINIMAL)
    first = compile_contracts(project)
    (project / "contracts" / "Token.sol").write_text(MINIMAL.replace("= 1", "= 2"))

    again = compile_contracts(project)

    assert again.compiled and again.sources_hash != first.sources_hash


def test_rebuilds_when_a_contract_is_added_or_an_artifact_lost(project: Path) -> None:
    (project / "contracts" / "Token.sol").write_text(MINIMAL)
    first = compile_contracts(project)
    (first.build_dir / "Token.json").unlink()

    assert compile_contracts(project).compiled
    (project / "contracts" / "Other.sol").write_text(
        MINIMAL.replace("contract Token", "contract Other")
    )

    rebuilt = compile_contracts(project)
    assert rebuilt.compiled
    assert json.loads((rebuilt.build_dir / META_FILE).read_text())["contracts"] == [
        "Other",
        "Token",
    ]


def test_compile_errors_are_solcs_own_messages(project: Path) -> None:
    (project / "contracts" / "Token.sol").write_text(MINIMAL.replace("= 1;", "= undefined();"))

    with pytest.raises(CompilerError, match="Undeclared identifier") as caught:
        compile_contracts(project)

    assert "stdout" not in str(caught.value)


def test_rebuilds_when_a_compiler_setting_changes(project: Path) -> None:
    (project / "contracts" / "Token.sol").write_text(MINIMAL)
    first = compile_contracts(project)
    config = project / CONFIG_FILE
    config.write_text(config.read_text().replace('"runs": 200', '"runs": 999'))

    again = compile_contracts(project)

    assert again.compiled and again.sources_hash != first.sources_hash
    meta = json.loads((again.build_dir / META_FILE).read_text())
    assert meta["optimizer"] == {"enabled": True, "runs": 999}


def test_project_build_is_cached_and_built_with_brownie_configs_settings() -> None:
    # On a fresh clone this may be the first build of the project; the second call is the cache.
    first = compile_contracts()

    again = compile_contracts()

    assert not again.compiled and again.sources_hash == first.sources_hash
    settings = compiler_settings()
    meta = json.loads((first.build_dir / META_FILE).read_text())
    assert (meta["compiler_version"], meta["evm_version"], meta["optimizer"]) == (
        settings.solc_version,
        settings.evm_version,
        settings.optimizer,
    )
