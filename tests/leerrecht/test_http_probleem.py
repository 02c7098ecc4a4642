"""The NL API Design Rules at the shared edge (issue 15.8): ``API-Version`` on every answer, every error as
RFC 9457 problem details with the Dutch field list, Dutch text for every validation error, and a Dutch
error page for a browser on a page route.

Observed before: no answer carried ``API-Version``; errors came in two shapes (``{"detail": {...}}``
and ``{"title", "status", "fouten"}``), as ``application/json``, with pydantic's English ("Input should
be a valid decimal"); Starlette's 404/405 were ``{"detail": "Not Found"}``; a wrong role on a page
showed raw JSON.
"""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal
from enum import StrEnum

import pytest
from fastapi import Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import core_schema

from leerrecht.auth import Principal
from leerrecht.grenzen import EdgeLimits
from leerrecht.http import API_VERSIE, create_app, principal_dependency, require_role, web_principal_dependency
from leerrecht.probleem import MELDINGEN

TOKENS = {"t-school": Principal("school-1", "school"), "t-analist": Principal("analist-1", "analist")}
ENGELS = ("Input should", "Field required", "Not Found", "Method Not Allowed", "Not authenticated",
          "Internal Server Error", "Value error", "valid decimal", "Extra inputs")
BSN = "999999990"


class Soort(StrEnum):
    a = "aanmelding"
    b = "verzuim"


class Rij(BaseModel):
    model_config = ConfigDict(extra="forbid")
    datum: date
    uren: Decimal = Field(gt=0, le=24, decimal_places=2)
    soort: Soort
    aantal: int = Field(ge=1)
    naam: str = Field(min_length=2, max_length=5)


def _app() -> TestClient:
    app = create_app(title="t", description="d", tokens=TOKENS,
                     limits=EdgeLimits(max_body_bytes=2048, rate_per_s=0.001, burst=40))
    current = principal_dependency(TOKENS)
    school = require_role(current, "school")
    web_school = web_principal_dependency(TOKENS, "school")

    @app.post("/v1/rijen")
    async def rijen(rij: Rij, _p: Principal = Depends(school)) -> dict[str, str]:  # noqa: B008
        return {"ok": "ja"}

    @app.get("/v1/dingen/{ding_id}")
    async def ding(ding_id: int, _p: Principal = Depends(school)) -> dict[str, str]:  # noqa: B008
        raise HTTPException(404, "Onbekend ding")

    @app.post("/v1/conflict")
    async def conflict(_p: Principal = Depends(school)) -> None:  # noqa: B008
        raise HTTPException(409, {"title": "Versieconflict", "status": 409, "huidige_versie": 3,
                                  "fouten": [{"veld": "versie", "regel": "actuele_versie", "melding": "Verouderd."}]})

    @app.post("/v1/eigen")
    async def eigen(_p: Principal = Depends(school)) -> JSONResponse:  # noqa: B008
        return JSONResponse(status_code=422, content={"title": "Inzending geweigerd", "status": 422, "fouten": [
            {"veld": "pgn", "regel": "elfproef", "melding": "Het PGN voldoet niet aan de elfproef."}]})

    @app.get("/v1/stuk")
    async def stuk(_p: Principal = Depends(school)) -> None:  # noqa: B008
        raise RuntimeError(f"geheim {BSN}")

    @app.get("/pagina", response_class=HTMLResponse)
    async def pagina(peildatum: date = Query(), _p: Principal = Depends(web_school)) -> str:  # noqa: B008
        return "<p>ok</p>"

    return TestClient(app, raise_server_exceptions=False)


def _is_problem(r: typing.Any, status: int) -> dict[str, typing.Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["api-version"] == API_VERSIE
    body: dict[str, typing.Any] = r.json()
    assert {"type", "title", "status", "detail", "instance", "fouten"} <= body.keys()
    assert body["status"] == status and body["type"] == "about:blank"
    assert body["instance"] == f"urn:uuid:{r.headers['x-correlation-id']}"
    assert isinstance(body["detail"], str) and body["detail"]
    for f in body["fouten"]:
        assert set(f) == {"veld", "regel", "melding"}
    for woord in ENGELS:
        assert woord not in r.text, woord
    assert BSN not in r.text
    return body


S = {"Authorization": "Bearer t-school"}
GOED = {"datum": "2026-11-02", "uren": "3", "soort": "verzuim", "aantal": 1, "naam": "Ali"}


def test_success_and_openapi_carry_the_one_version() -> None:
    c = _app()
    r = c.post("/v1/rijen", json=GOED, headers=S)
    assert r.status_code == 200 and r.headers["api-version"] == API_VERSIE
    doc = c.get("/openapi.json")
    assert doc.headers["api-version"] == API_VERSIE == doc.json()["info"]["version"]
    assert API_VERSIE.split(".")[0] == "1", "the URIs say /v1"
    assert c.get("/health").headers["api-version"] == API_VERSIE


@pytest.mark.parametrize(("veld", "waarde", "regel", "tekst"), [
    ("uren", "zestien", "decimal_parsing", "De waarde moet een decimaal getal zijn (bijvoorbeeld 16,5)."),
    ("uren", "25", "less_than_equal", "De waarde mag ten hoogste 24 zijn."),
    ("uren", "1.234", "decimal_max_places", "Het getal mag ten hoogste 2 cijfers achter de komma hebben."),
    ("datum", "2026-02-30", "date_from_datetime_parsing",
     "De waarde moet een geldige datum zijn in de vorm JJJJ-MM-DD."),
    ("soort", BSN, "enum", "Kies een van de toegestane waarden: aanmelding of verzuim."),
    ("aantal", 0, "greater_than_equal", "De waarde moet ten minste 1 zijn."),
    ("naam", BSN, "string_too_long", "De tekst mag ten hoogste 5 tekens lang zijn."),
])
def test_a_validation_error_is_a_dutch_problem_without_the_value(veld: str, waarde: object, regel: str,
                                                                 tekst: str) -> None:
    body = _is_problem(_app().post("/v1/rijen", json={**GOED, veld: waarde}, headers=S), 422)
    assert body["fouten"] == [{"veld": veld, "regel": regel, "melding": tekst}]
    assert body["detail"] == tekst


def test_missing_and_unknown_fields_and_bad_json_are_dutch_problems() -> None:
    c = _app()
    body = _is_problem(c.post("/v1/rijen", json={k: v for k, v in GOED.items() if k != "naam"} | {"x": 1},
                              headers=S), 422)
    assert {(f["veld"], f["melding"]) for f in body["fouten"]} == {
        ("naam", "Dit veld is verplicht."), ("x", "Dit veld is onbekend; laat het weg.")}
    kapot = _is_problem(c.post("/v1/rijen", content=b"{kapot", headers={**S, "content-type": "application/json"}), 400)
    assert kapot["fouten"][0]["regel"] == "json_invalid"
    _is_problem(c.get("/v1/dingen/abc", headers=S), 422)


@pytest.mark.parametrize(("methode", "pad", "headers", "status"), [
    ("post", "/v1/rijen", {}, 401),
    ("post", "/v1/rijen", {"Authorization": "Bearer onbekend"}, 401),
    ("post", "/v1/rijen", {"Authorization": "Bearer t-analist"}, 403),
    ("get", "/v1/dingen/7", S, 404),
    ("get", "/v1/bestaat-niet", S, 404),
    ("delete", "/v1/rijen", S, 405),
    ("post", "/v1/conflict", S, 409),
    ("post", "/v1/eigen", S, 422),
    ("get", "/v1/stuk", S, 500),
])
def test_every_status_has_the_one_problem_shape(methode: str, pad: str, headers: dict[str, str],
                                                status: int) -> None:
    body = _is_problem(getattr(_app(), methode)(pad, headers=headers), status)
    if status == 409:
        assert body["title"] == "Versieconflict" and body["huidige_versie"] == 3
        assert body["fouten"][0]["regel"] == "actuele_versie"
    if status == 422:
        assert body["fouten"][0]["regel"] == "elfproef" and body["detail"] == "Het PGN voldoet niet aan de elfproef."


def test_the_edges_refusals_are_problems_too() -> None:
    c = _app()
    _is_problem(c.post("/v1/rijen", content=b"x" * 4096, headers={**S, "content-type": "application/json"}), 413)
    statuses = [c.post("/v1/rijen", json=GOED, headers=S).status_code for _ in range(45)]
    assert 429 in statuses
    body = _is_problem(c.post("/v1/rijen", json=GOED, headers=S), 429)
    assert body["fouten"][0]["regel"] == "te_veel_verzoeken"


def test_every_pydantic_error_type_has_a_dutch_message() -> None:
    assert set(typing.get_args(core_schema.ErrorType)) <= set(MELDINGEN)


HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.mark.parametrize(("pad", "cookie", "status", "tekst"), [
    ("/pagina?peildatum=2026-02-30", "t-school", 422, "geldige datum"),
    ("/pagina?peildatum=2026-11-02", "t-analist", 403, "geen toegang"),
    ("/bestaat-niet", "t-school", 404, "bestaat niet"),
])
def test_a_browser_on_a_page_gets_a_dutch_error_page_not_json(pad: str, cookie: str, status: int, tekst: str) -> None:
    c = _app()
    c.cookies.set("leerrecht_sessie", cookie)
    r = c.get(pad, headers=HTML)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["api-version"] == API_VERSIE
    for klasse in ("utrecht-page", "utrecht-heading-1", "utrecht-paragraph", "utrecht-alert"):
        assert klasse in r.text
    assert '<link rel="stylesheet" href="/static/kit/leerrecht.css">' in r.text
    assert tekst in r.text.lower()
    assert '"fouten"' not in r.text and "{" not in r.text
    assert "2026-02-30" not in r.text


def test_a_page_without_a_session_still_redirects_to_the_login() -> None:
    r = _app().get("/pagina?peildatum=2026-11-02", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/inloggen"
