"""The coach's school lookup (issue 15, point 4): DUO's register of school locations as rmc keeps it.

Why rmc keeps the register: a young person without a startkwalificatie is mostly placed in mbo, and mbo
locations enter only through DUO's register feed (no public list exists), so the schools rmc had seen
in its own events were not enough. rmc projects the national register topic into its own
``register_feit`` (:class:`leerrecht.register.RegisterProjection`) and folds it onto DUO's public lists
exactly as registratie does (:func:`leerrecht.register.op_datum`): a location as it is on a date, a
closed or merged one not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import asyncpg

from contracts.tekst import zonder_verboden_tekens
from leerrecht.kalender import OnbekendeGemeente, load_region_table
from leerrecht.register import RegisterFeit, alle_feiten, op_datum
from leerrecht.schoolnamen import LijstVestiging, openbare_lijsten

MAX_TREFFERS = 50
_SOORT = {"PO": "po", "SO": "(v)so", "VSO": "(v)so", "VO": "vo", "MBO": "mbo"}


@dataclass(frozen=True, slots=True)
class School:
    """One choice of the lookup: what a coach needs to recognise the location."""

    code: str       # BRIN6
    naam: str
    plaats: str
    soort: str      # po, vo, (v)so or mbo
    rmc_regio: str

    @property
    def omschrijving(self) -> str:
        """The label of the choice: name, place and type (the code is its value)."""
        return f"{self.naam}, {self.plaats} ({self.soort})"


def _gemeentenaam(gemeentecode: str, datum: date) -> str:
    try:
        return load_region_table().version_on(datum).gemeenten[gemeentecode].gemeentenaam
    except (KeyError, OnbekendeGemeente):
        return gemeentecode


def _uit_lijst(v: LijstVestiging) -> School:
    return School(v.code, v.naam, v.plaats, v.soort, v.rmc_regio)


def stand(code: str, feiten_: list[RegisterFeit], datum: date) -> School | None:
    """One location on ``datum``: DUO's last fact dated on or before it, else the public list."""
    lijst = openbare_lijsten().get(code)
    if not any(f.datum <= datum for f in feiten_):
        return _uit_lijst(lijst) if lijst else None
    v = op_datum(None, feiten_, datum)
    if v is None:
        return None  # closed or merged away on that date
    plaats = lijst.plaats if lijst and lijst.gemeentecode == v.gemeentecode else _gemeentenaam(v.gemeentecode, datum)
    soorten = [_SOORT.get(t.value, t.value.lower()) for t in v.school_types]
    return School(v.code, v.naam or v.code, plaats, "/".join(dict.fromkeys(soorten)), v.rmc_regio)


async def op(conn: asyncpg.Connection, code: str, datum: date) -> School | None:
    """The location with BRIN6 ``code`` as the register has it on ``datum`` (``None``: not there)."""
    return stand(code, (await alle_feiten(conn, code)).get(code, []), datum)


_Versie = tuple[date, str, int, int]
_laatste: list[tuple[_Versie, Mapping[str, School]]] = []


async def register(conn: asyncpg.Connection, datum: date) -> Mapping[str, School]:
    """The whole register on ``datum``: DUO's public lists with DUO's facts folded in.

    Kept for the last day and version of the facts asked. Why: at a national feed's size (10,000 facts)
    the fold cost ~190 ms of CPU on every file page and lookup (issue 16.5, the page's p95 target is
    200 ms), while the facts change a few times a year. The version is the database and the count and
    highest number of the committed facts: a fact committed after a later-numbered one still raises the
    count (``tests/rmc/test_rmc_register_cache.py``)."""
    r = await conn.fetchrow("SELECT current_database() || ':' || coalesce(inet_server_port(), 0) AS db, "
                            "count(*) AS n, coalesce(max(volgnummer), 0) AS hoogste FROM register_feit")
    assert r is not None
    versie: _Versie = (datum, r["db"], r["n"], r["hoogste"])
    if _laatste and _laatste[0][0] == versie:
        return _laatste[0][1]
    uit = MappingProxyType(await _vouw(conn, datum))
    _laatste[:] = [(versie, uit)]
    return uit


async def _vouw(conn: asyncpg.Connection, datum: date) -> dict[str, School]:
    per_code = await alle_feiten(conn)
    uit = {code: _uit_lijst(v) for code, v in openbare_lijsten().items() if code not in per_code}
    for code, fs in per_code.items():
        if (s := stand(code, fs, datum)) is not None:
            uit[code] = s
    return uit


def zoek(scholen: Mapping[str, School], tekst: str, *, limiet: int = MAX_TREFFERS) -> list[School]:
    """Locations whose name, place or code contains every word of ``tekst`` (case-insensitive),
    exact code first, then by name."""
    woorden = zonder_verboden_tekens(tekst).lower().split()
    if not woorden:
        return []
    treffers = [s for s in scholen.values()
                if all(w in f"{s.naam} {s.plaats} {s.code}".lower() for w in woorden)]
    treffers.sort(key=lambda s: (s.code.lower() != tekst.strip().lower(), s.naam.lower(), s.plaats, s.code))
    return treffers[:limiet]


def keuzelijst(scholen: Mapping[str, School], regio: str, gezien: list[str]) -> list[School]:
    """What the page offers without a search: the region's locations where a young person without a
    startkwalificatie can be placed (vo, (v)so, mbo: not po, whose hundreds would only lengthen the
    list) and the schools already seen in this region's files. Anything else: the search."""
    extra = set(gezien)
    lijst = [s for s in scholen.values() if (s.rmc_regio == regio and s.soort != "po") or s.code in extra]
    return sorted(lijst, key=lambda s: (s.naam.lower(), s.plaats, s.code))
