"""All open files of the region for the coach (issue 15): searched, filtered and paged in SQL.

The worklist's sections (:mod:`rmc.domain.werklijst`) say who needs attention today; a placed young
person is on none of them for three months, so the coach also needs every open file, whatever its
status, and must find one among hundreds by name or pseudonym. The partner lookup comes from what this
service has seen in its own events; the school lookup is DUO's register (:mod:`rmc.scholen`), to which
the schools seen here are added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from contracts.tekst import zonder_verboden_tekens
from leerrecht.schoolnamen import schoolnaam
from leerrecht.versies import PerVersie
from rmc.domain.model import Jongere

PER_PAGINA = 25


@dataclass(frozen=True, slots=True)
class Rij:
    pseudoniem: str
    naam: str | None
    status: str
    aangemeld_op: date
    coach: str | None
    geboortejaar_maand: str


@dataclass(frozen=True, slots=True)
class Pagina:
    rijen: list[Rij]
    totaal: int
    pagina: int
    paginas: int


# The name of each open file by primary key (LIMIT 1 keeps PostgreSQL from flattening it into a join), and
# a search through the trigram index of ``identiteit`` first. issue 16.5: as a plain join the list
# hash-joined the open files with a scan of the whole ``identiteit`` table, which holds every pupil of the
# region (94,000 at half the largest region's national year), so the page grew with the population.
_NAAM = (" LEFT JOIN LATERAL (SELECT voornamen, tussenvoegsel, achternaam FROM identiteit"
         " WHERE pseudoniem = j.pseudoniem LIMIT 1) i ON true")


def _like(tekst: str) -> str:
    return tekst.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def alle_open(
    conn: asyncpg.Connection, *, zoek: str = "", status: str | None = None, coach: str | None = None,
    pagina: int = 1,
) -> Pagina:
    waar = ["j.status <> 'AFGESLOTEN'"]
    args: list[Any] = []

    def arg(waarde: Any) -> str:
        args.append(waarde)
        return f"${len(args)}"

    tekst = " ".join(zonder_verboden_tekens(zoek).split())  # PostgreSQL text holds no NUL
    if tekst:
        waar.append(f"(j.pseudoniem IN (SELECT pseudoniem FROM identiteit WHERE zoeknaam LIKE '%' || "
                    f"{arg(_like(tekst.lower()))} || '%') OR j.pseudoniem LIKE {arg(_like(tekst))} || '%')")
    if status:
        waar.append(f"j.status = {arg(status)}")
    if coach:
        waar.append(f"j.coach = {arg(coach)}")
    van = " FROM jongere j WHERE " + " AND ".join(waar)
    totaal = int(await conn.fetchval("SELECT count(*)" + van, *args))
    paginas = max(1, -(-totaal // PER_PAGINA))
    pagina = max(1, min(pagina, paginas))
    rows = await conn.fetch(
        "SELECT j.pseudoniem, j.status, j.aangemeld_op, j.coach, j.geboortejaar_maand, i.voornamen, "
        "i.tussenvoegsel, i.achternaam FROM jongere j" + _NAAM + " WHERE " + " AND ".join(waar)
        + f" ORDER BY i.achternaam NULLS LAST, i.voornamen, j.aangemeld_op, j.pseudoniem "
        f"LIMIT {PER_PAGINA} OFFSET {arg((pagina - 1) * PER_PAGINA)}",
        *args,
    )
    return Pagina([
        Rij(r["pseudoniem"],
            " ".join(filter(None, [r["voornamen"], r["tussenvoegsel"], r["achternaam"]])) or None,
            r["status"], r["aangemeld_op"], r["coach"], r["geboortejaar_maand"])
        for r in rows
    ], totaal, pagina, paginas)


async def partners(conn: asyncpg.Connection) -> list[str]:
    """Partner codes seen in trajecten and weekly reports of this region."""
    rows = await conn.fetch(
        "SELECT partner FROM traject_voortgang UNION "
        "SELECT toestand->'dossier'->'traject'->>'partner' FROM jongere "
        "WHERE toestand->'dossier'->'traject'->>'partner' IS NOT NULL ORDER BY 1")
    return [r["partner"] for r in rows if r["partner"]]


async def scholen(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """School locations seen in this region's placements and signals: (BRIN6, name or code)."""
    rows = await conn.fetch(
        "SELECT school FROM plaatsing WHERE school IS NOT NULL UNION SELECT school FROM signaal ORDER BY 1")
    return [(r["school"], schoolnaam(r["school"]) or r["school"]) for r in rows]


_GEVOUWEN: PerVersie[tuple[str, UUID, int], str, Jongere] = PerVersie(lambda k: k[0])
"""The open files read by the worklist, by (pseudonym, file, version) (``leerrecht.versies``). Why: the
worklist (API and page) needs every open file of the region on every request; at the largest region's
national size (2,242 open files) parsing their JSON was the larger part of the request (issue 16)."""


async def open_jongeren(db: asyncpg.Pool | asyncpg.Connection) -> list[Jongere]:
    """Every open file of the region, parsed once per version (:data:`_GEVOUWEN`). The versions are read
    first and only the files not in memory are fetched (2,242 open files are 1.6 MB of JSON). A file that
    moved on between the two reads is taken as the second read has it; one erased in between is left out."""
    rows = await db.fetch("SELECT pseudoniem, dossier_id, versie FROM jongere WHERE status <> 'AFGESLOTEN'")

    async def lees(pseudoniemen: list[str]) -> list[tuple[tuple[str, UUID, int], Jongere]]:
        return [((r["pseudoniem"], r["dossier_id"], r["versie"]), Jongere.model_validate_json(r["toestand"]))
                for r in await db.fetch("SELECT pseudoniem, dossier_id, versie, toestand FROM jongere "
                                        "WHERE pseudoniem = ANY($1::text[])", pseudoniemen)]

    jongeren = await _GEVOUWEN.lees([(r["pseudoniem"], r["dossier_id"], r["versie"]) for r in rows], lees)
    return [j for j in jongeren if j is not None]
