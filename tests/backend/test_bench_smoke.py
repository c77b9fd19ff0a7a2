"""`make bench` at tiny sizes, so the benchmark runner cannot rot between real runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from backend.devtools.postgres import postgres_bin
from benchmarks import reads, report, run, writes
from benchmarks.common import QUICK

GAS_SECTION = "<!-- gas:begin -->\n## Gas (contracts)\n\n| operation |\n<!-- gas:end -->"


def test_quick_run_writes_every_figure_and_keeps_the_gas_section(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(f"# Benchmarks\n\n{GAS_SECTION}\n", encoding="utf-8")

    results = run.run(quick=True, output=output, workdir=tmp_path / "work")

    assert all(rate > 0 for rate in results.writes.raw.pipelined)
    assert {r.clients for r in results.writes.rounds} == {1, 2}
    assert all(r.writes == r.clients * 2 for r in results.writes.rounds)
    # The same rounds on each database that ran: PostgreSQL too where its binaries are here.
    expected = [writes.SQLITE] + ([writes.POSTGRESQL] if postgres_bin() else [])
    assert results.writes.databases == expected
    for database in expected:
        assert {r.clients for r in results.writes.rounds if r.database == database} == {1, 2}
    assert (results.writes.postgres_missing is None) == (postgres_bin() is not None)
    # Self-custody members (signing client-side) on SQLite, at every level.
    self_signed = [r for r in results.writes.rounds if r.custody == writes.SELF_CUSTODY]
    assert {(r.database, r.clients) for r in self_signed} == {
        (writes.SQLITE, 1),
        (writes.SQLITE, 2),
    }
    assert [row.fragments for row in results.settlement.rows] == [2, 3]
    # A redemption's gas does not depend on how many fragments the credit has.
    assert results.settlement.redeem_spread == 0
    assert results.indexer.events >= 300
    # Each kind, cache on and off, at the sizes' clients and at one, all answered 200 (wrk).
    cells = {(run.kind, run.clients, run.cached) for run in results.reads.runs}
    assert cells == {(k, c, on) for k in reads.KINDS for c in (4, 1) for on in (True, False)}
    assert all(run.figures.requests > 0 for run in results.reads.runs)
    assert results.reads.hit_ratio is not None and results.reads.hit_ratio > 0
    text = output.read_text(encoding="utf-8")
    assert text.index(report.BEGIN) < text.index(GAS_SECTION)
    assert "| SQLite | 2, self-custody |" in text
    for heading in ("### 1.", "### 2.", "### 3.", "### 4.", "### 5."):
        assert text.count(heading) == 1
    # A second run replaces the section instead of adding another.
    report.write(report.render(results), output)
    assert output.read_text(encoding="utf-8").count(report.BEGIN) == 1
    assert GAS_SECTION in output.read_text(encoding="utf-8")


def test_write_section_says_plainly_when_postgresql_was_not_measured() -> None:
    """Rendering only: a result as a machine without PostgreSQL's binaries produces it."""
    raw = writes.RawCeiling(pipelined=[100.0], sequential=[50.0])
    rounds = [
        writes.WriteRound(writes.SQLITE, clients, False, 4, 1.0, [0.1] * 4) for clients in (1, 8)
    ]
    result = writes.WriteResult(raw, rounds, 1, postgres_missing="binaries not found under /x")
    lines = report._writes(dataclasses.replace(_results_stub(), writes=result))
    text = "\n".join(lines)
    assert "PostgreSQL not measured**: binaries not found under /x; SQLite only." in text
    assert "| PostgreSQL |" not in text
    assert "| SQLite | 8 |" in text
    assert report._write_analysis(dataclasses.replace(_results_stub(), writes=result))


def _results_stub() -> report.Results:
    return report.Results(
        sizes=QUICK,
        quick=True,
        writes=None,  # type: ignore[arg-type]
        settlement=None,  # type: ignore[arg-type]
        indexer=None,  # type: ignore[arg-type]
        reads=None,  # type: ignore[arg-type]
        load_before=(0.0, 0.0, 0.0),
        load_after=(0.0, 0.0, 0.0),
        seconds=1.0,
    )
