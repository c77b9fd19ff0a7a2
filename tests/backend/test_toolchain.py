"""The solc toolchain: the solc-js adapter stands in for native solc; brownie-config.yaml's
compiler section is the one place the compiler settings live, and package.json's solc-js agrees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.chain.compiler_settings import (
    CONFIG_FILE,
    CompilerSettings,
    compiler_settings,
    load_config,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ADAPTER = PROJECT_ROOT / "tools" / "solc-adapter.js"
INSTALL_SOLC = PROJECT_ROOT / "tools" / "install_solc.py"
CONTRACTS_PYTHON = PROJECT_ROOT / ".venv-contracts" / "bin" / "python"

TOKEN_SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract Token is ERC20 {
    constructor() ERC20("Token", "TKN") {}
}
"""


@pytest.fixture(scope="module")
def settings() -> CompilerSettings:
    return compiler_settings()


@pytest.fixture(scope="module")
def pinned_version(settings: CompilerSettings) -> str:
    return settings.solc_version


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


def test_standard_json_compiles_openzeppelin_import(settings: CompilerSettings) -> None:
    request = {
        "language": "Solidity",
        "sources": {"contracts/Token.sol": {"content": TOKEN_SOURCE}},
        "settings": {
            **settings.solc_json_settings(),
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


def test_npm_installs_the_pinned_solc(pinned_version: str) -> None:
    # npm cannot read brownie-config.yaml: package.json and its lock must name the same solc-js.
    manifest = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text(encoding="utf-8"))

    assert manifest["dependencies"]["solc"] == pinned_version
    assert lock["packages"][""]["dependencies"]["solc"] == pinned_version
    assert lock["packages"]["node_modules/solc"]["version"] == pinned_version


def test_install_solc_refuses_when_package_json_disagrees(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "tools").mkdir(parents=True)
    (project / "backend" / "chain").mkdir(parents=True)
    for relative in (
        "tools/install_solc.py",
        "backend/__init__.py",
        "backend/chain/__init__.py",
        "backend/chain/compiler_settings.py",
        CONFIG_FILE,
    ):
        (project / relative).write_bytes((PROJECT_ROOT / relative).read_bytes())
    manifest = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    manifest["dependencies"]["solc"] = "0.8.1"
    (project / "package.json").write_text(json.dumps(manifest), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, str(project / "tools" / "install_solc.py")],
        env={**os.environ, "SOLCX_BINARY_PATH": str(tmp_path / "solcx")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "package.json depends on solc '0.8.1'" in result.stderr
    assert not (tmp_path / "solcx").exists()


def test_brownie_reads_the_same_compiler_section() -> None:
    # Brownie parses brownie-config.yaml itself, as YAML; what it compiles
    # with must be exactly the section the backend, Slither and Foundry read.
    script = (
        "import json, pathlib; from brownie._config import _load_project_compiler_config as c; "
        "print(json.dumps(c(pathlib.Path('.'))))"
    )
    result = subprocess.run(
        [str(CONTRACTS_PYTHON), "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    brownies = json.loads(result.stdout.splitlines()[-1])
    ours = load_config()["compiler"]

    assert brownies["evm_version"] == ours["evm_version"]
    assert {key: brownies["solc"][key] for key in ours["solc"]} == ours["solc"]


def forge_config(scale: str | None = None) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOUNDRY_")}
    env.pop("TIERCREDIT_FUZZ_SCALE", None)
    if scale is not None:
        env["TIERCREDIT_FUZZ_SCALE"] = scale
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tools" / "forge.py"), "config", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_forge_compiles_with_the_same_settings(settings: CompilerSettings) -> None:
    config = forge_config()

    assert (
        Path(config["solc"])
        == Path(os.environ.get("SOLCX_BINARY_PATH") or PROJECT_ROOT / ".solcx")
        / f"solc-v{settings.solc_version}"
    )
    assert config["offline"] is True
    assert (config["evm_version"], config["optimizer"], config["optimizer_runs"]) == (
        settings.evm_version,
        settings.optimizer_enabled,
        settings.optimizer_runs,
    )
    # forge writes every remapping with trailing slashes.
    assert config["remappings"] == [
        "{}/={}/".format(*remapping.split("=")) for remapping in settings.remappings
    ]


def test_forge_invariant_calls_scale_with_tiercredit_fuzz_scale() -> None:
    default, deep = forge_config(), forge_config("10")

    calls = default["invariant"]["runs"] * default["invariant"]["depth"]
    assert calls >= 100_000
    assert deep["invariant"]["runs"] * deep["invariant"]["depth"] == 10 * calls
    assert deep["fuzz"]["runs"] == 10 * default["fuzz"]["runs"]


def test_a_failing_forge_test_fails_the_run(tmp_path: Path) -> None:
    """forge's own exit status comes back through tools/forge.py (npm's wrapper script in
    node_modules/.bin exits 0 whatever forge exited with: a broken invariant passed `make test`)."""
    (tmp_path / "test").mkdir()
    (tmp_path / "foundry.toml").write_text(
        '[profile.default]\nsrc = "test"\ntest = "test"\nout = "out"\noffline = true\n'
        "auto_detect_solc = false\n",
        encoding="utf-8",
    )
    (tmp_path / "test" / "Fails.t.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"
        "contract FailsTest {\n"
        "    function test_passes() public pure {}\n"
        '    function test_fails() public pure { revert("made to fail"); }\n'
        "}\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("FOUNDRY_")}
    forge = [sys.executable, str(PROJECT_ROOT / "tools" / "forge.py"), "test", "--root"]

    failing = subprocess.run(
        [*forge, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300
    )
    passing = subprocess.run(
        [*forge, str(tmp_path), "--match-test", "test_passes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert "[FAIL: made to fail] test_fails()" in failing.stdout, failing.stdout + failing.stderr
    assert failing.returncode == 1
    assert "[PASS] test_passes()" in passing.stdout, passing.stdout + passing.stderr
    assert passing.returncode == 0
