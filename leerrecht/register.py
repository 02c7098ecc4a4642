"""The register of school locations as every service keeps it (domain.md B, issue 13 and 15).

Why shared: registratie decides with the register (an unknown or closed location is refused, the type
gives the hour unit), and rmc's coaches pick a school from it when they record a placement. Both read
DUO's dated facts from the national register topic ``leerrecht.register.scholen`` into a table
``register_feit`` of their own database (:class:`RegisterProjection`, the runner's exactly-once
checkpoint; idempotent by event id), and both fold the facts onto the seed the same way
(:func:`op_datum`). The seed itself (DUO's public lists) ships with registratie; registratie keeps the
full rows (:mod:`registratie.scholen`), the other services the names and places
(:mod:`leerrecht.schoolnamen`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from contracts.catalogue import CATALOGUE, from_envelope
from contracts.codes import SchoolType, Vakantieregio, VoStructuur
from contracts.events.registratie import (
    SchoolvestigingGesloten,
    SchoolvestigingSamengevoegd,
    SchoolvestigingVastgelegd,
)
from leerrecht.kalender import OnbekendeGemeente, rmc_regio_for
from leerrecht.logging import get_logger
from leerrecht.projection import Delivered

log = get_logger(__name__)
REGISTER_EVENTS = (SchoolvestigingVastgelegd, SchoolvestigingGesloten, SchoolvestigingSamengevoegd)
REGISTER_TYPES = frozenset(c.event_type for c in REGISTER_EVENTS)


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


def _feiten(rows: Iterable[asyncpg.Record]) -> list[RegisterFeit]:
    return [feit_van(CATALOGUE.event_class(r["event_type"]).model_validate_json(r["data"]), r["volgnummer"])
            for r in rows]


async def feiten(conn: asyncpg.Connection, code: str) -> list[RegisterFeit]:
    """DUO's facts about one location, as this service's database holds them."""
    return _feiten(await conn.fetch(
        "SELECT event_type, data, volgnummer FROM register_feit WHERE code = $1", code))


async def alle_feiten(conn: asyncpg.Connection, code: str | None = None) -> dict[str, list[RegisterFeit]]:
    """Every fact (of one location with ``code``), per location (a few thousand a year: small enough to
    fold in memory). A fact that cannot be read as of its own date (a municipality the region table
    does not know then) is left out with a warning naming the location, so one bad fact does not take
    every lookup down with it."""
    uit: dict[str, list[RegisterFeit]] = {}
    for r in await conn.fetch("SELECT event_type, data, volgnummer, code FROM register_feit "
                              "WHERE $1::text IS NULL OR code = $1", code):
        try:
            [f] = _feiten([r])
        except (OnbekendeGemeente, ValueError) as exc:
            log.warning("registerfeit_overgeslagen", school=r["code"], fout=type(exc).__name__)
            continue
        uit.setdefault(f.code, []).append(f)
    return uit


async def bewaar(conn: asyncpg.Connection, feiten_met_id: Sequence[tuple[Any, Any]]) -> None:
    """Keep register facts ``(event_id, event)`` (idempotent by event id): registratie's intake and
    every service's projection call it."""
    for event_id, event in feiten_met_id:
        await conn.execute(
            "INSERT INTO register_feit (event_id, code, event_type, data) VALUES ($1, $2, $3, $4::jsonb) "
            "ON CONFLICT (event_id) DO NOTHING",
            event_id, event.school.code, event.event_type, event.model_dump_json())


class RegisterProjection:
    """The national register topic into ``register_feit``: a fresh database rebuilds the same register
    from the seed + this topic. Idempotent by event id, so facts already stored (registratie's intake
    stores them when DUO submits) change nothing. ``name`` keys the runner's checkpoint per service."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        await bewaar(conn, [(d.envelope.id, from_envelope(d.envelope)) for d in events
                            if d.envelope.type in REGISTER_TYPES])
