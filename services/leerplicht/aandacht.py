"""A dead-lettered event never jams its dossier (issue 11): release its claim, mark the dossier.

The command path claims versions (``dossier_pending``, see :mod:`leerplicht.projection`) and waits
until the projection applied them. An event the projection can never apply (dead-lettered by the
runner, e.g. a toelichting the database refuses) would keep its claim forever: every later command on
the dossier would answer 503 (or 409 on a version that never comes). So the runner's dead-letter hook
(:meth:`leerplicht.projection.LeerplichtProjection.on_dead_lettered`, in the transaction that moves the
checkpoint past the event) calls :func:`markeer`, which

* locks the dossier rows (like the projection: waits for a command that is publishing) and deletes
  the event's pending claim, so the version is again what was applied;
* records the event in ``aandacht`` (envelope kept as bytes, reason = the error *type*): the dossier is
  marked as needing attention — in the dossier, the worklist and for beheer — until beheer re-applies
  the event after a fix (:func:`opnieuw_toepassen`) or resolves the mark (:func:`oplossen`).

A re-applied event is applied out of log order (later commands may have been applied meanwhile); that
is beheer's decision, and the timeline shows it at the version it got.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from contracts.catalogue import from_envelope
from contracts.envelope import Envelope
from leerplicht.domain.dossier import dossier_id_van
from leerrecht.logging import get_logger
from leerrecht.projection import Delivered, Projection

log = get_logger(__name__)

OPEN, OPNIEUW_TOEGEPAST, OPGELOST = "OPEN", "OPNIEUW_TOEGEPAST", "OPGELOST"


class NietGevonden(LookupError):
    """No open mark for this event id."""


class OpnieuwMislukt(Exception):
    """The event still cannot be applied; ``reden`` is the error type."""

    def __init__(self, reden: str) -> None:
        super().__init__(reden)
        self.reden = reden


def _genoemd_dossier(env: Envelope) -> UUID | None:
    """The dossier an event names, also when its payload does not decode."""
    try:
        return dossier_id_van(from_envelope(env))
    except Exception:
        raw = env.data.get("dossier_id")
        try:
            return UUID(str(raw)) if raw is not None else None
        except ValueError:
            return None


async def markeer(conn: asyncpg.Connection, ev: Delivered, reden: str) -> None:
    """Release the claims of a dead-lettered event and mark its dossier (module doc)."""
    env = ev.envelope
    geclaimd = [r["dossier_id"] for r in await conn.fetch(
        "SELECT dossier_id FROM dossier_pending WHERE event_id = $1", env.id)]
    genoemd = _genoemd_dossier(env)
    kandidaten = sorted(set(geclaimd) | ({genoemd} if genoemd else set()))
    bestaand = [r["dossier_id"] for r in await conn.fetch(
        "SELECT dossier_id FROM dossier WHERE dossier_id = ANY($1::uuid[]) ORDER BY dossier_id FOR UPDATE",
        kandidaten)]
    await conn.execute("DELETE FROM dossier_pending WHERE event_id = $1", env.id)
    dossier_id = (geclaimd or bestaand or [None])[0]
    await conn.execute(
        'INSERT INTO aandacht (event_id, dossier_id, type, reden, topic, partition, "offset", envelope) '
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
        env.id, dossier_id, env.type, reden, ev.topic, ev.partition, ev.offset, env.to_json(),
    )
    log.error("dossier_aandacht_nodig", dossier_id=str(dossier_id) if dossier_id else None,
              event_id=str(env.id), event_type=env.type, reden=reden, claims_vrijgegeven=len(geclaimd))


def _als_dict(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "event_id": str(r["event_id"]),
        "dossier_id": str(r["dossier_id"]) if r["dossier_id"] else None,
        "type": r["type"],
        "reden": r["reden"],
        "status": r["status"],
        "sinds": r["gemarkeerd_op"].isoformat(),
        "positie": {"topic": r["topic"], "partition": r["partition"], "offset": r["offset"]},
        "afgehandeld_op": r["afgehandeld_op"].isoformat() if r["afgehandeld_op"] else None,
        "afgehandeld_door": r["afgehandeld_door"],
    }


_KOLOMMEN = ('event_id, dossier_id, type, reden, status, gemarkeerd_op, topic, partition, "offset", '
             "afgehandeld_op, afgehandeld_door")


async def open_voor(conn: asyncpg.Connection, dossier_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    """The open mark per dossier (the oldest), for the dossier view and the worklist."""
    rows = await conn.fetch(
        f"SELECT {_KOLOMMEN} FROM aandacht WHERE status = 'OPEN' AND dossier_id = ANY($1::uuid[]) "
        "ORDER BY gemarkeerd_op DESC", dossier_ids)
    return {r["dossier_id"]: _als_dict(r) for r in rows}


async def alle_open(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {_KOLOMMEN} FROM aandacht WHERE status = 'OPEN' ORDER BY gemarkeerd_op")
    return [_als_dict(r) for r in rows]


async def lijst(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {_KOLOMMEN} FROM aandacht ORDER BY gemarkeerd_op LIMIT 1000")
    return [_als_dict(r) for r in rows]


async def opnieuw_toepassen(pool: asyncpg.Pool, projection: Projection, event_id: UUID, door: str) -> None:
    """Apply the dead-lettered event now (after a fix), in one transaction with the event-id dedupe of the
    runner (``applied_event``) and the end of the mark. Raises :class:`OpnieuwMislukt` (nothing changed)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            'SELECT envelope, topic, partition, "offset" FROM aandacht WHERE event_id = $1 AND status = $2 '
            "FOR UPDATE", event_id, OPEN)
        if row is None:
            raise NietGevonden(str(event_id))
        env = Envelope.from_json(bytes(row["envelope"]))
        nieuw = await conn.fetchval(
            "INSERT INTO applied_event (projection, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING "
            "RETURNING true", projection.name, event_id)
        if nieuw:
            try:
                async with conn.transaction():  # a savepoint: a failure leaves the mark as it was
                    await projection.apply(conn, [Delivered(env, row["topic"], row["partition"], row["offset"])])
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
                raise
            except Exception as exc:
                raise OpnieuwMislukt(type(exc).__name__) from exc
        await conn.execute(
            "UPDATE aandacht SET status = $2, afgehandeld_op = now(), afgehandeld_door = $3 WHERE event_id = $1",
            event_id, OPNIEUW_TOEGEPAST, door)
    log.info("aandacht_opnieuw_toegepast", event_id=str(event_id))


async def oplossen(pool: asyncpg.Pool, event_id: UUID, door: str) -> None:
    """Beheer decided the event stays unapplied (e.g. the officer repeated the command): end the mark."""
    async with pool.acquire() as conn:
        done = await conn.fetchval(
            "UPDATE aandacht SET status = $2, afgehandeld_op = now(), afgehandeld_door = $3 "
            "WHERE event_id = $1 AND status = $4 RETURNING true", event_id, OPGELOST, door, OPEN)
    if not done:
        raise NietGevonden(str(event_id))
    log.info("aandacht_opgelost", event_id=str(event_id))
