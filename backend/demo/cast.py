"""The demo consortium and the file through which `up` hands its members to `demo`."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Role:
    """One company of the demo: its key in the story, its name, its on-chain roles, its KYC file."""

    key: str
    name: str
    roles: tuple[str, ...]
    kyc_reference: str
    part: str
    # Holds its own key: the platform never sees it; the member signs its requests itself.
    self_custody: bool = False


OPERATOR = Role("operator", "TierCredit Consortium", ("OPERATOR",), "KYC-OP-0001", "operator")
# Onboarded by the operator through the API, in this order.
MEMBERS: tuple[Role, ...] = (
    Role("core", "Apex Motors", ("CORE_ENTERPRISE",), "KYC-CE-0001", "core enterprise"),
    Role("tier1", "Helix Drivetrain", ("SUPPLIER",), "KYC-SU-0101", "tier-1 supplier"),
    Role("tier2", "Orion Castings", ("SUPPLIER",), "KYC-SU-0201", "tier-2 supplier"),
    Role("tier3", "Lotus Fasteners", ("SUPPLIER",), "KYC-SU-0301", "tier-3 supplier (SME)"),
    Role("bank_a", "Harbor Bank", ("FINANCIER",), "KYC-FI-0001", "bank"),
    Role("bank_b", "Summit Bank", ("FINANCIER",), "KYC-FI-0002", "bank"),
    Role(
        "inspector",
        "QualiCert Labs",
        ("INSPECTOR",),
        "KYC-IN-0001",
        "inspector (holds its own key)",
        self_custody=True,
    ),
    Role("auditor", "Regulatory Audit Office", ("AUDITOR",), "KYC-AU-0001", "auditor"),
)
CAST: tuple[Role, ...] = (OPERATOR, *MEMBERS)


@dataclass(frozen=True)
class SeededMember:
    """A demo member as the platform knows it, with the API key it was issued."""

    key: str
    member_id: int
    name: str
    address: str
    roles: list[str]
    part: str
    api_key: str
    # A self-custody member's key, which the demo holds in its stead (as its own signing system
    # would): the platform has none of it.
    private_key: str | None = None


@dataclass(frozen=True)
class DemoRun:
    """What `up` started, as `demo` and `status` need it. Holds API keys: written 0600."""

    api_url: str
    rpc_url: str
    chain_id: int
    manifest_path: str
    database_url: str
    contracts: dict[str, str]
    members: dict[str, SeededMember] = field(default_factory=dict)

    def member(self, key: str) -> SeededMember:
        return self.members[key]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoRun:
        raw = json.loads(text)
        members = {key: SeededMember(**value) for key, value in raw.pop("members").items()}
        return cls(**raw, members=members)


class DemoRunMissing(FileNotFoundError):
    """No running `up` has written its members file."""


def read_demo_run(path: Path) -> DemoRun:
    if not path.is_file():
        raise DemoRunMissing(
            f"no demo members file at {path}: start the platform with `tiercredit up` "
            "(or pass --members-file)"
        )
    return DemoRun.from_json(path.read_text(encoding="utf-8"))


def write_demo_run(path: Path, run: DemoRun) -> None:
    """Writes atomically with mode 0600: the file holds every demo member's API key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(run.to_json())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
