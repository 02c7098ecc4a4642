"""The analysts' dashboard: national and regional trends of one published indicator (domain.md C).

Server-rendered on the page kit (:mod:`leerrecht.pagina`, autoescaped): the tables are in the HTML, so
the page works and is readable without scripts and by screen readers; the charts are drawn by Chart.js
(the kit's vendored copy) from the JSON of ``/v1/reeksen`` and ``/v1/maandreeksen`` — the same
functions that fill the tables, so chart and table never disagree. Indicators carry plain Dutch names
(:mod:`telling.labels`), the definition is shown once, suppressed cells are shown as ``<10`` and as a
hatched bar in the charts, and what is not published is explained. With no choice made the page opens
on a figure that has data. Login is the platform's (``/inloggen``, session cookie); only the roles
``analist`` and ``beheer`` get in, and ``beheer`` sees unsuppressed values, like in the API.
"""
# No `from __future__ import annotations`: FastAPI resolves the route's annotations.

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from contracts.tekst import KorteTekst
from leerrecht import pagina
from leerrecht.auth import Authenticator
from leerrecht.http import Principal, web_principal_dependency
from telling import labels
from telling.api import (
    ONDERDRUKT_UITLEG,
    PEILDATUM_UITLEG,
    _onbeveiligd,
    _peildatum,
    gebiedsnamen,
    maandreeks,
    percentages,
    pool,
    reeksen,
    uitsplitsingen,
)
from telling.domain.disclosure import MIN_NOEMER
from telling.domain.figures import INDICATOREN, NATIONAAL, TABELLEN

STANDAARD = "thuiszitters"
_env = pagina.omgeving(Path(__file__).parent / "templates")
HEADERS = {
    "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}


def keuzes() -> list[tuple[str, list[tuple[str, str]]]]:
    """The published indicators grouped by table, by their plain names, for the selection list."""
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for tabel in TABELLEN:
        items = [(i.id, labels.naam(i.id)) for i in INDICATOREN.values() if i.tabel == tabel and i.gepubliceerd]
        if items:
            out.append((labels.TABELLEN.get(tabel, tabel), items))
    return out


async def met_gegevens(db: asyncpg.Pool) -> list[str]:
    """The published indicators that have a figure other than 0, in the order of the selection list."""
    async with db.acquire() as conn:
        gevuld = {r["indicator"] for r in await conn.fetch(
            "SELECT DISTINCT indicator FROM cijfer WHERE gebied = $1 AND uitsplitsing = '' AND waarde <> 0",
            NATIONAAL)}
    return [i for _, items in keuzes() for i, _ in items if i in gevuld]


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
        indicator: Annotated[KorteTekst | None, Query()] = None,
        regio: Annotated[str | None, Query(pattern=r"^(MC\d\d)?$")] = None,
        peildatum: Annotated[str | None, Query(max_length=10)] = None,
    ) -> HTMLResponse:
        regio = regio or None
        peil = _peildatum(peildatum or None)
        gevuld = await met_gegevens(db)
        if not indicator:  # open on a figure that has data (the usual one when it has)
            indicator = STANDAARD if STANDAARD in gevuld or not gevuld else gevuld[0]
        data = await reeksen(db, indicator, regio, _onbeveiligd(principal), peil)
        ind = INDICATOREN[indicator]
        # the breakdowns of the latest period (person counts only: cases and sums are not broken down)
        u = (await uitsplitsingen(db, indicator, data["periodes"][-1], _onbeveiligd(principal), peil)
             if data["periodes"] and ind.soort == "personen" else None)
        maanden = await maandreeks(db, indicator, regio or NATIONAAL, _onbeveiligd(principal))
        pct = await percentages(db, regio or NATIONAAL, None, _onbeveiligd(principal), peil)
        eigen = [p for p in pct["percentages"]
                 if indicator in (p["teller"], p["noemer"]) or INDICATOREN[p["teller"]].tabel == ind.tabel]
        params: dict[str, Any] = {"indicator": indicator}
        if regio:
            params["regio"] = regio
        if peil:
            params["peildatum"] = peil.isoformat()
        regionamen, _, _ = gebiedsnamen()
        html = _env.get_template("dashboard.html").render(
            d=data, u=u, m=maanden, percentages=eigen, pct_toelichting=pct["toelichting"], regionamen=regionamen,
            principal=principal, keuzes=keuzes(), gevuld=set(gevuld), regios=sorted(regionamen.items()),
            gekozen_regio=regio, peildatum=peil.isoformat() if peil else "", naam=labels.naam(indicator),
            labels=labels, tabelnaam=labels.TABELLEN.get(ind.tabel, ind.tabel),
            bron="/v1/reeksen?" + urlencode(params),
            maandbron=pagina.json_blok(maanden),
            csv="/v1/cijfers.csv?" + urlencode({"indicator": indicator, "gebied": regio or "NL"}),
            parquet="/v1/cijfers.parquet?" + urlencode({k: v for k, v in params.items() if k != "regio"}),
            positie=sum(data["positie"].values()), onderdrukt_uitleg=ONDERDRUKT_UITLEG,
            peildatum_uitleg=PEILDATUM_UITLEG, voorbeeld_gemeente=(data["gemeenten"] or [{}])[0].get("gebied"),
            min_noemer=MIN_NOEMER,
        )
        return HTMLResponse(html, headers=HEADERS)

    return router
