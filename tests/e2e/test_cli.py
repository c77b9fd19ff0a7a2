"""`tiercredit up` and `tiercredit demo` end to end, as a newcomer runs them.

`up` runs as a subprocess on free ports with its own state directory; `demo` plays the story
against it through the API; the lineage tree it prints must hold the story's exact holders and
values. Then `up` gets SIGINT (what Ctrl-C sends) and every process it started must be gone,
while a node it did not start (a decoy on another port) must still run. Once on Anvil, once on
Ganache (hardfork shanghai).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chain.node import LocalNode, free_port, start_node

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIERCREDIT = [sys.executable, "-m", "backend.cli"]
UP_READY_TIMEOUT = 420.0
DEMO_TIMEOUT = 600.0
STOP_TIMEOUT = 60.0
# Exactly the story's figures (backend/demo/story.py): a 500,000 voucher from Apex Motors;
# 200,000 passed to tier 2, 80,000 of it to tier 3; Lotus discounts 50,000 for 90 days and
# Summit Bank's 4.50% beats Harbor Bank's 6.00%: 50,000 - 50,000 * 450 bp * 90 / 365.
EXPECTED_TREE = [
    "Credit #1: Apex Motors owes 500,000.00 · repaid 500,000.00",
    "#1 Helix Drivetrain, tier-1 supplier · value 300,000.00 · paid 300,000.00",
    "#2 Orion Castings, tier-2 supplier · value 120,000.00 · paid 120,000.00",
    "#3 Lotus Fasteners, tier-3 supplier (SME) · value 30,000.00 · paid 30,000.00",
    "#4 Summit Bank, bank · value 50,000.00 · paid 50,000.00 · bought from Lotus Fasteners "
    "for 49,445.21",
]
MEMBER_KEYS = (
    "operator",
    "core",
    "tier1",
    "tier2",
    "tier3",
    "bank_a",
    "bank_b",
    "inspector",
    "auditor",
)
EXPECTED_QUOTES = ["would pay 49,260.27 now", "would pay 49,445.21 now"]


def _environment() -> dict[str, str]:
    """The caller's environment without TIERCREDIT_* settings, plus a wide, plain console.

    Keys use a fast KDF here: the test exercises the flow, not scrypt's cost.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("TIERCREDIT_")}
    env.update(
        COLUMNS="200",
        NO_COLOR="1",
        PYTHONUNBUFFERED="1",
        TIERCREDIT_KEYSTORE_KDF="pbkdf2",
        TIERCREDIT_KEYSTORE_KDF_ITERATIONS="1000",
    )
    return env


def _process_state(pid: int) -> str | None:
    """The kernel's one-letter state of ``pid`` (None: no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    return _process_state(pid) not in (None, "Z", "X")


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` in the process tree."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found and _alive(child):
                found.add(child)
                pending.append(child)
    return found


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@pytest.fixture
def decoy() -> Iterator[LocalNode]:
    """A node `up` did not start: stopping `up` must leave it running."""
    node = start_node("anvil")
    yield node
    node.stop()


def _wait_until_up(up: subprocess.Popen[bytes], output: Path, members_file: Path) -> None:
    deadline = time.monotonic() + UP_READY_TIMEOUT
    while time.monotonic() < deadline:
        if up.poll() is not None:
            pytest.fail(f"`tiercredit up` exited with {up.returncode}:\n{output.read_text()}")
        if members_file.is_file() and "Running." in output.read_text():
            return
        time.sleep(0.5)
    pytest.fail(f"`tiercredit up` not ready within {UP_READY_TIMEOUT} s:\n{output.read_text()}")


def _play(kind: str, tmp_path: Path, decoy: LocalNode) -> None:
    env = _environment()
    state_dir = tmp_path / "state"
    output = tmp_path / "up.out"
    members_file = state_dir / "demo-members.json"
    api_port, node_port = free_port(), free_port()
    command = [*TIERCREDIT, "up", "--node", kind, "--state-dir", str(state_dir)]
    command += ["--node-port", str(node_port), "--api-port", str(api_port)]
    with open(output, "wb") as sink:
        up = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(up, output, members_file)
        started = _descendants(up.pid)
        commands = {pid: _command_line(pid) for pid in started}
        # The node, the API and the indexer, each the leader of its own process group.
        leaders = {pid for pid in started if os.getpgid(pid) == pid}
        assert len(leaders) == 3, commands
        assert any(("anvil" if kind == "anvil" else "ganache") in commands[p] for p in leaders)
        assert any("serve" in commands[p] for p in leaders), commands
        assert any(" index" in commands[p] for p in leaders), commands

        run = json.loads(members_file.read_text())
        assert run["api_url"] == f"http://127.0.0.1:{api_port}"
        assert run["rpc_url"] == f"http://127.0.0.1:{node_port}"
        assert set(run["members"]) == set(MEMBER_KEYS)
        assert members_file.stat().st_mode & 0o077 == 0, "the members file holds API keys"

        demo = subprocess.run(
            [*TIERCREDIT, "demo", "--members-file", str(members_file)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        story = demo.stdout
        for quote in EXPECTED_QUOTES:
            assert quote in story, story
        tree = story[story.index("Lineage of the credit") :]
        positions = [tree.find(line) for line in EXPECTED_TREE]
        assert all(p >= 0 for p in positions), tree
        assert positions == sorted(positions), tree
        assert "The story is complete" in tree

        up.send_signal(signal.SIGINT)
        assert up.wait(STOP_TIMEOUT) == 0, output.read_text()
        survivors = {pid: commands[pid] for pid in started if _alive(pid)}
        assert survivors == {}, survivors
        stopped_line = f"stopped indexer, API, {kind}"
        assert stopped_line in output.read_text()
        assert decoy.is_running(), "`up` stopped a node it did not start"
    finally:
        if up.poll() is None:
            up.send_signal(signal.SIGINT)
            up.wait(STOP_TIMEOUT)


@pytest.mark.timeout(1200)
def test_up_demo_and_ctrl_c_on_anvil(tmp_path: Path, decoy: LocalNode) -> None:
    _play("anvil", tmp_path, decoy)


@pytest.mark.timeout(1200)
def test_up_demo_and_ctrl_c_on_ganache(tmp_path: Path, decoy: LocalNode) -> None:
    _play("ganache", tmp_path, decoy)
