"""leerplicht's projection of its region's topic: absences now, dossiers as the MAS work lands."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from contracts.catalogue import from_envelope
from contracts.events.registratie import AfwezigheidGeregistreerd
from leerrecht.projection import Delivered

HANDLED = frozenset({AfwezigheidGeregistreerd.event_type})


class LeerplichtProjection:
    name = "leerplicht"

    def __init__(self, region: str) -> None:
        self.region = region

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        rows = []
        for d in events:
            if d.envelope.type not in HANDLED:
                continue
            ev = from_envelope(d.envelope)
            if isinstance(ev, AfwezigheidGeregistreerd):
                rows.append((ev.afwezigheid_id, d.envelope.subject, ev.school.code, ev.datum, ev.uren,
                             ev.eenheid.value, ev.code.value))
        if rows:
            await conn.executemany(
                "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING", rows,
            )
