"""The intake's application service: idempotent, answers only after the broker acknowledged.

Flow for one submission (a school's request with its ``Idempotency-Key``):

1. In one transaction: look the key up. Seen with other content → refused. Seen and published →
   the stored answer again, nothing new on the log (B4). Seen but not published (a crash or a broker
   outage last time) → publish the *stored* envelopes again: same event ids, which every projection
   drops when it applied them already.
2. New: decide (pure), store the envelopes and the answer with status ``open``, commit.
3. Publish and wait for ``acks=all``. A failure answers 503 with Retry-After; the row stays open.
4. In one transaction: apply the events to registratie's own state and mark the row published.

So the client sees 2xx only for events that are durable in Kafka (F3), and a retry never
creates a second event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import orjson

from contracts.catalogue import from_envelope, to_envelope
from contracts.envelope import Envelope
from contracts.events.registratie import AfwezigheidGeregistreerd, LeerlingIngeschreven
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger
from registratie.domain.intake import Besluit, Inschrijving, Leerling

log = get_logger(__name__)
SOURCE = "urn:nl:leerrecht:registratie"


class SleutelHergebruikt(ValueError):
    """The same idempotency key was used for a different submission."""


class PublicatieMislukt(RuntimeError):
    """The broker did not acknowledge; nothing was confirmed to the client."""


@dataclass(frozen=True)
class Resultaat:
    status: int
    antwoord: dict[str, Any]
    herhaald: bool = False


def inhoud_hash(payload: Any) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def envelopes_for(besluiten: Sequence[Besluit], correlation_id: Any, occurred_at: Any) -> list[Envelope]:
    return [
        to_envelope(ev, subject=b.pseudoniem, source=SOURCE, occurred_at=occurred_at,
                    correlation_id=correlation_id, region=b.regio)
        for b in besluiten for ev in b.events
    ]


class IntakeService:
    def __init__(self, pool: asyncpg.Pool, publisher: EventPublisher) -> None:
        self.pool = pool
        self.publisher = publisher

    async def leerling(self, conn: asyncpg.Connection, pseudoniem: str) -> Leerling | None:
        row = await conn.fetchrow("SELECT woongemeente, regio FROM leerling WHERE pseudoniem = $1", pseudoniem)
        if row is None:
            return None
        ins = await conn.fetch(
            "SELECT school, school_type, vakantieregio, ingangsdatum, einddatum FROM inschrijving "
            "WHERE pseudoniem = $1", pseudoniem,
        )
        return Leerling(
            pseudoniem, row["woongemeente"], row["regio"],
            tuple(Inschrijving(r["school"], r["school_type"], r["vakantieregio"], r["ingangsdatum"],
                               r["einddatum"]) for r in ins),
        )

    async def submit(
        self,
        client: str,
        sleutel: str,
        payload: Any,
        decide: Callable[[asyncpg.Connection], Awaitable[tuple[list[Envelope], dict[str, Any]]]],
        extra_state: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    ) -> Resultaat:
        digest = inhoud_hash(payload)
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))", client, sleutel)
                row = await conn.fetchrow(
                    "SELECT inhoud_hash, status, envelopes, antwoord FROM intake_verzoek "
                    "WHERE client = $1 AND sleutel = $2", client, sleutel,
                )
                if row is not None:
                    if row["inhoud_hash"] != digest:
                        raise SleutelHergebruikt(sleutel)
                    antwoord = json.loads(row["antwoord"])
                    if row["status"] == "gepubliceerd":
                        return Resultaat(200, antwoord, herhaald=True)
                    envelopes = [Envelope.model_validate(e) for e in json.loads(row["envelopes"])]
                else:
                    envelopes, antwoord = await decide(conn)
                    await conn.execute(
                        "INSERT INTO intake_verzoek (client, sleutel, inhoud_hash, status, envelopes, antwoord) "
                        "VALUES ($1, $2, $3, 'open', $4, $5)",
                        client, sleutel, digest,
                        orjson.dumps([e.model_dump(mode="json", by_alias=True) for e in envelopes]).decode(),
                        orjson.dumps(antwoord).decode(),
                    )
            await self.publish(envelopes)
            async with conn.transaction():
                await apply_to_state(conn, envelopes)
                if extra_state is not None:
                    await extra_state(conn)
                await conn.execute(
                    "UPDATE intake_verzoek SET status = 'gepubliceerd', gepubliceerd_op = now() "
                    "WHERE client = $1 AND sleutel = $2", client, sleutel,
                )
        return Resultaat(201, antwoord, herhaald=row is not None)

    async def publish(self, envelopes: Sequence[Envelope]) -> None:
        try:
            await self.publisher.publish(
                [OutgoingEvent(region_events_topic(e.region or ""), e) for e in envelopes]
            )
        except Exception as exc:  # noqa: BLE001 - any failure means: not acknowledged
            log.error("publish_failed", error=type(exc).__name__, events=len(envelopes))
            raise PublicatieMislukt(str(type(exc).__name__)) from exc

    async def republish_open(self, older_than_s: float = 30.0) -> int:
        """Publish submissions left open by a crash or outage, so nothing accepted is stranded."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT client, sleutel, envelopes FROM intake_verzoek WHERE status = 'open' "
                "AND aangemaakt_op < now() - make_interval(secs => $1) ORDER BY aangemaakt_op LIMIT 500",
                older_than_s,
            )
            for row in rows:
                envelopes = [Envelope.model_validate(e) for e in json.loads(row["envelopes"])]
                await self.publish(envelopes)
                async with conn.transaction():
                    await apply_to_state(conn, envelopes)
                    await conn.execute(
                        "UPDATE intake_verzoek SET status = 'gepubliceerd', gepubliceerd_op = now() "
                        "WHERE client = $1 AND sleutel = $2 AND status = 'open'", row["client"], row["sleutel"],
                    )
        return len(rows)


async def apply_to_state(conn: asyncpg.Connection, envelopes: Sequence[Envelope]) -> None:
    """registratie's own state follows from the events it published (idempotent upserts)."""
    for env in envelopes:
        event = from_envelope(env)
        if isinstance(event, LeerlingIngeschreven):
            await conn.execute(
                "INSERT INTO leerling (pseudoniem, woongemeente, regio, geboortejaar_maand) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (pseudoniem) DO UPDATE SET woongemeente = EXCLUDED.woongemeente, "
                "regio = EXCLUDED.regio, bijgewerkt_op = now()",
                env.subject, event.woongemeente, env.region, event.geboortejaar_maand,
            )
            await conn.execute(
                "INSERT INTO inschrijving (pseudoniem, school, school_type, vakantieregio, ingangsdatum, klas, isk) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                env.subject, event.school.code, event.school_type.value, event.vakantieregio.value,
                event.ingangsdatum, event.klas, event.isk,
            )
        elif isinstance(event, AfwezigheidGeregistreerd):
            await conn.execute(
                "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code, event_id) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                event.afwezigheid_id, env.subject, event.school.code, event.datum, event.uren,
                event.eenheid.value, event.code.value, env.id,
            )


async def set_geboortedatum(conn: asyncpg.Connection, pseudoniem: str, geboortedatum: date) -> None:
    """The full birth date stays in registratie (age rules, A1); events carry only year-month."""
    await conn.execute("UPDATE leerling SET geboortedatum = $2 WHERE pseudoniem = $1", pseudoniem, geboortedatum)
