"""The school calendar registratie evaluates with: the shipped seed plus what beheer loaded (A3.12).

Why: the school holidays are reference data with a known end (domain.md A3.12, a Decision). The
shipped ``leerrecht/data/schoolvakanties.csv`` is the seed; beheer loads further school years
(``POST /v1/beheer/schoolvakanties``) without a release. They are validated by
``leerrecht.kalender.uitbreiding`` (complete, following on, never changing a known holiday), stored
in registratie's database with who and when (``schoolvakantie_versie``), and loaded into the calendar
at start, after a load, before every daily run and once a minute (so every replica follows).

Why only registratie: it is the only service that computes with school holidays (lesweken, school
days: the rules of A3). leerplicht and rmc count working days of the Algemene termijnenwet
(computed, without an end) and telling reads its klok from the log. They follow registratie's
*decisions*, which are events on the log, so a replay of any of them sees what registratie decided
with the calendar of that day; a calendar event on the log would give them nothing to apply.

Never a silent skip: from 12 months before the end the service is degraded (``/health`` and
``/ready``, still 200), logs ``kalender_loopt_af`` / ``kalender_verlopen`` at error level, shows the
beheer line (``GET /v1/beheer/kalender``) and the gauge ``leerrecht_kalender_resterende_dagen``. A
pupil whose rules could not be evaluated because of the calendar's end is kept in
``kalender_wachtend`` (``registratie.regels``) and evaluated again once a school year is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from leerrecht.kalender import (
    KalenderStand,
    SchoolVakantie,
    Vakantieregio,
    kalender_stand,
    load_schoolvakanties,
    uitbreiding,
)
from leerrecht.logging import get_logger
from leerrecht.metrics import KALENDER_RESTERENDE_DAGEN
from registratie.domain.kalender import SnelleKalender, snelle_kalender

__all__ = ["Kalenderbron"]

log = get_logger(__name__)


class Kalenderbron:
    """The current calendar of this process; replaced as a whole when a version is loaded."""

    def __init__(self, seed: Sequence[SchoolVakantie] | None = None) -> None:
        self._seed = tuple(load_schoolvakanties() if seed is None else seed)
        self._gelijkgesteld = snelle_kalender().gelijkgesteld
        self.versie = 0
        self.kalender: SnelleKalender = (snelle_kalender() if seed is None
                                         else SnelleKalender(self._seed, self._gelijkgesteld))

    async def _geladen(self, conn: asyncpg.Connection) -> tuple[int, list[SchoolVakantie]]:
        """The stored version and rows; a school year a later release ships itself is the release's
        (the seed wins: its data has a documented source, ``leerrecht/data/SOURCES.md``)."""
        versie = await conn.fetchval("SELECT coalesce(max(versie), 0) FROM schoolvakantie_versie")
        rows = await conn.fetch("SELECT schooljaar, vakantie, regio, begin, eind FROM schoolvakantie")
        in_seed = {v.schooljaar for v in self._seed}
        return int(versie), [SchoolVakantie(r["schooljaar"], r["vakantie"], Vakantieregio(r["regio"]), r["begin"],
                                            r["eind"]) for r in rows if r["schooljaar"] not in in_seed]

    async def laad(self, conn: asyncpg.Connection) -> bool:
        """Load what beheer stored when it is newer than what this process holds; True when it was."""
        versie = await conn.fetchval("SELECT coalesce(max(versie), 0) FROM schoolvakantie_versie")
        if int(versie) == self.versie:
            return False
        versie, extra = await self._geladen(conn)
        self.kalender = SnelleKalender(self._seed + tuple(extra), self._gelijkgesteld)
        self.versie = versie
        log.info("kalender_geladen", versie=versie, kalender_einde=self.kalender.einde().isoformat())
        return True

    async def vaststellen(self, conn: asyncpg.Connection, rijen: Sequence[SchoolVakantie], door: str,
                          nu: datetime) -> tuple[int, tuple[SchoolVakantie, ...]]:
        """Store the rows that extend the calendar as a new version and load it; returns the version
        and the new rows (none: nothing changed, no version). Raises ``OngeldigeSchoolvakanties``.
        Serialised by a table lock, so two loads are validated one after the other."""
        async with conn.transaction():
            await conn.execute("LOCK TABLE schoolvakantie_versie IN EXCLUSIVE MODE")
            versie, extra = await self._geladen(conn)
            nieuw = uitbreiding(self._seed + tuple(extra), rijen)
            if nieuw:
                versie += 1
                jaren = sorted({v.schooljaar for v in nieuw})
                await conn.execute(
                    "INSERT INTO schoolvakantie_versie (versie, vastgesteld_door, vastgesteld_op, schooljaren, rijen) "
                    "VALUES ($1, $2, $3, $4, $5)", versie, door, nu, jaren, len(nieuw))
                await conn.executemany(
                    "INSERT INTO schoolvakantie (schooljaar, vakantie, regio, begin, eind, versie) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    [(v.schooljaar, v.naam, v.regio.value, v.begin, v.eind, versie) for v in nieuw])
                log.warning("schoolvakanties_vastgesteld", versie=versie, schooljaren=jaren, rijen=len(nieuw))
        await self.laad(conn)
        return versie, nieuw

    def stand(self, vandaag: date) -> KalenderStand:
        """The calendar's reach on ``vandaag``; keeps the gauge current (every probe and run asks)."""
        s = kalender_stand(self.kalender, vandaag)
        for regio, dagen in s.resterende_dagen_per_regio.items():
            KALENDER_RESTERENDE_DAGEN.labels(vakantieregio=regio.value).set(dagen)
        return s

    def degradatie(self, vandaag: date) -> dict[str, Any] | None:
        """The health endpoints' reason (``leerrecht.http.create_app``), ``None`` when all is well."""
        s = self.stand(vandaag)
        if s.reden is None:
            return None
        return {"reden": s.reden, "kalender_einde": s.einde.isoformat(), "resterende_dagen": s.resterende_dagen,
                "melding": s.melding}

    async def overzicht(self, conn: asyncpg.Connection, vandaag: date) -> dict[str, Any]:
        """The beheer line: reach, versions and the pupils waiting for a longer calendar."""
        s = self.stand(vandaag)
        wachtend = await conn.fetchrow("SELECT count(*) AS n, min(sinds) AS sinds FROM kalender_wachtend")
        versies = await conn.fetch(
            "SELECT versie, vastgesteld_door, vastgesteld_op, schooljaren, rijen FROM schoolvakantie_versie "
            "ORDER BY versie")
        return {
            "status": s.status, "reden": s.reden, "melding": s.melding, "vandaag": vandaag.isoformat(),
            "kalender_einde": s.einde.isoformat(), "resterende_dagen": s.resterende_dagen,
            "waarschuwing_vanaf": s.waarschuwing_vanaf.isoformat(),
            "per_vakantieregio": {r.value: {"einde": e.isoformat(), "resterende_dagen": (e - vandaag).days}
                                  for r, e in s.einde_per_regio.items()},
            "versie": self.versie,
            "versies": [{"versie": r["versie"], "vastgesteld_door": r["vastgesteld_door"],
                         "vastgesteld_op": r["vastgesteld_op"].isoformat(), "schooljaren": list(r["schooljaren"]),
                         "rijen": r["rijen"]} for r in versies],
            "leerlingen_niet_beoordeeld": wachtend["n"],
            "niet_beoordeeld_sinds": wachtend["sinds"].isoformat() if wachtend["sinds"] else None,
        }
