"""Carrying out a coach's or partner's command on one file (domain.md A6), safely under concurrency.

1. Lock the young person's ``commando_slot`` row (``SELECT ... FOR UPDATE``): commands on one file run
   one at a time. The projection never touches that table, so it keeps applying events meanwhile.
2. Wait until the projection applied the previous command's events (``wacht_op``; checked in the
   runner's ``applied_event`` table), so no command decides on a file that misses them. An event the
   projection dead-lettered counts as settled (it is in ``aandacht``, :mod:`leerrecht.aandacht`, and the
   file is marked for beheer): it will never be applied, and waiting for it would jam the file.
3. Compare ``expected_version`` with the file's ``versie`` (409 when stale), then ``decide``.
4. Publish to the region's topic and wait for the broker's acks (``acks=all``) before answering;
   remember the event ids in ``wacht_op``; commit (releases the lock).
5. Wait briefly until the projection applied them, so the answer carries the new version and a
   following GET shows the change (read-your-writes); if that takes too long the answer says so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from contracts.catalogue import to_envelope
from contracts.topics import region_events_topic
from leerrecht import verwerkingslog
from leerrecht.aandacht import is_afgehandeld
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger
from rmc.domain import Command, DomeinFout, Jongere, Regels, decide

log = get_logger(__name__)

WACHT_S = 10.0
NL = ZoneInfo("Europe/Amsterdam")


@dataclass
class CommandoFout(Exception):
    """An HTTP answer other than success: status and a Dutch body."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Resultaat:
    versie: int
    events: list[str]
    verwerkt: bool

    def json(self) -> dict[str, Any]:
        return {"versie": self.versie, "events": self.events, "verwerkt": self.verwerkt}


def domeinfout(fout: DomeinFout, status: int = 422) -> CommandoFout:
    return CommandoFout(
        status,
        {
            "title": "Opdracht geweigerd",
            "status": status,
            "fouten": [{"veld": fout.veld, "regel": fout.regel, "melding": fout.melding}],
        },
    )


async def _verwerkt(conn: asyncpg.Connection, ids: Sequence[UUID], timeout: float) -> bool:
    if not ids:
        return True
    deadline = time.monotonic() + timeout
    while True:
        if await is_afgehandeld(conn, "rmc", list(ids)) >= len(ids):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)


async def uitvoeren(
    pool: asyncpg.Pool,
    publisher: EventPublisher,
    *,
    region: str,
    pseudoniem: str,
    maak: Callable[[Jongere], Command],
    expected_version: int | None,
    bron: str,
    correlation_id: UUID,
    regels: Regels,
    onbekend: CommandoFout | None = None,
    wacht_s: float = WACHT_S,
) -> Resultaat:
    """Decide ``maak(file)`` on the current file and publish the events; raises :class:`CommandoFout`.
    ``onbekend``: the answer for a pseudonym without a file (404 unless the caller may not learn that)."""
    async with pool.acquire() as conn:
        async with conn.transaction():
            if await conn.fetchval("SELECT 1 FROM jongere WHERE pseudoniem = $1", pseudoniem) is None:
                raise onbekend or CommandoFout(
                    404,
                    {
                        "title": "Onbekende jongere",
                        "status": 404,
                        "melding": "Deze jongere heeft geen dossier bij dit Doorstroompunt",
                    },
                )
            await conn.execute(
                "INSERT INTO commando_slot (pseudoniem) VALUES ($1) ON CONFLICT DO NOTHING", pseudoniem
            )
            vorige = await conn.fetchval(
                "SELECT wacht_op FROM commando_slot WHERE pseudoniem = $1 FOR UPDATE", pseudoniem
            )
            if not await _verwerkt(conn, vorige, wacht_s):
                raise CommandoFout(
                    503,
                    {
                        "title": "Nog bezig",
                        "status": 503,
                        "melding": "De vorige wijziging wordt nog verwerkt; probeer het zo opnieuw",
                    },
                )
            row = await conn.fetchrow(
                "SELECT toestand, versie FROM jongere WHERE pseudoniem = $1", pseudoniem
            )
            state = Jongere.model_validate_json(row["toestand"])
            if expected_version is not None and expected_version != state.versie:
                raise CommandoFout(
                    409,
                    {
                        "title": "Versieconflict",
                        "status": 409,
                        "huidige_versie": state.versie,
                        "melding": f"Het dossier is intussen gewijzigd (versie {state.versie}, verwacht "
                        f"{expected_version}); haal het opnieuw op",
                    },
                )
            try:
                events = decide(maak(state), state, regels)
            except DomeinFout as fout:
                raise domeinfout(fout) from None
            if not events:
                return Resultaat(state.versie, [], True)
            await verwerkingslog.in_transactie(conn, pseudoniem)  # with the slot's claim, before publishing
            nu = datetime.now(UTC)
            envelopes = [
                to_envelope(
                    ev,
                    subject=pseudoniem,
                    source=bron,
                    occurred_at=nu,
                    correlation_id=correlation_id,
                    region=region,
                )
                for ev in events
            ]
            topic = region_events_topic(region)
            try:
                await publisher.publish([OutgoingEvent(topic, env) for env in envelopes])
            except Exception as exc:
                log.error("rmc_publiceren_mislukt", error=type(exc).__name__)
                raise CommandoFout(
                    503,
                    {
                        "title": "Niet opgeslagen",
                        "status": 503,
                        "melding": "Het logboek is niet bereikbaar; probeer het opnieuw",
                    },
                ) from exc
            ids = [env.id for env in envelopes]
            await conn.execute(
                "UPDATE commando_slot SET wacht_op = $2 WHERE pseudoniem = $1", pseudoniem, ids
            )
        verwerkt = await _verwerkt(conn, ids, wacht_s)
        versie = await conn.fetchval("SELECT versie FROM jongere WHERE pseudoniem = $1", pseudoniem)
    log.info("rmc_commando", events=[e.type for e in envelopes], verwerkt=verwerkt)
    return Resultaat(int(versie), [type(ev).__name__ for ev in events], verwerkt)


def vandaag() -> date:
    """Today in the Netherlands (the coach's date), for rules such as "not in the future"."""
    return datetime.now(NL).date()
