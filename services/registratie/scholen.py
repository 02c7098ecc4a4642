"""The register of school locations (domain.md B): which locations exist on a date, of which type,
where, with which holiday region.

**Seed.** DUO's public lists, shipped in ``data/`` (provenance and mapping in ``data/SOURCES.md``):
``schoolvestigingen_po.csv`` (po), ``schoolvestigingen_vo.csv`` (vo, praktijkonderwijs included) and
``schoolvestigingen_so_vso.csv`` (so, vso, (v)so). The seed has no dates: it is the state before any
fact of DUO's register feed.

**Feed.** DUO's register facts (``SchoolvestigingVastgelegd``/``Gesloten``/``Samengevoegd``) are
events on the national register topic; registratie keeps them in ``register_feit`` (the intake when
DUO submits, the projection of the topic on a replay; both keyed by event id). The register on a
date = seed + the facts dated on or before it (:func:`op_datum`): a location *as it was* then. This
is how mbo locations (no public list exists) and every new school enter.

The holiday region is always the location's own: four municipalities are split over two regions, so
it is never derived from the municipality.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import asyncpg

from contracts.catalogue import CATALOGUE
from contracts.codes import SchoolType, Vakantieregio, VoStructuur
from contracts.events.registratie import (
    SchoolvestigingGesloten,
    SchoolvestigingSamengevoegd,
    SchoolvestigingVastgelegd,
)
from leerrecht.kalender import Vakantieregio as KalenderRegio
from leerrecht.kalender import rmc_regio_for
from registratie.domain.codes import contractregio

REGISTER_EVENTS = (SchoolvestigingVastgelegd, SchoolvestigingGesloten, SchoolvestigingSamengevoegd)
REGISTER_TYPES = frozenset(c.event_type for c in REGISTER_EVENTS)
_ISK = re.compile(r"\bISK\b|internationale schakel", re.IGNORECASE)
_SOORT = {"SO": (SchoolType.SO,), "VSO": (SchoolType.VSO,), "(V)SO": (SchoolType.SO, SchoolType.VSO)}


@dataclass(frozen=True)
class Schoolvestiging:
    code: str            # BRIN6: instellingscode + vestigingscode suffix
    naam: str
    gemeentecode: str
    rmc_regio: str
    vakantieregio: Vakantieregio  # the location's own (the open data spells it noord/midden/zuid)
    school_types: tuple[SchoolType, ...]  # what the location offers; (v)so offers so and vso
    vo_structuur: tuple[VoStructuur, ...] = ()
    praktijkonderwijs: bool = False
    isk: bool = False    # the location has (or is) an ISK department
    bevoegd_gezag: str | None = None

    @property
    def school_type(self) -> SchoolType:
        """The type when the location offers one; a (v)so location needs the enrolment to say which."""
        return self.school_types[0]


@dataclass(frozen=True)
class RegisterFeit:
    """One of DUO's dated facts about one location: from ``datum`` it is ``vestiging`` (``None`` =
    closed or merged away), until ``geldig_tot`` (exclusive) when that is set."""

    code: str
    datum: date
    volgnummer: int
    vestiging: Schoolvestiging | None
    geldig_tot: date | None = None


def op_datum(seed: Schoolvestiging | None, feiten: Iterable[RegisterFeit], datum: date) -> Schoolvestiging | None:
    """The location as it was on ``datum``: the last fact dated on or before it (same date: the later
    one on the log), else the seed; ``None`` when it did not exist then."""
    huidig = seed
    for f in sorted(feiten, key=lambda f: (f.datum, f.volgnummer)):
        if f.datum > datum:
            break
        huidig = f.vestiging if f.geldig_tot is None or datum < f.geldig_tot else None
    return huidig


def vo_structuur(onderwijstype: str) -> tuple[VoStructuur, ...]:
    """DUO's ONDERWIJSSTRUCTUUR, e.g. ``VBO/MAVO/HAVO/VWO`` or ``PRO``."""
    return tuple(VoStructuur(d) for d in onderwijstype.split("/"))


def so_types(onderwijstype: str) -> tuple[SchoolType, ...]:
    """``<SOORT>: <ONDERWIJS>`` from DUO's (v)so list: the SOORT decides so, vso or both."""
    return _SOORT[onderwijstype.split(": ", 1)[0]]


def _vestiging(row: dict[str, str], types: tuple[SchoolType, ...], **extra: Any) -> Schoolvestiging:
    return Schoolvestiging(
        code=row["vestigingscode"], naam=row["vestigingsnaam"], gemeentecode=row["gemeentecode"],
        rmc_regio=row["rmc_regiocode"], vakantieregio=contractregio(KalenderRegio(row["vakantieregio"])),
        school_types=types, **extra,
    )


def _rows(name: str) -> list[dict[str, str]]:
    with (resources.files("registratie") / "data" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def po_vestigingen() -> dict[str, Schoolvestiging]:
    return {r["vestigingscode"]: _vestiging(r, (SchoolType.PO,), bevoegd_gezag=r["bevoegd_gezag_nummer"] or None)
            for r in _rows("schoolvestigingen_po.csv")}


@cache
def seed() -> dict[str, Schoolvestiging]:
    """Every location of DUO's public lists: po, vo and (v)so (no location is in two lists)."""
    out = dict(po_vestigingen())
    for r in _rows("schoolvestigingen_vo.csv"):
        structuur = vo_structuur(r["onderwijstype"])
        out[r["vestigingscode"]] = _vestiging(
            r, (SchoolType.VO,), vo_structuur=structuur, praktijkonderwijs=VoStructuur.PRO in structuur,
            isk=bool(_ISK.search(r["vestigingsnaam"])))
    for r in _rows("schoolvestigingen_so_vso.csv"):
        out[r["vestigingscode"]] = _vestiging(r, so_types(r["onderwijstype"]),
                                              isk=bool(_ISK.search(r["vestigingsnaam"])))
    return out


def feit_van(event: Any, volgnummer: int) -> RegisterFeit:
    """A register event as a dated fact (the region follows from the location's municipality)."""
    if isinstance(event, SchoolvestigingVastgelegd):
        v = Schoolvestiging(
            code=event.school.code, naam=event.naam or "", gemeentecode=event.gemeente,
            rmc_regio=rmc_regio_for(event.gemeente, event.geldig_vanaf), vakantieregio=event.vakantieregio,
            school_types=tuple(event.school_types), vo_structuur=tuple(event.vo_structuur),
            praktijkonderwijs=event.praktijkonderwijs, isk=event.isk, bevoegd_gezag=event.bevoegd_gezag)
        return RegisterFeit(v.code, event.geldig_vanaf, volgnummer, v, event.geldig_tot)
    assert isinstance(event, SchoolvestigingGesloten | SchoolvestigingSamengevoegd)
    return RegisterFeit(event.school.code, event.geldig_tot, volgnummer, None)


async def feiten(conn: asyncpg.Connection, code: str) -> list[RegisterFeit]:
    rows = await conn.fetch("SELECT event_type, data, volgnummer FROM register_feit WHERE code = $1", code)
    return [feit_van(CATALOGUE.event_class(r["event_type"]).model_validate_json(r["data"]), r["volgnummer"])
            for r in rows]


async def vestiging_op(conn: asyncpg.Connection, code: str, datum: date) -> Schoolvestiging | None:
    """The register on ``datum`` for one location: seed + DUO's facts."""
    return op_datum(seed().get(code), await feiten(conn, code), datum)


async def bewaar(conn: asyncpg.Connection, feiten_met_id: Sequence[tuple[Any, Any]]) -> None:
    """Keep register facts ``(event_id, event)`` (idempotent by event id): the intake and the
    projection both call it."""
    for event_id, event in feiten_met_id:
        await conn.execute(
            "INSERT INTO register_feit (event_id, code, event_type, data) VALUES ($1, $2, $3, $4::jsonb) "
            "ON CONFLICT (event_id) DO NOTHING",
            event_id, event.school.code, event.event_type, event.model_dump_json())
