"""The solc toolchain: the solc-js adapter stands in for native solc, pinned in package.json."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ADAPTER = PROJECT_ROOT / "tools" / "solc-adapter.js"
INSTALL_SOLC = PROJECT_ROOT / "tools" / "install_solc.py"

TOKEN_SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract Token is ERC20 {
    constructor() ERC20("Token", "TKN") {}
}
"""


@pytest.fixture(scope="module")
def pinned_version() -> str:
    manifest = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    return manifest["dependencies"]["solc"]


def run_adapter(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(ADAPTER), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        check=False,
    )


def test_version_answers_in_native_format(pinned_version: str) -> None:
    result = run_adapter("--version")

    assert result.returncode == 0, result.stderr
    banner, version_line = result.stdout.splitlines()
    assert banner == "solc, the solidity compiler commandline interface"
    assert version_line.startswith(f"Version: {pinned_version}+commit.")


def test_standard_json_compiles_openzeppelin_import() -> None:
    request = {
        "language": "Solidity",
        "sources": {"contracts/Token.sol": {"content": TOKEN_SOURCE}},
        "settings": {
            "evmVersion": "shanghai",
            "optimizer": {"enabled": True, "runs": 200},
            "remappings": ["@openzeppelin=node_modules/@openzeppelin"],
            "outputSelection": {"*": {"*": ["abi", "evm.deployedBytecode.object"]}},
        },
    }

    result = run_adapter(
        "--standard-json", "--allow-paths", str(PROJECT_ROOT), stdin=json.dumps(request)
    )

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    assert errors == []
    token = output["contracts"]["contracts/Token.sol"]["Token"]
    assert {entry.get("name") for entry in token["abi"]} >= {"transfer", "balanceOf"}
    assert len(token["evm"]["deployedBytecode"]["object"]) > 0
    assert "node_modules/@openzeppelin/contracts/token/ERC20/ERC20.sol" in output["sources"]


def test_unsupported_flag_is_refused_by_name() -> None:
    result = run_adapter("--bin", "contracts/Token.sol")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("solc-adapter: unsupported option '--bin'")


def test_install_solc_puts_pinned_compiler_where_solcx_looks(
    tmp_path: Path, pinned_version: str
) -> None:
    env = {**os.environ, "SOLCX_BINARY_PATH": str(tmp_path)}
    for _ in range(2):  # the second run must leave the first one's result in place
        subprocess.run(
            [sys.executable, str(INSTALL_SOLC)],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    installed = tmp_path / f"solc-v{pinned_version}"
    assert sorted(tmp_path.iterdir()) == [installed]
    result = subprocess.run(
        [str(installed), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert f"Version: {pinned_version}+" in result.stdout


def test_brownie_pins_the_same_solc(pinned_version: str) -> None:
    config = (PROJECT_ROOT / "brownie-config.yaml").read_text(encoding="utf-8")
    pins = re.findall(r"^\s+version:\s*(\S+)\s*$", config, flags=re.MULTILINE)

    assert pins == [pinned_version]
