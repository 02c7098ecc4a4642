"""rmc's projection of its region's topic: potential vsv'ers become young people to contact (A6)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from contracts.catalogue import from_envelope
from contracts.events.registratie import PotentieelVsvGesignaleerd
from leerrecht.projection import Delivered

HANDLED = frozenset({PotentieelVsvGesignaleerd.event_type})


class RmcProjection:
    name = "rmc"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        rows = []
        for d in events:
            if d.envelope.type not in HANDLED:
                continue
            ev = from_envelope(d.envelope)
            if isinstance(ev, PotentieelVsvGesignaleerd):
                rows.append((d.envelope.subject, "NIEUW", ev.uitschrijfdatum, ev.woongemeente,
                             ev.geboortejaar_maand))
        if rows:
            await conn.executemany(
                "INSERT INTO jongere (pseudoniem, status, aangemeld_op, woongemeente, geboortejaar_maand) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING", rows,
            )
