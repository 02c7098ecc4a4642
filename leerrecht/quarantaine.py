"""The quarantine of erasable records (identity records) a consumer could not decode or store.

Why a table and not a dead-letter topic: an identity record must stay erasable (domain.md B), and a
copy on another topic could never be erased. Each service that consumes an identity topic has its own
``quarantaine`` table (a migration of that service, same columns everywhere); these functions are the
small write, erase and read that every such service shares.

* :func:`bewaar` runs in the runner's transaction that moves the checkpoint past the record
  (:class:`leerrecht.projection.RawRecordRunner`), so a record is either applied, or quarantined, never
  both, never neither.
* :func:`wis` runs with the person's tombstone (same key), in the same transaction as the erasure of
  the person's other rows.
* :func:`overzicht` gives beheer counts and positions, never key or value (:func:`beheer_router`).
"""


from collections.abc import Callable, Sequence
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends

from leerrecht.http import Principal, runtime_pool
from leerrecht.projection import RawRecord


async def bewaar(conn: asyncpg.Connection, projection: str, record: RawRecord, reden: str, fout: str) -> None:
    """Keep the raw key and value (bytea: whatever bytes came, NUL included) with the position."""
    await conn.execute(
        'INSERT INTO quarantaine (projection, topic, partition, "offset", sleutel, waarde, reden, fout) '
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        projection, record.topic, record.partition, record.offset, record.key, record.value, reden, fout,
    )


async def wis(conn: asyncpg.Connection, sleutels: Sequence[bytes]) -> None:
    """Erase the quarantined records of these keys (a tombstone arrived for them)."""
    if sleutels:
        await conn.execute("DELETE FROM quarantaine WHERE sleutel = ANY($1::bytea[])", list(sleutels))


async def overzicht(conn: asyncpg.Connection) -> dict[str, Any]:
    """Counts per reason and the positions of the records, for the beheer page (no content)."""
    rows = await conn.fetch(
        'SELECT id, projection, topic, partition, "offset", reden, fout, ontvangen_op FROM quarantaine '
        'ORDER BY ontvangen_op, topic, partition, "offset" LIMIT 1000'
    )
    per_reden: dict[str, int] = {
        r["reden"]: int(r["n"])
        for r in await conn.fetch("SELECT reden, count(*) AS n FROM quarantaine GROUP BY reden ORDER BY reden")
    }
    return {
        "aantal": sum(per_reden.values()),
        "per_reden": per_reden,
        "records": [
            {
                "id": r["id"], "projection": r["projection"], "topic": r["topic"], "partition": r["partition"],
                "offset": r["offset"], "reden": r["reden"], "fout": r["fout"],
                "ontvangen_op": r["ontvangen_op"].isoformat(),
            }
            for r in rows
        ],
    }



def beheer_router(beheer: Callable[..., Principal]) -> APIRouter:
    """``GET /v1/beheer/quarantaine`` (role beheer): counts and positions of the quarantined records."""
    router = APIRouter(prefix="/v1/beheer", tags=["beheer"])

    @router.get("/quarantaine", summary="Identiteitsrecords in quarantaine: aantallen en posities, geen inhoud",
        description=("Identiteitsrecords die niet konden worden opgeslagen (bijvoorbeeld ongeldige "
                     "tekens): aantal, sinds wanneer, per reden en de posities op het "
                     "identiteitstopic. Ze blijven wisbaar met het wisverzoek van de persoon. Nooit "
                     "de inhoud of een naam. Voor beheer bij het alert over quarantaine."))
    async def lijst(
        db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        _: Annotated[Principal, Depends(beheer)],
    ) -> dict[str, Any]:
        async with db.acquire() as conn:
            return await overzicht(conn)

    return router
