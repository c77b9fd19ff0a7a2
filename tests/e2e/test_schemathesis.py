"""Schemathesis over the whole API, as each role, against `tiercredit up` on Anvil with the demo
story played: every operation, a few generated examples each, and not one server error, status
code, content type or body the OpenAPI document does not declare.

Bounded by FUZZ_EXAMPLES per operation and role (TIERCREDIT_FUZZ_EXAMPLES overrides it); it
prints the operations tested, the examples run and each failure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from backend.chain.node import free_port
from tests.e2e.test_cli import Up

FUZZ_EXAMPLES = int(os.environ.get("TIERCREDIT_FUZZ_EXAMPLES", "10"))
# Each role by a member of the demo's cast (backend/demo/cast.py) holding it.
ROLES = {
    "supplier": "tier1",
    "core enterprise": "core",
    "bank": "bank_a",
    "inspector": "inspector",
    "auditor": "auditor",
    "operator": "operator",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schemathesis.serializer("application/pdf")
def _pdf(_: object, value: object) -> bytes:
    """PUT /documents/{id}/pdf takes the raw bytes of a PDF (format binary)."""
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.mark.timeout(2400)
def test_schemathesis_finds_nothing_as_any_role(tmp_path: Path) -> None:
    up = Up(tmp_path, "--node", "anvil", "--node-port", str(free_port()))
    try:
        up.wait_until_ready()
        demo = up.run("demo", "--members-file", str(up.members_file))
        assert demo.returncode == 0, demo.stdout + demo.stderr
        run = json.loads(up.members_file.read_text())
        base_url = run["api_url"]
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        examples: dict[str, int] = {}
        statuses: dict[int, int] = {}
        failures: list[tuple[str, str, str]] = []
        for role, member in ROLES.items():
            headers = {"Authorization": f"Bearer {run['members'][member]['api_key']}"}
            for operation in operations:
                _fuzz(operation, role, base_url, headers, examples, statuses, failures)
    finally:
        up.ensure_stopped()

    print(
        f"schemathesis: {len(operations)} operations x {len(ROLES)} roles, "
        f"{sum(examples.values())} examples, {len(failures)} failures; answers by status: "
        + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    )
    for role, label, failure in failures:
        print(f"FAILURE as {role}: {label}\n{failure}")
    assert len(operations) >= 60
    assert all(examples.get(f"{role} {op.label}", 0) > 0 for role in ROLES for op in operations)
    assert failures == []


def _fuzz(
    operation: schemathesis.APIOperation,
    role: str,
    base_url: str,
    headers: dict[str, str],
    examples: dict[str, int],
    statuses: dict[int, int],
    failures: list[tuple[str, str, str]],
) -> None:
    """FUZZ_EXAMPLES generated cases of `operation`; a failure is recorded, not shrunk."""
    key = f"{role} {operation.label}"

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Case) -> None:
        examples[key] = examples.get(key, 0) + 1
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=60)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS, headers=headers)
        # FailureGroup (every check that failed) is a BaseExceptionGroup; the rest, a dropped
        # connection or a timeout, are Exceptions.
        except (Exception, BaseExceptionGroup) as failure:
            failures.append(
                (
                    role,
                    operation.label,
                    f"{case.as_curl_command(headers, base_url=base_url)}\n{failure}",
                )
            )

    run()
