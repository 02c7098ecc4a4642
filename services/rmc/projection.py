"""rmc's projection of its region's topic: the Doorstroompunt files (domain.md A6).

Per batch (inside the runner's transaction): load the files and pupil facts of the batch's
pseudonyms in one query each, run the pure :func:`rmc.domain.verwerk` over the events in log order
(fold + automatic reactions), then write everything back once: upserted ``jongere`` rows, contact
attempts / placements / partner weeks keyed by event id, pupil facts, and the reactions into the
``uitgaand`` outbox (published by :mod:`rmc.uitgaand` after the commit). Replay-safe: all writes are
keyed upserts or ``ON CONFLICT DO NOTHING``, and reactions have ids derived from their cause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from contracts.catalogue import ContractError, from_envelope, to_envelope
from contracts.events import registratie, rmc
from contracts.events.base import Event
from contracts.topics import region_events_topic
from leerrecht.logging import get_logger
from leerrecht.projection import Delivered, PoisonEvent
from rmc.domain import HANDLED_TYPES, STANDAARD_REGELS, Gebeurtenis, Jongere, Kenmerken, Regels, verwerk

log = get_logger(__name__)

NL = ZoneInfo("Europe/Amsterdam")
TYPES = HANDLED_TYPES | {registratie.LeerlingIngeschreven.event_type}
_COACH_BRON = re.compile(r"^urn:nl:leerrecht:rmc:MC[0-9]{2}:coach:([A-Za-z0-9_.-]{1,64})$")


def bron_coach(region: str, client_id: str) -> str | None:
    """The envelope ``source`` of a coach's command: names the acting coach (for the caseload)."""
    if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", client_id):
        return f"urn:nl:leerrecht:rmc:{region}:coach:{client_id}"
    return None


def actor_uit_bron(source: str) -> str | None:
    match = _COACH_BRON.match(source)
    return match.group(1) if match else None


def gebeurtenis(d: Delivered, event: Event, region: str) -> Gebeurtenis:
    env = d.envelope
    return Gebeurtenis(
        id=env.id,
        pseudoniem=env.subject,
        event=event,
        datum=env.time.astimezone(NL).date(),
        regio=region,
        actor=actor_uit_bron(env.source),
    )


class RmcProjection:
    name = "rmc"

    def __init__(self, region: str, regels: Regels = STANDAARD_REGELS) -> None:
        self.region = region
        self.regels = regels
        self.topic = region_events_topic(region)

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        items: list[tuple[Delivered, Event]] = []
        for d in events:
            if d.envelope.type not in TYPES:
                continue
            try:
                items.append((d, from_envelope(d.envelope)))
            except ContractError as exc:
                raise PoisonEvent(f"{d.envelope.type}: {type(exc).__name__}") from exc
        if not items:
            return
        pseudos = sorted({d.envelope.subject for d, _ in items})
        states: dict[str, Jongere] = {
            r["pseudoniem"]: Jongere.model_validate_json(r["toestand"])
            for r in await conn.fetch(
                "SELECT pseudoniem, toestand FROM jongere WHERE pseudoniem = ANY($1::text[])", pseudos
            )
        }
        kenmerken: dict[str, Kenmerken] = {
            r["pseudoniem"]: Kenmerken(
                woongemeente=r["woongemeente"], geboortejaar_maand=r["geboortejaar_maand"]
            )
            for r in await conn.fetch(
                "SELECT pseudoniem, woongemeente, geboortejaar_maand FROM kenmerken "
                "WHERE pseudoniem = ANY($1::text[])",
                pseudos,
            )
        }
        gewijzigd: set[str] = set()
        kenmerken_gewijzigd: set[str] = set()
        contacten: list[tuple[Any, ...]] = []
        plaatsingen: list[tuple[Any, ...]] = []
        weken: list[tuple[Any, ...]] = []
        uitgaand: dict[UUID, tuple[UUID, str, str]] = {}
        echos: list[UUID] = []

        for d, ev in items:
            p = d.envelope.subject
            if self._kenmerken(p, ev, kenmerken):
                kenmerken_gewijzigd.add(p)
            if ev.event_type not in HANDLED_TYPES:
                continue
            g = gebeurtenis(d, ev, self.region)
            out = verwerk(states.get(p), g, self.regels, kenmerken.get(p))
            if out.toestand is None:
                continue
            states[p] = out.toestand
            gewijzigd.add(p)
            if out.echo:
                echos.append(g.id)
                uitgaand.pop(g.id, None)  # decided and seen back within one batch: nothing to publish
            for t in out.toegepast:
                self._rijen(t, contacten, plaatsingen, weken)
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
                uitgaand[r.id] = (r.id, self.topic, env.to_json().decode())
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
        if uitgaand:
            await conn.executemany(
                "INSERT INTO uitgaand (event_id, topic, envelope) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                list(uitgaand.values()),
            )
        if echos:
            await conn.execute("DELETE FROM uitgaand WHERE event_id = ANY($1::uuid[])", echos)

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
    ) -> None:
        ev = g.event
        if isinstance(ev, rmc.ContactpogingGedaan):
            contacten.append(
                (g.id, g.pseudoniem, ev.dossier_id, ev.datum, ev.kanaal.value, ev.geslaagd, g.actor)
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
