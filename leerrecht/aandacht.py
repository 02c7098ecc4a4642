"""Marks for beheer: events a projection dead-lettered, and the aggregate they concern (issue 11).

A command path that waits for its own events (leerplicht's claimed versions, rmc's ``wacht_op``) would
wait forever for an event the projection can never apply. The runner therefore calls the projection's
``on_dead_lettered`` hook (:class:`leerrecht.projection.DeadLetterHook`) in the transaction that moves
the checkpoint past the event; the service releases what waits for it and calls :func:`bewaar`, which
records the event in its ``aandacht`` table (a migration of each service, same columns): the
``onderwerp`` (a dossier id, a pseudonym) is marked as needing attention until beheer

* re-applies the event after a fix (:func:`opnieuw_toepassen`: in one transaction with the runner's
  event-id dedupe, out of log order — beheer's decision), or
* resolves the mark without applying it (:func:`oplossen`, e.g. the command was repeated).

The envelope is kept as bytes (it may hold what jsonb refuses, such as NUL); the reason is the error
*type*, never its message (messages can quote content). Beheer's API is :func:`beheer_router`, beheer's
page is :mod:`leerrecht.beheer`; both act through :func:`afhandelen` (same outcome, same Dutch message).
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from contracts.envelope import Envelope
from leerrecht.http import Principal, runtime_pool
from leerrecht.logging import get_logger
from leerrecht.projection import Delivered, Projection
from leerrecht.verwerkingslog import Verwerking, aandacht_betrokkene, verwerking

log = get_logger(__name__)

OPEN, OPNIEUW_TOEGEPAST, OPGELOST = "OPEN", "OPNIEUW_TOEGEPAST", "OPGELOST"


class NietGevonden(LookupError):
    """No open mark for this event id."""


class OpnieuwMislukt(Exception):
    """The event still cannot be applied; ``reden`` is the error type."""

    def __init__(self, reden: str) -> None:
        super().__init__(reden)
        self.reden = reden


async def bewaar(conn: asyncpg.Connection, ev: Delivered, reden: str, onderwerp: str | None) -> None:
    env = ev.envelope
    await conn.execute(
        'INSERT INTO aandacht (event_id, onderwerp, type, reden, topic, partition, "offset", envelope) '
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING",
        env.id, onderwerp, env.type, reden, ev.topic, ev.partition, ev.offset, env.to_json(),
    )
    log.error("aandacht_nodig", onderwerp_bekend=onderwerp is not None, event_id=str(env.id),
              event_type=env.type, reden=reden)


_KOLOMMEN = ('event_id, onderwerp, type, reden, status, gemarkeerd_op, topic, partition, "offset", '
             "afgehandeld_op, afgehandeld_door")


def _als_dict(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "event_id": str(r["event_id"]),
        "onderwerp": r["onderwerp"],
        "type": r["type"],
        "reden": r["reden"],
        "status": r["status"],
        "sinds": r["gemarkeerd_op"].isoformat(),
        "positie": {"topic": r["topic"], "partition": r["partition"], "offset": r["offset"]},
        "afgehandeld_op": r["afgehandeld_op"].isoformat() if r["afgehandeld_op"] else None,
        "afgehandeld_door": r["afgehandeld_door"],
    }


async def open_voor(conn: asyncpg.Connection, onderwerpen: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The open mark per subject (the oldest), for a dossier view."""
    rows = await conn.fetch(
        f"SELECT {_KOLOMMEN} FROM aandacht WHERE status = 'OPEN' AND onderwerp = ANY($1::text[]) "
        "ORDER BY gemarkeerd_op DESC", list(onderwerpen))
    return {r["onderwerp"]: _als_dict(r) for r in rows}


async def alle_open(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every open mark, oldest first, for a worklist."""
    rows = await conn.fetch(f"SELECT {_KOLOMMEN} FROM aandacht WHERE status = 'OPEN' ORDER BY gemarkeerd_op")
    return [_als_dict(r) for r in rows]


async def is_afgehandeld(conn: asyncpg.Connection, projection: str, event_ids: Sequence[uuid.UUID]) -> int:
    """How many of these events were applied or dead-lettered (a command path waits for no more)."""
    n = await conn.fetchval(
        "SELECT count(*) FROM unnest($2::uuid[]) i WHERE "
        "EXISTS (SELECT 1 FROM applied_event a WHERE a.projection = $1 AND a.event_id = i) "
        "OR EXISTS (SELECT 1 FROM aandacht m WHERE m.event_id = i)",
        projection, list(event_ids))
    return int(n)


async def opnieuw_toepassen(pool: asyncpg.Pool, projection: Projection, event_id: uuid.UUID, door: str) -> None:
    """Apply the dead-lettered event now (after a fix), with the runner's event-id dedupe and the end of
    the mark in one transaction. Raises :class:`OpnieuwMislukt` (then nothing changed)."""
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
                async with conn.transaction():  # a savepoint: a failure leaves everything as it was
                    await projection.apply(conn, [Delivered(env, row["topic"], row["partition"], row["offset"])])
            except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError):
                raise
            except Exception as exc:
                raise OpnieuwMislukt(type(exc).__name__) from exc
        await conn.execute(
            "UPDATE aandacht SET status = $2, afgehandeld_op = now(), afgehandeld_door = $3 WHERE event_id = $1",
            event_id, OPNIEUW_TOEGEPAST, door)
    log.info("aandacht_opnieuw_toegepast", event_id=str(event_id))


async def oplossen(pool: asyncpg.Pool, event_id: uuid.UUID, door: str) -> None:
    """Beheer decided the event stays unapplied: end the mark."""
    async with pool.acquire() as conn:
        done = await conn.fetchval(
            "UPDATE aandacht SET status = $2, afgehandeld_op = now(), afgehandeld_door = $3 "
            "WHERE event_id = $1 AND status = $4 RETURNING true", event_id, OPGELOST, door, OPEN)
    if not done:
        raise NietGevonden(str(event_id))
    log.info("aandacht_opgelost", event_id=str(event_id))


Actie = Literal["opnieuw", "opgelost"]


@dataclass(frozen=True)
class Afhandeling:
    """What a beheer action on a mark came to: the API answers with it, the page shows ``melding``."""

    status: int  # 200, 404 (no open mark) or 409 (the re-apply failed again)
    title: str
    regel: str | None
    melding: str  # Dutch, without the final full stop (the API's style); never the event's content
    nieuwe_status: str | None = None

    @property
    def gelukt(self) -> bool:
        return self.status == 200


GELUKT: dict[str, str] = {
    "opnieuw": "De gebeurtenis is opnieuw verwerkt; de markering is afgesloten",
    "opgelost": "De markering is afgesloten; de gebeurtenis blijft onverwerkt",
}
NIET_GEVONDEN = Afhandeling(404, "Niet gevonden", "open_markering",
                            "Er is geen openstaande markering voor deze gebeurtenis")


async def afhandelen(pool: asyncpg.Pool, projection: Projection, event_id: uuid.UUID, actie: Actie,
                     door: str) -> Afhandeling:
    """Re-apply (``opnieuw``) or resolve (``opgelost``) the open mark of ``event_id``, as ``door``."""
    try:
        if actie == "opnieuw":
            await opnieuw_toepassen(pool, projection, event_id, door)
            return Afhandeling(200, "Opnieuw toegepast", None, GELUKT[actie], OPNIEUW_TOEGEPAST)
        await oplossen(pool, event_id, door)
        return Afhandeling(200, "Opgelost", None, GELUKT[actie], OPGELOST)
    except NietGevonden:
        return NIET_GEVONDEN
    except OpnieuwMislukt as fout:
        return Afhandeling(409, "Opnieuw toepassen mislukt", "opnieuw_toepassen_mislukt",
                           f"De gebeurtenis kan nog steeds niet worden verwerkt ({fout.reden}); "
                           "de markering blijft staan")


def _als_antwoord(event_id: uuid.UUID, a: Afhandeling) -> dict[str, Any] | JSONResponse:
    if a.gelukt:
        return {"event_id": str(event_id), "status": a.nieuwe_status}
    return JSONResponse(status_code=a.status, content={
        "title": a.title, "status": a.status, "fouten": [{"veld": "event_id", "regel": a.regel, "melding": a.melding}],
    })


Herstellen = Annotated[Verwerking, Depends(verwerking("dossier-herstellen", aandacht_betrokkene), scope="function")]
"""A beheer action on a marked event touches that person's file: it is recorded (domain.md B), refusals too."""


def beheer_router(beheer: Callable[..., Principal], projection: Projection) -> APIRouter:
    """``/v1/beheer/aandacht`` (role beheer): list, re-apply, resolve."""
    router = APIRouter(prefix="/v1/beheer", tags=["beheer"])

    @router.get("/aandacht", summary="Wat aandacht nodig heeft: niet-toepasbare gebeurtenissen",
        description=("Gebeurtenissen die de verwerking niet kon toepassen en naar de dead letters "
                     "gingen, met het dossier dat daardoor gemarkeerd is (aandacht nodig), wanneer, "
                     "de soort fout en de status (open, opnieuw toegepast, opgelost); ten hoogste "
                     "1000, oudste eerst. Voor beheer, na een melding of een alert; geen inhoud of "
                     "naam."))
    async def lijst(
        db: Annotated[asyncpg.Pool, Depends(runtime_pool)], _: Annotated[Principal, Depends(beheer)],
    ) -> dict[str, Any]:
        async with db.acquire() as conn:
            rows = await conn.fetch(f"SELECT {_KOLOMMEN} FROM aandacht ORDER BY gemarkeerd_op LIMIT 1000")
        items = [_als_dict(r) for r in rows]
        return {"open": sum(1 for i in items if i["status"] == OPEN), "aandacht": items}

    @router.post("/aandacht/{event_id}/opnieuw", summary="De gebeurtenis opnieuw toepassen (na een herstel)",
        description=("Past de gemarkeerde gebeurtenis opnieuw toe, nadat de oorzaak is hersteld "
                     "(bijvoorbeeld een nieuwe versie van de dienst), en sluit de markering als dat "
                     "lukt. De actie komt in het verwerkingslogboek. 404 als er geen open markering "
                     "voor deze gebeurtenis is, 409 als toepassen weer mislukt (de markering blijft "
                     "open)."),
                 response_model=None)
    async def opnieuw(
        v: Herstellen, event_id: uuid.UUID, db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        wie: Annotated[Principal, Depends(beheer)],
    ) -> dict[str, Any] | JSONResponse:
        uitkomst = await afhandelen(db, projection, event_id, "opnieuw", wie.client_id)
        return v.antwoord(_als_antwoord(event_id, uitkomst))

    @router.post("/aandacht/{event_id}/opgelost", summary="De markering afsluiten zonder de gebeurtenis toe te passen",
        description=("Sluit de markering van een dossier af zonder de gebeurtenis toe te passen: "
                     "beheer besluit dat ze niet meer nodig is. De gebeurtenis blijft in de dead "
                     "letters staan. De actie komt in het verwerkingslogboek. 404 als er geen open "
                     "markering voor deze gebeurtenis is."),
                 response_model=None)
    async def opgelost(
        v: Herstellen, event_id: uuid.UUID, db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        wie: Annotated[Principal, Depends(beheer)],
    ) -> dict[str, Any] | JSONResponse:
        uitkomst = await afhandelen(db, projection, event_id, "opgelost", wie.client_id)
        return v.antwoord(_als_antwoord(event_id, uitkomst))

    return router
