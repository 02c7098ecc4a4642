"""The simplest correct HTTP intake, measured beside registratie's: the floor of issue 16's intake targets.

``python -m benchmarks.referentie_intake`` (``HTTP_PORT``, ``DATABASE_URL``, ``KAFKA_BOOTSTRAP_SERVERS``,
``API_TOKEN``) serves the two routes registratie's intake benchmark sends to, with only what any correct
intake of this platform must do (the brief's rules):

* the bearer token checked (constant-time, one static token: registratie runs with ``AUTH_MODE=static``
  in the benchmark too);
* each row validated by a pydantic model (the BSN's form and the eleven-test, a date, hours in (0, 24]
  with two decimals, a known code), a 422 naming the field when not;
* the BSN pseudonymised (HMAC-SHA256 with a key): no BSN on the log;
* the rows and the request's idempotency key stored in one PostgreSQL transaction (COPY for a batch; a
  repeated key answers without storing or sending again);
* every row published (acks=all, idempotent producer) keyed by its pseudonym, and the 2xx only after the
  broker acknowledged.

Nothing else: no enrolment check, no rules, no outbox relay, no group commit, no logging per request, on
the same web stack (FastAPI on uvicorn with uvloop and httptools, :data:`leerrecht.service.UVICORN`).
:mod:`benchmarks.intake` sends it the same requests as registratie, in the same run, against the same raw
limits.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Annotated

import asyncpg
import orjson
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

from contracts.codes import AfwezigheidCode
from leerrecht.db import ensure_database
from leerrecht.kafka import TopicSpec, ensure_topics
from leerrecht.service import UVICORN

TOPIC = "referentie.intake"


def _elfproef(bsn: str) -> str:
    """The BSN's eleven-test (as registratie checks it)."""
    if sum(int(c) * w for c, w in zip(bsn, (9, 8, 7, 6, 5, 4, 3, 2, -1), strict=True)) % 11:
        raise ValueError("pgn voldoet niet aan de elfproef")
    return bsn


class Rij(BaseModel):
    pgn: Annotated[str, Field(pattern=r"^[0-9]{9}$"), AfterValidator(_elfproef)]
    datum: date
    uren: Annotated[Decimal, Field(gt=0, le=24, decimal_places=2)]
    code: AfwezigheidCode


class Batch(BaseModel):
    rijen: Annotated[list[Rij], Field(min_length=1, max_length=500)]


_TABELLEN = """
CREATE TABLE IF NOT EXISTS ref_sleutel (sleutel text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ref_afwezigheid (pseudoniem text, datum date, uren numeric, code text);
"""


def app_voor(dsn: str, bootstrap: str, token: str, sleutel: bytes) -> FastAPI:
    staat: dict[str, object] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ensure_database(dsn)
        await ensure_topics(bootstrap, [TopicSpec(TOPIC, 3, {"retention.ms": "-1"})])
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        async with pool.acquire() as conn:
            await conn.execute(_TABELLEN)
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
        await producer.start()
        staat.update(pool=pool, producer=producer)
        try:
            yield
        finally:
            await producer.stop()
            await pool.close()

    app = FastAPI(lifespan=lifespan)

    def toegang(authorization: str | None) -> None:
        if authorization is None or not hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "ongeldige token")

    def pseudoniem(bsn: str) -> str:
        return hmac.new(sleutel, bsn.encode(), hashlib.sha256).hexdigest()

    async def opslaan_en_publiceren(rijen: list[Rij], idem: str) -> bool:
        """Store the rows with the key in one transaction, then publish and await the acks. False: the key
        was seen before (nothing stored or sent again)."""
        pool: asyncpg.Pool = staat["pool"]  # type: ignore[assignment]
        producer: AIOKafkaProducer = staat["producer"]  # type: ignore[assignment]
        records = [(pseudoniem(r.pgn), r) for r in rijen]
        async with pool.acquire() as conn, conn.transaction():
            if await conn.fetchval("INSERT INTO ref_sleutel VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
                                   idem) is None:
                return False
            if len(records) == 1:
                p, r = records[0]
                await conn.execute("INSERT INTO ref_afwezigheid VALUES ($1, $2, $3, $4)", p, r.datum, r.uren,
                                   r.code.value)
            else:
                await conn.copy_records_to_table("ref_afwezigheid", records=[
                    (p, r.datum, r.uren, r.code.value) for p, r in records])
        futures = [await producer.send(TOPIC, orjson.dumps({"pseudoniem": p, "datum": r.datum, "uren": str(r.uren),
                                                              "code": r.code.value}), key=p.encode())
                   for p, r in records]
        for f in futures:
            await f
        return True

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/afwezigheden", status_code=201)
    async def enkel(rij: Rij, idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
                    authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
        toegang(authorization)
        nieuw = await opslaan_en_publiceren([rij], idempotency_key)
        return JSONResponse({"opgeslagen": 1 if nieuw else 0}, status_code=201 if nieuw else 200)

    @app.post("/v1/afwezigheden/batch", status_code=207)
    async def batch(body: Batch, idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
                    authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
        toegang(authorization)
        nieuw = await opslaan_en_publiceren(body.rijen, idempotency_key)
        return JSONResponse({"opgeslagen": len(body.rijen) if nieuw else 0, "geweigerd": []}, status_code=207)

    return app


def main() -> None:
    app = app_voor(os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["API_TOKEN"],
                   secrets.token_bytes(32))
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["HTTP_PORT"]), log_level="warning", access_log=False,
                **UVICORN)


if __name__ == "__main__":
    main()
