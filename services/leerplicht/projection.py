"""leerplicht's projection of its region's topic: the absence pattern and the MAS dossiers.

What it keeps (domain.md A2, A4, A5):

* ``afwezigheid``: every absence of the region's pupils, all codes, with recodings applied (A2), so
  the dossier page shows the whole pattern and not only the reported part.
* ``leerling``: birth year-month from the enrolment (the Halt age rule, A5).
* ``dossier`` (+ ``dossier_melding``, ``dossier_event``): the fold of :mod:`leerplicht.domain.dossier`
  over registratie's report events and leerplicht's own events; ``dossier_event`` is the timeline
  and ``dossier.stand`` the snapshot of the fold.
* Moving house (A5): a ``Verhuisd`` out of this region queues the transfer of the pupil's open dossier
  (``overdracht``); a ``DossierOvergedragen`` *to* this region opens the dossier here from the history
  the event carries (v2), in this transaction: timeline, reports, absence pattern, birth month
  (``overname`` records it). Report events of a report not known here are parked (``wachtend_event``)
  and applied once a transfer brought the report. See :mod:`leerplicht.overdracht`.
* ``signaal``: the ``SignaalGegeven`` addressed to ``LEERPLICHT`` (a late recoding that removed a duty
  already due, A2; protocol signals, A3.9), for the worklist and the pupil's dossier
  (:mod:`leerrecht.signalen`).
* ``dossier_behandelaar``: the officer who took the case, from ``DossierToegewezen`` (the first one
  in log order wins), so a replay keeps the assignment.

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
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from contracts import snel as snel_lezen
from contracts.catalogue import CATALOGUE, ContractError, from_envelope
from contracts.codes import SignaalOntvanger
from contracts.envelope import Envelope
from contracts.events import leerplicht as lp
from contracts.events import registratie as reg
from contracts.events.base import Event
from leerplicht import aandacht, snapshot, zaken
from leerplicht.domain.dossier import Dossier, Feit, apply, dossier_id_van, hoort_bij_leerplicht
from leerplicht.domain.verhuizing import herbouw, overdracht_opdracht
from leerrecht import signalen
from leerrecht.logging import get_logger
from leerrecht.overslaan import SnelleLezer, snelle_lezer
from leerrecht.projection import Delivered, PoisonEvent
from leerrecht.rijen import kolommen, rijen_sql, tekst

log = get_logger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

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
        *signalen.TYPES,
        lp.DossierToegewezen.event_type,
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


_AFWEZIGHEID_IN = (
    "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code, oorspronkelijke_code) "
    f"SELECT i::uuid, p, s, d::date, u::numeric, e, c, c FROM {rijen_sql(1, 7)} AS r(p, i, s, d, u, e, c)"
)
"""The batch's new absences, given as :func:`leerrecht.rijen.tekst` rows (pseudonym first, then
:data:`contracts.snel.Rij`). Without ``ON CONFLICT``: the caller adds it when an id was seen before."""

_BEKEND = (
    "SELECT melding_id, NULL::text AS pseudoniem, dossier_id FROM dossier_melding WHERE melding_id = ANY($1::uuid[]) "
    "UNION ALL "
    "SELECT NULL::uuid, pseudoniem, dossier_id FROM dossier WHERE fase = 'OPEN' AND pseudoniem = ANY($2::text[])"
)
"""The dossier of each report known here, and the open dossier of each pupil given: rows of the first
kind carry ``melding_id``, of the second ``pseudoniem``."""


_afwezigheid_uit_record = snelle_lezer(snel_lezen.AFWEZIG, snel_lezen.VERSIE, snel_lezen.SCHEMA,
                                       snel_lezen.AFWEZIGHEID_DATA, snel_lezen.afwezigheid_rij_uit_tekst)
"""An absence's header and row read from the record (:func:`leerrecht.overslaan.snelle_lezer`)."""


class LeerplichtProjection:
    name = "leerplicht"
    handles = HANDLED
    """The runner skips every other type of the region's log (``leerrecht.projection.Projection``)."""
    snel: ClassVar[Mapping[str, SnelleLezer]] = MappingProxyType({snel_lezen.AFWEZIG: _afwezigheid_uit_record})
    """Absences (about 90 % of the log) reach ``apply`` read without the pydantic envelope, as their row
    (:class:`leerrecht.projection.SnelGelezen`); the runner decodes what this reader cannot tell."""

    eigen_sleutel: ClassVar[frozenset[str]] = frozenset({snel_lezen.AFWEZIG})
    """An absence is applied as a row keyed by its ``afwezigheid_id`` (``ON CONFLICT DO NOTHING`` when
    an id was seen before, :meth:`_afwezigheid`): a re-published one changes nothing, so the runner does
    not record its event id (:data:`leerrecht.projection.EIGEN_SLEUTEL`)."""

    def __init__(self, region: str) -> None:
        self.region = region

    async def on_dead_lettered(self, conn: asyncpg.Connection, event: Delivered, reden: str) -> None:
        """The runner dead-lettered ``event``: release its claim and mark its dossier (:mod:`leerplicht.aandacht`)."""
        await aandacht.markeer(conn, event, reden)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        decoded: list[tuple[Delivered, Event]] = []
        afwezig: list[tuple[str, ...]] = []  # absence rows as text, in log order; most read fast (contracts.snel)
        rij, afwezig_type, handled = snel_lezen.afwezigheid_rij, snel_lezen.AFWEZIG, HANDLED  # locals: per event
        for d in events:
            if (kop := d.kop) is not None and kop.type == afwezig_type:  # read by the runner (``snel``)
                afwezig.append((kop.subject, *d.gelezen))  # type: ignore[attr-defined]
                continue
            env = d.envelope
            t = env.type
            if t == afwezig_type:
                a = rij(env)
                if a is not None:
                    afwezig.append((env.subject, *a))
                    continue
            elif t not in handled:
                continue
            ev = from_envelope(env)
            if isinstance(ev, reg.AfwezigheidGeregistreerd):
                afwezig.append((env.subject, str(ev.afwezigheid_id), ev.school.code, ev.datum.isoformat(), str(ev.uren),
                                ev.eenheid.value, ev.code.value))
            else:
                decoded.append((d, ev))
        await self._afwezigheid(conn, decoded, afwezig)
        toegewezen = [
            (ev.dossier_id, ev.behandelaar) for _, ev in decoded if isinstance(ev, lp.DossierToegewezen)
        ]
        if toegewezen:  # the first assignment in log order stays (a later one is a concurrent first step)
            await conn.executemany(
                "INSERT INTO dossier_behandelaar (dossier_id, behandelaar) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                toegewezen,
            )
        await signalen.bewaar(
            conn, [(d.envelope.subject, d.envelope.id, ev) for d, ev in decoded
                   if isinstance(ev, reg.SignaalGegeven | reg.MeldtermijnVerstreken)],
            SignaalOntvanger.LEERPLICHT,
        )
        dossier_events = [(d, ev) for d, ev in decoded if d.envelope.type not in _NIET_DOSSIER]
        if dossier_events:
            await self._dossiers(conn, dossier_events)

    # ------------------------------------------------------------------ absences and pupils

    async def _afwezigheid(self, conn: asyncpg.Connection, decoded: list[tuple[Delivered, Event]],
                           nieuw: list[tuple[str, ...]]) -> None:
        correcties: list[tuple[Any, ...]] = []
        leerlingen: dict[str, str] = {}
        for d, ev in decoded:
            if isinstance(ev, reg.AfwezigheidGecorrigeerd):
                correcties.append((ev.afwezigheid_id, ev.nieuwe_code.value, ev.nieuwe_uren))
            elif isinstance(ev, reg.LeerlingIngeschreven):
                leerlingen[d.envelope.subject] = ev.geboortejaar_maand
        if nieuw:  # one statement for the batch (an executemany is a round trip per row); the first of a
            # duplicated id wins, as before. The rows travel as one text parameter and PostgreSQL casts
            # them (leerrecht.rijen: no UUID/Decimal objects, no per-element array encoding)
            rijen = tekst(nieuw, 7)
            try:  # a plain insert first: an id seen before is rare, and ON CONFLICT costs every row a
                # speculative insertion (as leerrecht.projection.nieuwe_events); a savepoint keeps the
                # batch's transaction usable when one conflicts
                async with conn.transaction():
                    await conn.execute(_AFWEZIGHEID_IN, rijen)
            except asyncpg.UniqueViolationError:
                await conn.execute(_AFWEZIGHEID_IN + " ON CONFLICT DO NOTHING", rijen)
        if correcties:  # in log order, after the inserts of the same batch
            await conn.executemany(
                "UPDATE afwezigheid SET code = $2, uren = coalesce($3, uren) WHERE afwezigheid_id = $1",
                correcties,
            )
        if leerlingen:  # one row per pupil (a dict), so one upsert statement for the batch
            await conn.execute(
                "INSERT INTO leerling (pseudoniem, geboortejaar_maand) SELECT * FROM unnest($1::text[], $2::text[]) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET geboortejaar_maand = EXCLUDED.geboortejaar_maand",
                list(leerlingen), list(leerlingen.values()),
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
            d.envelope.subject
            for d, ev in decoded
            if isinstance(ev, reg.MeldingGeregistreerd | reg.Verhuisd | lp.DossierOvergedragen)
        }
        melding_dossier: dict[UUID, UUID] = {}
        open_dossier: dict[str, UUID] = {}
        if melding_ids or pseudoniemen:  # both lookups in one statement (one round trip per batch)
            for r in await conn.fetch(_BEKEND, list(melding_ids), list(pseudoniemen)):
                if r["melding_id"] is not None:
                    melding_dossier[r["melding_id"]] = r["dossier_id"]
                else:
                    open_dossier[r["pseudoniem"]] = r["dossier_id"]
        genoemd = {i for _, ev in decoded if (i := dossier_id_van(ev)) is not None}
        betrokken = sorted(genoemd | set(melding_dossier.values()) | set(open_dossier.values()))
        # 1. lock (waits for a command that is publishing on one of these dossiers) and read the states in
        # the same statement: only this projection writes ``stand`` (a command only locks and claims), so
        # the locked rows' state is the one to fold on; one round trip less per batch (issue 16) ...
        stand = await conn.fetch(
            "SELECT dossier_id, stand FROM dossier WHERE dossier_id = ANY($1::uuid[]) ORDER BY dossier_id FOR UPDATE",
            betrokken,
        )
        # 2. ... then, in a fresh statement, drop the claims of the events applied now.
        await conn.execute(
            "DELETE FROM dossier_pending WHERE event_id = ANY($1::uuid[])",
            [d.envelope.id for d, _ in decoded],
        )
        states: dict[UUID, Dossier] = {r["dossier_id"]: snapshot.from_json(json.loads(r["stand"])) for r in stand}
        bestaand = set(states)
        gewijzigd: set[UUID] = set()
        nieuwe_meldingen: list[tuple[UUID, UUID]] = []
        regels: list[_Regel] = []
        geparkeerd: list[Delivered] = []
        overdrachten: list[tuple[Any, ...]] = []
        overnames: list[tuple[Any, ...]] = []
        overgenomen: list[_Overname] = []

        todo = deque(decoded)
        while todo:
            d, ev = todo.popleft()
            subject = d.envelope.subject
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
                if ev.dossier_id in states:
                    continue  # already here (a redelivery or a move back)
                status = "KLAAR"
                if ev.geschiedenis is None:
                    status = "ZONDER_GESCHIEDENIS"  # a v1 transfer: its history is not on the log
                elif subject in open_dossier:
                    status = "OPEN_DOSSIER_AANWEZIG"  # two open cases of one pupil are not merged automatically
                else:
                    overname = self._overname(d, ev)
                    states[ev.dossier_id] = overname.dossier
                    gewijzigd.add(ev.dossier_id)
                    open_dossier[subject] = ev.dossier_id
                    for m in overname.dossier.meldingen:
                        melding_dossier[m.melding_id] = ev.dossier_id
                        nieuwe_meldingen.append((m.melding_id, ev.dossier_id))
                    regels.extend(overname.regels)
                    overgenomen.append(overname)
                    # The pupil's parked report events (their report came with this transfer) go next,
                    # in log order, before anything later in the log.
                    terug = [p for p in geparkeerd if p.envelope.subject == subject]
                    geparkeerd = [p for p in geparkeerd if p.envelope.subject != subject]
                    todo.extendleft(reversed([(p, from_envelope(p.envelope)) for p in
                                              await self._geparkeerd(conn, subject) + terug]))
                if status != "KLAAR":
                    log.warning("overname_zonder_dossier", dossier_id=str(ev.dossier_id), status=status)
                overnames.append(
                    (ev.dossier_id, d.envelope.id, subject, ev.van_regio, d.envelope.to_json().decode(), status)
                )
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
        if gewijzigd:
            await self._schrijf(conn, states, gewijzigd, bestaand, nieuwe_meldingen, regels)
        if overgenomen:
            await self._na_overname(conn, overgenomen)

    async def _schrijf(
        self,
        conn: asyncpg.Connection,
        states: dict[UUID, Dossier],
        gewijzigd: set[UUID],
        bestaand: set[UUID],
        nieuwe_meldingen: list[tuple[UUID, UUID]],
        regels: list[_Regel],
    ) -> None:
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
        # One statement per kind of row, its rows as arrays (unnest), not an executemany: PostgreSQL
        # then plans and executes each statement once, not once per row (issue 16: the regional log's
        # dossier rows were ~10,000 executions per 100,000 events, ~15 % of PostgreSQL's time).
        bijgewerkt = [r for r in rows if r[0] in bestaand]
        if bijgewerkt:
            await conn.execute(
                "UPDATE dossier d SET fase = u.fase, version = u.version, gesloten_op = u.gesloten_op, "
                "stand = u.stand::jsonb, bijgewerkt_op = now() "
                "FROM unnest($1::uuid[], $2::text[], $3::int[], $4::date[], $5::text[]) "
                "AS u(dossier_id, fase, version, gesloten_op, stand) WHERE d.dossier_id = u.dossier_id",
                *kolommen(bijgewerkt, (0, 2, 3, 5, 6)),
            )
        geopend = [r for r in rows if r[0] not in bestaand]
        if geopend:
            await conn.execute(
                "INSERT INTO dossier (dossier_id, pseudoniem, fase, version, geopend_op, gesloten_op, stand) "
                "SELECT i, p, f, v, o, g, s::jsonb "
                "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::date[], $6::date[], $7::text[]) "
                "AS u(i, p, f, v, o, g, s)",
                *kolommen(geopend, range(7)),
            )
        if nieuwe_meldingen:
            # a transferred report known here before (a move back) follows its dossier; one row per report
            # (an upsert cannot touch a row twice in one statement), the last one as the rows were applied
            meldingen = list(dict(nieuwe_meldingen).items())
            await conn.execute(
                "INSERT INTO dossier_melding (melding_id, dossier_id) SELECT * FROM unnest($1::uuid[], $2::uuid[]) "
                "ON CONFLICT (melding_id) DO UPDATE SET dossier_id = EXCLUDED.dossier_id",
                *kolommen(meldingen, range(2)),
            )
        if regels:
            await conn.execute(
                "INSERT INTO dossier_event (event_id, dossier_id, seq, type, op, envelope) "
                "SELECT i, d, n, t, o, e::jsonb "
                "FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::date[], $6::text[]) "
                "AS u(i, d, n, t, o, e)",
                *kolommen([(r.event_id, r.dossier_id, r.seq, r.type, r.op, r.envelope) for r in regels], range(6)),
            )
        await zaken.bijwerken(conn, [states[i] for i in sorted(gewijzigd)])

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
                "INSERT INTO overname (dossier_id, overdracht_event_id, pseudoniem, van_regio, envelope, status, "
                "afgerond_op) VALUES ($1, $2, $3, $4, $5::jsonb, $6, now()) ON CONFLICT DO NOTHING",
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
    def _overname(d: Delivered, ev: lp.DossierOvergedragen) -> _Overname:
        """The transferred dossier from the history the event carries (A5; contract v2): the old office's
        timeline (decoded and upcast through the catalogue), folded and reopened here. A history that
        cannot be read or does not fold is a poison event (dead letters, and beheer sees it)."""
        assert ev.geschiedenis is not None
        subject = d.envelope.subject
        try:
            stappen: list[tuple[lp.Tijdlijnstap, Feit]] = []
            for stap in ev.geschiedenis.tijdlijn:
                cls = CATALOGUE.lookup(stap.type, stap.schema_version)
                event = cls.from_data(CATALOGUE.upcast(stap.type, stap.schema_version, stap.data))
                stappen.append((stap, Feit(event, stap.event_id, subject, dag(stap.tijd))))
            transfer = Feit(ev, d.envelope.id, subject, dag(d.envelope.time))
            dossier = herbouw([f for _, f in stappen], transfer)
        except (ContractError, ValueError) as exc:
            raise PoisonEvent(f"overdracht {ev.dossier_id}: {type(exc).__name__}") from exc
        regels = [
            _Regel(stap.event_id, ev.dossier_id, n, stap.type, feit.op, _envelope_van(stap, subject))
            for n, (stap, feit) in enumerate(stappen, start=1)
        ]
        regels.append(
            _Regel(d.envelope.id, ev.dossier_id, dossier.version, d.envelope.type, transfer.op,
                   d.envelope.to_json().decode())
        )
        return _Overname(dossier, regels, ev.geschiedenis)

    async def _na_overname(self, conn: asyncpg.Connection, overgenomen: list[_Overname]) -> None:
        """The absence pattern and birth month that came along with transferred dossiers."""
        await conn.executemany(
            "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code, "
            "oorspronkelijke_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            [
                (a.afwezigheid_id, o.dossier.pseudoniem, a.school.code, a.datum, a.uren, a.eenheid.value,
                 a.code.value, a.oorspronkelijke_code.value if a.oorspronkelijke_code else None)
                for o in overgenomen
                for a in o.geschiedenis.afwezigheid
            ],
        )
        await conn.executemany(
            "INSERT INTO leerling (pseudoniem, geboortejaar_maand) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [(o.dossier.pseudoniem, o.geschiedenis.geboortejaar_maand) for o in overgenomen
             if o.geschiedenis.geboortejaar_maand],
        )

    @staticmethod
    async def _geparkeerd(conn: asyncpg.Connection, pseudoniem: str) -> list[Delivered]:
        """Take the pupil's parked events out of ``wachtend_event``, in log order."""
        parked = await conn.fetch(
            'DELETE FROM wachtend_event WHERE pseudoniem = $1 RETURNING topic, partition, "offset", envelope',
            pseudoniem,
        )
        return [
            Delivered(Envelope.model_validate(json.loads(p["envelope"])), p["topic"], p["partition"], p["offset"])
            for p in sorted(parked, key=lambda p: (p["topic"], p["partition"], p["offset"]))
        ]

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


_NIET_DOSSIER = frozenset(
    {
        reg.AfwezigheidGeregistreerd.event_type,
        reg.AfwezigheidGecorrigeerd.event_type,
        reg.LeerlingIngeschreven.event_type,
        *signalen.TYPES,
        lp.DossierToegewezen.event_type,
    }
)
"""Events that are not folded into a dossier (absences, pupils, signals, the officer's assignment)."""


@dataclass
class _Overname:
    """A dossier transferred to this office, rebuilt from the transfer's history."""

    dossier: Dossier
    regels: list[_Regel]
    geschiedenis: lp.DossierGeschiedenis


def _envelope_van(stap: lp.Tijdlijnstap, subject: str) -> str:
    """The timeline entry as the envelope it was on the old region's log (the dossier page shows its data)."""
    return Envelope.model_validate(
        {"id": stap.event_id, "type": stap.type, "source": stap.bron, "time": stap.tijd, "subject": subject,
         "schemaversion": stap.schema_version, "correlationid": stap.correlatie_id, "data": stap.data}
    ).to_json().decode()
