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
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import asyncpg

from contracts.codes import SchoolType, VoStructuur
from leerrecht.kalender import Vakantieregio as KalenderRegio
from leerrecht.register import (  # shared with rmc's lookup; re-exported for registratie's modules
    REGISTER_EVENTS,
    REGISTER_TYPES,
    RegisterFeit,
    Schoolvestiging,
    bewaar,
    feit_van,
    feiten,
    op_datum,
)
from registratie.domain.codes import contractregio

__all__ = ["REGISTER_EVENTS", "REGISTER_TYPES", "RegisterFeit", "Schoolvestiging", "bewaar", "feit_van",
           "feiten", "op_datum", "po_vestigingen", "seed", "so_types", "vestiging_op", "vo_structuur"]

_ISK = re.compile(r"\bISK\b|internationale schakel", re.IGNORECASE)
_SOORT = {"SO": (SchoolType.SO,), "VSO": (SchoolType.VSO,), "(V)SO": (SchoolType.SO, SchoolType.VSO)}


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


async def vestiging_op(conn: asyncpg.Connection, code: str, datum: date) -> Schoolvestiging | None:
    """The register on ``datum`` for one location: seed + DUO's facts."""
    return op_datum(seed().get(code), await feiten(conn, code), datum)
