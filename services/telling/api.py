"""HTTP API for national figures (domain.md C). Analysts see aggregates with disclosure control
applied (counts 1–9 and whatever would reveal them shown as ``<10``); the role ``beheer`` sees the
unsuppressed values, with the flag saying what the public sees. Every answer states its as-of
position, so a figure can be reproduced from the log.
"""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.


import csv
import io
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from leerrecht.http import Principal
from leerrecht.kalender import load_region_table
from telling.domain.disclosure import Gepubliceerd
from telling.domain.figures import INDICATOREN, NATIONAAL, TABELLEN
from telling.tabellen import beveilig, gebied_type, lees_tabellen, positie

GEBIED = r"^(NL|MC\d\d|GM\d{4})$"
JAAR = r"^\d{4}-\d{4}$"


def pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.runtime.pool
    return p


def _onbeveiligd(principal: Principal) -> bool:
    return principal.role == "beheer"


async def _cijfers(db: asyncpg.Pool, gebied: str, indicator: str | None, periode: str | None,
                   tabel: str | None, onbeveiligd: bool) -> dict[str, Any]:
    if indicator is not None and indicator not in INDICATOREN:
        raise HTTPException(404, f"Onbekende indicator '{indicator}'")
    if tabel is not None and tabel not in TABELLEN:
        raise HTTPException(404, f"Onbekende tabel '{tabel}'; kies uit {', '.join(TABELLEN)}")
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(
            "SELECT indicator, periode, waarde FROM cijfer WHERE gebied = $1 "
            "AND ($2::text IS NULL OR indicator = $2) AND ($3::text IS NULL OR periode = $3) "
            "ORDER BY indicator, periode",
            gebied, indicator, periode,
        )
        rows = [r for r in rows if tabel is None or INDICATOREN[r["indicator"]].tabel == tabel]
        paren = sorted({(r["indicator"], r["periode"]) for r in rows
                        if INDICATOREN[r["indicator"]].gepubliceerd})
        tabellen = await lees_tabellen(conn, paren)
        pos = await positie(conn)
    cijfers = []
    for r in rows:
        ind = INDICATOREN[r["indicator"]]
        waarde = float(r["waarde"]) if ind.soort == "som" else int(r["waarde"])
        shown = (beveilig(tabellen[(r["indicator"], r["periode"])]).get(gebied)
                 if ind.gepubliceerd else None)
        onderdrukt = shown is not None and shown.onderdrukt
        cijfers.append({
            "indicator": ind.id,
            "tabel": ind.tabel,
            "periode": r["periode"],
            "periode_soort": ind.periode,
            "waarde": waarde if (onbeveiligd or not onderdrukt) else None,
            "onderdrukt": onderdrukt,
            "weergave": shown.weergave if (shown is not None and not onbeveiligd) else str(waarde),
            "definitie": ind.definitie,
            "definitie_id": ind.definitie_id,
        })
    return {"gebied": gebied, "gebied_type": gebied_type(gebied).value, "positie": pos,
            "onbeveiligd": onbeveiligd, "cijfers": cijfers}


# The leerplichttelling form (art. 25 Lpw, domain.md C): section → field → indicator.
FORMULIER: dict[str, dict[str, str] | str] = {
    "absoluut_verzuim": {"totaal": "absoluut_verzuim",
                         "langer_dan_3_maanden": "absoluut_verzuim_langer_dan_3_maanden"},
    "relatief_verzuim": {"leerlingen": "relatief_verzuim", "herhaald": "relatief_verzuim_herhaald"},
    "luxeverzuim": "luxeverzuim",
    "langdurig_relatief_verzuim": {
        "totaal": "lrv", "op_1_september": "lrv_op_1_september", "nieuw": "lrv_nieuw",
        "langer_dan_3_maanden": "lrv_langer_dan_3_maanden", "verhuisd": "lrv_verhuisd",
    },
    "vrijstellingen": {
        i.id.removeprefix("vrijstellingen_"): i.id
        for i in INDICATOREN.values() if i.id.startswith("vrijstellingen_")
    },
    "processen_verbaal": "processen_verbaal",
    "halt_verwijzingen": "halt_verwijzingen",
    "thuiszitters": "thuiszitters",
}


def _formulier_indicatoren() -> list[str]:
    out: list[str] = []
    for v in FORMULIER.values():
        out.extend(v.values() if isinstance(v, dict) else [v])
    return out


def build_router(analyst: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["telling"])

    @router.get("/cijfers", summary="Cijfers per indicator, gebied en periode, met definities en peilpositie")
    async def cijfers(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str, Query(pattern=GEBIED)] = NATIONAAL,
        indicator: Annotated[str | None, Query(max_length=64)] = None,
        periode: Annotated[str | None, Query(pattern=JAAR)] = None,
        tabel: Annotated[str | None, Query(max_length=32)] = None,
    ) -> dict[str, Any]:
        return await _cijfers(db, gebied, indicator, periode, tabel, _onbeveiligd(principal))

    @router.get("/cijfers.csv", summary="Cijfers als CSV (puntkomma-gescheiden, UTF-8)",
                response_class=Response)
    async def cijfers_csv(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str, Query(pattern=GEBIED)] = NATIONAAL,
        indicator: Annotated[str | None, Query(max_length=64)] = None,
        periode: Annotated[str | None, Query(pattern=JAAR)] = None,
        tabel: Annotated[str | None, Query(max_length=32)] = None,
    ) -> Response:
        data = await _cijfers(db, gebied, indicator, periode, tabel, _onbeveiligd(principal))
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\n")
        w.writerow(["indicator", "definitie_id", "gebied_type", "gebied", "periode_soort", "periode",
                    "waarde", "onderdrukt"])
        for c in data["cijfers"]:
            w.writerow([c["indicator"], c["definitie_id"], data["gebied_type"], data["gebied"],
                        c["periode_soort"], c["periode"],
                        c["weergave"] if c["waarde"] is None else c["waarde"],
                        "ja" if c["onderdrukt"] else "nee"])
        pos = ",".join(f"{k}={v}" for k, v in data["positie"].items())
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="cijfers-{gebied}.csv"',
            "X-Leerrecht-Positie": pos[:4000],
        })

    @router.get("/leerplichttelling/{gemeentecode}/{schooljaar}",
                summary="De leerplichttelling (art. 25 Lpw) van een gemeente, als het jaarformulier")
    async def leerplichttelling(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gemeentecode: Annotated[str, Path(pattern=r"^GM\d{4}$")],
        schooljaar: Annotated[str, Path(pattern=JAAR)],
    ) -> dict[str, Any]:
        if int(schooljaar[5:]) != int(schooljaar[:4]) + 1:
            raise HTTPException(422, "Schooljaar moet de vorm JJJJ-JJJJ hebben met opeenvolgende jaren")
        try:
            gemeente = load_region_table().region_for(gemeentecode)
        except KeyError:
            raise HTTPException(404, f"Onbekende gemeente '{gemeentecode}'") from None
        onbeveiligd = _onbeveiligd(principal)
        namen = _formulier_indicatoren()
        async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            tabellen = await lees_tabellen(conn, [(n, schooljaar) for n in namen])
            pos = await positie(conn)

        def veld(naam: str) -> dict[str, Any]:
            tabel = tabellen[(naam, schooljaar)]
            ruw = tabel.get(gemeentecode, (None, 0))[1]
            shown = beveilig(tabel).get(gemeentecode, Gepubliceerd(ruw, False))
            if onbeveiligd:
                return {"waarde": ruw, "weergave": str(ruw), "onderdrukt": shown.onderdrukt}
            return {"waarde": shown.waarde, "weergave": shown.weergave, "onderdrukt": shown.onderdrukt}

        form: dict[str, Any] = {}
        for sectie, inhoud in FORMULIER.items():
            form[sectie] = ({k: veld(v) for k, v in inhoud.items()} if isinstance(inhoud, dict)
                            else veld(inhoud))
        return {
            "gemeente": gemeente.gemeentecode,
            "gemeentenaam": gemeente.gemeentenaam,
            "regio": gemeente.rmc_regiocode,
            "schooljaar": schooljaar,
            "positie": pos,
            "onbeveiligd": onbeveiligd,
            "telling": form,
            "definities": {n: INDICATOREN[n].definitie for n in namen},
        }

    @router.get("/definities", summary="Alle indicatoren: definitie, bronnen (events) en wat nog ontbreekt")
    async def definities(_: Annotated[Principal, Depends(analyst)]) -> dict[str, Any]:
        return {"indicatoren": [
            {"indicator": i.id, "definitie_id": i.definitie_id, "tabel": i.tabel, "periode_soort": i.periode,
             "soort": i.soort, "definitie": i.definitie, "bronnen": list(dict.fromkeys(i.bronnen)),
             "gepubliceerd_op_stroom": i.gepubliceerd, "uitgesteld": i.uitgesteld or None}
            for i in INDICATOREN.values()
        ]}

    return router
