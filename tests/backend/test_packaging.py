"""Packaging: the locks under requirements/ hold every dependency pyproject.toml declares, at an
exact version its specifier allows; `make setup` installs from them; license and build pins."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
DEV_LOCK = PROJECT_ROOT / "requirements" / "dev.lock"
CONTRACTS_LOCK = PROJECT_ROOT / "requirements" / "contracts.lock"
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;]+)")


def pins(lock: Path) -> dict[str, str]:
    """Name (canonical) -> exact version of every requirement line of `lock`; any line that is
    not a comment and not an exact pin fails."""
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line)
        assert match is not None, f"{lock.name}: not an exact pin: {line!r}"
        found[canonicalize_name(match["name"])] = match["version"]
    return found


def declared(*groups: str) -> list[Requirement]:
    project = PYPROJECT["project"]
    requirements: list[str] = []
    for group in groups:
        requirements += (
            project["dependencies"] if group == "" else project["optional-dependencies"][group]
        )
    return [Requirement(r) for r in requirements]


@pytest.mark.parametrize(
    ("lock", "groups"), [(DEV_LOCK, ("", "dev")), (CONTRACTS_LOCK, ("contracts",))]
)
def test_every_declared_dependency_is_pinned_in_the_lock_within_its_specifier(
    lock: Path, groups: tuple[str, ...]
) -> None:
    locked = pins(lock)
    for requirement in declared(*groups):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in {lock.name}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock.name} pins {name}=={locked[name]}, outside {requirement}: run `make lock`"
        )


def test_the_project_itself_is_not_in_the_locks() -> None:
    assert "tiercredit" not in pins(DEV_LOCK)
    assert "tiercredit" not in pins(CONTRACTS_LOCK)


@pytest.mark.parametrize(
    ("lock", "stamp", "install"),
    [
        (
            DEV_LOCK,
            ".venv/.installed",
            ".venv/bin/uv pip sync --quiet --python .venv/bin/python requirements/dev.lock",
        ),
        (
            CONTRACTS_LOCK,
            ".venv-contracts/.installed",
            ".venv/bin/uv pip sync --quiet --python .venv-contracts/bin/python "
            "requirements/contracts.lock",
        ),
    ],
)
def test_make_setup_installs_each_environment_from_its_lock(
    lock: Path, stamp: str, install: str
) -> None:
    # What make would run were the lock newer than the environment's stamp (-W, dry run).
    planned = subprocess.run(
        ["make", "-n", "-W", str(lock.relative_to(PROJECT_ROOT)), stamp],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert install in planned
    assert f"touch {stamp}" in planned


def test_license_is_an_spdx_expression_with_its_file_and_the_build_tools_are_pinned() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert (PROJECT_ROOT / "LICENSE").read_text().startswith("MIT License")
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]
    ruff = next(r for r in declared("dev") if r.name == "ruff")
    assert str(ruff.specifier).startswith("==")
