"""The compiler settings — solc version, EVM version, optimizer, remappings — from the one place
they live: the ``compiler`` section of brownie-config.yaml.

Brownie compiles with that section as it stands; everything else reads it here: the backend's
compiler (backend/chain/compiler.py), Slither's input (tools/solc_input.py), Foundry
(tools/forge.py), the solc installer (tools/install_solc.py) and the Makefile
(``python3 backend/chain/compiler_settings.py solc_version``). Standard library only: the
installer runs before any environment exists, and `brownie run` loads the backend's compiler.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = "brownie-config.yaml"
# The file is JSON (so YAML too, which Brownie reads) with whole-line `#` comments: dropping those
# lines leaves the JSON.
_COMMENT = re.compile(r"^[ \t]*#.*$", re.MULTILINE)
_EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+")


class CompilerSettingsError(ValueError):
    """brownie-config.yaml is missing, unreadable, or its compiler section is incomplete."""


@dataclass(frozen=True)
class CompilerSettings:
    solc_version: str
    evm_version: str
    optimizer_enabled: bool
    optimizer_runs: int
    remappings: tuple[str, ...]

    @property
    def optimizer(self) -> dict:
        return {"enabled": self.optimizer_enabled, "runs": self.optimizer_runs}

    def solc_json_settings(self) -> dict:
        """The ``settings`` of a solc standard-JSON input, without an output selection."""
        return {
            "evmVersion": self.evm_version,
            "optimizer": self.optimizer,
            "remappings": list(self.remappings),
        }


def load_config(project_root: Path = PROJECT_ROOT) -> dict:
    """brownie-config.yaml as Brownie reads it (its YAML is JSON with comment lines)."""
    path = project_root / CONFIG_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CompilerSettingsError(f"cannot read {path}: {exc}") from None
    try:
        return json.loads(_COMMENT.sub("", raw))
    except ValueError as exc:
        raise CompilerSettingsError(
            f"{path} is not JSON once its # comment lines are dropped (write it as JSON, with "
            f"comments on lines of their own): {exc}"
        ) from None


def compiler_settings(project_root: Path = PROJECT_ROOT) -> CompilerSettings:
    config = load_config(project_root)
    try:
        compiler = config["compiler"]
        solc = compiler["solc"]
        settings = CompilerSettings(
            solc_version=solc["version"],
            evm_version=compiler["evm_version"],
            optimizer_enabled=solc["optimizer"]["enabled"],
            optimizer_runs=solc["optimizer"]["runs"],
            remappings=tuple(solc.get("remappings", ())),
        )
    except (KeyError, TypeError) as exc:
        raise CompilerSettingsError(
            f"{project_root / CONFIG_FILE}: compiler section lacks {exc}"
        ) from None
    if not isinstance(settings.solc_version, str) or not _EXACT_VERSION.fullmatch(
        settings.solc_version
    ):
        raise CompilerSettingsError(
            f"compiler.solc.version is {settings.solc_version!r}, not an exact x.y.z"
        )
    if not isinstance(settings.optimizer_enabled, bool) or not isinstance(
        settings.optimizer_runs, int
    ):
        raise CompilerSettingsError("compiler.solc.optimizer needs enabled (bool) and runs (int)")
    return settings


def main(argv: list[str]) -> int:
    """Prints one field of the settings, e.g. ``solc_version`` (the Makefile's pin)."""
    fields = list(CompilerSettings.__dataclass_fields__)
    if len(argv) != 1 or argv[0] not in fields:
        print(f"usage: compiler_settings.py {{{'|'.join(fields)}}}", file=sys.stderr)
        return 2
    value = getattr(compiler_settings(), argv[0])
    print(" ".join(value) if isinstance(value, tuple) else value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
