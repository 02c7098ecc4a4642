"""Moving house between regional offices (domain.md A5): the old office's transfer out.

A5: *open reports and dossiers are transferred with their history to the new region's office; the
old office sees a closed, transferred case.* The protocol, end to end:

1. **Old office, projection.** registratie's ``Verhuisd`` on this region's topic, out of this region,
   while the pupil has an open dossier: a row in ``overdracht`` (an outbox), written in the projection's
   transaction, so a crash loses nothing and a replay writes nothing twice (``ON CONFLICT``).
2. **Old office, loop** (:func:`verzend_overdrachten`). Under the single-writer protocol of
   :mod:`leerplicht.handling` (lock the dossier, no pending claims) it gathers the dossier's history
   (its timeline as on the log, the pupil's absence pattern and birth month), decides ``DraagOver`` on
   the current state and publishes ``DossierOvergedragen`` **v2, with that history**, on the old *and*
   the new region's topic with one **deterministic** event id (:func:`overdracht_event_id`: the
   Verhuisd id and the dossier id), claims it in ``dossier_pending`` and marks the row. Published but
   not marked (a crash) → the next round publishes the same id again, which every consumer drops as a
   duplicate. A replay from offset 0 meets the original transfer later in the log: by then the dossier
   is closed and the row is marked ``VERVALLEN``; if the loop was quicker, its copy has the original's
   id. The old office's projection folds the transfer: fase ``OVERGEDRAGEN``, reason ``VERHUISD``.
3. **New office, projection** (:mod:`leerplicht.projection`). ``DossierOvergedragen`` *to* this region
   is folded there and then, in the projection's transaction, from the event alone
   (:func:`leerplicht.domain.herbouw`): the new office never calls the old one, so its replay from
   offset 0 is self-contained, also when the old office is gone. (Contract v1 carried only a pointer
   and the history was fetched from the old office's API; that path is gone. A v1 transfer still on a
   log is recorded in ``overname`` as ``ZONDER_GESCHIEDENIS``.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope
from contracts.events import leerplicht as lp
from contracts.events.base import School
from contracts.topics import region_events_topic
from leerplicht import snapshot
from leerplicht.domain import DomeinFout, DraagOver, decide
from leerplicht.handling import SOURCE
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger

log = get_logger(__name__)

OVERDRACHT_NAMESPACE = uuid.UUID("0f4c2a51-7e1d-5b93-8c6a-3d2e9b1f4a70")


def overdracht_event_id(verhuisd_id: uuid.UUID, dossier_id: uuid.UUID) -> uuid.UUID:
    """One move of one dossier is one transfer event, however often it is published."""
    return uuid.uuid5(OVERDRACHT_NAMESPACE, f"{verhuisd_id}:{dossier_id}")


# ---------------------------------------------------------------------------------- old office


async def verzend_overdrachten(pool: asyncpg.Pool, publisher: EventPublisher) -> int:
    """Publish the queued transfers (step 2); returns how many were published now."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT * FROM overdracht WHERE status = 'WACHT' ORDER BY aangemaakt_op LIMIT 100"
        )
    n = 0
    for row in rows:
        n += await _verzend(pool, publisher, row)
    return n


async def _verzend(pool: asyncpg.Pool, publisher: EventPublisher, row: asyncpg.Record) -> int:
    dossier_id: uuid.UUID = row["dossier_id"]
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM dossier WHERE dossier_id = $1 FOR UPDATE", dossier_id)
        d = await conn.fetchrow(
            "SELECT d.stand, (SELECT count(*) FROM dossier_pending p WHERE p.dossier_id = d.dossier_id) AS pending "
            "FROM dossier d WHERE d.dossier_id = $1",
            dossier_id,
        )
        status = await conn.fetchval("SELECT status FROM overdracht WHERE dossier_id = $1 FOR UPDATE", dossier_id)
        if d is None or status != "WACHT":
            return 0
        if d["pending"]:
            return 0  # an officer's step is on its way: decide on the state that includes it, next round
        state = snapshot.from_json(json.loads(d["stand"]))
        try:
            if not state.open:
                raise DomeinFout("dossier_id", "dossier_open", "het dossier is niet meer open")
            geschiedenis = await geschiedenis_van(conn, dossier_id, state.pseudoniem)
            opdracht = DraagOver(row["van_regio"], row["naar_regio"], row["naar_gemeente"], row["datum"], geschiedenis)
            events = decide(opdracht, state)
        except DomeinFout as exc:
            await conn.execute(
                "UPDATE overdracht SET status = 'VERVALLEN', afgehandeld_op = now() WHERE dossier_id = $1", dossier_id
            )
            log.info("overdracht_vervallen", dossier_id=str(dossier_id), regel=exc.regel)
            return 0
        (event,) = events
        env = to_envelope(
            event,
            subject=state.pseudoniem,
            source=SOURCE,
            occurred_at=datetime.now(UTC),
            correlation_id=row["correlation_id"],
            causation_id=row["verhuisd_id"],
            region=row["van_regio"],
            event_id=overdracht_event_id(row["verhuisd_id"], dossier_id),
        )
        # One publish per topic, the new region's first: aiokafka 0.12 fails a batch that mixes a topic
        # the producer already writes to with one whose metadata it has not fetched yet
        # (NotLeaderForPartition after the request timeout, then OutOfOrderSequenceNumber on every
        # retry). Either order is safe: a retry publishes both copies again under the same id.
        for copy in (env.model_copy(update={"region": row["naar_regio"]}), env):
            await publisher.publish([OutgoingEvent(region_events_topic(copy.region or ""), copy)])
        await conn.execute(
            "INSERT INTO dossier_pending (event_id, dossier_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            env.id,
            dossier_id,
        )
        await conn.execute(
            "UPDATE overdracht SET status = 'VERZONDEN', afgehandeld_op = now() WHERE dossier_id = $1", dossier_id
        )
    log.info("dossier_overgedragen", dossier_id=str(dossier_id), naar_regio=row["naar_regio"])
    return 1


MAX_AFWEZIGHEID = 2000
"""The newest absences that travel with a transfer (the contract's limit; keeps the record small)."""


async def geschiedenis_van(conn: asyncpg.Connection, dossier_id: uuid.UUID, pseudoniem: str) -> lp.DossierGeschiedenis:
    """The history that travels in ``DossierOvergedragen`` v2 (A5): the dossier's timeline exactly as it
    is on the log (id, type, version, producer, time, payload; an earlier transfer's own history is left
    out of its entry, it is the steps before it), the pupil's absence pattern and birth month."""
    tijdlijn = [
        _stap(Envelope.model_validate(json.loads(r["envelope"])))
        for r in await conn.fetch("SELECT envelope FROM dossier_event WHERE dossier_id = $1 ORDER BY seq", dossier_id)
    ]
    afwezigheid = await conn.fetch(
        "SELECT afwezigheid_id, school, datum, uren, eenheid, code, oorspronkelijke_code FROM afwezigheid "
        "WHERE pseudoniem = $1 ORDER BY datum DESC, afwezigheid_id DESC LIMIT $2",
        pseudoniem,
        MAX_AFWEZIGHEID,
    )
    gjm = await conn.fetchval("SELECT geboortejaar_maand FROM leerling WHERE pseudoniem = $1", pseudoniem)
    return lp.DossierGeschiedenis(
        tijdlijn=tijdlijn,
        afwezigheid=[
            lp.OverdragenAfwezigheid(
                afwezigheid_id=r["afwezigheid_id"],
                school=School(brin=r["school"][:4], vestiging=r["school"][4:]),
                datum=r["datum"],
                uren=r["uren"],
                eenheid=UrenEenheid(r["eenheid"]),
                code=AfwezigheidCode(r["code"]),
                oorspronkelijke_code=AfwezigheidCode(r["oorspronkelijke_code"]) if r["oorspronkelijke_code"] else None,
            )
            for r in reversed(afwezigheid)
        ],
        geboortejaar_maand=gjm,
    )


def _stap(env: Envelope) -> lp.Tijdlijnstap:
    data: dict[str, Any] = dict(env.data)
    if env.type == lp.DossierOvergedragen.event_type and "geschiedenis" in data:
        data["geschiedenis"] = None  # the steps before it are the entries before this one
    return lp.Tijdlijnstap(
        event_id=env.id,
        type=env.type,
        schema_version=env.schema_version,
        bron=env.source,
        tijd=env.time,
        correlatie_id=env.correlation_id,
        data=data,
    )


async def overdracht_lus(pool: asyncpg.Pool, bootstrap: str, interval_s: float = 0.5) -> None:
    """The transfer loop of this office, forever (a background task of the service).

    Transfers go out through a producer of their own:
    writing to another region's topic makes the producer fetch new metadata, which must not disturb
    the officers' command path; and after a failed publish the producer is replaced, because an
    idempotent aiokafka producer keeps failing with OutOfOrderSequenceNumber once a batch failed."""
    eigen: EventPublisher | None = None
    try:
        while True:
            try:
                if eigen is None:
                    eigen = EventPublisher(bootstrap, client_id="leerplicht-overdracht")
                    await eigen.start()
                await verzend_overdrachten(pool, eigen)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database or the broker is away: try again next round
                log.warning("overdracht_verzenden_mislukt", error=type(exc).__name__)
                if eigen is not None:
                    with contextlib.suppress(Exception):
                        await eigen.stop()
                    eigen = None
            await asyncio.sleep(interval_s)
    finally:
        if eigen is not None:
            with contextlib.suppress(Exception):
                await eigen.stop()


__all__ = ["geschiedenis_van", "overdracht_event_id", "overdracht_lus", "verzend_overdrachten"]
