"""Runs every benchmark on one local Anvil and writes the figures into BENCHMARKS.md.

python -m benchmarks.run            # `make bench` sizes (about 10 minutes on 2 cores)
python -m benchmarks.run --quick    # tiny sizes: the smoke test
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from benchmarks import indexer, reads, report, settlement, writes
from benchmarks.common import FULL, QUICK, start_chain
from benchmarks.settlement import Platform

T = TypeVar("T")
log = logging.getLogger("benchmarks")


def _timed(name: str, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    log.info("%s ...", name)
    result = step()
    log.info("%s done in %.1f s", name, time.perf_counter() - started)
    return result


def run(*, quick: bool, output: Path, workdir: Path) -> report.Results:
    sizes = QUICK if quick else FULL
    started = time.perf_counter()
    load_before = os.getloadavg()
    chain = start_chain(workdir)
    try:
        write_result = _timed("write throughput", lambda: writes.run(chain, sizes))
        platform = Platform(chain)
        settlement_result = _timed(
            "settlement at scale", lambda: settlement.run(chain, sizes, platform)
        )
        indexer_result = _timed("indexer catch-up", lambda: indexer.run(chain, sizes, platform))
        read_result = _timed("reads under load", lambda: reads.run(chain, sizes))
    finally:
        chain.stop()
    results = report.Results(
        sizes=sizes,
        quick=quick,
        writes=write_result,
        settlement=settlement_result,
        indexer=indexer_result,
        reads=read_result,
        load_before=load_before,
        load_after=os.getloadavg(),
        seconds=time.perf_counter() - started,
    )
    section = report.render(results)
    report.write(section, output)
    print(section)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument(
        "--output", type=Path, default=report.BENCHMARKS_MD, help="markdown file to update"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="node log, databases (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The backend's and httpx's INFO lines (one per batch, per request) would drown the progress.
    for name in ("backend", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.workdir is not None:
        run(quick=args.quick, output=args.output, workdir=args.workdir)
        return
    with tempfile.TemporaryDirectory(prefix="tiercredit-bench-") as workdir:
        run(quick=args.quick, output=args.output, workdir=Path(workdir))


if __name__ == "__main__":
    main()
