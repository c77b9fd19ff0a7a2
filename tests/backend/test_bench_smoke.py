"""`make bench` at tiny sizes, so the benchmark runner cannot rot between real runs."""

from __future__ import annotations

from pathlib import Path

from benchmarks import report, run

GAS_SECTION = "<!-- gas:begin -->\n## Gas (contracts)\n\n| operation |\n<!-- gas:end -->"


def test_quick_run_writes_every_figure_and_keeps_the_gas_section(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(f"# Benchmarks\n\n{GAS_SECTION}\n", encoding="utf-8")

    results = run.run(quick=True, output=output, workdir=tmp_path / "work")

    assert all(rate > 0 for rate in results.writes.raw.pipelined)
    assert {r.clients for r in results.writes.rounds} == {1, 2}
    assert all(r.writes == r.clients * 2 for r in results.writes.rounds)
    assert [row.fragments for row in results.settlement.rows] == [2, 3]
    # A redemption's gas does not depend on how many fragments the credit has.
    assert results.settlement.redeem_spread == 0
    assert results.indexer.events >= 300
    assert results.reads.requests == 40
    text = output.read_text(encoding="utf-8")
    assert text.index(report.BEGIN) < text.index(GAS_SECTION)
    for heading in ("### 1.", "### 2.", "### 3.", "### 4.", "### 5."):
        assert text.count(heading) == 1
    # A second run replaces the section instead of adding another.
    report.write(report.render(results), output)
    assert output.read_text(encoding="utf-8").count(report.BEGIN) == 1
    assert GAS_SECTION in output.read_text(encoding="utf-8")
