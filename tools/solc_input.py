#!/usr/bin/env python3
"""Write the solc standard-JSON input for every contract under contracts/ to stdout.

Slither analyses this input rather than Brownie's build folder: crytic-compile's Brownie
platform rebuilds sources from per-contract artifacts, which Brownie names by contract, so the
ERC-3525 reference's OpenZeppelin 4 `Context` overwrites OpenZeppelin 5's and the analysis
fails. Compiler settings (remappings, EVM version, optimizer) are read from brownie-config.yaml,
so Brownie and Slither compile the same thing. Runs in .venv-contracts (PyYAML comes with Brownie).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def standard_json_input(project_root: Path) -> dict:
    config = yaml.safe_load((project_root / "brownie-config.yaml").read_text(encoding="utf-8"))
    compiler = config["compiler"]
    solc = compiler["solc"]
    contracts_dir = project_root / config.get("project_structure", {}).get("contracts", "contracts")
    sources = {
        path.relative_to(project_root).as_posix(): {"content": path.read_text(encoding="utf-8")}
        for path in sorted(contracts_dir.rglob("*.sol"))
    }
    if not sources:
        raise SystemExit(f"solc_input: no Solidity sources under {contracts_dir}")
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": compiler["evm_version"],
            "optimizer": solc["optimizer"],
            "remappings": solc["remappings"],
        },
    }


def main() -> int:
    json.dump(standard_json_input(PROJECT_ROOT), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
