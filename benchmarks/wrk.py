"""wrk (Debian's package) as the load generator: a process of its own, written in C, so the
API's latency is not the benchmark's Python queueing, and its own CPU time is reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Requests go to paths drawn at random from the list, each thread seeded apart; done() prints
# the figures as one JSON line (latencies in microseconds).
LUA = """
local paths = {%(paths)s}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
function init(args)
  math.randomseed(seed * 7919)
  wrk.headers["Authorization"] = "Bearer %(api_key)s"
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "non_2xx": %%d, "socket_errors": %%d, ' ..
    '"p50_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class WrkFigures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    # User plus system CPU of the wrk process itself.
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def version() -> str:
    binary = wrk_binary()
    if binary is None:
        return "not installed"
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].split(" [")[0]


def run_wrk(
    base_url: str,
    api_key: str,
    paths: Sequence[str],
    *,
    clients: int,
    seconds: float,
    workdir: Path,
) -> WrkFigures:
    """``clients`` connections (closed loop: each sends its next request when the previous
    answered) for ``seconds``; every answer must be a 2xx."""
    binary = wrk_binary()
    if binary is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    script = workdir / f"wrk-{time.monotonic_ns()}.lua"
    listed = ", ".join(json.dumps(p) for p in paths)
    script.write_text(LUA % {"paths": listed, "api_key": api_key}, encoding="utf-8")
    threads = min(clients, 2)
    command = [
        binary,
        f"-t{threads}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        base_url,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited {process.returncode}: {err or out}")
    lines = [line for line in out.splitlines() if line.startswith('{"requests"')]
    if not lines:
        raise RuntimeError(f"wrk printed no figures: {out} {err}")
    figures = json.loads(lines[-1])
    if figures["non_2xx"] or figures["socket_errors"]:
        raise RuntimeError(f"wrk met errors: {figures}")
    return WrkFigures(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
    )
