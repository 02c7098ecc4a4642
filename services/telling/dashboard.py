"""The analysts' dashboard: national and regional trends of one published indicator (domain.md C).

Server-rendered (Jinja2, autoescaped): the tables are in the HTML, so the page works and is readable
without scripts and by screen readers; the charts are drawn by Chart.js (vendored under ``static/``,
see ``static/README.md``) from the JSON of ``/v1/reeksen`` — the same function that fills the tables,
so chart and table never disagree. Every figure carries its definition; suppressed cells are shown as
``<10`` with the reason. Login is the platform's (``/inloggen``, session cookie); only the roles
``analist`` and ``beheer`` get in, and ``beheer`` sees unsuppressed values, like in the API.
"""
# No `from __future__ import annotations`: FastAPI resolves the route's annotations.

from importlib import resources
from typing import Annotated, Any
from urllib.parse import urlencode

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, select_autoescape

from contracts.tekst import KorteTekst
from leerrecht.auth import Authenticator
from leerrecht.http import Principal, web_principal_dependency
from telling.api import (
    ONDERDRUKT_UITLEG,
    PEILDATUM_UITLEG,
    _onbeveiligd,
    _peildatum,
    gebiedsnamen,
    pool,
    reeksen,
    uitsplitsingen,
)
from telling.domain.figures import INDICATOREN, TABELLEN

STANDAARD = "thuiszitters"
_TABEL_NAMEN = {"afwezigheid": "Afwezigheid", "leerplichttelling": "Leerplichttelling (art. 25 Lpw)",
                "mas": "MAS-monitor", "vsv": "Voortijdig schoolverlaten", "doorstroompunt": "Doorstroompunt (RMC)",
                "leerrecht": "Leerrecht-telling"}
_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _env.from_string((resources.files("telling") / "templates" / "dashboard.html").read_text("utf-8"))
HEADERS = {
    "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


def keuzes() -> list[tuple[str, list[tuple[str, str]]]]:
    """The published indicators grouped by table, for the selection list."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for tabel in TABELLEN:
        items = [(i.id, i.id.replace("_", " ")) for i in INDICATOREN.values() if i.tabel == tabel and i.gepubliceerd]
        if items:
            out.append((_TABEL_NAMEN.get(tabel, tabel), items))
    return out


def build_dashboard_router(tokens: Authenticator) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    analist = web_principal_dependency(tokens, "analist", "beheer")

    @router.get("/")
    async def home() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=303)

    @router.get("/dashboard", response_class=HTMLResponse)
    async def dashboard(
        request: Request,
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analist)],
        indicator: Annotated[KorteTekst, Query()] = STANDAARD,
        regio: Annotated[str | None, Query(pattern=r"^(MC\d\d)?$")] = None,
        peildatum: Annotated[str | None, Query(max_length=10)] = None,
    ) -> HTMLResponse:
        regio = regio or None
        peil = _peildatum(peildatum or None)
        data = await reeksen(db, indicator, regio, _onbeveiligd(principal), peil)
        # the breakdowns of the latest period (person counts only: cases and sums are not broken down)
        u = (await uitsplitsingen(db, indicator, data["periodes"][-1], _onbeveiligd(principal), peil)
             if data["periodes"] and INDICATOREN[indicator].soort == "personen" else None)
        params: dict[str, Any] = {"indicator": indicator}
        if regio:
            params["regio"] = regio
        if peil:
            params["peildatum"] = peil.isoformat()
        regionamen, _, _ = gebiedsnamen()
        html = _TEMPLATE.render(
            d=data, u=u, regionamen=regionamen, principal=principal, keuzes=keuzes(), regios=sorted(regionamen.items()),
            gekozen_regio=regio, peildatum=peil.isoformat() if peil else "",
            bron="/v1/reeksen?" + urlencode(params),
            csv="/v1/cijfers.csv?" + urlencode({"indicator": indicator, "gebied": regio or "NL"}),
            parquet="/v1/cijfers.parquet?" + urlencode({k: v for k, v in params.items() if k != "regio"}),
            positie=sum(data["positie"].values()), onderdrukt_uitleg=ONDERDRUKT_UITLEG,
            peildatum_uitleg=PEILDATUM_UITLEG, voorbeeld_gemeente=(data["gemeenten"] or [{}])[0].get("gebied"),
        )
        return HTMLResponse(html, headers=HEADERS)

    return router
