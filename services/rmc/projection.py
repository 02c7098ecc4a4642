"""rmc's projection of its region's topic: the Doorstroompunt files (domain.md A6).

Per batch (inside the runner's transaction): load the files and pupil facts of the batch's
pseudonyms in one query each, run the pure :func:`rmc.domain.verwerk` over the events in log order
(fold + automatic reactions), then write everything back once: upserted ``jongere`` rows, contact
attempts / placements / partner weeks keyed by event id, pupil facts, and the reactions into the
``uitgaand`` outbox (published by :mod:`rmc.uitgaand` after the commit). Replay-safe: all writes are
keyed upserts or ``ON CONFLICT DO NOTHING``, and reactions have ids derived from their cause.

Moving house (domain.md A5/A6): the envelopes of every rmc event of a case are kept
(``dossier_envelop``). When the reaction to a move out of the region is ``DossierOvergedragen``, the
outbox gets, for the new region's topic, the case's history (the same envelopes, same ids, with the
new region) followed by the ``DossierOvergedragen`` itself (same id as on this region's topic). The
new instance folds the history into a file and continues it; the copies keep their ids, so a
consumer of both topics (telling) counts each fact once. Only this region's rows are removed when
their echo comes by; the new region's rows are always published (a replay of this instance
publishes them again: same ids, dropped as duplicates by every consumer). A case that comes back to
a region that transferred it away earlier is reopened from its whole kept history
(:func:`rmc.domain.hervatten`): the copies of the other region's period were kept while the file
here was closed.

Signals addressed to ``DOORSTROOMPUNT`` (``SignaalGegeven``, issue 12) are not file events: they are
stored in ``signaal`` for the worklist and the young person's page (:mod:`leerrecht.signalen`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from contracts.catalogue import ContractError, from_envelope, to_envelope
from contracts.codes import SignaalOntvanger
from contracts.envelope import Envelope
from contracts.events import registratie, rmc
from contracts.events.base import Event
from contracts.topics import region_events_topic
from leerrecht import aandacht, signalen
from leerrecht.logging import get_logger
from leerrecht.projection import Delivered, PoisonEvent
from rmc.domain import (
    GESCHIEDENIS_TYPES,
    HANDLED_TYPES,
    STANDAARD_REGELS,
    Gebeurtenis,
    Jongere,
    Kenmerken,
    Regels,
    hervatten,
    is_terugkeer,
    verwerk,
)

log = get_logger(__name__)

NL = ZoneInfo("Europe/Amsterdam")
TYPES = HANDLED_TYPES | {registratie.LeerlingIngeschreven.event_type}
HANDLES = TYPES | signalen.TYPES
"""What :meth:`RmcProjection.apply` acts on: the file's types, the enrolment's pupil facts and the
signals; the runner skips the rest of the region's log (``leerrecht.projection.Projection``)."""
_COACH_BRON = re.compile(r"^urn:nl:leerrecht:rmc:(MC[0-9]{2}):coach:([A-Za-z0-9_.-]{1,64})$")

_LEZEN = (
    "SELECT p.pseudoniem, j.toestand, k.pseudoniem IS NOT NULL AS heeft_kenmerken, k.woongemeente, "
    "k.geboortejaar_maand FROM unnest($1::text[]) AS p(pseudoniem) "
    "LEFT JOIN jongere j ON j.pseudoniem = p.pseudoniem LEFT JOIN kenmerken k ON k.pseudoniem = p.pseudoniem "
    "WHERE j.pseudoniem IS NOT NULL OR k.pseudoniem IS NOT NULL"
)
"""The stored file (``toestand``) and pupil facts of each pseudonym given, those that have either."""


def bron_coach(region: str, client_id: str) -> str | None:
    """The envelope ``source`` of a coach's command: names the acting coach (for the caseload)."""
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", client_id):
        return f"urn:nl:leerrecht:rmc:{region}:coach:{client_id}"
    return None


def actor_uit_bron(source: str, region: str | None = None) -> str | None:
    """The coach named in a command's ``source``; with ``region`` only a coach of that region (history
    received with a transfer names the old region's coach, who is not on this region's caseload)."""
    match = _COACH_BRON.match(source)
    if match is None or (region is not None and match.group(1) != region):
        return None
    return match.group(2)


def gebeurtenis(d: Delivered, event: Event, region: str) -> Gebeurtenis:
    return gebeurtenis_uit(d.envelope, event, region)


def gebeurtenis_uit(env: Envelope, event: Event, region: str) -> Gebeurtenis:
    return Gebeurtenis(
        id=env.id,
        pseudoniem=env.subject,
        event=event,
        datum=env.time.astimezone(NL).date(),
        regio=region,
        actor=actor_uit_bron(env.source, region),
    )


class RmcProjection:
    name = "rmc"
    handles = HANDLES

    def __init__(self, region: str, regels: Regels = STANDAARD_REGELS) -> None:
        self.region = region
        self.regels = regels
        self.topic = region_events_topic(region)

    async def on_dead_lettered(self, conn: asyncpg.Connection, event: Delivered, reden: str) -> None:
        """The runner dead-lettered ``event``: mark the young person's file for beheer. A command waiting
        for this event (``commando_slot.wacht_op``) counts it as settled (:mod:`rmc.commando`)."""
        pseudoniem = event.envelope.subject
        bekend = await conn.fetchval("SELECT 1 FROM jongere WHERE pseudoniem = $1", pseudoniem)
        await aandacht.bewaar(conn, event, reden, pseudoniem if bekend else None)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        items: list[tuple[Delivered, Event]] = []
        gesignaleerd: list[tuple[str, UUID, signalen.Signaal]] = []
        signaal_types, types = signalen.TYPES, TYPES  # locals: looked up once, not per event
        for d in events:
            t = d.envelope.type
            if t not in types and t not in signaal_types:  # most of the log (absences): nothing to do here
                continue
            if t in signaal_types:  # not a file event: stored for the worklist (a missed 18+ report term too)
                try:
                    s = from_envelope(d.envelope)
                except ContractError as exc:
                    raise PoisonEvent(f"{d.envelope.type}: {type(exc).__name__}") from exc
                assert isinstance(s, registratie.SignaalGegeven | registratie.MeldtermijnVerstreken)
                gesignaleerd.append((d.envelope.subject, d.envelope.id, s))
                continue
            try:
                items.append((d, from_envelope(d.envelope)))
            except ContractError as exc:
                raise PoisonEvent(f"{d.envelope.type}: {type(exc).__name__}") from exc
        await signalen.bewaar(conn, gesignaleerd, SignaalOntvanger.DOORSTROOMPUNT)
        if not items:
            return
        pseudos = sorted({d.envelope.subject for d, _ in items})
        # the files and the pupil facts of the batch's pseudonyms in one statement (one round trip)
        states: dict[str, Jongere] = {}
        kenmerken: dict[str, Kenmerken] = {}
        for r in await conn.fetch(_LEZEN, pseudos):
            if r["toestand"] is not None:
                states[r["pseudoniem"]] = Jongere.model_validate_json(r["toestand"])
            if r["heeft_kenmerken"]:
                kenmerken[r["pseudoniem"]] = Kenmerken(
                    woongemeente=r["woongemeente"], geboortejaar_maand=r["geboortejaar_maand"]
                )
        gewijzigd: set[str] = set()
        kenmerken_gewijzigd: set[str] = set()
        contacten: list[tuple[Any, ...]] = []
        plaatsingen: list[tuple[Any, ...]] = []
        weken: list[tuple[Any, ...]] = []
        uitgaand: dict[tuple[UUID, str], tuple[UUID, str, str]] = {}
        echos: list[UUID] = []
        envelopen: list[tuple[UUID, str, UUID, str]] = []  # (event_id, pseudoniem, dossier_id, json)

        for d, ev in items:
            p = d.envelope.subject
            if self._kenmerken(p, ev, kenmerken):
                kenmerken_gewijzigd.add(p)
            if ev.event_type not in HANDLED_TYPES:
                continue
            g = gebeurtenis(d, ev, self.region)
            self._bewaar(envelopen, p, ev, d.envelope)
            vorige = states.get(p)
            if vorige is not None and is_terugkeer(vorige, g):
                assert isinstance(ev, rmc.DossierOvergedragen)
                history = await self._geschiedenis(conn, ev.dossier_id, envelopen)
                states[p] = hervatten(vorige, [gebeurtenis_uit(e, from_envelope(e), self.region) for e in history])
                log.info("rmc_terugkeer", van_regio=ev.van_regio, geschiedenis=len(history))
            out = verwerk(states.get(p), g, self.regels, kenmerken.get(p))
            if out.toestand is None:
                continue
            states[p] = out.toestand
            gewijzigd.add(p)
            if out.echo:
                echos.append(g.id)
                # decided and seen back within one batch: nothing to publish here
                uitgaand.pop((g.id, self.topic), None)
            for t in out.toegepast:
                self._rijen(t, contacten, plaatsingen, weken, actor_uit_bron(d.envelope.source))
            for r in out.reacties:
                env = to_envelope(
                    r.event,
                    subject=p,
                    source=f"urn:nl:leerrecht:rmc:{self.region}",
                    occurred_at=d.envelope.time,
                    correlation_id=d.envelope.correlation_id,
                    causation_id=d.envelope.id,
                    region=self.region,
                    event_id=r.id,
                )
                if isinstance(r.event, rmc.DossierOvergedragen):
                    await self._overdracht(conn, r.event, env, envelopen, uitgaand)
                uitgaand[(r.id, self.topic)] = (r.id, self.topic, env.to_json().decode())
                self._bewaar(envelopen, p, r.event, env)
                log.info("rmc_reactie", event_type=env.type, event_id=str(r.id), oorzaak=str(d.envelope.id))

        if gewijzigd:
            await conn.executemany(
                "INSERT INTO jongere (pseudoniem, dossier_id, status, bron, aangemeld_op, woongemeente, "
                "geboortejaar_maand, coach, versie, toestand, bijgewerkt_op) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, now()) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET dossier_id = EXCLUDED.dossier_id, "
                "status = EXCLUDED.status, bron = EXCLUDED.bron, aangemeld_op = EXCLUDED.aangemeld_op, "
                "woongemeente = EXCLUDED.woongemeente, geboortejaar_maand = EXCLUDED.geboortejaar_maand, "
                "coach = EXCLUDED.coach, versie = EXCLUDED.versie, toestand = EXCLUDED.toestand, "
                "bijgewerkt_op = now()",
                [
                    (
                        j.pseudoniem,
                        j.dossier.dossier_id,
                        j.dossier.status.value,
                        j.dossier.bron.value,
                        j.dossier.aangemeld_op,
                        j.woongemeente,
                        j.geboortejaar_maand,
                        j.coach,
                        j.versie,
                        j.model_dump_json(),
                    )
                    for j in (states[p] for p in sorted(gewijzigd))
                ],
            )
        if kenmerken_gewijzigd:
            await conn.executemany(
                "INSERT INTO kenmerken (pseudoniem, woongemeente, geboortejaar_maand) VALUES ($1, $2, $3) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET woongemeente = EXCLUDED.woongemeente, "
                "geboortejaar_maand = EXCLUDED.geboortejaar_maand",
                [
                    (p, kenmerken[p].woongemeente, kenmerken[p].geboortejaar_maand)
                    for p in sorted(kenmerken_gewijzigd)
                ],
            )
        if contacten:
            await conn.executemany(
                "INSERT INTO contactpoging (event_id, pseudoniem, dossier_id, datum, kanaal, geslaagd, "
                "coach) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                contacten,
            )
        if plaatsingen:
            await conn.executemany(
                "INSERT INTO plaatsing (event_id, pseudoniem, dossier_id, bestemming, niveau, startdatum, "
                "school, automatisch) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                plaatsingen,
            )
        if weken:
            await conn.executemany(
                "INSERT INTO traject_voortgang (event_id, pseudoniem, dossier_id, traject_id, partner, week, "
                "aanwezigheid_pct, voortgang) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                weken,
            )
        if envelopen:
            await conn.executemany(
                "INSERT INTO dossier_envelop (event_id, pseudoniem, dossier_id, envelope) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                envelopen,
            )
        if uitgaand:
            await conn.executemany(
                "INSERT INTO uitgaand (event_id, topic, envelope) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                list(uitgaand.values()),
            )
        if echos:
            await conn.execute(
                "DELETE FROM uitgaand WHERE event_id = ANY($1::uuid[]) AND topic = $2", echos, self.topic
            )

    @staticmethod
    def _bewaar(envelopen: list[tuple[UUID, str, UUID, str]], p: str, ev: Event, env: Envelope) -> None:
        """Keep the envelope of every rmc event of a case (the coach's timeline; a later transfer)."""
        dossier_id = getattr(ev, "dossier_id", None)
        if ev.domein == "rmc" and isinstance(dossier_id, UUID):
            envelopen.append((env.id, p, dossier_id, env.to_json().decode()))

    async def _overdracht(
        self,
        conn: asyncpg.Connection,
        ev: rmc.DossierOvergedragen,
        env: Envelope,
        envelopen: list[tuple[UUID, str, UUID, str]],
        uitgaand: dict[tuple[UUID, str], tuple[UUID, str, str]],
    ) -> None:
        """Route a transfer to the new region: the case's history, then the transfer (domain.md A5/A6)."""
        naar = region_events_topic(ev.naar_regio)
        history = await self._geschiedenis(conn, ev.dossier_id, envelopen)
        for original in history:
            copy = original.model_copy(update={"region": ev.naar_regio})
            uitgaand[(original.id, naar)] = (original.id, naar, copy.to_json().decode())
        over = env.model_copy(update={"region": ev.naar_regio})
        uitgaand[(env.id, naar)] = (env.id, naar, over.to_json().decode())
        log.info("rmc_overdracht", naar_regio=ev.naar_regio, geschiedenis=len(history), event_id=str(env.id))

    @staticmethod
    async def _geschiedenis(
        conn: asyncpg.Connection, dossier_id: UUID, envelopen: list[tuple[UUID, str, UUID, str]]
    ) -> list[Envelope]:
        """The history envelopes of a case in log order: kept ones, then this batch's (no doubles)."""
        rows = await conn.fetch(
            "SELECT event_id, envelope FROM dossier_envelop WHERE dossier_id = $1 ORDER BY volgnummer", dossier_id
        )
        kandidaten = [(r["event_id"], r["envelope"]) for r in rows]
        kandidaten += [(i, text) for i, _, dossier, text in envelopen if dossier == dossier_id]
        seen: set[UUID] = set()
        out: list[Envelope] = []
        for event_id, text in kandidaten:
            if event_id in seen:
                continue
            seen.add(event_id)
            env = Envelope.from_json(text)
            if env.type in GESCHIEDENIS_TYPES:
                out.append(env)
        return out

    @staticmethod
    def _kenmerken(p: str, ev: Event, kenmerken: dict[str, Kenmerken]) -> bool:
        """Keep woongemeente and birth year-month of every pupil of the region (for 18+ intake)."""
        if isinstance(ev, registratie.LeerlingIngeschreven | registratie.PotentieelVsvGesignaleerd):
            kenmerken[p] = Kenmerken(woongemeente=ev.woongemeente, geboortejaar_maand=ev.geboortejaar_maand)
            return True
        if isinstance(ev, registratie.Verhuisd) and p in kenmerken:
            kenmerken[p] = kenmerken[p].model_copy(update={"woongemeente": ev.nieuwe_gemeente})
            return True
        return False

    @staticmethod
    def _rijen(
        g: Gebeurtenis,
        contacten: list[tuple[Any, ...]],
        plaatsingen: list[tuple[Any, ...]],
        weken: list[tuple[Any, ...]],
        actor: str | None,
    ) -> None:
        ev = g.event
        if isinstance(ev, rmc.ContactpogingGedaan):
            # the coach who made the attempt, also when it was in the previous region (history)
            contacten.append(
                (g.id, g.pseudoniem, ev.dossier_id, ev.datum, ev.kanaal.value, ev.geslaagd, actor)
            )
        elif isinstance(ev, rmc.JongereGeplaatst):
            plaatsingen.append(
                (
                    g.id,
                    g.pseudoniem,
                    ev.dossier_id,
                    ev.bestemming.value,
                    ev.niveau.value if ev.niveau else None,
                    ev.startdatum,
                    ev.school.code if ev.school else None,
                    ev.automatisch,
                )
            )
        elif isinstance(ev, rmc.TrajectVoortgang):
            weken.append(
                (
                    g.id,
                    g.pseudoniem,
                    ev.dossier_id,
                    ev.traject_id,
                    ev.partner,
                    ev.week,
                    ev.aanwezigheid_pct,
                    ev.voortgang.value,
                )
            )
