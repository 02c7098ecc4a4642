"""The officer's worklist as one row per case, searched, filtered, sorted and paged in SQL (issue 15).

Why in SQL: a region holds thousands of open cases; folding every dossier's snapshot on each request
(as the first worklist did) grows with the region, and a page of 25 must not. The projection therefore
keeps, with each dossier's snapshot, the columns the list needs (:func:`bijwerken`): the next deadline
and the day it is overdue (:func:`leerplicht.domain.werklijst.volgende_termijn`, so "te laat" is a
comparison with the peildatum), the kinds of report, the school and the latest step. Rows written
before those columns existed are filled on the next request (:func:`achterstand_bijwerken`).

Names come from the region's erasable ``identiteit`` table; a BSN is searched by its hash only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from contracts.codes import MeldingSoort, MeldingStatus
from contracts.tekst import zonder_verboden_tekens
from leerplicht import snapshot
from leerplicht.domain import Dossier
from leerplicht.domain.werklijst import volgende_termijn
from leerplicht.identiteit import pgn_hash
from leerrecht.rijen import kolommen
from leerrecht.schoolnamen import schoolnaam
from leerrecht.versies import PerVersie

MELDING_GEREGISTREERD = "nl.leerrecht.registratie.melding_geregistreerd"
PER_PAGINA = 25
MAX_PER_PAGINA = 100

# Sort keys of the page and the API; "-" in front reverses. The dossier id breaks ties, so paging is stable.
_GEBOORTE = "COALESCE(i.geboortedatum, to_date(l.geboortejaar_maand || '-01', 'YYYY-MM-DD'))"
SORTERINGEN: dict[str, str] = {
    "termijn": "d.volgende_termijn {r} NULLS LAST",
    "naam": "i.achternaam {r} NULLS LAST, i.voornamen {r}",
    "leeftijd": f"{_GEBOORTE} {{omgekeerd}} NULLS LAST",
    "school": "d.school_naam {r} NULLS LAST",
    "laatste_actie": "d.laatste_actie_op {r} NULLS LAST",
    "geopend": "d.geopend_op {r}",
}
SORTEER_PATROON = r"^-?(" + "|".join(SORTERINGEN) + r")$"


def _soorten(d: Dossier) -> list[str]:
    return sorted({m.soort.value for m in d.meldingen if m.status is not MeldingStatus.INGETROKKEN})


async def bijwerken(conn: asyncpg.Connection, dossiers: list[Dossier]) -> None:
    """Recompute the worklist columns of ``dossiers`` (in the projection's transaction, after their
    timeline rows are written)."""
    if not dossiers:
        return
    ids = [d.dossier_id for d in dossiers]
    laatste = {
        r["dossier_id"]: r for r in await conn.fetch(
            "SELECT DISTINCT ON (dossier_id) dossier_id, type, op FROM dossier_event "
            "WHERE dossier_id = ANY($1::uuid[]) ORDER BY dossier_id, seq DESC", ids)
    }
    scholen = {
        r["dossier_id"]: r["school"] for r in await conn.fetch(
            "SELECT DISTINCT ON (dossier_id) dossier_id, "
            "(envelope->'data'->'school'->>'brin') || (envelope->'data'->'school'->>'vestiging') AS school "
            "FROM dossier_event WHERE dossier_id = ANY($1::uuid[]) AND type = $2 "
            "AND jsonb_typeof(envelope->'data'->'school') = 'object' ORDER BY dossier_id, seq DESC",
            ids, MELDING_GEREGISTREERD)
    }
    rijen = []
    for d in dossiers:
        t = volgende_termijn(d)
        actie = laatste.get(d.dossier_id)
        school = scholen.get(d.dossier_id)
        rijen.append((
            d.dossier_id, t.soort.value if t else None, t.uiterlijk if t else None, t.te_laat_vanaf if t else None,
            " ".join(_soorten(d)), school, schoolnaam(school) or school,
            actie["type"] if actie else None, actie["op"] if actie else None,
        ))
    # one statement for all rows (leerrecht.rijen.kolommen); the kinds of report as one text each
    # (a text[] per row is not an array element), split again by PostgreSQL
    await conn.execute(
        "UPDATE dossier d SET termijn_soort = u.ts, volgende_termijn = u.vt, te_laat_vanaf = u.tl, "
        "melding_soorten = string_to_array(u.ms, ' '), school = u.sc, school_naam = u.sn, laatste_actie = u.la, "
        "laatste_actie_op = u.lo, werklijst_bijgewerkt = true "
        "FROM unnest($1::uuid[], $2::text[], $3::date[], $4::date[], $5::text[], $6::text[], $7::text[], "
        "$8::text[], $9::date[]) AS u(id, ts, vt, tl, ms, sc, sn, la, lo) WHERE d.dossier_id = u.id",
        *kolommen(rijen, range(9)),
    )


_GEVOUWEN: PerVersie[tuple[UUID, int], UUID, Dossier] = PerVersie(lambda k: k[0])
"""The open dossiers read by the deprecated unpaged worklist, by (dossier, version): that list folds every
open case of the region on every request (``leerrecht.versies``, as rmc's worklist does)."""


async def open_dossiers(db: asyncpg.Pool | asyncpg.Connection) -> list[tuple[Dossier, str | None]]:
    """Every open dossier of the region with its officer, each snapshot parsed once per version; one
    closed between the two reads is left out."""
    rows = await db.fetch(
        "SELECT d.dossier_id, d.version, b.behandelaar FROM dossier d "
        "LEFT JOIN dossier_behandelaar b ON b.dossier_id = d.dossier_id WHERE d.fase = 'OPEN'")

    async def lees(ids: list[UUID]) -> list[tuple[tuple[UUID, int], Dossier]]:
        return [((r["dossier_id"], r["version"]), snapshot.from_json(json.loads(r["stand"])))
                for r in await db.fetch("SELECT dossier_id, version, stand FROM dossier "
                                        "WHERE dossier_id = ANY($1::uuid[]) AND fase = 'OPEN'", ids)]

    dossiers = await _GEVOUWEN.lees([(r["dossier_id"], r["version"]) for r in rows], lees)
    return [(d, r["behandelaar"]) for d, r in zip(dossiers, rows, strict=True) if d is not None]


async def achterstand_bijwerken(conn: asyncpg.Connection) -> None:
    """Fill the columns of rows projected before they existed (once, after the migration). Only rows
    whose version did not move meanwhile are written, so a concurrent projection batch wins."""
    while True:
        rows = await conn.fetch(
            "SELECT dossier_id, version, stand FROM dossier WHERE NOT werklijst_bijgewerkt LIMIT 500")
        if not rows:
            return
        async with conn.transaction():
            versies = {r["dossier_id"]: r["version"] for r in rows}
            vast = {r["dossier_id"] for r in await conn.fetch(
                "SELECT dossier_id, version FROM dossier WHERE dossier_id = ANY($1::uuid[]) FOR UPDATE",
                list(versies)) if versies[r["dossier_id"]] == r["version"]}
            await bijwerken(conn, [snapshot.from_json(json.loads(r["stand"])) for r in rows
                                   if r["dossier_id"] in vast])


@dataclass(frozen=True, slots=True)
class Zoekvraag:
    """What the officer asks the worklist: search text, filters, sort key and page."""

    zoek: str = ""
    behandelaar: str = ""  # "" everyone, "mij" mine, "niemand" not yet assigned
    te_laat: bool = False
    soort: MeldingSoort | None = None
    sorteer: str = "termijn"
    pagina: int = 1
    per_pagina: int = PER_PAGINA


@dataclass(frozen=True, slots=True)
class Zaak:
    dossier_id: UUID
    pseudoniem: str
    naam: str | None
    leeftijd: int | None
    school: str | None
    school_naam: str | None
    soorten: list[str]
    termijn_soort: str | None
    volgende_termijn: date | None
    te_laat: bool
    laatste_actie: str | None
    laatste_actie_op: date | None
    geopend_op: date
    behandelaar: str | None


@dataclass(frozen=True, slots=True)
class Resultaat:
    zaken: list[Zaak]
    totaal: int
    pagina: int
    paginas: int


# Name and age of a case, looked up by primary key (LIMIT 1 keeps PostgreSQL from flattening the lateral
# subquery into a join). issue 16.5: as plain joins, sorting by name or age, a deep
# page or a name search hash-joined the open cases with a sequential scan of the whole ``identiteit`` and
# ``leerling`` tables, one row per pupil of the region (94,000 at half the largest region's national year:
# 110-320 ms a query), so the page cost grew with the region's population instead of with its open cases.
# A search finds the names through the trigram index of ``identiteit`` first, then the cases.
_IDENTITEIT = (" LEFT JOIN LATERAL (SELECT voornamen, tussenvoegsel, achternaam, geboortedatum FROM identiteit"
               " WHERE pseudoniem = d.pseudoniem LIMIT 1) i ON true")
_LEERLING = (" LEFT JOIN LATERAL (SELECT geboortejaar_maand FROM leerling WHERE pseudoniem = d.pseudoniem LIMIT 1) l"
             " ON true")
_SORTEER_OP = {"naam": _IDENTITEIT, "leeftijd": _IDENTITEIT + _LEERLING}


def _like(tekst: str) -> str:
    return tekst.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _leeftijd(geboren: date | None, jaar_maand: str | None, peildatum: date) -> int | None:
    if geboren is None and jaar_maand:
        try:
            geboren = date.fromisoformat(f"{jaar_maand}-01")
        except ValueError:
            return None
    if geboren is None:
        return None
    return peildatum.year - geboren.year - ((peildatum.month, peildatum.day) < (geboren.month, geboren.day))


def _naam(r: Any) -> str | None:
    if r["achternaam"] is None:
        return None
    return " ".join(filter(None, [r["voornamen"], r["tussenvoegsel"], r["achternaam"]]))


async def zoek(conn: asyncpg.Connection, vraag: Zoekvraag, ik: str, peildatum: date,
               sleutel: bytes | tuple[bytes, ...]) -> Resultaat:
    """One page of open cases matching ``vraag`` (``ik``: the officer asking, for "mine"; ``sleutel``: the
    instance's BSN search key, :func:`leerplicht.identiteit.pgn_hash`, or during a rotation the new and
    the old one: rows not yet hashed again are found by the old)."""
    sleutels = (sleutel,) if isinstance(sleutel, bytes) else sleutel
    await achterstand_bijwerken(conn)
    waar = ["d.fase = 'OPEN'"]
    args: list[Any] = []

    def arg(waarde: Any) -> str:
        args.append(waarde)
        return f"${len(args)}"

    tekst = " ".join(zonder_verboden_tekens(vraag.zoek).split())  # PostgreSQL text holds no NUL
    if re.fullmatch(r"[0-9]{9}", tekst):
        bsn = arg([pgn_hash(tekst, s) for s in sleutels])
        waar.append(f"d.pseudoniem IN (SELECT pseudoniem FROM identiteit WHERE pgn_hash = ANY({bsn}::text[]))")
    elif tekst:
        p = arg(_like(tekst.lower()))
        waar.append(f"(d.pseudoniem IN (SELECT pseudoniem FROM identiteit WHERE zoeknaam LIKE '%' || {p} || '%') "
                    f"OR d.pseudoniem LIKE {arg(_like(tekst))} || '%')")
    if vraag.behandelaar == "mij":
        waar.append(f"b.behandelaar = {arg(ik)}")
    elif vraag.behandelaar == "niemand":
        waar.append("b.behandelaar IS NULL")
    if vraag.te_laat:
        waar.append(f"d.te_laat_vanaf <= {arg(peildatum)}")
    if vraag.soort is not None:
        waar.append(f"d.melding_soorten @> ARRAY[{arg(vraag.soort.value)}]::text[]")
    van = (" FROM dossier d LEFT JOIN dossier_behandelaar b ON b.dossier_id = d.dossier_id WHERE "
           + " AND ".join(waar))
    totaal = int(await conn.fetchval("SELECT count(*)" + van, *args))
    per = max(1, min(vraag.per_pagina, MAX_PER_PAGINA))
    paginas = max(1, -(-totaal // per))
    pagina = max(1, min(vraag.pagina, paginas))
    sleutel = vraag.sorteer if vraag.sorteer.lstrip("-") in SORTERINGEN else "termijn"
    af = sleutel.startswith("-")
    volgorde = SORTERINGEN[sleutel.lstrip("-")].format(r="DESC" if af else "ASC", omgekeerd="ASC" if af else "DESC")
    kolommen = ("SELECT d.dossier_id, d.pseudoniem, d.termijn_soort, d.volgende_termijn, d.te_laat_vanaf, "
                "d.melding_soorten, d.school, d.school_naam, d.laatste_actie, d.laatste_actie_op, d.geopend_op, "
                "b.behandelaar, i.voornamen, i.tussenvoegsel, i.achternaam, i.geboortedatum, l.geboortejaar_maand")
    orde = f" ORDER BY {volgorde}, d.dossier_id"
    pagina_sql = f" LIMIT {arg(per)} OFFSET {arg((pagina - 1) * per)}"
    # The page is chosen from the dossier table, with a person's name or age looked up only when the sort
    # needs it; the names and ages shown are then looked up for the page's rows alone (a deep page too).
    sql = (kolommen + " FROM (SELECT d.*, b.behandelaar FROM dossier d "
           "LEFT JOIN dossier_behandelaar b ON b.dossier_id = d.dossier_id" + _SORTEER_OP.get(sleutel.lstrip("-"), "")
           + " WHERE " + " AND ".join(waar) + orde + pagina_sql + ") d"
           " LEFT JOIN LATERAL (SELECT d.behandelaar) b ON true" + _IDENTITEIT + _LEERLING + orde)
    rows = await conn.fetch(sql, *args)
    zaken = [
        Zaak(
            dossier_id=r["dossier_id"], pseudoniem=r["pseudoniem"], naam=_naam(r),
            leeftijd=_leeftijd(r["geboortedatum"], r["geboortejaar_maand"], peildatum),
            school=r["school"], school_naam=r["school_naam"], soorten=list(r["melding_soorten"]),
            termijn_soort=r["termijn_soort"], volgende_termijn=r["volgende_termijn"],
            te_laat=r["te_laat_vanaf"] is not None and r["te_laat_vanaf"] <= peildatum,
            laatste_actie=r["laatste_actie"], laatste_actie_op=r["laatste_actie_op"],
            geopend_op=r["geopend_op"], behandelaar=r["behandelaar"],
        )
        for r in rows
    ]
    return Resultaat(zaken, totaal, pagina, paginas)
