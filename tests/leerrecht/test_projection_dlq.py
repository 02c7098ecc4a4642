"""Poison and corrupt events go to the dead-letter topic; everything else is applied (F9, B3).

In-process runner, real Kafka and PostgreSQL: a corrupt record (not an envelope), an event the
projection rejects as invalid (PoisonEvent: dead-lettered at once), and an event that keeps failing
with a bug (retried with backoff, then isolated and dead-lettered). The other events are applied
exactly once and the checkpoint moves past all of them: no infinite loop, no silent drop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from consumers import dead_letters

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, ensure_topics
from leerrecht.projection import Delivered, PoisonEvent, ProjectionRunner


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 1, {"retention.ms": "-1"}


class PickyProjection:
    name = "picky"

    def __init__(self) -> None:
        self.bug_attempts = 0

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for e in events:
            kind = e.envelope.data.get("kind")
            if kind == "invalid":
                raise PoisonEvent("veld 'kind' ongeldig")
            if kind == "bug":
                self.bug_attempts += 1
                raise KeyError("a bug in the projection")
        await conn.executemany("INSERT INTO seen (n) VALUES ($1)", [(e.envelope.data["n"],) for e in events])


def envelope(n: int, kind: str = "ok") -> bytes:
    return Envelope(type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                    subject=f"p{n}", schema_version=1, correlation_id=uuid7(),
                    data={"n": n, "kind": kind}).to_json()


@pytest.mark.infra
async def test_poison_and_corrupt_events_are_dead_lettered_and_the_rest_applied(infra) -> None:  # type: ignore[no-untyped-def]
    topic = f"dlq.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic), _Topic(topic + ".dlq")])
    values = [envelope(i) for i in range(10)]
    values[3] = b"{not json"
    values[5] = envelope(5, "invalid")
    values[7] = envelope(7, "bug")
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    for v in values:
        await producer.send_and_wait(topic, v, key=b"k")
    await producer.stop()

    db = await infra.adatabase_url("dlq")
    pool = await create_pool(db)
    await migrate(pool, "leerrecht")
    await pool.execute("CREATE TABLE seen (n int PRIMARY KEY)")
    dlq = EventPublisher(infra.bootstrap, client_id="dlq-test")
    await dlq.start()
    projection = PickyProjection()
    runner = ProjectionRunner(projection, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                              dead_letters=dlq, max_retries=2)
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(200):
            if await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = 'picky'") == 10:
                break
            await asyncio.sleep(0.1)
    finally:
        runner.stop()
        await task
        await dlq.stop()
    seen = sorted(r["n"] for r in await pool.fetch("SELECT n FROM seen"))
    await pool.close()
    assert seen == [0, 1, 2, 4, 6, 8, 9]
    assert projection.bug_attempts >= 3, "a failing event is retried before it is dead-lettered"

    records = await dead_letters(infra.bootstrap, topic, 3)
    origins = sorted(int(dict(r.headers)["dlq.origin.offset"]) for r in records)
    assert origins == [3, 5, 7]
    assert all(dict(r.headers)["dlq.origin.topic"] == topic.encode() for r in records)
    reasons = {int(dict(r.headers)["dlq.origin.offset"]): dict(r.headers)["dlq.reason"] for r in records}
    assert reasons[3].startswith(b"undecodable envelope")
    assert b"PoisonEvent" in reasons[5] and b"KeyError" in reasons[7]
