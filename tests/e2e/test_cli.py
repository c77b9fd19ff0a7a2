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
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.chain.node import LocalNode, free_port, rpc_request, start_node

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


class Up:
    """`tiercredit up` running as a subprocess, its output in a file."""

    def __init__(self, tmp_path: Path, *options: str) -> None:
        self.env = _environment()
        self.state_dir = tmp_path / "state"
        self.members_file = self.state_dir / "demo-members.json"
        self.output = tmp_path / "up.out"
        self.api_port = free_port()
        command = [*TIERCREDIT, "up", "--state-dir", str(self.state_dir)]
        command += ["--api-port", str(self.api_port), *options]
        with open(self.output, "wb") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.output.read_text()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + UP_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"`up` exited with {self.process.returncode}:\n{self.text()}")
            if self.members_file.is_file() and "Running." in self.text():
                return
            time.sleep(0.5)
        pytest.fail(f"`up` not ready within {UP_READY_TIMEOUT} s:\n{self.text()}")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another `tiercredit` command, in the same environment."""
        return subprocess.run(
            [*TIERCREDIT, *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
        )

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to `up` alone, as a terminal sends it to the foreground process."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(STOP_TIMEOUT)

    def ensure_stopped(self) -> None:
        if self.process.poll() is None:
            self.interrupt()


def _started_by(up: Up) -> dict[int, str]:
    """The process-group leaders below `up` (what it started), with their command lines."""
    return {
        pid: _command_line(pid) for pid in _descendants(up.process.pid) if os.getpgid(pid) == pid
    }


def _play(kind: str, tmp_path: Path, decoy: LocalNode) -> None:
    node_port = free_port()
    up = Up(tmp_path, "--node", kind, "--node-port", str(node_port))
    try:
        up.wait_until_ready()
        started = _descendants(up.process.pid)
        commands = {pid: _command_line(pid) for pid in started}
        leaders = _started_by(up)
        # The node, the API and the indexer, each the leader of its own process group.
        assert len(leaders) == 3, commands
        assert any(kind in command for command in leaders.values()), leaders
        assert any(" serve " in command for command in leaders.values()), leaders
        assert any(command.rstrip().endswith(" index") for command in leaders.values()), leaders

        run = json.loads(up.members_file.read_text())
        assert run["api_url"] == f"http://127.0.0.1:{up.api_port}"
        assert run["rpc_url"] == f"http://127.0.0.1:{node_port}"
        assert set(run["members"]) == set(MEMBER_KEYS)
        assert up.members_file.stat().st_mode & 0o077 == 0, "the members file holds API keys"

        demo = up.run("demo", "--members-file", str(up.members_file))
        assert demo.returncode == 0, demo.stdout + demo.stderr
        story = demo.stdout
        for quote in EXPECTED_QUOTES:
            assert quote in story, story
        tree = story[story.index("Lineage of the credit") :]
        positions = [tree.find(line) for line in EXPECTED_TREE]
        assert all(p >= 0 for p in positions), tree
        assert positions == sorted(positions), tree
        assert "The story is complete" in tree
        # Four eyes on the voucher issue; the inspector signs with its own key.
        assert "it waits for approval" in story and "reviewer approves it" in story, story
        assert "QualiCert Labs signs it with its own key" in story, story
        # Members hold no ether: the relayer paid every write.
        for key, member in run["members"].items():
            if key != "operator":
                balance = rpc_request(
                    run["rpc_url"], "eth_getBalance", [member["address"], "latest"]
                )
                assert int(str(balance), 16) == 0, (key, balance)

        status = up.run("status", "--members-file", str(up.members_file))
        assert status.returncode == 0, status.stdout
        assert "failing" not in status.stdout, status.stdout
        assert "relayer" in status.stdout, status.stdout

        assert up.interrupt() == 0, up.text()
        survivors = {pid: commands[pid] for pid in started if _alive(pid)}
        assert survivors == {}, survivors
        assert f"stopped indexer, API, {kind}" in up.text()
        assert decoy.is_running(), "`up` stopped a node it did not start"
    finally:
        up.ensure_stopped()


@pytest.mark.timeout(1200)
def test_up_demo_and_ctrl_c_on_anvil(tmp_path: Path, decoy: LocalNode) -> None:
    _play("anvil", tmp_path, decoy)


@pytest.mark.timeout(1200)
def test_up_demo_and_ctrl_c_on_ganache(tmp_path: Path, decoy: LocalNode) -> None:
    _play("ganache", tmp_path, decoy)


@pytest.mark.timeout(600)
def test_up_attached_to_a_chain_leaves_that_chain_running(tmp_path: Path, decoy: LocalNode) -> None:
    """Given --rpc-url, `up` deploys there and starts only the API and the indexer; Ctrl-C
    stops those two, and the chain it attached to keeps running with the deployment on it."""
    up = Up(tmp_path, "--rpc-url", decoy.url)
    try:
        up.wait_until_ready()
        leaders = _started_by(up)
        assert len(leaders) == 2, leaders
        assert f"attached to {decoy.url}" in up.text()
        manifest = json.loads((up.state_dir / "deployment.json").read_text())
        assert manifest["chain_id"] == decoy.chain_id

        # A child that dies is started again; the rest keeps running.
        (indexer,) = [
            pid for pid, command in leaders.items() if command.rstrip().endswith(" index")
        ]
        os.kill(indexer, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while "indexer restarted" not in up.text():
            assert time.monotonic() < deadline, up.text()
            time.sleep(0.2)
        assert "indexer exited with status -9" in up.text()
        assert up.process.poll() is None
        restarted = _started_by(up)
        assert len(restarted) == 2 and indexer not in restarted, restarted
        with urllib.request.urlopen(f"http://127.0.0.1:{up.api_port}/health", timeout=10) as health:
            assert health.status == 200
        leaders = restarted

        assert up.interrupt() == 0, up.text()
        assert [pid for pid in leaders if _alive(pid)] == []
        assert "stopped indexer, API\n" in up.text()
        assert decoy.is_running()
        status = up.run("status", "--members-file", str(up.members_file))
        assert re.search(r"│ contracts +│ ok +│", status.stdout), status.stdout
    finally:
        up.ensure_stopped()


def test_demo_without_a_running_platform_says_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "demo-members.json"
    demo = subprocess.run(
        [*TIERCREDIT, "demo", "--members-file", str(missing)],
        cwd=PROJECT_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert demo.returncode == 1
    assert f"no demo members file at {missing}" in demo.stdout
    assert "next: start the platform first: `make up` or `tiercredit up`" in demo.stdout


def test_reindex_refuses_a_database_indexed_before(tmp_path: Path) -> None:
    """`reindex` builds the read models afresh: into a database with an indexer cursor it would
    mix two indexings, so it says so and indexes nothing."""
    from backend.core.database import session_factory, transaction
    from backend.core.migrate import run_migrations
    from backend.readmodels.models import IndexerCursor

    url = f"sqlite:///{tmp_path / 'indexed.db'}"
    run_migrations(url)
    with transaction(session_factory(url)) as session:
        session.add(IndexerCursor(name="main", block_number=7, block_hash="0x" + "11" * 32))
    reindex = subprocess.run(
        [*TIERCREDIT, "reindex", "--database-url", url],
        cwd=PROJECT_ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reindex.returncode == 1
    assert f"{url} has been indexed before" in reindex.stdout
    assert "next: reindex into an empty database (create a new one)" in reindex.stdout
