"""Moving house between regional offices (domain.md A5): transfer out, history, import.

A5: *open reports and dossiers are transferred with their history to the new region's office; the
old office sees a closed, transferred case.* The protocol, end to end:

1. **Old office, projection.** registratie's ``Verhuisd`` on this region's topic, out of this region,
   while the pupil has an open dossier: a row in ``overdracht`` (an outbox), written in the projection's
   transaction, so a crash loses nothing and a replay writes nothing twice (``ON CONFLICT``).
2. **Old office, loop** (:func:`verzend_overdrachten`). Under the single-writer protocol of
   :mod:`leerplicht.handling` (lock the dossier, no pending claims) it decides ``DraagOver`` on the
   current state and publishes ``DossierOvergedragen`` on the old *and* the new region's topic with
   one **deterministic** event id (:func:`overdracht_event_id`: the Verhuisd id and the dossier id),
   claims it in ``dossier_pending`` and marks the row. Published but not marked (a crash) → the next
   round publishes the same id again, which every consumer drops as a duplicate. A replay from
   offset 0 meets the original transfer later in the log: by then the dossier is closed and the row
   is marked ``VERVALLEN``; if the loop was quicker, its copy has the original's id. The old office's
   projection folds the transfer: fase ``OVERGEDRAGEN``, reason ``VERHUISD``.
3. **New office, projection.** ``DossierOvergedragen`` *to* this region: a row in ``overname``; from
   then on the pupil's events are parked in ``wachtend_event`` (report events of a report not known
   here are parked too: after a move registratie routes them to the new region, possibly before the
   old office transferred the dossier).
4. **New office, loop** (:func:`importeer_overnames`). The event carries only a pointer (contract v1:
   dossier id, regions, open report ids), so the history is fetched from the old office's
   ``GET /v1/overdrachten/{dossier_id}``, which answers only to the role ``leerplicht:<new region>`` and
   only once the old office has applied the transfer. In one transaction (serialised with the
   projection by an advisory lock): the old timeline (its last entry is the transfer itself, same
   event id), the dossier reopened for this office (:func:`leerplicht.domain.neem_over`; statuses,
   steps and version continue), its reports, the pupil's absence pattern and birth month; then the
   parked events are applied in log order through the projection's own code.

**Contract gap.** Step 4 exists because ``DossierOvergedragen`` v1 carries no history; the new office
therefore depends on the old office's API (also on a replay), not only on its own topic. With the
history in the event (see the report of issue 5) step 4 becomes a fold of the event itself.
"""

# No `from __future__ import annotations`: FastAPI must see the closure dependency `current` as an object.

import asyncio
import contextlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any

import asyncpg
import httpx
from fastapi import APIRouter, Depends, HTTPException, Request

from contracts.catalogue import from_envelope, to_envelope
from contracts.envelope import Envelope
from contracts.events import leerplicht as lp
from contracts.topics import region_events_topic
from leerplicht import snapshot
from leerplicht.domain import DomeinFout, DossierFase, DraagOver, decide, neem_over
from leerplicht.handling import SOURCE
from leerplicht.projection import OVERNAME_LOCK, LeerplichtProjection
from leerrecht.http import Principal
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger
from leerrecht.projection import Delivered

log = get_logger(__name__)

OVERDRACHT_NAMESPACE = uuid.UUID("0f4c2a51-7e1d-5b93-8c6a-3d2e9b1f4a70")


def overdracht_event_id(verhuisd_id: uuid.UUID, dossier_id: uuid.UUID) -> uuid.UUID:
    """One move of one dossier is one transfer event, however often it is published."""
    return uuid.uuid5(OVERDRACHT_NAMESPACE, f"{verhuisd_id}:{dossier_id}")


def parse_bronnen(spec: str) -> dict[str, str]:
    """``"MC17=http://lp-mc17:8000,MC05=…"`` → {region: base URL} of the other regions' offices."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        regio, _, url = part.partition("=")
        if not regio or not url:
            raise ValueError(f"OVERDRACHT_BRONNEN: ongeldig item {part!r}; verwacht MCxx=url")
        out[regio.strip()] = url.strip().rstrip("/")
    return out


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
            events = decide(DraagOver(row["van_regio"], row["naar_regio"], row["naar_gemeente"], row["datum"]), state)
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


def build_router(current: Any) -> APIRouter:
    """``GET /v1/overdrachten/{dossier_id}``: the history of a transferred dossier, for the new office."""
    router = APIRouter(prefix="/v1", tags=["overdracht"])

    @router.get(
        "/overdrachten/{dossier_id}",
        summary="Geschiedenis van een overgedragen dossier, voor het bureau van de nieuwe regio (A5)",
    )
    async def geschiedenis(
        dossier_id: uuid.UUID, request: Request, principal: Annotated[Principal, Depends(current)]
    ) -> dict[str, Any]:
        pool: asyncpg.Pool = request.app.state.runtime.pool
        async with pool.acquire() as conn:
            return await _geschiedenis(conn, dossier_id, principal)

    return router


async def _geschiedenis(conn: asyncpg.Connection, dossier_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
    raw = await conn.fetchval("SELECT stand FROM dossier WHERE dossier_id = $1", dossier_id)
    state = snapshot.from_json(json.loads(raw)) if raw is not None else None
    # Only the office the dossier went to; anyone else learns nothing (not even that it exists).
    if (
        state is None
        or state.fase is not DossierFase.OVERGEDRAGEN
        or state.sluiting is None
        or principal.role != f"leerplicht:{state.sluiting.naar_regio}"
    ):
        raise HTTPException(404, "Geen overgedragen dossier voor uw regio")
    tijdlijn = await conn.fetch(
        "SELECT seq, event_id, type, op, envelope FROM dossier_event WHERE dossier_id = $1 ORDER BY seq", dossier_id
    )
    afwezigheid = await conn.fetch(
        "SELECT afwezigheid_id, school, datum, uren, eenheid, code, oorspronkelijke_code FROM afwezigheid "
        "WHERE pseudoniem = $1 ORDER BY datum, afwezigheid_id",
        state.pseudoniem,
    )
    gjm = await conn.fetchval("SELECT geboortejaar_maand FROM leerling WHERE pseudoniem = $1", state.pseudoniem)
    log.info("overdracht_geschiedenis_gegeven", dossier_id=str(dossier_id), aan=principal.client_id)
    return {
        "dossier_id": str(dossier_id),
        "stand": json.loads(raw),
        "tijdlijn": [
            {"seq": r["seq"], "event_id": str(r["event_id"]), "type": r["type"], "op": r["op"].isoformat(),
             "envelope": json.loads(r["envelope"])}
            for r in tijdlijn
        ],
        "afwezigheid": [
            {**{k: r[k] for k in ("school", "eenheid", "code", "oorspronkelijke_code")},
             "afwezigheid_id": str(r["afwezigheid_id"]), "datum": r["datum"].isoformat(), "uren": str(r["uren"])}
            for r in afwezigheid
        ],
        "geboortejaar_maand": gjm,
    }


# ---------------------------------------------------------------------------------- new office


class OngeldigeGeschiedenis(ValueError):
    pass


async def importeer_overnames(
    pool: asyncpg.Pool,
    projection: LeerplichtProjection,
    bronnen: Mapping[str, str],
    token: str,
    http: httpx.AsyncClient,
) -> int:
    """Fetch and import the history of transferred dossiers (step 4); returns how many were imported."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT dossier_id, van_regio FROM overname WHERE status = 'WACHT' ORDER BY ontvangen_op LIMIT 20"
        )
    n = 0
    for row in rows:
        dossier_id, van = row["dossier_id"], row["van_regio"]
        fout: str | None = None
        bron = bronnen.get(van)
        if bron is None:
            fout = f"geen bron voor regio {van} geconfigureerd (OVERDRACHT_BRONNEN)"
        else:
            try:
                r = await http.get(f"{bron}/v1/overdrachten/{dossier_id}", headers={"Authorization": f"Bearer {token}"})
                if r.status_code == 200:
                    n += await importeer(pool, projection, dossier_id, r.json())
                    continue
                fout = f"regio {van} antwoordde HTTP {r.status_code}"  # e.g. 404: transfer not applied there yet
            except (httpx.HTTPError, OngeldigeGeschiedenis) as exc:
                fout = f"{type(exc).__name__}: {str(exc)[:200]}"
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE overname SET pogingen = pogingen + 1, laatste_fout = $2 WHERE dossier_id = $1", dossier_id, fout
            )
    return n


async def importeer(
    pool: asyncpg.Pool, projection: LeerplichtProjection, dossier_id: uuid.UUID, body: dict[str, Any]
) -> int:
    """Import one transferred dossier with its history and apply the parked events (module doc, 4)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", OVERNAME_LOCK)
        row = await conn.fetchrow(
            "SELECT overdracht_event_id, pseudoniem, envelope, status FROM overname WHERE dossier_id = $1 FOR UPDATE",
            dossier_id,
        )
        if row is None or row["status"] != "WACHT":
            return 0
        pseudoniem: str = row["pseudoniem"]
        overdracht = from_envelope(Envelope.model_validate(json.loads(row["envelope"])))
        assert isinstance(overdracht, lp.DossierOvergedragen)
        try:
            geschiedenis = snapshot.from_json(body["stand"])
            state = neem_over(geschiedenis, overdracht)
            tijdlijn = body["tijdlijn"]
        except (KeyError, ValueError, TypeError) as exc:
            raise OngeldigeGeschiedenis(str(exc)[:200]) from exc
        if (
            state.pseudoniem != pseudoniem
            or [t["seq"] for t in tijdlijn] != list(range(1, state.version + 1))
            or tijdlijn[-1]["event_id"] != str(row["overdracht_event_id"])
        ):
            raise OngeldigeGeschiedenis("de geschiedenis past niet bij de overdracht")
        if await conn.fetchval("SELECT 1 FROM dossier WHERE dossier_id = $1", dossier_id):
            await conn.execute(
                "UPDATE overname SET status = 'BESTOND', afgerond_op = now() WHERE dossier_id = $1", dossier_id
            )
            log.warning("overname_bestond_al", dossier_id=str(dossier_id))
            return 0
        if await conn.fetchval("SELECT 1 FROM dossier WHERE pseudoniem = $1 AND fase = 'OPEN'", pseudoniem):
            # A report of the new region opened a dossier before the transfer arrived: two open cases
            # of one pupil cannot be merged automatically. Left waiting, visible to the officer.
            await conn.execute(
                "UPDATE overname SET pogingen = pogingen + 1, laatste_fout = $2 WHERE dossier_id = $1",
                dossier_id,
                "de leerling heeft hier al een open dossier",
            )
            return 0
        await conn.executemany(
            "INSERT INTO afwezigheid (afwezigheid_id, pseudoniem, school, datum, uren, eenheid, code, "
            "oorspronkelijke_code) VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8) ON CONFLICT DO NOTHING",
            [
                (uuid.UUID(a["afwezigheid_id"]), pseudoniem, a["school"], _datum(a["datum"]), a["uren"],
                 a["eenheid"], a["code"], a["oorspronkelijke_code"])
                for a in body.get("afwezigheid", [])
            ],
        )
        if body.get("geboortejaar_maand"):
            await conn.execute(
                "INSERT INTO leerling (pseudoniem, geboortejaar_maand) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                pseudoniem,
                body["geboortejaar_maand"],
            )
        await conn.execute(
            "INSERT INTO dossier (dossier_id, pseudoniem, fase, version, geopend_op, gesloten_op, stand) "
            "VALUES ($1, $2, $3, $4, $5, NULL, $6::jsonb)",
            state.dossier_id, pseudoniem, state.fase.value, state.version, state.geopend_op,
            json.dumps(snapshot.to_json(state)),
        )
        await conn.executemany(
            "INSERT INTO dossier_event (event_id, dossier_id, seq, type, op, envelope) "
            "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
            [
                (uuid.UUID(t["event_id"]), dossier_id, t["seq"], t["type"], _datum(t["op"]), json.dumps(t["envelope"]))
                for t in tijdlijn
            ],
        )
        await conn.executemany(
            "INSERT INTO dossier_melding (melding_id, dossier_id) VALUES ($1, $2) "
            "ON CONFLICT (melding_id) DO UPDATE SET dossier_id = EXCLUDED.dossier_id",
            [(m.melding_id, dossier_id) for m in state.meldingen],
        )
        await conn.execute(
            "UPDATE overname SET status = 'KLAAR', afgerond_op = now(), laatste_fout = NULL WHERE dossier_id = $1",
            dossier_id,
        )
        # The pupil's parked events, in log order, through the projection's own code.
        parked = await conn.fetch(
            'DELETE FROM wachtend_event WHERE pseudoniem = $1 RETURNING topic, partition, "offset", envelope',
            pseudoniem,
        )
        delivered = [
            Delivered(Envelope.model_validate(json.loads(p["envelope"])), p["topic"], p["partition"], p["offset"])
            for p in sorted(parked, key=lambda p: (p["topic"], p["partition"], p["offset"]))
        ]
        if delivered:
            await projection.apply(conn, delivered)
    log.info("dossier_overgenomen", dossier_id=str(dossier_id), geparkeerd=len(delivered), versie=state.version)
    return 1


def _datum(v: str) -> date:
    return date.fromisoformat(v)


async def overdracht_lus(
    pool: asyncpg.Pool,
    bootstrap: str,
    projection: LeerplichtProjection,
    bronnen: Mapping[str, str],
    token: str,
    interval_s: float = 0.5,
) -> None:
    """Both loops of this office, forever (a background task of the service).

    Transfers go out through a producer of their own:
    writing to another region's topic makes the producer fetch new metadata, which must not disturb
    the officers' command path; and after a failed publish the producer is replaced, because an
    idempotent aiokafka producer keeps failing with OutOfOrderSequenceNumber once a batch failed."""
    eigen: EventPublisher | None = None
    async with httpx.AsyncClient(timeout=10) as http:
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
                try:
                    await importeer_overnames(pool, projection, bronnen, token, http)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("overname_mislukt", error=type(exc).__name__)
                await asyncio.sleep(interval_s)
        finally:
            if eigen is not None:
                with contextlib.suppress(Exception):
                    await eigen.stop()


__all__ = [
    "build_router",
    "importeer",
    "importeer_overnames",
    "overdracht_event_id",
    "overdracht_lus",
    "parse_bronnen",
    "verzend_overdrachten",
]
