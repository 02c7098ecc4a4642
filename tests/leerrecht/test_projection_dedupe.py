"""The runner's event-id dedupe (``applied_event``) keeps its guarantee on the fast path (issue 16).

A large batch first tries a plain insert of its ids in a savepoint and takes the ``ON CONFLICT`` insert
only when an id was applied before (:func:`leerrecht.projection.nieuwe_events`). These tests hold the
fallback to the old answer: on real Kafka and PostgreSQL, an event re-published at a new offset inside
a large batch is applied once; and two transactions recording overlapping ids at the same time (a move
is on two regions' topics) each get exactly the ids the other did not take, without an error.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import ensure_topics
from leerrecht.projection import SNELLE_DEDUPE_VANAF, Delivered, ProjectionRunner, nieuwe_events


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 1, {"retention.ms": "-1"}


class Teller:
    name = "dedupe-test"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        await conn.executemany("INSERT INTO gezien (n) VALUES ($1)", [(e.envelope.data["n"],) for e in events])


def envelope(n: int, eid: uuid.UUID | None = None) -> Envelope:
    return Envelope(id=eid or uuid7(), type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                    subject=f"pseudoniem-{n % 7:020d}", schema_version=1, correlation_id=uuid7(), data={"n": n})


@pytest.mark.infra
async def test_republished_events_in_a_large_batch_are_applied_once(infra) -> None:  # type: ignore[no-untyped-def]
    topic = f"dedupe.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic)])
    eerste = [envelope(n) for n in range(100)]
    # the second batch: 100 new events, 10 of the first re-published in between (a producer's retry) and
    # one new event twice (the same id within the batch)
    nieuw = [envelope(n) for n in range(100, 200)]
    tweede = [*nieuw[:50], *eerste[::10], nieuw[50], *nieuw[50:]]
    assert len(tweede) >= SNELLE_DEDUPE_VANAF
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    pool = await create_pool(await infra.adatabase_url("dedupe"))
    await migrate(pool, "leerrecht")
    await pool.execute("CREATE TABLE gezien (n int PRIMARY KEY)")  # a second apply of n fails the batch

    async def tot(offset: int) -> None:
        for _ in range(300):
            if await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", Teller.name) == offset:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("runner did not catch up")

    runner = ProjectionRunner(Teller(), pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}")
    task = asyncio.create_task(runner.run())
    try:
        for batch, tot_offset in ((eerste, 100), (tweede, 100 + len(tweede))):
            # one produce per batch, so the runner gets them in one fetch
            await asyncio.gather(*[await producer.send(topic, e.to_json()) for e in batch])
            await tot(tot_offset)
    finally:
        await producer.stop()
        runner.stop()
        await task
    assert [r["n"] for r in await pool.fetch("SELECT n FROM gezien ORDER BY n")] == list(range(200))
    assert await pool.fetchval("SELECT count(*) FROM applied_event WHERE projection = $1", Teller.name) == 200
    assert runner.stats.applied == 200
    assert runner.stats.skipped == 11
    assert runner.stats.dead_lettered == 0
    await pool.close()


@pytest.mark.infra
async def test_two_transactions_recording_overlapping_ids_each_get_the_rest(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("dedupe_gelijktijdig"))
    await migrate(pool, "leerrecht")
    envs = [envelope(n) for n in range(300)]
    a = [Delivered(e, "t.a", 0, i) for i, e in enumerate(envs[:200])]
    b = [Delivered(e, "t.b", 0, i) for i, e in enumerate(envs[100:])]  # 100 ids in common with a
    async with pool.acquire() as ca, pool.acquire() as cb:
        ta = ca.transaction()
        await ta.start()
        vers_a = await nieuwe_events(ca, "p", a)  # not committed yet: b's insert must wait for it
        tb = cb.transaction()
        await tb.start()
        wacht_b = asyncio.create_task(nieuwe_events(cb, "p", b))
        await asyncio.sleep(0.5)
        assert not wacht_b.done(), "b waits for a's uncommitted ids"
        await ta.commit()
        vers_b = await asyncio.wait_for(wacht_b, 30)
        await tb.commit()
    assert [d.envelope.id for d in vers_a] == [e.id for e in envs[:200]]
    assert [d.envelope.id for d in vers_b] == [e.id for e in envs[200:]], "only what a did not take, in log order"
    assert await pool.fetchval("SELECT count(*) FROM applied_event WHERE projection = 'p'") == 300
    await pool.close()
