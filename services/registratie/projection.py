"""registratie's projection of the regional topics: what leerplicht did with the schools' reports.

A school's view shows each report in DUO's five statuses (domain.md A4). registratie itself sets
Geregistreerd and Ingetrokken; In behandeling, Afgesloten and Ter kennisgeving aangenomen are
leerplicht's decisions and arrive as its events on the region's topic. Statuses only move forward,
so the order in which a withdrawal and a pick-up cross on the log does not matter, and a replay
changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from contracts.catalogue import from_envelope
from contracts.codes import MeldingStatus
from contracts.events import leerplicht as lp
from leerrecht.projection import Delivered

STATUS_BY_EVENT: dict[str, MeldingStatus] = {
    lp.MeldingInBehandeling.event_type: MeldingStatus.IN_BEHANDELING,
    lp.MeldingAfgesloten.event_type: MeldingStatus.AFGESLOTEN,
    lp.MeldingTerKennisgevingAangenomen.event_type: MeldingStatus.TER_KENNISGEVING_AANGENOMEN,
}
RANK = {
    MeldingStatus.GEREGISTREERD: 0,
    MeldingStatus.IN_BEHANDELING: 1,
    MeldingStatus.AFGESLOTEN: 2,
    MeldingStatus.TER_KENNISGEVING_AANGENOMEN: 2,
    MeldingStatus.INGETROKKEN: 3,
}


def status_updates(events: Sequence[Delivered]) -> dict[str, MeldingStatus]:
    """Per report the furthest status these events reach (pure, order-independent)."""
    furthest: dict[str, MeldingStatus] = {}
    # leerplicht's decisions are a small part of the region's log (mostly absences): pick them by type
    # first, in one comprehension, before any per-event work
    for d in [d for d in events if d.envelope.type in STATUS_BY_EVENT]:
        status = STATUS_BY_EVENT[d.envelope.type]
        event = from_envelope(d.envelope)
        assert isinstance(event, lp.MeldingInBehandeling | lp.MeldingAfgesloten | lp.MeldingTerKennisgevingAangenomen)
        melding_id = str(event.melding_id)
        current = furthest.get(melding_id)
        if current is None or RANK[status] > RANK[current]:
            furthest[melding_id] = status
    return furthest


class MeldingStatusProjection:
    name = "registratie-meldingstatus"
    handles = frozenset(STATUS_BY_EVENT)
    """Only leerplicht's three decisions on a report (:func:`status_updates` reads nothing else): the
    runner skips the rest of the region's log (``leerrecht.projection.Projection``)."""

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        updates = status_updates(events)
        if not updates:
            return
        ids = sorted(updates)
        await conn.execute(
            """
            UPDATE melding m SET status = u.status
            FROM unnest($1::uuid[], $2::text[], $3::int[]) AS u(melding_id, status, rang)
            WHERE m.melding_id = u.melding_id
              AND u.rang > CASE m.status WHEN 'GEREGISTREERD' THEN 0 WHEN 'IN_BEHANDELING' THEN 1
                                         WHEN 'INGETROKKEN' THEN 3 ELSE 2 END
            """,
            ids, [updates[i].value for i in ids], [RANK[updates[i]] for i in ids],
        )

