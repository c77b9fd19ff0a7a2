"""What the writes did, for /metrics: each request's outcome by error name, and how long a write
took, by operation (`Contract.function`).

The API process that settles a request counts it (the relayer, in `_commit` and when a request
fails); under PROMETHEUS_MULTIPROC_DIR each worker writes its own samples and /metrics sums them.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram

OK = "ok"
# Seconds: a relayed write takes a block or two; one waiting for a member's signature, longer.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)


class WriteMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.outcomes = Counter(
            "tiercredit_transaction_outcomes_total",
            "Settled write requests by operation and outcome (`ok` or the error's name)",
            ("operation", "outcome"),
            registry=registry,
        )
        self.latency = Histogram(
            "tiercredit_write_duration_seconds",
            "Time from a write's request to its mined outcome, by operation",
            ("operation",),
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )

    def settled(self, operation: str, error: Exception | None) -> None:
        self.outcomes.labels(operation, OK if error is None else error_name(error)).inc()


def error_name(error: Exception) -> str:
    """The name the API answers the error with (a revert's custom error, a domain error's code)."""
    return str(getattr(error, "code", type(error).__name__))
