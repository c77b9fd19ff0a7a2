#!/usr/bin/env python3
"""Put the pinned solc where py-solc-x and Brownie look for it.

py-solc-x finds compilers as files named ``solc-v<version>`` in ``SOLCX_BINARY_PATH``. A native
``solc`` of exactly the pinned version is linked there when one is on PATH; otherwise a wrapper
that runs ``tools/solc-adapter.js`` (solc-js, the npm compiler) is written in its place. The
version is brownie-config.yaml's compiler.solc.version, the one place it is pinned; package.json
must depend on exactly that solc (npm cannot read it from there), or nothing is installed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from backend.chain.compiler_settings import CONFIG_FILE, compiler_settings  # noqa: E402

ADAPTER = PROJECT_ROOT / "tools" / "solc-adapter.js"
NATIVE_VERSION = re.compile(r"^Version: (\d+\.\d+\.\d+)\+", re.MULTILINE)


def npm_solc_version(project_root: Path = PROJECT_ROOT) -> str:
    """The solc (solc-js) package.json depends on."""
    manifest = json.loads((project_root / "package.json").read_text(encoding="utf-8"))
    return str(manifest["dependencies"]["solc"])


def pinned_version() -> str:
    version = compiler_settings(PROJECT_ROOT).solc_version
    npm_version = npm_solc_version()
    if npm_version != version:
        raise SystemExit(
            f"install_solc: {CONFIG_FILE} pins solc {version} but package.json depends on solc "
            f"{npm_version!r}; make them the same version (then `npm install`)"
        )
    return version


def native_solc(version: str) -> Path | None:
    """The native solc on PATH if it reports exactly ``version``, else None."""
    found = shutil.which("solc")
    if found is None:
        return None
    try:
        answer = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = NATIVE_VERSION.search(answer)
    if match is None or match.group(1) != version:
        return None
    return Path(found).resolve()


def adapter_wrapper() -> str:
    if shutil.which("node") is None:
        raise SystemExit("install_solc: neither a native solc nor node is on PATH")
    return (
        "#!/bin/sh\n"
        "# Written by tools/install_solc.py: a native-solc front end over solc-js.\n"
        f'exec node {shlex.quote(str(ADAPTER))} "$@"\n'
    )


def install(target_dir: Path, version: str) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"solc-v{version}"
    native = native_solc(version)
    if native is not None:
        if target.is_symlink() and target.resolve() == native:
            return target
        target.unlink(missing_ok=True)
        target.symlink_to(native)
        return target
    installed = PROJECT_ROOT / "node_modules" / "solc" / "package.json"
    if not installed.is_file():
        raise SystemExit("install_solc: node_modules/solc is missing; run `npm ci` first")
    npm_version = json.loads(installed.read_text(encoding="utf-8"))["version"]
    if npm_version != version:
        raise SystemExit(
            f"install_solc: node_modules holds solc-js {npm_version}, not {version}; run `npm ci`"
        )
    wrapper = adapter_wrapper()
    if target.is_file() and not target.is_symlink() and target.read_text() == wrapper:
        return target
    target.unlink(missing_ok=True)
    target.write_text(wrapper, encoding="utf-8")
    target.chmod(0o755)
    return target


def main() -> int:
    target_dir = Path(os.environ.get("SOLCX_BINARY_PATH") or PROJECT_ROOT / ".solcx")
    version = pinned_version()
    target = install(target_dir.resolve(), version)
    kind = f"-> {os.readlink(target)}" if target.is_symlink() else "(solc-js adapter)"
    print(f"solc {version}: {target} {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
