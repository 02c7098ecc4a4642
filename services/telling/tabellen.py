"""Reading published tables: cells of one (indicator, periode) with disclosure control applied.

Shared by the API and the count stream, so both show exactly the same suppressed figures. Reads run
in one REPEATABLE READ snapshot together with the projection's checkpoints: the as-of position
(``positie``) is then exactly the position the figures were computed at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import asyncpg

from contracts.codes import GebiedType, TellingSchoolType
from contracts.events.telling import CijferBijgewerkt
from leerrecht.logging import get_logger
from telling.domain.disclosure import Gepubliceerd, boom, publiceer, publiceer_uitsplitsingen
from telling.domain.figures import INDICATOREN, LEEFTIJD, NATIONAAL, SCHOOLTYPE

log = get_logger(__name__)

PROJECTIE = "telling"
Tabel = dict[str, tuple[str | None, int]]


def gebied_type(gebied: str) -> GebiedType:
    if gebied == NATIONAAL:
        return GebiedType.LAND
    return GebiedType.REGIO if gebied.startswith("MC") else GebiedType.GEMEENTE


async def positie(conn: asyncpg.Connection, projectie: str = PROJECTIE) -> dict[str, int]:
    """The as-of position: per ``<topic>:<partition>`` the next offset the figures have not seen."""
    rows = await conn.fetch(
        "SELECT topic, partition, next_offset FROM checkpoint WHERE projection = $1 "
        "ORDER BY topic, partition",
        projectie,
    )
    return {f"{r['topic']}:{r['partition']}": int(r["next_offset"]) for r in rows}


_DAGEN = "CROSS JOIN LATERAL unnest(h.mutaties) WITH ORDINALITY AS x(m, i)"
"""A ``cel_historie_maand`` row (``h``) as its days: ``x.m`` the change of the cell on day ``x.i`` of the
month (``NULL``: none). As of peildatum D a cell is the sum of its changes up to D (:data:`_TOT`) over
its months (``h.maand <= D`` leaves out later months without unpacking them); a cell with none does not
exist yet, as with a row per day before."""
_TOT = "h.maand <= {p} AND x.m IS NOT NULL AND h.maand + (x.i::int - 1) <= {p}"


async def _lees(conn: asyncpg.Connection, paren: Sequence[tuple[str, str]], peildatum: date | None,
                uitgesplitst: bool) -> list[asyncpg.Record]:
    """The cells of the given (indicator, periode) tables, live or as of ``peildatum`` (the sum of
    each cell's history up to it; see :mod:`telling.domain.historie` for what "as of" means): the
    area cells (``uitgesplitst`` false) or their breakdowns."""
    if peildatum is None:
        return list(await conn.fetch(
            "SELECT c.indicator, c.periode, c.gebied, c.uitsplitsing, c.ouder, c.waarde FROM cijfer c "
            "JOIN unnest($1::text[], $2::text[]) AS t(indicator, periode) "
            "ON c.indicator = t.indicator AND c.periode = t.periode WHERE (c.uitsplitsing <> '') = $3",
            [p[0] for p in paren], [p[1] for p in paren], uitgesplitst,
        ))
    return list(await conn.fetch(
        "SELECT h.indicator, h.periode, h.gebied, h.uitsplitsing, c.ouder, sum(x.m) AS waarde "
        "FROM cel_historie_maand h JOIN unnest($1::text[], $2::text[]) AS t(indicator, periode) "
        "ON h.indicator = t.indicator AND h.periode = t.periode "
        f"{_DAGEN} "
        "JOIN cijfer c ON c.indicator = h.indicator AND c.gebied = h.gebied AND c.periode = h.periode "
        f"AND c.uitsplitsing = h.uitsplitsing WHERE {_TOT.format(p='$3')} AND (h.uitsplitsing <> '') = $4 "
        "GROUP BY 1, 2, 3, 4, 5",
        [p[0] for p in paren], [p[1] for p in paren], peildatum, uitgesplitst,
    ))


async def lees_tabellen(conn: asyncpg.Connection, paren: Sequence[tuple[str, str]],
                        peildatum: date | None = None) -> dict[tuple[str, str], Tabel]:
    """All area cells of the given (indicator, periode) tables: ``{gebied: (ouder, waarde)}`` each."""
    out: dict[tuple[str, str], Tabel] = {p: {} for p in paren}
    for r in await _lees(conn, paren, peildatum, False) if paren else ():
        out[(r["indicator"], r["periode"])][r["gebied"]] = (r["ouder"], int(r["waarde"]))
    return out


async def lees_cellen(conn: asyncpg.Connection, gebied: str | None, indicator: str | None,
                      periode: str | None, peildatum: date | None = None) -> list[asyncpg.Record]:
    """Cells (``indicator, gebied, periode, waarde``), live or as of ``peildatum``; ``None`` filters
    nothing. As of a day before a cell's first mutation the cell does not exist yet."""
    if peildatum is None:
        return list(await conn.fetch(
            "SELECT indicator, gebied, periode, waarde FROM cijfer WHERE uitsplitsing = '' "
            "AND ($1::text IS NULL OR gebied = $1) "
            "AND ($2::text IS NULL OR indicator = $2) AND ($3::text IS NULL OR periode = $3) "
            "ORDER BY indicator, gebied, periode",
            gebied, indicator, periode,
        ))
    return list(await conn.fetch(
        f"SELECT h.indicator, h.gebied, h.periode, sum(x.m) AS waarde FROM cel_historie_maand h {_DAGEN} "
        "WHERE h.uitsplitsing = '' AND ($1::text IS NULL OR h.gebied = $1) "
        "AND ($2::text IS NULL OR h.indicator = $2) AND ($3::text IS NULL OR h.periode = $3) "
        f"AND {_TOT.format(p='$4')} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        gebied, indicator, periode, peildatum,
    ))


Uitsplitsingen = dict[tuple[str, str], int]
"""The breakdown cells of one (indicator, periode): ``{(gebied, uitsplitsing): waarde}``."""


async def lees_uitsplitsingen(conn: asyncpg.Connection, paren: Sequence[tuple[str, str]],
                              peildatum: date | None = None) -> dict[tuple[str, str], Uitsplitsingen]:
    """The breakdown cells (school type, age band; NL and regions) of the given tables."""
    out: dict[tuple[str, str], Uitsplitsingen] = {p: {} for p in paren}
    for r in await _lees(conn, paren, peildatum, True) if paren else ():
        out[(r["indicator"], r["periode"])][(r["gebied"], r["uitsplitsing"])] = int(r["waarde"])
    return out


def beveilig_uitsplitsingen(tabel: Tabel, gebieden: dict[str, Gepubliceerd],
                            uitsplitsingen: Uitsplitsingen) -> dict[tuple[str, str], Gepubliceerd]:
    """The breakdown cells as the public sees them, consistent with the area table ``gebieden`` as
    published (:func:`~telling.domain.disclosure.publiceer_uitsplitsingen`)."""
    if not uitsplitsingen:
        return {}
    try:
        return publiceer_uitsplitsingen(tabel, gebieden, uitsplitsingen)
    except ValueError as exc:
        # never let one table stop the count stream: publish none of its breakdown values (safe)
        log.warning("uitsplitsing_volledig_onderdrukt", fout=str(exc)[:200])
        return {k: Gepubliceerd(None, True) for k in uitsplitsingen}


def beveilig(tabel: Tabel, personen: dict[str, int] | None = None) -> dict[str, Gepubliceerd]:
    """The table as the public sees it (primary and secondary suppression, domain.md C); for a table
    of sums, ``personen`` gives the persons each cell rests on (:func:`lees_personen`)."""
    if not tabel:
        return {}
    return {k: v for k, v in publiceer(boom(tabel, personen=personen)).items() if k in tabel}


async def lees_personen(conn: asyncpg.Connection, paren: Sequence[tuple[str, str]],
                        peildatum: date | None = None) -> dict[tuple[str, str], dict[str, int]]:
    """Per (indicator, periode) of a sum (hours, registrations) the persons each area cell rests on:
    the pupils with a non-zero contribution, live or as of ``peildatum`` (``som_personen``)."""
    out: dict[tuple[str, str], dict[str, int]] = {p: {} for p in paren}
    if not paren:
        return out
    for r in await conn.fetch(
        "SELECT s.indicator, s.periode, s.gebied, sum(s.mutatie) AS n FROM som_personen s "
        "JOIN unnest($1::text[], $2::text[]) AS t(indicator, periode) "
        "ON s.indicator = t.indicator AND s.periode = t.periode "
        "WHERE $3::date IS NULL OR s.dag <= $3 GROUP BY 1, 2, 3",
        [p[0] for p in paren], [p[1] for p in paren], peildatum,
    ):
        out[(r["indicator"], r["periode"])][r["gebied"]] = int(r["n"])
    return out


def _uitsplitsing(uitsplitsing: str) -> tuple[TellingSchoolType | None, str | None]:
    dimensie, _, categorie = uitsplitsing.partition(":")
    return (TellingSchoolType(categorie) if dimensie == SCHOOLTYPE else None,
            categorie if dimensie == LEEFTIJD else None)


def cel_sleutel(indicator: str, periode: str, gebied: str, uitsplitsing: str = "") -> str:
    """The count stream's key of a cell (:meth:`CijferBijgewerkt.cel_sleutel`), without the event."""
    ind = INDICATOREN[indicator]
    return CijferBijgewerkt.sleutel(ind.stroom_id, f"{ind.periode}:{periode}", gebied, *_uitsplitsing(uitsplitsing))


def cijfer_event(indicator: str, periode: str, gebied: str, shown: Gepubliceerd,
                 pos: dict[str, int], uitsplitsing: str = "") -> CijferBijgewerkt:
    ind = INDICATOREN[indicator]
    school_type, leeftijdsband = _uitsplitsing(uitsplitsing)
    return CijferBijgewerkt(
        indicator_id=ind.stroom_id, definitie_id=ind.definitie_id, periode=f"{ind.periode}:{periode}",
        gebied_type=gebied_type(gebied), gebied_code=gebied, school_type=school_type,
        leeftijdsband=leeftijdsband, waarde=shown.waarde, onderdrukt=shown.onderdrukt, positie=pos,
    )


def _getal(v: Decimal) -> str:
    return format(v.normalize(), "f") if v != 0 else "0"


async def inhoud_hash(conn: asyncpg.Connection) -> tuple[str, int]:
    """Content hash of the figures and their as-of history (sha256 over every non-zero cell and every
    non-zero history mutation, sorted) and the cell count.

    Zero cells are left out: a cell that gained and lost a member in the live run exists with 0,
    while a rebuild that saw the withdrawal first never created it. Same figures, same hash. The
    history is keyed by recordedtime, which travels with the events, so it must match as well, and so
    must the klok, which is derived from it."""
    h = hashlib.sha256()
    n = 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for r in conn.cursor(
            "SELECT indicator, gebied, periode, uitsplitsing, waarde FROM cijfer WHERE waarde <> 0 "
            "ORDER BY indicator COLLATE \"C\", gebied COLLATE \"C\", periode COLLATE \"C\", "
            "uitsplitsing COLLATE \"C\"",
            prefetch=5000,
        ):
            h.update(f"{r['indicator']}|{r['gebied']}|{r['periode']}|{r['uitsplitsing']}|{_getal(r['waarde'])}\n"
                     .encode())
            n += 1
        # the klok the figures stand at (telling.projection): a rebuild must reach the same one
        h.update(f"klok|{await conn.fetchval('SELECT datum FROM telling_klok WHERE id = 1')}\n".encode())
        h.update(b"historie\n")
        async for r in conn.cursor(
            "SELECT indicator, gebied, periode, uitsplitsing, dag, mutatie FROM cel_historie WHERE mutatie <> 0 "
            "ORDER BY indicator COLLATE \"C\", gebied COLLATE \"C\", periode COLLATE \"C\", "
            "uitsplitsing COLLATE \"C\", dag",
            prefetch=5000,
        ):
            h.update(f"{r['indicator']}|{r['gebied']}|{r['periode']}|{r['uitsplitsing']}|{r['dag']}|"
                     f"{_getal(r['mutatie'])}\n".encode())
    return h.hexdigest(), n
