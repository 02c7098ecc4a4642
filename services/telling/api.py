"""HTTP API for national figures (domain.md C). Analysts see aggregates with disclosure control
applied (counts 1–9 and whatever would reveal them shown as ``<10``); the role ``beheer`` sees the
unsuppressed values, with the flag saying what the public sees. Every answer states its as-of
position, so a figure can be reproduced from the log.
"""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.


import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from contracts.tekst import KorteTekst, Tabelnaam
from leerrecht.grenzen import EERSTE_DAG, LAATSTE_DAG, Dag
from leerrecht.http import Principal, runtime_pool
from leerrecht.kalender import load_region_table
from telling.domain.disclosure import MIN_NOEMER, WEERGAVE_ONDERDRUKT, Gepubliceerd, aandeel
from telling.domain.figures import AANDELEN, INDICATOREN, NATIONAAL, TABELLEN, UITSPLITSINGEN, Indicator
from telling.domain.maandreeks import publiceer_maanden
from telling.tabellen import (
    beveilig,
    beveilig_uitsplitsingen,
    gebied_type,
    lees_cellen,
    lees_personen,
    lees_tabellen,
    lees_uitsplitsingen,
    positie,
)

GEBIED = r"^(NL|MC\d\d|GM\d{4})$"
JAAR = r"^\d{4}-\d{4}$"

PEILDATUM_UITLEG = (
    "Cijfers zoals ze stonden aan het eind van de peildatum: berekend uit precies de events die het "
    "platform op of vóór die dag in het log vastlegde (recordedtime, Nederlandse tijd), voor zover telling "
    "ze al gelezen heeft (zie positie). De periode van een cijfer volgt de gebeurtenisdatum (bijvoorbeeld "
    "het schooljaar van de einddatum van een melding); de peildatum volgt de registratiedatum. Een latere "
    "correctie (een ingetrokken melding) verandert de cijfers vanaf de dag van de correctie, niet ervoor."
)
PEILDATUM_DAG = f"JJJJ-MM-DD, van {EERSTE_DAG} tot en met {LAATSTE_DAG}. " + PEILDATUM_UITLEG
ONDERDRUKT_UITLEG = (
    "'<10' betekent: niet gepubliceerd. Aantallen van 1 tot en met 9 personen worden niet getoond, en ook "
    "een cel waaruit zo'n aantal terug te rekenen zou zijn (secundaire onderdrukking). Een som (uren, "
    "aantal registraties) die op 1 tot en met 9 personen rust wordt net zo onderdrukt."
)


pool = runtime_pool


def _onbeveiligd(principal: Principal) -> bool:
    return principal.role == "beheer"


_DAG: TypeAdapter[date] = TypeAdapter(Dag)


def _peildatum(tekst: str | None) -> date | None:
    """For the dashboard's form, whose empty field means "no peildatum": the same check as the API's."""
    if not tekst:
        return None
    try:
        return _DAG.validate_python(tekst)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("query", "peildatum")} for e in exc.errors(
            include_url=False, include_input=False, include_context=False)]) from None


def _gepubliceerd(indicator: str) -> Indicator:
    """The published indicator of that name; an unknown or internal one is a 404 that does not repeat it."""
    ind = INDICATOREN.get(indicator)
    if ind is None or not ind.gepubliceerd:
        raise HTTPException(404, "Onbekende of niet gepubliceerde indicator; GET /v1/definities noemt ze alle")
    return ind


async def _cijfers(db: asyncpg.Pool, gebied: str | None, indicator: str | None, periode: str | None,
                   tabel: str | None, onbeveiligd: bool, peildatum: date | None = None) -> dict[str, Any]:
    """Cells with definitions and disclosure control; ``gebied=None``: every area (the exports)."""
    if indicator is not None and indicator not in INDICATOREN:
        raise HTTPException(404, "Onbekende indicator; GET /v1/definities noemt ze alle")
    if tabel is not None and tabel not in TABELLEN:
        raise HTTPException(404, f"Onbekende tabel; kies uit {', '.join(TABELLEN)}")
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await lees_cellen(conn, gebied, indicator, periode, peildatum)
        rows = [r for r in rows if tabel is None or INDICATOREN[r["indicator"]].tabel == tabel]
        # every figure, counts and sums alike (domain.md C): a sum is suppressed by the persons it rests on
        paren = sorted({(r["indicator"], r["periode"]) for r in rows})
        tabellen = await lees_tabellen(conn, paren, peildatum)
        personen = await lees_personen(conn, [p for p in paren if not INDICATOREN[p[0]].telt_leden], peildatum)
        pos = await positie(conn)
    beveiligd = {p: beveilig(t, personen.get(p)) for p, t in tabellen.items()}
    cijfers = []
    for r in rows:
        ind = INDICATOREN[r["indicator"]]
        waarde = float(r["waarde"]) if ind.soort == "som" else int(r["waarde"])
        shown = beveiligd[(r["indicator"], r["periode"])].get(r["gebied"])
        onderdrukt = shown is not None and shown.onderdrukt
        cijfers.append({
            "indicator": ind.id,
            "tabel": ind.tabel,
            "gebied": r["gebied"],
            "gebied_type": gebied_type(r["gebied"]).value,
            "periode": r["periode"],
            "periode_soort": ind.periode,
            "waarde": waarde if (onbeveiligd or not onderdrukt) else None,
            "onderdrukt": onderdrukt,
            "weergave": WEERGAVE_ONDERDRUKT if (onderdrukt and not onbeveiligd) else str(waarde),
            "definitie": ind.definitie,
            "definitie_id": ind.definitie_id,
        })
    out: dict[str, Any] = {"positie": pos, "onbeveiligd": onbeveiligd, "cijfers": cijfers}
    if gebied is not None:
        out = {"gebied": gebied, "gebied_type": gebied_type(gebied).value, **out}
    if peildatum is not None:
        out["peildatum"] = peildatum.isoformat()
        out["peildatum_betekenis"] = PEILDATUM_UITLEG
    return out


def parquet_export(data: dict[str, Any], peildatum: date | None) -> bytes:
    """The figures as one Parquet file: a row per (indicator, gebied, periode) with its definition;
    the file's key-value metadata carries the as-of position, the peildatum and every definition, so
    the file alone says what it contains and how to reproduce it from the log."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    c = data["cijfers"]
    kolommen = {
        "indicator": pa.array([x["indicator"] for x in c], pa.string()),
        "definitie_id": pa.array([x["definitie_id"] for x in c], pa.string()),
        "tabel": pa.array([x["tabel"] for x in c], pa.string()),
        "gebied_type": pa.array([x["gebied_type"] for x in c], pa.string()),
        "gebied": pa.array([x["gebied"] for x in c], pa.string()),
        "periode_soort": pa.array([x["periode_soort"] for x in c], pa.string()),
        "periode": pa.array([x["periode"] for x in c], pa.string()),
        "waarde": pa.array([x["waarde"] for x in c], pa.float64()),
        "weergave": pa.array([x["weergave"] for x in c], pa.string()),
        "onderdrukt": pa.array([x["onderdrukt"] for x in c], pa.bool_()),
        "definitie": pa.array([x["definitie"] for x in c], pa.string()).dictionary_encode(),
    }
    gebruikt = sorted({x["indicator"] for x in c})
    meta = {
        "leerrecht.positie": json.dumps(data["positie"], sort_keys=True),
        "leerrecht.peildatum": peildatum.isoformat() if peildatum else "",
        "leerrecht.peildatum_betekenis": PEILDATUM_UITLEG if peildatum else "",
        "leerrecht.onbeveiligd": "ja" if data["onbeveiligd"] else "nee",
        "leerrecht.onderdrukking": ONDERDRUKT_UITLEG,
        "leerrecht.aangemaakt_op": datetime.now(UTC).isoformat(timespec="seconds"),
        "leerrecht.definities": json.dumps({
            i: {"definitie_id": INDICATOREN[i].definitie_id, "definitie": INDICATOREN[i].definitie,
                "periode_soort": INDICATOREN[i].periode, "soort": INDICATOREN[i].soort,
                "uitgesteld": INDICATOREN[i].uitgesteld or None}
            for i in gebruikt
        }, ensure_ascii=False, sort_keys=True),
    }
    table = pa.table(kolommen).replace_schema_metadata({k: v.encode() for k, v in meta.items()})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


# Region and municipality names for the dashboard (the shipped table's newest version).
def gebiedsnamen() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(region code → name, municipality code → name, municipality code → region code)."""
    versie = load_region_table().version_on()
    regios = {g.rmc_regiocode: g.rmc_regionaam for g in versie.gemeenten.values()}
    return regios, {g.gemeentecode: g.gemeentenaam for g in versie.gemeenten.values()}, \
        {g.gemeentecode: g.rmc_regiocode for g in versie.gemeenten.values()}


async def reeksen(db: asyncpg.Pool, indicator: str, regio: str | None, onbeveiligd: bool,
                  peildatum: date | None = None) -> dict[str, Any]:
    """One published indicator over all its periods: NL, every region, and the municipalities of
    ``regio``; disclosure control per (indicator, periode) table. Feeds the dashboard's charts and
    tables (the page and its JSON show exactly the same numbers)."""
    ind = _gepubliceerd(indicator)
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        periodes = [r["periode"] for r in await conn.fetch(
            "SELECT DISTINCT periode FROM cijfer WHERE indicator = $1 ORDER BY periode", indicator)]
        tabellen = await lees_tabellen(conn, [(indicator, p) for p in periodes], peildatum)
        pos = await positie(conn)
    periodes = [p for p in periodes if tabellen[(indicator, p)]]
    beveiligd = {p: beveilig(tabellen[(indicator, p)]) for p in periodes}
    regionamen, gemeentenamen, gemeenteregio = gebiedsnamen()

    def waarden(gebied: str) -> list[dict[str, Any]]:
        out = []
        for p in periodes:
            ruw = tabellen[(indicator, p)].get(gebied, (None, 0))[1]
            shown = beveiligd[p].get(gebied, Gepubliceerd(ruw, False))
            out.append({"periode": p, "waarde": ruw if onbeveiligd else shown.waarde,
                        "weergave": str(ruw) if onbeveiligd else shown.weergave, "onderdrukt": shown.onderdrukt})
        return out

    gebieden = {g for t in tabellen.values() for g in t}
    regios = sorted(g for g in gebieden if g.startswith("MC"))
    gemeenten = sorted(g for g in gebieden if g.startswith("GM") and gemeenteregio.get(g) == regio)
    return {
        "indicator": ind.id, "definitie_id": ind.definitie_id, "definitie": ind.definitie, "tabel": ind.tabel,
        "periode_soort": ind.periode, "uitgesteld": ind.uitgesteld or None,
        "periodes": periodes, "positie": pos, "onbeveiligd": onbeveiligd,
        "peildatum": peildatum.isoformat() if peildatum else None,
        "toelichting_onderdrukt": ONDERDRUKT_UITLEG, "weergave_onderdrukt": WEERGAVE_ONDERDRUKT,
        "landelijk": {"gebied": NATIONAAL, "naam": "Nederland", "waarden": waarden(NATIONAAL)},
        "regios": [{"gebied": r, "naam": regionamen.get(r, r), "waarden": waarden(r)} for r in regios],
        "regio": ({"gebied": regio, "naam": regionamen.get(regio, regio), "waarden": waarden(regio)}
                  if regio else None),
        "gemeenten": [{"gebied": g, "naam": gemeentenamen.get(g, g), "waarden": waarden(g)} for g in gemeenten],
    }


MAANDNAMEN = ("aug", "sep", "okt", "nov", "dec", "jan", "feb", "mrt", "apr", "mei", "jun", "jul",
              "aug", "sep")


def maandeinden(periode: str, soort: str) -> list[date]:
    """The last day of every month of a schooljaar (August to July) or vsv-jaar (October to September)."""
    eerste = int(periode[:4])
    begin = 8 if soort == "schooljaar" else 10
    out = []
    for i in range(12):
        jaar, maand = eerste + (begin - 1 + i) // 12, (begin - 1 + i) % 12 + 1
        volgende = date(jaar + (maand == 12), maand % 12 + 1, 1)
        out.append(volgende - timedelta(days=1))
    return out


async def maandreeks(db: asyncpg.Pool, indicator: str, gebied: str, onbeveiligd: bool) -> dict[str, Any]:
    """The monthly trend of one indicator in one area: for every schooljaar (or vsv-jaar) the value as it
    stood at the end of each month, so the years lie side by side, month by month.

    Why as of month ends and not a month dimension in the count: every cell already keeps its history
    per registratiedag (``cel_historie``, part of the content hash), so "the figure at the end of
    November" is the sum of that history up to that day, exactly what ``peildatum`` reads, for every
    figure alike, and a rebuild reaches the same series. Each month's table gets disclosure control of
    its own, as a peildatum read does, and the months of a year are protected against differencing:
    no two published month ends of an area differ by 1–9 (:mod:`telling.domain.maandreeks`). Months
    after the klok (the last day the log has passed) are left out: they have not happened yet."""
    ind = _gepubliceerd(indicator)
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        periodes = [r["periode"] for r in await conn.fetch(
            "SELECT DISTINCT periode FROM cijfer WHERE indicator = $1 AND waarde <> 0 ORDER BY periode", indicator)]
        klok = await conn.fetchval("SELECT datum FROM telling_klok WHERE id = 1")
        jaren = []
        for p in periodes:
            eindes = [e for e in maandeinden(p, ind.periode) if klok is not None and e <= klok]
            tabellen = [(await lees_tabellen(conn, [(indicator, p)], einde))[(indicator, p)] for einde in eindes]
            # every month's table protected, and no two published month ends differing by 1–9
            beveiligd = publiceer_maanden(tabellen)
            waarden: list[dict[str, Any] | None] = []
            for einde, tabel, getoond in zip(eindes, tabellen, beveiligd, strict=True):
                ruw = tabel.get(gebied, (None, 0))[1]
                shown = getoond.get(gebied, Gepubliceerd(ruw, False))
                waarden.append({"einde": einde.isoformat(), "waarde": ruw if onbeveiligd else shown.waarde,
                                "weergave": str(ruw) if onbeveiligd else shown.weergave,
                                "onderdrukt": shown.onderdrukt})
            waarden += [None] * (12 - len(eindes))  # months after the klok have not happened yet
            jaren.append({"periode": p, "waarden": waarden})
    begin = 0 if ind.periode == "schooljaar" else 2
    return {"indicator": ind.id, "gebied": gebied, "periode_soort": ind.periode,
            "maanden": list(MAANDNAMEN[begin:begin + 12]), "jaren": jaren, "onbeveiligd": onbeveiligd,
            "klok": klok.isoformat() if klok else None}


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


# The form's wording (Dutch labels per section and field), for the CSV export and the page.
SECTIES = {
    "absoluut_verzuim": "Absoluut verzuim", "relatief_verzuim": "Relatief verzuim (16 uur in 4 weken)",
    "luxeverzuim": "Luxeverzuim", "langdurig_relatief_verzuim": "Langdurig relatief verzuim",
    "vrijstellingen": "Vrijstellingen", "processen_verbaal": "Processen-verbaal",
    "halt_verwijzingen": "Halt-verwijzingen", "thuiszitters": "Thuiszitters (absoluut verzuim + LRV)",
}
ONDERDELEN = {
    "totaal": "Totaal", "langer_dan_3_maanden": "Langer dan 3 maanden", "leerlingen": "Leerlingen",
    "herhaald": "Waarvan herhaald", "op_1_september": "Op 1 september", "nieuw": "Nieuw in het schooljaar",
    "verhuisd": "Verhuisd tijdens LRV",
    **{a: f"Artikel {a}" for a in ("5a", "5b", "5c", "15", "3a", "3b")},
}


def _formulier_indicatoren() -> list[str]:
    out: list[str] = []
    for v in FORMULIER.values():
        out.extend(v.values() if isinstance(v, dict) else [v])
    return out


async def formulier(db: asyncpg.Pool, gemeentecode: str, schooljaar: str, onbeveiligd: bool,
                    peildatum: date | None = None) -> dict[str, Any]:
    """The leerplichttelling of one municipality in the shape of the annual form (art. 25 Lpw)."""
    if int(schooljaar[5:]) != int(schooljaar[:4]) + 1:
        raise HTTPException(422, "Schooljaar moet de vorm JJJJ-JJJJ hebben met opeenvolgende jaren")
    try:
        gemeente = load_region_table().region_for(gemeentecode)
    except KeyError:
        raise HTTPException(404, "Onbekende gemeente: geen gemeente met deze code in de regiotabel") from None
    namen = _formulier_indicatoren()
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        tabellen = await lees_tabellen(conn, [(n, schooljaar) for n in namen], peildatum)
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
    out = {
        "gemeente": gemeente.gemeentecode,
        "gemeentenaam": gemeente.gemeentenaam,
        "regio": gemeente.rmc_regiocode,
        "schooljaar": schooljaar,
        "positie": pos,
        "onbeveiligd": onbeveiligd,
        "telling": form,
        "definities": {n: INDICATOREN[n].definitie for n in namen},
        "toelichting_onderdrukt": ONDERDRUKT_UITLEG,
    }
    if peildatum is not None:
        out["peildatum"] = peildatum.isoformat()
        out["peildatum_betekenis"] = PEILDATUM_UITLEG
    return out


def formulier_csv(form: dict[str, Any]) -> str:
    """One line per field of the form, with its label, value and definition (semicolons, UTF-8)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["gemeente", "gemeentenaam", "schooljaar", "sectie", "onderdeel", "omschrijving", "waarde",
                "onderdrukt", "indicator", "definitie_id", "definitie"])
    for sectie, inhoud in FORMULIER.items():
        velden = inhoud.items() if isinstance(inhoud, dict) else [("totaal", inhoud)]
        for onderdeel, naam in velden:
            v = form["telling"][sectie][onderdeel] if isinstance(inhoud, dict) else form["telling"][sectie]
            omschrijving = SECTIES[sectie] + ("" if not isinstance(inhoud, dict) else
                                              f" – {ONDERDELEN.get(onderdeel, onderdeel)}")
            w.writerow([form["gemeente"], form["gemeentenaam"], form["schooljaar"], sectie, onderdeel,
                        omschrijving, v["weergave"], "ja" if v["onderdrukt"] else "nee", naam,
                        INDICATOREN[naam].definitie_id, INDICATOREN[naam].definitie])
    return buf.getvalue()


def _positie_kop(pos: dict[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in pos.items())[:4000]


async def uitsplitsingen(db: asyncpg.Pool, indicator: str, periode: str, onbeveiligd: bool,
                         peildatum: date | None = None) -> dict[str, Any]:
    """One figure of one period for NL and every region, broken down by school type and by age band
    (C), with the disclosure control of the area table and its breakdowns applied together."""
    ind = _gepubliceerd(indicator)
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        tabel = (await lees_tabellen(conn, [(indicator, periode)], peildatum))[(indicator, periode)]
        ruw = (await lees_uitsplitsingen(conn, [(indicator, periode)], peildatum))[(indicator, periode)]
        pos = await positie(conn)
    gebieden = beveilig(tabel)
    shown = beveilig_uitsplitsingen(tabel, gebieden, ruw)
    rijen = sorted({g for g in tabel if g == NATIONAAL or g.startswith("MC")})

    def cel(waarde: int, s: Gepubliceerd | None) -> dict[str, Any]:
        onderdrukt = s is not None and s.onderdrukt
        return {"waarde": waarde if onbeveiligd or not onderdrukt else None, "onderdrukt": onderdrukt,
                "weergave": str(waarde) if onbeveiligd or s is None else s.weergave}

    return {
        "indicator": ind.id, "definitie_id": ind.definitie_id, "definitie": ind.definitie, "periode": periode,
        "positie": pos, "onbeveiligd": onbeveiligd,
        **({"peildatum": peildatum.isoformat()} if peildatum else {}),
        "uitsplitsingen": {
            dimensie: [{
                "gebied": g, "gebied_type": gebied_type(g).value,
                "totaal": cel(tabel[g][1], gebieden.get(g)),
                "categorieen": {c: cel(ruw.get((g, f"{dimensie}:{c}"), 0), shown.get((g, f"{dimensie}:{c}")))
                                for c in categorieen},
            } for g in rijen]
            for dimensie, categorieen in UITSPLITSINGEN.items()
        },
        "toelichting": "Per gebied tellen de categorieën op tot hooguit het totaal: wie in de periode in twee "
                       "categorieën viel telt in beide, wie geen bekend schooltype of geboortejaar heeft alleen "
                       "in het totaal. " + ONDERDRUKT_UITLEG,
    }


async def percentages(db: asyncpg.Pool, gebied: str, periode: str | None, onbeveiligd: bool,
                      peildatum: date | None = None) -> dict[str, Any]:
    """The rates of C (vsv %, Halt recidive, MAS share per route) from the published counts: a rate
    only where the denominator is at least 100 and the numerator is shown (disclosure control)."""
    data = await _cijfers(db, gebied, None, periode, None, onbeveiligd, peildatum)
    per: dict[tuple[str, str], dict[str, Any]] = {(c["indicator"], c["periode"]): c for c in data["cijfers"]}
    perioden = sorted({p for _, p in per})
    out = []
    for a in AANDELEN.values():
        for p in perioden:
            t, n = per.get((a.teller, p)), per.get((a.noemer, p))
            if n is None:
                continue
            teller = 0 if t is None else t["waarde"]
            noemer = n["waarde"]
            # what the public may see; beheer sees the rate itself as well, with this flag
            publiek = aandeel(None if t is not None and t["onderdrukt"] else teller,
                              None if n["onderdrukt"] else noemer)
            pct = (100.0 * teller / noemer if noemer else None) if onbeveiligd else (
                None if publiek is None else 100.0 * publiek)
            out.append({"aandeel": a.id, "periode": p, "teller": a.teller, "noemer": a.noemer,
                        "teller_waarde": teller, "noemer_waarde": noemer,
                        "percentage": None if pct is None else round(pct, 1), "gepubliceerd": publiek is not None,
                        "definitie": a.definitie})
    return {"gebied": gebied, "positie": data["positie"], "onbeveiligd": onbeveiligd, "percentages": out,
            "toelichting": f"Een percentage wordt alleen gepubliceerd als de noemer minstens {MIN_NOEMER} is "
                           "en de teller getoond wordt (domain.md C)."}


def build_router(analyst: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["telling"])

    @router.get("/cijfers", summary="Cijfers per indicator, gebied en periode, met definities en peilpositie",
        description=("De gepubliceerde cijfers van een gebied (landelijk, een regio of een "
                     "gemeente), eventueel beperkt tot een indicator, periode of tabel, met de "
                     "definitie van elk cijfer en de positie in het eventlog waarop ze berusten. Met"
                     " peildatum de stand zoals die op die dag was. Kleine aantallen (1 t/m 9) zijn "
                     "onderdrukt en als zodanig gemarkeerd. 404 bij een onbekende indicator of "
                     "tabel, 422 bij een ongeldig gebied, periode of peildatum."))
    async def cijfers(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str, Query(pattern=GEBIED)] = NATIONAAL,
        indicator: Annotated[KorteTekst | None, Query()] = None,
        periode: Annotated[str | None, Query(pattern=JAAR)] = None,
        tabel: Annotated[Tabelnaam | None, Query()] = None,
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> dict[str, Any]:
        return await _cijfers(db, gebied, indicator, periode, tabel, _onbeveiligd(principal),
                              peildatum)

    @router.get("/cijfers.csv", summary="Cijfers als CSV (puntkomma-gescheiden, UTF-8)",
        description=("Dezelfde cijfers als GET /v1/cijfers als CSV om in een spreadsheet te openen: "
                     "een regel per cijfer, onderdrukte waarden als weergave met onderdrukt=ja. De "
                     "peilpositie staat in de header X-Leerrecht-Positie. 404 bij een onbekende "
                     "indicator of tabel, 422 bij een ongeldige parameter."),
                response_class=Response)
    async def cijfers_csv(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str, Query(pattern=GEBIED)] = NATIONAAL,
        indicator: Annotated[KorteTekst | None, Query()] = None,
        periode: Annotated[str | None, Query(pattern=JAAR)] = None,
        tabel: Annotated[Tabelnaam | None, Query()] = None,
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> Response:
        data = await _cijfers(db, gebied, indicator, periode, tabel, _onbeveiligd(principal),
                              peildatum)
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\n")
        w.writerow(["indicator", "definitie_id", "gebied_type", "gebied", "periode_soort", "periode",
                    "waarde", "onderdrukt"])
        for c in data["cijfers"]:
            w.writerow([c["indicator"], c["definitie_id"], data["gebied_type"], data["gebied"],
                        c["periode_soort"], c["periode"],
                        c["weergave"] if c["waarde"] is None else c["waarde"],
                        "ja" if c["onderdrukt"] else "nee"])
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="cijfers-{gebied}.csv"',
            "X-Leerrecht-Positie": _positie_kop(data["positie"]),
        })

    @router.get("/cijfers.parquet", response_class=Response,
                summary="Cijfers als Parquet: per indicator, gebied en periode, met definities en peilpositie "
                        "in de metadata van het bestand",
                description=("Dezelfde cijfers als GET /v1/cijfers als Parquet-bestand voor analyse-"
                             "omgevingen; zonder gebied alle gebieden in één bestand. Definities en "
                             "peilpositie staan in de metadata van het bestand en de positie ook in "
                             "X-Leerrecht-Positie. 404 bij een onbekende indicator of tabel, 422 bij"
                             " een ongeldige parameter."))
    async def cijfers_parquet(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str | None, Query(pattern=GEBIED, description="Leeg: alle gebieden")] = None,
        indicator: Annotated[KorteTekst | None, Query()] = None,
        periode: Annotated[str | None, Query(pattern=JAAR)] = None,
        tabel: Annotated[Tabelnaam | None, Query()] = None,
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> Response:
        data = await _cijfers(db, gebied, indicator, periode, tabel, _onbeveiligd(principal), peildatum)
        peil = peildatum.isoformat() if peildatum else None
        naam = "-".join(x for x in ("cijfers", gebied, indicator, periode, peil) if x)
        return Response(parquet_export(data, peildatum), media_type="application/vnd.apache.parquet", headers={
            "Content-Disposition": f'attachment; filename="{naam}.parquet"',
            "X-Leerrecht-Positie": _positie_kop(data["positie"]),
        })

    @router.get("/reeksen", summary="Eén gepubliceerde indicator over alle perioden: landelijk, per regio en "
                                    "per gemeente van een regio (de gegevens van het dashboard)",
        description=("De reeks van één indicator over alle schooljaren: landelijk, per regio en, met"
                     " regio, per gemeente van die regio; onderdrukte waarden zijn gemarkeerd. Dit "
                     "zijn de gegevens achter het dashboard. 404 als de indicator onbekend is of "
                     "niet wordt gepubliceerd, 422 bij een ongeldige regio of peildatum."))
    async def reeks(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        indicator: Annotated[KorteTekst, Query()],
        regio: Annotated[str | None, Query(pattern=r"^MC\d\d$")] = None,
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> dict[str, Any]:
        return await reeksen(db, indicator, regio, _onbeveiligd(principal), peildatum)

    @router.get("/maandreeksen", summary="Maandelijks verloop van een gepubliceerde indicator: per schooljaar "
                                         "de stand aan het eind van elke maand, de jaren naast elkaar",
        description=("Per schooljaar (of vsv-jaar) de stand van de indicator aan het eind van elke "
                     "maand, landelijk of voor een regio, zodat de jaren maand voor maand naast "
                     "elkaar liggen. Elke maand is afzonderlijk op onthulling gecontroleerd. 404 als"
                     " de indicator onbekend is of niet wordt gepubliceerd, 422 bij een ongeldig "
                     "gebied."))
    async def maandreeksen(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        indicator: Annotated[KorteTekst, Query()],
        gebied: Annotated[str, Query(pattern=r"^(NL|MC\d\d)$")] = NATIONAAL,
    ) -> dict[str, Any]:
        return await maandreeks(db, indicator, gebied, _onbeveiligd(principal))

    @router.get("/leerplichttelling/{gemeentecode}/{schooljaar}.csv", response_class=Response,
                summary="De leerplichttelling van een gemeente als CSV, regel voor regel het jaarformulier",
                description=("Het jaarformulier van de leerplichttelling van één gemeente en "
                             "schooljaar als CSV, regel voor regel zoals het formulier, met de "
                             "peilpositie in X-Leerrecht-Positie. 404 bij een onbekende gemeente, "
                             "422 bij een ongeldig schooljaar (JJJJ-JJJJ, opeenvolgend) of "
                             "peildatum."))
    async def leerplichttelling_csv(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gemeentecode: Annotated[str, Path(pattern=r"^GM\d{4}$")],
        schooljaar: Annotated[str, Path(pattern=JAAR)],
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> Response:
        form = await formulier(db, gemeentecode, schooljaar, _onbeveiligd(principal), peildatum)
        return Response(formulier_csv(form), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="leerplichttelling-{gemeentecode}-{schooljaar}.csv"',
            "X-Leerrecht-Positie": _positie_kop(form["positie"]),
        })

    @router.get("/leerplichttelling/{gemeentecode}/{schooljaar}",
                summary="De leerplichttelling (art. 25 Lpw) van een gemeente, als het jaarformulier",
                description=("De leerplichttelling die een gemeente jaarlijks aan de minister levert"
                             " (art. 25 Leerplichtwet), berekend uit het eventlog in de indeling van"
                             " het jaarformulier, met onderdrukte kleine aantallen en de "
                             "peilpositie. 404 bij een onbekende gemeente, 422 bij een ongeldig "
                             "schooljaar (JJJJ-JJJJ, opeenvolgend) of peildatum."))
    async def leerplichttelling(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gemeentecode: Annotated[str, Path(pattern=r"^GM\d{4}$")],
        schooljaar: Annotated[str, Path(pattern=JAAR)],
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> dict[str, Any]:
        return await formulier(db, gemeentecode, schooljaar, _onbeveiligd(principal), peildatum)

    @router.get("/uitsplitsingen", summary="Eén cijfer van één periode per schooltype en per leeftijdsband, "
                                           "landelijk en per regio",
        description=("Een indicator van één periode uitgesplitst naar schooltype en naar "
                     "leeftijdsband, landelijk en per regio. De uitsplitsingen zijn samen met de "
                     "gebiedstabel onderdrukt, zodat geen onderdrukt cijfer uit totalen en andere "
                     "cellen terug te rekenen is. 404 bij een onbekende of niet gepubliceerde "
                     "indicator, 422 bij een ongeldige periode of peildatum."))
    async def uitsplitsing(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        indicator: Annotated[KorteTekst, Query()],
        periode: Annotated[str, Query(pattern=JAAR)],
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> dict[str, Any]:
        return await uitsplitsingen(db, indicator, periode, _onbeveiligd(principal), peildatum)

    @router.get("/uitsplitsingen.csv", response_class=Response,
                summary="De uitsplitsingen van één cijfer en periode als CSV: een regel per gebied en categorie",
                description=("Dezelfde uitsplitsingen als GET /v1/uitsplitsingen als CSV: een regel "
                             "per uitsplitsing, gebied en categorie (met het totaal), onderdrukte "
                             "waarden met onderdrukt=ja; de peilpositie in X-Leerrecht-Positie. 404 "
                             "bij een onbekende indicator, 422 bij een ongeldige periode of "
                             "peildatum."))
    async def uitsplitsing_csv(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        indicator: Annotated[KorteTekst, Query()],
        periode: Annotated[str, Query(pattern=JAAR)],
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> Response:
        data = await uitsplitsingen(db, indicator, periode, _onbeveiligd(principal), peildatum)
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\n")
        w.writerow(["indicator", "definitie_id", "periode", "uitsplitsing", "gebied_type", "gebied", "categorie",
                    "waarde", "onderdrukt"])
        for dimensie, rijen in data["uitsplitsingen"].items():
            for r in rijen:
                for categorie, c in (("totaal", r["totaal"]), *r["categorieen"].items()):
                    w.writerow([data["indicator"], data["definitie_id"], periode, dimensie, r["gebied_type"],
                                r["gebied"], categorie, c["weergave"] if c["waarde"] is None else c["waarde"],
                                "ja" if c["onderdrukt"] else "nee"])
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="uitsplitsingen-{indicator}-{periode}.csv"',
            "X-Leerrecht-Positie": _positie_kop(data["positie"]),
        })

    @router.get("/percentages", summary="Percentages (vsv, Halt-recidive, aandeel per MAS-route) uit de "
                                        "gepubliceerde aantallen, alleen bij een noemer van minstens 100",
        description=("Percentages berekend uit de gepubliceerde aantallen, met teller en noemer "
                     "erbij: vsv-percentage, Halt-recidive en het aandeel per MAS-route. Een "
                     "percentage wordt alleen gepubliceerd als de noemer minstens 100 is en de "
                     "teller zelf getoond wordt; anders staat er waarom niet. 422 bij een ongeldig "
                     "gebied, periode of peildatum."))
    async def percentage(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str, Query(pattern=GEBIED)] = NATIONAAL,
        periode: Annotated[str | None, Query(pattern=JAAR)] = None,
        peildatum: Annotated[Dag | None, Query(description=PEILDATUM_DAG)] = None,
    ) -> dict[str, Any]:
        return await percentages(db, gebied, periode, _onbeveiligd(principal), peildatum)

    @router.get("/definities", summary="Alle indicatoren: definitie, bronnen (events) en wat nog ontbreekt",
        description=("De catalogus van alle indicatoren: definitie en versie, tabel, periodesoort, "
                     "de gebeurtenissen waaruit ze berekend worden, of ze op de cijferstroom worden "
                     "gepubliceerd en wat nog ontbreekt; ook de percentages met teller, noemer en "
                     "minimale noemer, en de uitsplitsingen. Lees dit om een cijfer goed te "
                     "interpreteren."))
    async def definities(_: Annotated[Principal, Depends(analyst)]) -> dict[str, Any]:
        return {"indicatoren": [
            {"indicator": i.id, "definitie_id": i.definitie_id, "tabel": i.tabel, "periode_soort": i.periode,
             "soort": i.soort, "definitie": i.definitie, "bronnen": list(dict.fromkeys(i.bronnen)),
             "gepubliceerd_op_stroom": i.gepubliceerd, "uitgesteld": i.uitgesteld or None}
            for i in INDICATOREN.values()
        ], "aandelen": [
            {"aandeel": a.id, "teller": a.teller, "noemer": a.noemer, "definitie": a.definitie,
             "minimale_noemer": MIN_NOEMER}
            for a in AANDELEN.values()
        ], "uitsplitsingen": {d: list(c) for d, c in UITSPLITSINGEN.items()}}

    return router
