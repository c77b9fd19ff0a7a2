#!/usr/bin/env python3
"""Runs forge (npm @foundry-rs/forge) with the project's compiler settings and fuzz scale.

`.venv/bin/python tools/forge.py test` (what `make test-forge` runs) is `forge test` with

- the compiler settings of brownie-config.yaml, where they live (read by
  backend/chain/compiler_settings.py): the solc at .solcx/solc-v<version> (the solc-js adapter,
  or a native solc of that version), the EVM version, optimizer and remappings, given to forge
  as FOUNDRY_* variables, which take precedence over foundry.toml (which holds none of them);
- foundry.toml's fuzz and invariant runs multiplied by TIERCREDIT_FUZZ_SCALE (a positive
  integer, default 1; 10 makes each invariant campaign ten times as many calls).
"""

from __future__ import annotations

import os
import platform
import sys
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.compiler import CompilerError, solc_binary  # noqa: E402
from backend.chain.compiler_settings import compiler_settings  # noqa: E402

# The binary npm installs for this machine with @foundry-rs/forge (one of its optional
# dependencies, named as its const.mjs names them). Not node_modules/.bin/forge: that wrapper
# (bin.mjs) spawns the binary and exits 0 whatever the binary exited with, so a failing test
# would pass `make test`.
_ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
FORGE = (
    PROJECT_ROOT
    / "node_modules"
    / "@foundry-rs"
    / f"forge-{sys.platform}-{_ARCHES.get(platform.machine().lower(), platform.machine())}"
    / "bin"
    / "forge"
)
SCALE_VARIABLE = "TIERCREDIT_FUZZ_SCALE"


def fuzz_scale(environ: dict[str, str]) -> int:
    raw = environ.get(SCALE_VARIABLE, "1")
    try:
        scale = int(raw)
    except ValueError:
        scale = 0
    if scale < 1:
        raise SystemExit(f"forge.py: {SCALE_VARIABLE} must be a positive integer, not {raw!r}")
    return scale


def forge_environment(environ: dict[str, str], project_root: Path = PROJECT_ROOT) -> dict[str, str]:
    settings = compiler_settings(project_root)
    try:
        solc = solc_binary(settings.solc_version)
    except CompilerError as exc:
        raise SystemExit(f"forge.py: {exc}") from None
    profile = tomllib.loads((project_root / "foundry.toml").read_text(encoding="utf-8"))["profile"][
        "default"
    ]
    scale = fuzz_scale(environ)
    return {
        **environ,
        "FOUNDRY_SOLC": str(solc),
        "FOUNDRY_EVM_VERSION": settings.evm_version,
        "FOUNDRY_OPTIMIZER": str(settings.optimizer_enabled).lower(),
        "FOUNDRY_OPTIMIZER_RUNS": str(settings.optimizer_runs),
        "FOUNDRY_REMAPPINGS": "\n".join(settings.remappings),
        "FOUNDRY_FUZZ_RUNS": str(profile["fuzz"]["runs"] * scale),
        "FOUNDRY_INVARIANT_RUNS": str(profile["invariant"]["runs"] * scale),
    }


def main(argv: list[str]) -> int:
    if not FORGE.exists():
        raise SystemExit(f"forge.py: {FORGE} is missing; run `make setup`")
    os.chdir(PROJECT_ROOT)
    os.execve(FORGE, [str(FORGE), *argv], forge_environment(dict(os.environ)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
