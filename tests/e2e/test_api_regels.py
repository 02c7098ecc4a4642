"""Every route of every service, with bad input, answers per the NL API Design Rules (issue 15.8).

The four services are real processes on real Kafka and PostgreSQL (region MC38, which no other test
uses). Every operation of each published ``/openapi.json`` is called without a token, with a token of a
role that may not call it, and with the right role's token and bad input (garbage in every path and
query parameter, a body of unknown fields, a body with every field of the wrong type, a body that is no
JSON); then an unknown path and a wrong method. Every answer carries ``API-Version``; every error is
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``, ``instance`` and the Dutch
``fouten``, with no English and never the rejected value. A browser on a page route (wrong role,
unknown id, bad query parameter) gets the Dutch error page, status kept.

Observed before: no answer had ``API-Version``; errors were ``application/json`` in two shapes, with
"Input should be a valid decimal", ``{"detail": "Not Found"}`` and raw JSON on pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from leerrecht.http import API_VERSIE
from leerrecht.probleem import MELDINGEN
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, launch, wait_ready

pytestmark = pytest.mark.infra
LP38, RMC38 = dev_token("t-lp-mc38"), dev_token("t-rmc-mc38")
EXTRA = f"{API_TOKENS},{LP38}=officer-38:leerplicht:MC38,{RMC38}=coach-38:rmc:MC38"
# the role that may call the service's operations, and one that may call none of them
RECHT = {"registratie": TOKENS["school"], "leerplicht": LP38, "rmc": RMC38, "telling": TOKENS["analist"]}
ANDERE_ROLLEN = {"registratie": [TOKENS["duo"], TOKENS["beheer"]], "leerplicht": [TOKENS["beheer"]],
                 "rmc": [TOKENS["beheer"]], "telling": [TOKENS["beheer"]]}
VERKEERD = {"registratie": TOKENS["analist"], "leerplicht": TOKENS["analist"], "rmc": TOKENS["analist"],
            "telling": TOKENS["school"]}
GEHEIM = "999999990x"  # looks like a BSN: it must never come back in an answer
ENGELS = re.compile(r"Input should|Field required|Extra inputs|Value error|valid (decimal|integer|date|number)|"
                    r"Not Found|Method Not Allowed|Not authenticated|Internal Server Error|JSON decode|"
                    r"Unprocessable|Expecting value|String should|List should")
WRONG_TYPES: list[Any] = [[1, 2], {"a": 1}, True, -1.5, "x" * 300]


@pytest.fixture(scope="module")
def diensten(infra) -> Iterator[dict[str, ServiceProcess]]:  # type: ignore[no-untyped-def]
    started = {
        "registratie": launch("registratie", infra.bootstrap, infra.database_url("adrreg"), REGIONS="MC38",
                              REGISTRATIE_VANDAAG="2026-11-27", DAGTAAK_INTERVAL_S="0", API_TOKENS=EXTRA),
        "leerplicht": launch("leerplicht", infra.bootstrap, infra.database_url("adrlp"), REGION="MC38",
                             API_TOKENS=EXTRA),
        "rmc": launch("rmc", infra.bootstrap, infra.database_url("adrrmc"), REGION="MC38", API_TOKENS=EXTRA),
        "telling": launch("telling", infra.bootstrap, infra.database_url("adrtl"), API_TOKENS=EXTRA),
    }
    try:
        for svc in started.values():
            wait_ready(svc)
        yield started
    finally:
        for svc in started.values():
            svc.stop()


def _check(r: httpx.Response, wat: str, gezien: dict[int, int]) -> None:
    assert r.headers.get("api-version") == API_VERSIE, f"{wat}: {r.status_code} without API-Version"
    gezien[r.status_code] = gezien.get(r.status_code, 0) + 1
    if r.status_code < 400:
        return
    assert r.status_code < 500, f"{wat}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"] == "application/problem+json", f"{wat}: {r.headers['content-type']}"
    body = r.json()
    assert {"type", "title", "status", "detail", "instance", "fouten"} <= body.keys(), f"{wat}: {body}"
    assert body["status"] == r.status_code and body["instance"].startswith("urn:uuid:"), wat
    assert isinstance(body["fouten"], list), wat
    teksten = [body["title"], body["detail"]]
    for f in body["fouten"]:
        assert set(f) == {"veld", "regel", "melding"}, f"{wat}: {f}"
        teksten.append(f["melding"])
        if f["regel"] in MELDINGEN:
            assert "{" not in f["melding"], f"{wat}: {f}"
    for tekst in teksten:
        assert isinstance(tekst, str) and tekst, f"{wat}: {body}"
        assert not ENGELS.search(tekst), f"{wat}: English in {tekst!r}"
    assert GEHEIM not in r.text, f"{wat}: the rejected value came back"


def _slecht_body(op: dict[str, Any], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Request variants with a bad body for an operation that takes one."""
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        schema = content["application/json"].get("schema", {})
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        velden = list(schema.get("properties", {}))
        varianten: list[dict[str, Any]] = [{"json": {"onbekend": GEHEIM}}, {"json": [GEHEIM]},
                                           {"content": b"{" + GEHEIM.encode(), "headers": {
                                               "content-type": "application/json"}}]
        for i, fout in enumerate(WRONG_TYPES):
            varianten.append({"json": {v: fout if j % 2 == 0 else GEHEIM for j, v in enumerate(velden)}
                              if i % 2 == 0 else dict.fromkeys(velden, fout)})
        return varianten
    if "multipart/form-data" in content:
        return [{"files": {"verkeerd": ("x.csv", GEHEIM.encode(), "text/csv")}}, {"data": {"x": GEHEIM}}]
    return [{}]


@pytest.mark.parametrize("dienst", list(RECHT))
def test_every_route_answers_bad_input_with_dutch_problem_details(diensten: dict[str, ServiceProcess],
                                                                  dienst: str) -> None:
    svc = diensten[dienst]
    gezien: dict[int, int] = {}
    with httpx.Client(base_url=svc.url, timeout=30) as c:
        docr = c.get("/openapi.json")
        _check(docr, "openapi", gezien)
        doc = docr.json()
        assert doc["info"]["version"] == API_VERSIE
        operaties = [(p, m, op) for p, ops in doc["paths"].items() for m, op in ops.items()]
        assert len(operaties) >= 9
        for pad, methode, op in operaties:
            params = op.get("parameters", [])
            url = re.sub(r"\{[^}]+\}", GEHEIM, pad)
            query = {p["name"]: GEHEIM for p in params if p["in"] == "query"}
            kop = {"Idempotency-Key": "k"} if any(p["name"] == "Idempotency-Key" for p in params) else {}
            wat = f"{dienst} {methode.upper()} {pad}"
            # no token, an unknown token, a role that may not call it
            for auth in ({}, {"Authorization": "Bearer onbekend-token"},
                         {"Authorization": f"Bearer {VERKEERD[dienst]}"}):
                r = c.request(methode, url, params=query, headers=auth)
                _check(r, f"{wat} {list(auth) or 'zonder token'}", gezien)
                assert r.status_code in (401, 403), f"{wat}: {r.status_code}"
            # the right roles, bad input of every kind
            for token in (RECHT[dienst], *ANDERE_ROLLEN[dienst]):
                for variant in _slecht_body(op, doc):
                    headers = {"Authorization": f"Bearer {token}", **kop, **variant.pop("headers", {})}
                    r = c.request(methode, url, params=query, headers=headers, **variant)
                    _check(r, f"{wat} {variant}", gezien)
        right = {"Authorization": f"Bearer {RECHT[dienst]}"}
        _check(c.get("/v1/bestaat-niet", headers=right), f"{dienst} unknown path", gezien)
        _check(c.get("/bestaat-niet"), f"{dienst} unknown page path, API client", gezien)
        pad, methode, _ = operaties[0]
        verkeerde_methode = "put" if methode != "put" else "patch"
        r = c.request(verkeerde_methode, re.sub(r"\{[^}]+\}", "x", pad), headers=right)
        _check(r, f"{dienst} wrong method", gezien)
        assert r.status_code == 405 and r.headers["allow"]
        groot = c.post(next(p for p, m, _ in operaties if m == "post") if dienst != "telling" else "/v1/cijfers",
                       content=b"x" * (5 * 1024 * 1024), headers={**right, "content-type": "application/json"})
        _check(groot, f"{dienst} oversized body", gezien)
        ok = c.get("/health")
        assert ok.status_code == 200 and ok.headers["api-version"] == API_VERSIE
    assert {401, 403, 404, 405, 413} <= set(gezien), gezien
    assert gezien.get(422, 0) + gezien.get(400, 0) > 0, gezien
    assert "Traceback" not in svc.logs()


HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PAGINAS = [
    ("leerplicht", "/werklijst", TOKENS["analist"], 403),
    ("leerplicht", f"/dossiers/{GEHEIM}", LP38, 422),
    ("leerplicht", "/dossiers/01890a5d-ac96-774b-bcce-b302099a8057", LP38, 404),
    ("rmc", "/werklijst", TOKENS["school"], 403),
    ("rmc", "/jongeren/" + "0" * 64, RMC38, 404),
    ("rmc", f"/jongeren/{GEHEIM}", RMC38, 422),
    ("telling", f"/dashboard?peildatum={GEHEIM}", TOKENS["analist"], 422),
    ("telling", "/dashboard", TOKENS["school"], 403),
    ("registratie", "/school", TOKENS["analist"], 403),
]


@pytest.mark.parametrize(("dienst", "pad", "token", "status"), PAGINAS,
                         ids=[f"{d}-{p}-{s}" for d, p, _, s in PAGINAS])  # the tokens differ per process
def test_a_browser_on_a_page_gets_a_dutch_error_page_never_json(diensten: dict[str, ServiceProcess], dienst: str,
                                                                pad: str, token: str, status: int) -> None:
    r = httpx.get(f"{diensten[dienst].url}{pad}", headers=HTML, cookies={"leerrecht_sessie": token}, timeout=30)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["api-version"] == API_VERSIE
    assert '"fouten"' not in r.text and '{"' not in r.text and "detail" not in r.text
    assert not ENGELS.search(r.text)
    assert GEHEIM not in r.text
    assert 'lang="nl"' in r.text


def test_every_service_runs_on_uvloop_with_the_services_gc_thresholds(diensten: dict[str, ServiceProcess]) -> None:
    """``leerrecht.service.UVICORN`` and ``leerrecht.proces.GC_DREMPELS``: each process says on which loop
    and with which collector thresholds it started (its ``service_started`` line); asyncio's own loop
    there means uvloop was missing where the service was installed."""
    from leerrecht.proces import GC_DREMPELS

    drempels = ", ?".join(str(d) for d in GC_DREMPELS)
    for naam, svc in diensten.items():
        regels = [r for r in svc.logs().splitlines() if "service_started" in r]
        assert regels, f"{naam}: no service_started line"
        assert re.search(r'"lus": ?"uvloop|lus=uvloop', regels[-1]), f"{naam}: {regels[-1]}"
        assert re.search(rf"gc_drempels\W+\[{drempels}\]", regels[-1]), f"{naam}: {regels[-1]}"


@pytest.mark.parametrize("dienst", list(RECHT))
def test_docs_and_redoc_list_the_operations_with_no_internet(diensten: dict[str, ServiceProcess],
                                                             dienst: str) -> None:
    """Issue 15.6: /docs was blank without internet (Swagger UI from a CDN). Every request that is not
    to this machine is blocked and recorded; the pages must need none of them."""
    from urllib.parse import urlsplit

    from browser import browser_page

    svc = diensten[dienst]
    doc = httpx.get(f"{svc.url}/openapi.json", timeout=30).json()
    operaties = sum(len(ops) for ops in doc["paths"].values())
    geblokkeerd: list[str] = []

    def alleen_lokaal(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            geblokkeerd.append(route.request.url)
            route.abort()

    with browser_page() as page:
        page.route("**/*", alleen_lokaal)
        page.goto(f"{svc.url}/docs")
        page.wait_for_selector(".opblock-summary", timeout=60_000)
        assert page.locator(".opblock").count() == operaties
        assert doc["info"]["title"] in page.inner_text(".info")
        page.goto(f"{svc.url}/redoc")
        page.wait_for_selector('[data-section-id^="operation/"]', timeout=60_000)
        assert page.locator('[data-section-id^="operation/"]').count() >= operaties
    assert geblokkeerd == []
