"""The supervisor of `tiercredit up`'s children: a child that dies is started again with a
backoff, and the others keep running."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.demo.stack import Child, Supervisor, spawn

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


@pytest.fixture
def children(tmp_path: Path) -> Iterator[list[Child]]:
    started = [
        spawn(name, SLEEPER, dict(os.environ), tmp_path / f"{name}.log")
        for name in ("API", "indexer")
    ]
    yield started
    for child in started:
        child.stop()


def check_until(supervisor: Supervisor, condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the supervisor did not act in time"
        supervisor.check()
        time.sleep(0.05)


def test_a_killed_child_is_restarted_with_a_doubling_pause(children: list[Child]) -> None:
    api, indexer = children
    reports: list[str] = []
    supervisor = Supervisor(children, reports.append, first_delay=0.2, max_delay=0.4)
    api_pid, first_pid = api.pid, indexer.pid

    os.kill(first_pid, signal.SIGKILL)
    indexer.process.wait(10)
    check_until(supervisor, lambda: indexer.is_running())
    second_pid = indexer.pid
    os.kill(second_pid, signal.SIGKILL)
    indexer.process.wait(10)
    check_until(supervisor, lambda: supervisor.restarts(indexer) == 2 and indexer.is_running())

    assert len({first_pid, second_pid, indexer.pid}) == 3
    assert api.is_running() and api.pid == api_pid
    assert supervisor.restarts(api) == 0
    log = indexer.log_path
    assert reports == [
        f"indexer exited with status -9 (see {log}); restarting in 0.2 s",
        f"indexer restarted (pid {second_pid}, restart 1)",
        f"indexer exited with status -9 (see {log}); restarting in 0.4 s",
        f"indexer restarted (pid {indexer.pid}, restart 2)",
    ]


def test_the_pause_is_bounded_and_resets_once_the_child_stays_up(children: list[Child]) -> None:
    _, indexer = children
    now = [0.0]
    supervisor = Supervisor(
        [indexer], lambda _: None, first_delay=1, max_delay=4, stable_after=60, clock=lambda: now[0]
    )
    pauses = []
    for _ in range(4):
        os.kill(indexer.pid, signal.SIGKILL)
        indexer.process.wait(10)
        supervisor.check()
        started = now[0]
        while not indexer.is_running():
            now[0] += 0.5
            supervisor.check()
        pauses.append(now[0] - started)
    indexer.started_at = now[0]
    now[0] += 60
    supervisor.check()
    os.kill(indexer.pid, signal.SIGKILL)
    indexer.process.wait(10)
    supervisor.check()
    started = now[0]
    while not indexer.is_running():
        now[0] += 0.5
        supervisor.check()

    assert pauses == [1, 2, 4, 4]
    assert now[0] - started == 1
