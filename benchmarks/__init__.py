"""`make bench`: throughput, catch-up, settlement and read-latency figures on one local Anvil.

``python -m benchmarks.run`` runs every sub-benchmark against one chain and writes the figures
between the ``bench:begin`` / ``bench:end`` markers of BENCHMARKS.md (the gas table between the
``gas:*`` markers is scripts/gas_benchmark.py's). ``--quick`` runs tiny sizes (the smoke test).
"""
