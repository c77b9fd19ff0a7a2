#!/usr/bin/env python3
"""Write the solc standard-JSON input for every contract under contracts/ to stdout.

Slither analyses this input rather than Brownie's build folder: crytic-compile's Brownie
platform rebuilds sources from per-contract artifacts, which Brownie names by contract, so the
ERC-3525 reference's OpenZeppelin 4 `Context` overwrites OpenZeppelin 5's and the analysis
fails. The sources and compiler settings (remappings, EVM version, optimizer) are the backend
compiler's, read from brownie-config.yaml, so Brownie, the backend and Slither compile the same
thing. Runs in .venv-contracts (py-solc-x comes with Brownie).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.compiler import project_sources  # noqa: E402
from backend.chain.compiler_settings import compiler_settings  # noqa: E402


def standard_json_input(project_root: Path) -> dict:
    return {
        "language": "Solidity",
        "sources": {
            path: {"content": content} for path, content in project_sources(project_root).items()
        },
        "settings": compiler_settings(project_root).solc_json_settings(),
    }


def main() -> int:
    json.dump(standard_json_input(PROJECT_ROOT), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
