"""Reading published tables: cells of one (indicator, periode) with disclosure control applied.

Shared by the API and the count stream, so both show exactly the same suppressed figures. Reads run
in one REPEATABLE READ snapshot together with the projection's checkpoints: the as-of position
(``positie``) is then exactly the position the figures were computed at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

import asyncpg

from contracts.codes import GebiedType
from contracts.events.telling import CijferBijgewerkt
from telling.domain.disclosure import Gepubliceerd, boom, publiceer
from telling.domain.figures import INDICATOREN, NATIONAAL

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


async def lees_tabellen(conn: asyncpg.Connection,
                        paren: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Tabel]:
    """All cells of the given (indicator, periode) tables: ``{gebied: (ouder, waarde)}`` each."""
    out: dict[tuple[str, str], Tabel] = {p: {} for p in paren}
    if not paren:
        return out
    rows = await conn.fetch(
        "SELECT c.indicator, c.periode, c.gebied, c.ouder, c.waarde FROM cijfer c "
        "JOIN unnest($1::text[], $2::text[]) AS t(indicator, periode) "
        "ON c.indicator = t.indicator AND c.periode = t.periode",
        [p[0] for p in paren], [p[1] for p in paren],
    )
    for r in rows:
        out[(r["indicator"], r["periode"])][r["gebied"]] = (r["ouder"], int(r["waarde"]))
    return out


def beveilig(tabel: Tabel) -> dict[str, Gepubliceerd]:
    """The table as the public sees it (primary and secondary suppression, domain.md C)."""
    if not tabel:
        return {}
    return {k: v for k, v in publiceer(boom(tabel)).items() if k in tabel}


def cijfer_event(indicator: str, periode: str, gebied: str, shown: Gepubliceerd,
                 pos: dict[str, int]) -> CijferBijgewerkt:
    ind = INDICATOREN[indicator]
    return CijferBijgewerkt(
        indicator_id=ind.stroom_id, definitie_id=ind.definitie_id, periode=f"{ind.periode}:{periode}",
        gebied_type=gebied_type(gebied), gebied_code=gebied, school_type=None, leeftijdsband=None,
        waarde=shown.waarde, onderdrukt=shown.onderdrukt, positie=pos,
    )


def _getal(v: Decimal) -> str:
    return format(v.normalize(), "f") if v != 0 else "0"


async def inhoud_hash(conn: asyncpg.Connection) -> tuple[str, int]:
    """Content hash of the figures (sha256 over every non-zero cell, sorted) and the cell count.

    Zero cells are left out: a cell that gained and lost a member in the live run exists with 0,
    while a rebuild that saw the withdrawal first never created it. Same figures, same hash."""
    h = hashlib.sha256()
    n = 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for r in conn.cursor(
            "SELECT indicator, gebied, periode, waarde FROM cijfer WHERE waarde <> 0 "
            "ORDER BY indicator COLLATE \"C\", gebied COLLATE \"C\", periode COLLATE \"C\"",
            prefetch=5000,
        ):
            h.update(f"{r['indicator']}|{r['gebied']}|{r['periode']}|{_getal(r['waarde'])}\n".encode())
            n += 1
    return h.hexdigest(), n
