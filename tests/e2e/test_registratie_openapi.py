"""Property-based check of registratie's OpenAPI (schemathesis): no request, valid or not, gives a 5xx.

The intake is a real process on real Kafka and PostgreSQL. Every operation of the published
``/openapi.json`` is called with generated requests (schema-conforming and schema-violating), under
each role's token, a few examples each, so the check stays under a minute. A school's intake must
answer bad input with a Dutch 4xx naming the field, never with a server error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from services import TOKENS as ALLE_TOKENS
from services import ServiceProcess, start_service

pytestmark = pytest.mark.infra
TOKENS = {"school": ALLE_TOKENS["school"], "duo": ALLE_TOKENS["duo"], "beheer": ALLE_TOKENS["beheer"]}
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 5}


@pytest.fixture(scope="module")
def registratie(infra) -> Iterator[ServiceProcess]:  # type: ignore[no-untyped-def]
    svc = start_service("registratie", infra.bootstrap, infra.database_url("regst"), REGIONS="MC28,MC29",
                        REGISTRATIE_VANDAAG="2026-11-27", DAGTAAK_INTERVAL_S="0")
    try:
        yield svc
    finally:
        svc.stop()


def test_no_generated_request_gives_a_server_error(registratie: ServiceProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{registratie.url}/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15, "the intake operations are published"
    failures: list[str] = []
    calls = 0

    def run(op: schemathesis.APIOperation, role: str, mode: GenerationMode, n: int) -> None:
        @settings(max_examples=n, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=registratie.url, headers={"Authorization": f"Bearer {TOKENS[role]}"},
                                 timeout=30)
            if response.status_code >= 500:
                failures.append(f"{op.label} as {role}: {response.status_code} {str(case.body)[:300]}")

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, f"{op.label}: no valid request can be generated"

    for op in operations:
        for role in TOKENS:
            for mode, n in EXAMPLES.items():
                run(op, role, mode, n)
    assert failures == [], "\n".join(failures)
    assert calls >= len(operations) * len(TOKENS) * 3
    assert "Traceback" not in registratie.logs()
