"""The processes `tiercredit up` runs: each child in its own process group, stopped by id.

A child started with ``start_new_session`` leads its own process group, so stopping it signals
that group (uvicorn's workers and anything else it started go with it) and nothing else: no
process is ever found or killed by name. The terminal's Ctrl-C reaches only `up` itself, which
then stops its children in order (indexer, API, node). A child that exits on its own is started
again by the Supervisor after a pause that doubles up to a bound; the others keep running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

STOP_TIMEOUT_SECONDS = 10.0
# A child that exits is restarted after FIRST_RESTART_SECONDS, then twice as long each time it
# exits again, at most MAX_RESTART_SECONDS; once it has stayed up STABLE_SECONDS the pause resets.
FIRST_RESTART_SECONDS = 1.0
MAX_RESTART_SECONDS = 30.0
STABLE_SECONDS = 60.0


class ChildExited(RuntimeError):
    """A child of `up` stopped on its own; its log says why."""

    def __init__(self, child: Child) -> None:
        super().__init__(
            f"{child.name} exited with status {child.process.returncode}; see {child.log_path}"
        )
        self.child = child


@dataclass
class Child:
    """A process `up` started, leader of its own process group, output appended to ``log_path``."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    argv: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)

    def respawn(self) -> None:
        """Starts the same command again, its output appended to the same log."""
        self.process = _popen(self.argv, self.env, self.log_path)
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM to the child's group, SIGKILL if it is still there after ``timeout``."""
        if self.process.poll() is not None:
            return
        _signal_group(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.pid, signal.SIGKILL)
            self.process.wait(timeout)


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    # The group may have emptied between the poll and the signal.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def spawn(name: str, argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> Child:
    """Starts ``argv`` as the leader of a new session, its output appended to ``log_path``."""
    return Child(name, _popen(argv, env, log_path), log_path, list(argv), dict(env))


def _popen(argv: Sequence[str], env: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@dataclass
class _Restart:
    delay: float = FIRST_RESTART_SECONDS
    due: float | None = None
    count: int = 0


class Supervisor:
    """Keeps children running: one that exited is started again after a backoff, and reported.

    ``check`` is called periodically; it never blocks. The pause before a restart doubles from
    ``first_delay`` up to ``max_delay`` while the child keeps exiting, and resets once it has
    run for ``stable_after`` seconds.
    """

    def __init__(
        self,
        children: Sequence[Child],
        report: Callable[[str], None],
        *,
        first_delay: float = FIRST_RESTART_SECONDS,
        max_delay: float = MAX_RESTART_SECONDS,
        stable_after: float = STABLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = children
        self.report = report
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.clock = clock
        self._restarts: dict[int, _Restart] = {}

    def restarts(self, child: Child) -> int:
        """How many times ``child`` was started again."""
        return self._restart(child).count

    def check(self) -> None:
        now = self.clock()
        for child in self.children:
            restart = self._restart(child)
            if child.is_running():
                if now - child.started_at >= self.stable_after:
                    restart.delay = self.first_delay
                continue
            if restart.due is None:
                restart.due = now + restart.delay
                self.report(
                    f"{child.name} exited with status {child.process.returncode} (see "
                    f"{child.log_path}); restarting in {restart.delay:g} s"
                )
            elif now >= restart.due:
                child.respawn()
                restart.count += 1
                restart.due = None
                restart.delay = min(restart.delay * 2, self.max_delay)
                self.report(f"{child.name} restarted (pid {child.pid}, restart {restart.count})")

    def _restart(self, child: Child) -> _Restart:
        return self._restarts.setdefault(id(child), _Restart(self.first_delay))


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port``: a service of ours started there
    would fail, while the one already there answered in its place."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def cli_command(*args: str) -> list[str]:
    """This CLI run by this interpreter, so children use the same environment as `up`."""
    return [sys.executable, "-m", "backend.cli", *args]


def wait_for_http(url: str, child: Child | None, timeout: float) -> None:
    """Returns once ``url`` answers 200; raises ChildExited or TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        if child is not None and not child.is_running():
            raise ChildExited(child)
        try:
            with urllib.request.urlopen(url, timeout=2.0) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def interrupt_on_stop_signals() -> None:
    """Makes Ctrl-C and SIGTERM stop `up` through KeyboardInterrupt and its cleanup.

    Installed explicitly: a process started in the background of a non-interactive shell
    inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    """

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Holds Ctrl-C and SIGTERM back until the block ends, then raises KeyboardInterrupt.

    Around the start of a node: interrupted half-way, the starter would lose the only handle
    on a process it had already spawned, and that process would outlive `up`.
    """
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum in previous:
        signal.signal(signum, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise KeyboardInterrupt


def ignore_stop_signals() -> None:
    """While `up` stops its children, a second Ctrl-C must not cut the cleanup short
    (each child still gets SIGKILL if SIGTERM does not stop it in time)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
