"""CPU spent during a measured span, by who spent it: the API's processes, the node, this
benchmark, and the rest of the machine (whatever else runs there), read from /proc (Linux).

What a throughput figure was short of is then on record beside it: the cores a component kept
busy (one Python process cannot keep more than about one busy: the GIL), and how much of the
machine something else took while the figure was measured.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class CoreShare:
    """Cores kept busy on average over a span (2.0: both cores of a 2-core machine)."""

    api: float
    node: float
    bench: float
    rest: float


def _ticks_per_second() -> int:
    return os.sysconf("SC_CLK_TCK")


def _machine_busy_ticks() -> int:
    """Ticks every CPU of the machine spent on anything but idling or waiting for I/O."""
    fields = [int(value) for value in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, iowait = fields[3], fields[4]
    # guest and guest_nice (fields 9 and 10) are counted in user and nice already.
    return sum(fields[:8]) - idle - iowait


def _process_ticks(stat: str) -> tuple[int, int]:
    """(process group, user + system ticks of all its threads) from a /proc/<pid>/stat line."""
    # The command name is in parentheses and may hold spaces: the fields start after its ")".
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[2]), int(fields[11]) + int(fields[12])


def _group_ticks(groups: dict[str, int]) -> dict[str, int]:
    """Ticks per named process group (a leader's pid is its group's id); and ``bench``: ours."""
    totals = dict.fromkeys(groups, 0)
    by_group = {pgid: name for name, pgid in groups.items()}
    me = os.getpid()
    totals["bench"] = 0
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            group, ticks = _process_ticks((entry / "stat").read_text())
        except (OSError, IndexError, ValueError):
            continue  # the process exited while we looked
        if int(entry.name) == me:
            totals["bench"] += ticks
        elif group in by_group:
            totals[by_group[group]] += ticks
    return totals


class CpuMeter:
    """CPU of the API's and the node's process groups, this process and the machine, between
    ``start()`` and ``stop()``; ``stop()`` is None where /proc is not there to read."""

    def __init__(self, *, api_group: int, node_group: int) -> None:
        self._groups = {"api": api_group, "node": node_group}
        self._started: tuple[float, int, dict[str, int]] | None = None

    def _read(self) -> tuple[float, int, dict[str, int]]:
        return time.perf_counter(), _machine_busy_ticks(), _group_ticks(self._groups)

    def start(self) -> None:
        self._started = self._read() if (PROC / "stat").exists() else None

    def stop(self) -> CoreShare | None:
        if self._started is None:
            return None
        then, machine_then, groups_then = self._started
        now, machine_now, groups_now = self._read()
        scale = _ticks_per_second() * max(now - then, 1e-9)
        spent = {name: (groups_now[name] - groups_then[name]) / scale for name in groups_now}
        machine = (machine_now - machine_then) / scale
        # Ticks are counted at 1/100 s: over a short span the difference can dip below zero.
        rest = max(machine - sum(spent.values()), 0.0)
        return CoreShare(api=spent["api"], node=spent["node"], bench=spent["bench"], rest=rest)
