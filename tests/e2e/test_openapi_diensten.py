"""B1 for leerplicht, rmc and telling: no generated request, valid or not, gives a 5xx; every date in a
query is checked.

Same approach as ``test_registratie_openapi.py``: the services are real processes on real Kafka and
PostgreSQL, every operation of each published ``/openapi.json`` is called with generated requests
(schema-conforming and schema-violating) under the token of every role that may call it, a few
examples each, so the three services together stay within about a minute. Observed before: a
peildatum such as 9999-12-31 gave a 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, launch, wait_ready

pytestmark = pytest.mark.infra
PARTNER = dev_token("t-partner-28")
EXTRA_TOKENS = f"{API_TOKENS},{PARTNER}=partner-1:partner:MC28:werkplaats-noord"
ROLLEN = {
    "leerplicht": {"officier": TOKENS["lp_MC28"], "officier_andere_regio": TOKENS["lp_MC29"]},
    "rmc": {"coach": TOKENS["rmc_MC28"], "partner": PARTNER},
    "telling": {"analist": TOKENS["analist"], "beheer": TOKENS["beheer"]},
}
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 3}


@pytest.fixture(scope="module")
def diensten(infra) -> Iterator[dict[str, ServiceProcess]]:  # type: ignore[no-untyped-def]
    started = {
        "leerplicht": launch("leerplicht", infra.bootstrap, infra.database_url("b1lp"), REGION="MC28",
                             API_TOKENS=EXTRA_TOKENS),
        "rmc": launch("rmc", infra.bootstrap, infra.database_url("b1rmc"), REGION="MC28", API_TOKENS=EXTRA_TOKENS),
        "telling": launch("telling", infra.bootstrap, infra.database_url("b1tl"), API_TOKENS=EXTRA_TOKENS),
    }
    try:
        for svc in started.values():
            wait_ready(svc)
        yield started
    finally:
        for svc in started.values():
            svc.stop()


@pytest.mark.parametrize(("dienst", "pad"), [
    ("leerplicht", "/v1/werklijst"),
    ("telling", "/v1/cijfers"),
    ("telling", "/v1/cijfers.csv"),
    ("telling", "/v1/cijfers.parquet"),
    ("telling", "/v1/reeksen?indicator=absoluut_verzuim"),
    ("telling", "/v1/percentages"),
    ("telling", "/v1/uitsplitsingen?indicator=absoluut_verzuim&periode=2026-2027"),
    ("telling", "/v1/leerplichttelling/GM0637/2026-2027"),
    ("telling", "/v1/leerplichttelling/GM0637/2026-2027.csv"),
])
@pytest.mark.parametrize("peildatum", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01", "2026-02-30",
                                       "26-11-2026", "2026-1-1"])
def test_a_date_in_a_query_outside_the_platform_range_is_a_422_naming_it(
        diensten: dict[str, ServiceProcess], dienst: str, pad: str, peildatum: str) -> None:
    token = next(iter(ROLLEN[dienst].values()))
    sep = "&" if "?" in pad else "?"
    r = httpx.get(f"{diensten[dienst].url}{pad}{sep}peildatum={peildatum}",
                  headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 422, f"{dienst} {pad}: {r.status_code} {r.text[:200]}"
    body = r.json()
    assert body["status"] == 422
    assert [f["veld"] for f in body["fouten"]] == ["query.peildatum"]
    assert peildatum not in r.text, "the rejected value is not echoed"


def test_the_dashboard_refuses_a_far_future_peildatum_without_a_server_error(
        diensten: dict[str, ServiceProcess]) -> None:
    r = httpx.get(f"{diensten['telling'].url}/dashboard?peildatum=9999-12-31",
                  cookies={"leerrecht_sessie": TOKENS["analist"]}, timeout=30)
    assert r.status_code == 422, r.text[:200]


@pytest.mark.parametrize("dienst", list(ROLLEN))
def test_no_generated_request_gives_a_server_error(diensten: dict[str, ServiceProcess], dienst: str) -> None:
    svc = diensten[dienst]
    schema = schemathesis.openapi.from_url(f"{svc.url}/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 5, "the operations are published"
    rollen = ROLLEN[dienst]
    failures: list[str] = []
    calls = 0

    def run(op: schemathesis.APIOperation, token: str, role: str, mode: GenerationMode, n: int) -> None:
        @settings(max_examples=n, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def check(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            response = case.call(base_url=svc.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{op.label} as {role}: {response.status_code} {case.path_parameters} "
                                f"{case.query} {str(case.body)[:200]}")

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, f"{op.label}: no valid request can be generated"

    for op in operations:
        for role, token in rollen.items():
            for mode, n in EXAMPLES.items():
                run(op, token, role, mode, n)
    assert failures == [], "\n".join(failures)
    assert calls >= len(operations) * len(rollen) * 3
    assert "Traceback" not in svc.logs()
