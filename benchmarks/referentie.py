"""The simplest exactly-once projections, measured beside the real ones: what any projection can reach here.

Why: issue 16 asks every ProjectionRunner projection for 0.3 of raw ``getmany`` and telling for 0.25.
Raw ``getmany`` reads records and throws them away; a projection must also write them and its offsets
in one PostgreSQL transaction (the brief's rule). How far below raw consume that rule alone puts a
projection on this machine was measured once in ``../shared/notes/perf-baselines.md`` (consume → one
row per event with offsets in the same transaction: ~41,000–45,000 events/s in batches of 5,000 against
~270,000–350,000 for ``getmany``, about 0.15), not in the same run as the project's figures. These
two reference projections are run in the same run on the same topic, so each real projection's figure
can be read against the cheapest possible one as well as against raw consume:

* ``kaal`` (bare): per ``getmany`` one transaction: the checkpoint rows of its partitions moved, and
  every record COPYed as it came (offset and bytes; no decode, no dedupe, no logic);
* ``json``: the same with every record parsed by ``orjson`` first (no validation: a trusted internal
  event, validated at the edge only, as the issue's levers suggest), its id, type, subject and payload
  COPYed;
* ``envelop``: the same with every record decoded by pydantic into the envelope instead (what a
  projection that trusts nothing must do before any logic of its own).

And the simplest publisher (:func:`publiceer`): each envelope serialised by pydantic and sent keyed by
its subject in aiokafka's own record batches, as the raw produce limit sends, with the one header the
CloudEvents Kafka binding requires in structured mode (``content-type``); no trace header, no
Kafka-compatible partitioner, no size checks: the floor of the EventPublisher's cost.

Like the runner, each projection reads and decodes the next fetch while the database writes the previous one. None
records event ids (the runner's dedupe of re-published events) or skips types: they are floors of the
cost, not projections to ship.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Envelope

SOORTEN = ("kaal", "json", "envelop")

_TABELLEN = """
CREATE TABLE IF NOT EXISTS ref_checkpoint (topic text, partition int, next_offset bigint NOT NULL,
                                           PRIMARY KEY (topic, partition));
CREATE TABLE IF NOT EXISTS ref_kaal (topic text, partition int, "offset" bigint, waarde bytea);
CREATE TABLE IF NOT EXISTS ref_json (id uuid, type text, subject text, data jsonb);
CREATE TABLE IF NOT EXISTS ref_envelop (id uuid, type text, subject text, data jsonb);
"""


def _rijen_kaal(topic: str, records: list[Any]) -> list[tuple[Any, ...]]:
    return [(topic, r.partition, r.offset, r.value) for r in records]


def _rijen_json(_topic: str, records: list[Any]) -> list[tuple[Any, ...]]:
    uit = []
    for r in records:
        d = orjson.loads(r.value)
        uit.append((d["id"], d["type"], d["subject"], orjson.dumps(d["data"]).decode()))
    return uit


def _rijen_envelop(_topic: str, records: list[Any]) -> list[tuple[Any, ...]]:
    uit = []
    for r in records:
        env = Envelope.from_json(r.value)
        uit.append((env.id, env.type, env.subject, orjson.dumps(env.data).decode()))
    return uit


CONTENT_TYPE = [("content-type", b"application/cloudevents+json")]
"""The header every record of the structured content mode must carry (CloudEvents Kafka binding)."""


async def publiceer(bootstrap: str, topic: str, envs: list[Envelope],
                    produce_keyed: Callable[..., Awaitable[None]]) -> None:
    """The reference publisher: serialise every envelope, then the raw keyed produce of the same run."""
    await produce_keyed(bootstrap, topic, [(e.subject.encode(), e.to_json()) for e in envs], CONTENT_TYPE)


async def _schrijf(conn: asyncpg.Connection, tabel: str, klaar: list[tuple[Any, int, list[tuple[Any, ...]]]]) -> None:
    """One transaction per fetch: every partition's checkpoint moved and all rows COPYed together (as
    telling's bundle runner applies a fetch of its 40 topics; the cheapest correct grouping)."""
    if not klaar:
        return
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO ref_checkpoint SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) "
            "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset",
            [tp.topic for tp, _, _ in klaar], [tp.partition for tp, _, _ in klaar], [v for _, v, _ in klaar])
        await conn.copy_records_to_table(tabel, records=[r for _, _, rijen in klaar for r in rijen])


async def referentie(soort: str, pool: asyncpg.Pool, bootstrap: str, topic: str, n: int, batch: int,
                     pattern: str | None = None) -> None:
    """Run the ``soort`` reference projection over the first ``n`` records of ``topic`` (or of every topic
    matching ``pattern``: the national log's 40), from offset 0."""
    rijen = {"kaal": _rijen_kaal, "json": _rijen_json, "envelop": _rijen_envelop}[soort]
    tabel = f"ref_{soort}"
    async with pool.acquire() as conn:
        await conn.execute(_TABELLEN)
    consumer = AIOKafkaConsumer(*([] if pattern else [topic]), bootstrap_servers=bootstrap,
                                group_id=f"ref-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                                enable_auto_commit=False, max_poll_records=batch,
                                fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024)
    if pattern:
        consumer.subscribe(pattern=pattern)
    await consumer.start()
    gezien = 0
    schrijven: asyncio.Task[None] | None = None
    try:
        async with pool.acquire() as conn:
            while gezien < n:
                batches = await consumer.getmany(timeout_ms=300, max_records=batch)
                klaar = [(tp, records[-1].offset + 1, rijen(tp.topic, records)) for tp, records in batches.items()]
                gezien += sum(len(r) for r in batches.values())
                if schrijven is not None:
                    await schrijven
                schrijven = asyncio.create_task(_schrijf(conn, tabel, klaar))
            if schrijven is not None:
                await schrijven
    finally:
        await consumer.stop()
    async with pool.acquire() as conn:
        rows = await conn.fetchval(f"SELECT count(*) FROM {tabel}")
        stand = await conn.fetchval("SELECT sum(next_offset) FROM ref_checkpoint")
    if rows != n or stand != n:
        raise RuntimeError(f"reference {soort}: {rows} rows and checkpoints at {stand}, expected {n}")
