"""leerplicht's projection of its region's topic: the absence pattern and the MAS dossiers.

What it keeps (domain.md A2, A4, A5):

* ``afwezigheid``: every absence of the region's pupils, all codes, with recodings applied (A2), so
  the dossier page shows the whole pattern and not only the reported part.
* ``leerling``: birth year-month from the enrolment (the Halt age rule, A5).
* ``dossier`` (+ ``dossier_melding``, ``dossier_event``): the fold of :mod:`leerplicht.domain.dossier`
  over registratie's report events and leerplicht's own events; ``dossier_event`` is the timeline
  and ``dossier.stand`` the snapshot of the fold.
* Moving house (A5): a ``Verhuisd`` out of this region queues the transfer of the pupil's open dossier
  (``overdracht``); a ``DossierOvergedragen`` *to* this region queues the import of its history
  (``overname``) and parks the pupil's later events (``wachtend_event``) until it has arrived. See
  :mod:`leerplicht.overdracht`.

Single writer per dossier — the protocol between the command path (:mod:`leerplicht.handling`) and
this projection. **Choice: the command path never writes dossier state; it only claims versions.**

1. A command locks the dossier row (``SELECT … FOR UPDATE``), checks ``expected_version`` against the
   *claimed* version = ``dossier.version`` + the number of its ``dossier_pending`` rows, decides,
   publishes (acks=all), records the published event ids in ``dossier_pending`` and commits.
2. This projection is the only writer of ``dossier``/``dossier_event``. For every batch it first
   locks the dossier rows it touches (in id order), *then* deletes the ``dossier_pending`` rows of the
   events it applies, in a separate statement. The lock waits for a command that is publishing, and
   under READ COMMITTED the next statement sees what that command committed, so a pending row is
   never left behind by a race. Then it folds and writes.

Why this choice rather than writing the new state optimistically in the command path: the state is
then always the fold of the log *in log order*, so a replay from offset 0 into an empty database
rebuilds exactly the same dossiers, versions and timelines, and applying the service's own events is
trivially idempotent (the runner drops duplicate event ids; nothing was applied before). Failure
cases stay consistent: publish fails → rollback, no claim; publish acked but the commit fails → the
event arrives as an unclaimed one and is applied like any other; the projection is behind → the
claim keeps the version honest and the next command waits for it (see ``handling``).

Batching: one transaction per partition batch (the runner's); reads are one query per table with
``ANY``, writes one ``executemany`` per table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from contracts.catalogue import from_envelope
from contracts.events import leerplicht as lp
from contracts.events import registratie as reg
from contracts.events.base import Event
from leerplicht import aandacht, snapshot
from leerplicht.domain.dossier import Dossier, Feit, apply, dossier_id_van, hoort_bij_leerplicht
from leerplicht.domain.verhuizing import overdracht_opdracht
from leerrecht.projection import Delivered

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OVERNAME_LOCK = 7_301_552_004
"""Advisory lock (transaction scope) that serialises the projection's dossier batches with the import
of a transferred dossier, so an event is either parked before the import or applied after it."""

_DOSSIER_REGISTRATIE = (
    reg.MeldingGeregistreerd.event_type,
    reg.MeldingIngetrokken.event_type,
    reg.MeldingEinddatumVastgesteld.event_type,
)
_LEERPLICHT = tuple(
    cls.event_type
    for cls in (
        lp.MeldingInBehandeling,
        lp.OnderzoekGestart,
        lp.RouteGekozen,
        lp.HaltAdviesOverschreven,
        lp.InterventieUitgevoerd,
        lp.MeldingAfgesloten,
        lp.MeldingTerKennisgevingAangenomen,
        lp.DossierOvergedragen,
        lp.DossierGesloten,
    )
)
HANDLED = frozenset(
    {
        reg.Verhuisd.event_type,
        reg.AfwezigheidGeregistreerd.event_type,
        reg.AfwezigheidGecorrigeerd.event_type,
        reg.LeerlingIngeschreven.event_type,
        *_DOSSIER_REGISTRATIE,
        *_LEERPLICHT,
    }
)


def dag(moment: datetime) -> date:
    """The day an event happened, in the Netherlands (deadlines count Dutch days)."""
    return moment.astimezone(AMSTERDAM).date()


@dataclass
class _Regel:
    """One timeline row to insert."""

    event_id: UUID
    dossier_id: UUID
    seq: int
    type: str
    op: date
    envelope: str


class LeerplichtProjection:
    name = "leerplicht"

    def __init__(self, region: str) -> None:
        self.region = region

    async def on_dead_lettered(self, conn: asyncpg.Connection, event: Delivered, reden: str) -> None:
        """The runner dead-lettered ``event``: release its claim and mark its dossier (:mod:`leerplicht.aandacht`)."""
        await aandacht.markeer(conn, event, reden)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        decoded: list[tuple[Delivered, Event]] = [
            (d, from_envelope(d.envelope)) for d in events if d.envelope.type in HANDLED
        ]
        await self._afwezigheid(conn, decoded)
        dossier_events = [(d, ev) for d, ev in decoded if d.envelope.type not in _ABSENCE_TYPES]
        if dossier_events:
            await self._dossiers(conn, dossier_events)

    # ------------------------------------------------------------------ absences and pupils

    async def _afwezigheid(self, conn: asyncpg.Connection, decoded: list[tuple[Delivered, Event]]) -> None:
        nieuw: list[tuple[Any, ...]] = []
        correcties: list[tuple[Any, ...]] = []
        leerlingen: dict[str, str] = {}
        for d, ev in decoded:
            if isinstance(ev, reg.AfwezigheidGeregistreerd):
                nieuw.append(
                    (
                        ev.afwezigheid_id,
                        d.envelope.subject,
                        ev.school.code,
                        ev.datum,
                        ev.uren,
                        ev.eenheid.value,
                        ev.code.value,
                    )
                )
            elif isinstance(ev, reg.AfwezigheidGecorrigeerd):
                correcties.append((ev.afwezigheid_id, ev.nieuwe_code.value, ev.nieuwe_uren))
            elif isinstance(ev, reg.LeerlingIngeschreven):
                leerlingen[d.envelope.subject] = ev.geboortejaar_maand
        if nieuw:
            await conn.executemany(
                "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code, "
                "oorspronkelijke_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
                nieuw,
            )
        if correcties:  # in log order, after the inserts of the same batch
            await conn.executemany(
                "UPDATE afwezigheid SET code = $2, uren = coalesce($3, uren) WHERE afwezigheid_id = $1",
                correcties,
            )
        if leerlingen:
            await conn.executemany(
                "INSERT INTO leerling (pseudoniem, geboortejaar_maand) VALUES ($1, $2) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET geboortejaar_maand = EXCLUDED.geboortejaar_maand",
                list(leerlingen.items()),
            )

    # ------------------------------------------------------------------ dossiers

    async def _dossiers(self, conn: asyncpg.Connection, decoded: list[tuple[Delivered, Event]]) -> None:
        melding_ids = {
            ev.melding_id
            for _, ev in decoded
            if isinstance(ev, reg.MeldingGeregistreerd | reg.MeldingIngetrokken | reg.MeldingEinddatumVastgesteld)
            or (isinstance(ev, lp.MeldingTerKennisgevingAangenomen) and ev.dossier_id is None)
        }
        pseudoniemen = {
            d.envelope.subject for d, ev in decoded if isinstance(ev, reg.MeldingGeregistreerd | reg.Verhuisd)
        }
        # Moving house (A5, leerplicht/overdracht.py): serialise with the import of transferred dossiers,
        # then see which pupils still wait for one: their events are parked until it has arrived.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", OVERNAME_LOCK)
        wachtend: set[str] = {
            r["pseudoniem"]
            for r in await conn.fetch(
                "SELECT pseudoniem FROM overname WHERE status = 'WACHT' AND pseudoniem = ANY($1::text[])",
                list({d.envelope.subject for d, _ in decoded}),
            )
        }
        melding_dossier: dict[UUID, UUID] = {
            r["melding_id"]: r["dossier_id"]
            for r in await conn.fetch(
                "SELECT melding_id, dossier_id FROM dossier_melding WHERE melding_id = ANY($1::uuid[])",
                list(melding_ids),
            )
        }
        open_dossier: dict[str, UUID] = {
            r["pseudoniem"]: r["dossier_id"]
            for r in await conn.fetch(
                "SELECT pseudoniem, dossier_id FROM dossier WHERE fase = 'OPEN' AND pseudoniem = ANY($1::text[])",
                list(pseudoniemen),
            )
        }
        genoemd = {i for _, ev in decoded if (i := dossier_id_van(ev)) is not None}
        betrokken = sorted(genoemd | set(melding_dossier.values()) | set(open_dossier.values()))
        # 1. lock (waits for a command that is publishing on one of these dossiers) ...
        await conn.execute(
            "SELECT 1 FROM dossier WHERE dossier_id = ANY($1::uuid[]) ORDER BY dossier_id FOR UPDATE",
            betrokken,
        )
        # 2. ... then, in a fresh statement, drop the claims of the events applied now.
        await conn.execute(
            "DELETE FROM dossier_pending WHERE event_id = ANY($1::uuid[])",
            [d.envelope.id for d, _ in decoded],
        )
        states: dict[UUID, Dossier] = {
            r["dossier_id"]: snapshot.from_json(json.loads(r["stand"]))
            for r in await conn.fetch(
                "SELECT dossier_id, stand FROM dossier WHERE dossier_id = ANY($1::uuid[])", betrokken
            )
        }
        bestaand = set(states)
        gewijzigd: set[UUID] = set()
        nieuwe_meldingen: list[tuple[UUID, UUID]] = []
        regels: list[_Regel] = []
        geparkeerd: list[Delivered] = []
        overdrachten: list[tuple[Any, ...]] = []
        overnames: list[tuple[Any, ...]] = []

        for d, ev in decoded:
            subject = d.envelope.subject
            if subject in wachtend:
                geparkeerd.append(d)  # the history of the pupil's transferred dossier comes first
                continue
            if isinstance(ev, reg.Verhuisd):
                open_id = open_dossier.get(subject)
                opdracht = overdracht_opdracht(states.get(open_id) if open_id else None, ev, self.region)
                if opdracht is not None:
                    overdrachten.append(
                        (open_dossier[subject], d.envelope.id, d.envelope.correlation_id, subject,
                         opdracht.van_regio, opdracht.naar_regio, opdracht.naar_gemeente, opdracht.datum)
                    )
                continue
            if isinstance(ev, lp.DossierOvergedragen) and ev.naar_regio == self.region:
                if ev.dossier_id not in states:  # else: already here (a redelivery or a move back)
                    overnames.append(
                        (ev.dossier_id, d.envelope.id, subject, ev.van_regio, d.envelope.to_json().decode())
                    )
                    wachtend.add(subject)
                continue
            target = self._doel(ev, subject, melding_dossier, open_dossier, states)
            if target is None and isinstance(ev, reg.MeldingIngetrokken | reg.MeldingEinddatumVastgesteld):
                geparkeerd.append(d)  # a report not known here (yet): it may arrive with a transfer
                continue
            if target is None and not isinstance(ev, reg.MeldingGeregistreerd):
                continue  # e.g. a step of a dossier this office never held
            if isinstance(ev, reg.MeldingGeregistreerd) and not hoort_bij_leerplicht(ev):
                continue  # A3.5: 18+ reports go to the Doorstroompunt
            oud = states.get(target) if target is not None else None
            feit = Feit(ev, d.envelope.id, d.envelope.subject, dag(d.envelope.time))
            nieuw = apply(oud, feit)
            if nieuw is None or nieuw is oud:
                continue
            states[nieuw.dossier_id] = nieuw
            gewijzigd.add(nieuw.dossier_id)
            if nieuw.open:
                open_dossier[nieuw.pseudoniem] = nieuw.dossier_id
            elif open_dossier.get(nieuw.pseudoniem) == nieuw.dossier_id:
                del open_dossier[nieuw.pseudoniem]
            if isinstance(ev, reg.MeldingGeregistreerd) and ev.melding_id not in melding_dossier:
                melding_dossier[ev.melding_id] = nieuw.dossier_id
                nieuwe_meldingen.append((ev.melding_id, nieuw.dossier_id))
            regels.append(
                _Regel(
                    d.envelope.id,
                    nieuw.dossier_id,
                    nieuw.version,
                    d.envelope.type,
                    feit.op,
                    d.envelope.to_json().decode(),
                )
            )

        await self._verhuizing(conn, overdrachten, overnames, geparkeerd)
        if not gewijzigd:
            return
        rows = [
            (
                s.dossier_id,
                s.pseudoniem,
                s.fase.value,
                s.version,
                s.geopend_op,
                s.sluiting.datum if s.sluiting else None,
                json.dumps(snapshot.to_json(s)),
            )
            for s in (states[i] for i in sorted(gewijzigd))
        ]
        # Updates first: a dossier closed in this batch frees the pupil's "one open dossier" slot
        # before a new one is inserted (the unique index is checked per statement).
        await conn.executemany(
            "UPDATE dossier SET fase = $2, version = $3, gesloten_op = $4, stand = $5::jsonb, "
            "bijgewerkt_op = now() WHERE dossier_id = $1",
            [(r[0], r[2], r[3], r[5], r[6]) for r in rows if r[0] in bestaand],
        )
        await conn.executemany(
            "INSERT INTO dossier (dossier_id, pseudoniem, fase, version, geopend_op, gesloten_op, stand) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
            [r for r in rows if r[0] not in bestaand],
        )
        await conn.executemany("INSERT INTO dossier_melding (melding_id, dossier_id) VALUES ($1, $2)", nieuwe_meldingen)
        await conn.executemany(
            "INSERT INTO dossier_event (event_id, dossier_id, seq, type, op, envelope) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            [(r.event_id, r.dossier_id, r.seq, r.type, r.op, r.envelope) for r in regels],
        )

    @staticmethod
    async def _verhuizing(
        conn: asyncpg.Connection,
        overdrachten: list[tuple[Any, ...]],
        overnames: list[tuple[Any, ...]],
        geparkeerd: list[Delivered],
    ) -> None:
        """The rows of moving house (A5): outgoing transfers, incoming ones, parked events."""
        if overdrachten:
            await conn.executemany(
                "INSERT INTO overdracht (dossier_id, verhuisd_id, correlation_id, pseudoniem, van_regio, naar_regio, "
                "naar_gemeente, datum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                overdrachten,
            )
        if overnames:
            await conn.executemany(
                "INSERT INTO overname (dossier_id, overdracht_event_id, pseudoniem, van_regio, envelope) "
                "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
                overnames,
            )
        if geparkeerd:
            await conn.executemany(
                'INSERT INTO wachtend_event (event_id, pseudoniem, topic, partition, "offset", envelope) '
                "VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING",
                [
                    (d.envelope.id, d.envelope.subject, d.topic, d.partition, d.offset, d.envelope.to_json().decode())
                    for d in geparkeerd
                ],
            )

    @staticmethod
    def _doel(
        ev: Event,
        subject: str,
        melding_dossier: dict[UUID, UUID],
        open_dossier: dict[str, UUID],
        states: dict[UUID, Dossier],
    ) -> UUID | None:
        """The dossier an event belongs to (``None``: a report opening a new dossier, or unknown)."""
        if isinstance(ev, reg.MeldingGeregistreerd):
            # a report already known (a re-publication) stays where it is; else the open dossier
            return melding_dossier.get(ev.melding_id) or open_dossier.get(subject)
        named = dossier_id_van(ev)
        if named is not None:
            return named if named in states else None
        melding = getattr(ev, "melding_id", None)
        return melding_dossier.get(melding) if isinstance(melding, UUID) else None


_ABSENCE_TYPES = frozenset(
    {
        reg.AfwezigheidGeregistreerd.event_type,
        reg.AfwezigheidGecorrigeerd.event_type,
        reg.LeerlingIngeschreven.event_type,
    }
)
