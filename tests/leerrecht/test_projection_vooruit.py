"""The runner reads one fetch ahead while the previous one is applied (issue 16, third round).

Why these tests: the runner waited for PostgreSQL per batch with the fetch and decode of the next batch
idle. Now the next fetch is fetched and decoded while the previous fetch's transaction runs
(:meth:`leerrecht.projection.ProjectionRunner._lus_met_vooruitlezen`). On real Kafka and PostgreSQL:
the next records are decoded while a batch's transaction is still open, and every event is still
applied exactly once and in log order: also when the batch in flight fails on the database (a
transient error: its fetch read ahead is dropped and read again from the checkpoint) and when the
runner is stopped with a fetch read ahead (the next runner continues from the checkpoint).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import ensure_topics
from leerrecht.projection import Delivered, ProjectionRunner

BATCH = 10
EVENTS = 40


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 1, {"retention.ms": "-1"}


class Telt(ProjectionRunner):
    """The runner, counting the records it decoded (the fetches it read)."""

    gedecodeerd = 0

    def _decode(self, records: Sequence[ConsumerRecord[Any, Any]],  # type: ignore[override]
                ) -> tuple[list[Delivered], list[tuple[ConsumerRecord[Any, Any], str]]]:
        self.gedecodeerd += len(records)
        return ProjectionRunner._decode(records)


class Wachtend:
    """Applies events in order into ``volgorde_gezien``; its first batch waits (the transaction open)
    until the runner decoded records past that batch, or 10 s, and then fails once with ``fout``."""

    name = "vooruit-test"

    def __init__(self, fout: BaseException | None = None) -> None:
        self.runner: Telt | None = None
        self.vooruit_gezien: bool | None = None
        self.fout = fout

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        if self.vooruit_gezien is None:
            assert self.runner is not None
            for _ in range(200):
                if self.runner.gedecodeerd > len(events):
                    break
                await asyncio.sleep(0.05)
            self.vooruit_gezien = self.runner.gedecodeerd > len(events)
            if self.fout is not None:
                raise self.fout
        await conn.executemany("INSERT INTO volgorde_gezien (n) VALUES ($1)", [(e.envelope.data["n"],) for e in events])


def envelope(n: int) -> Envelope:
    return Envelope(id=uuid7(), type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                    subject=f"pseudoniem-{n % 3:020d}", schema_version=1, correlation_id=uuid7(), data={"n": n})


async def _opzet(infra: Any, naam: str, aantal: int = EVENTS) -> tuple[str, asyncpg.Pool]:
    topic = f"vooruit.{naam}.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic)])
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await asyncio.gather(*[await producer.send(topic, envelope(n).to_json()) for n in range(aantal)])
    finally:
        await producer.stop()
    pool = await create_pool(await infra.adatabase_url("vooruit"))
    await migrate(pool, "leerrecht")
    # a serial column keeps the order of application; n unique: a second apply fails the batch
    await pool.execute("CREATE TABLE volgorde_gezien (volgnr serial, n int UNIQUE)")
    return topic, pool


async def _tot_einde(pool: asyncpg.Pool, task: asyncio.Task[None], aantal: int = EVENTS) -> None:
    for _ in range(300):
        if task.done():
            task.result()
        if await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", Wachtend.name) == aantal:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("runner did not catch up")


async def _toegepast(pool: asyncpg.Pool) -> list[int]:
    return [r["n"] for r in await pool.fetch("SELECT n FROM volgorde_gezien ORDER BY volgnr")]


async def _draai(infra: Any, naam: str, projectie: Wachtend) -> tuple[Telt, list[int]]:
    """Run ``projectie`` over a fresh topic of ``EVENTS`` events to the end: the runner and what it applied."""
    topic, pool = await _opzet(infra, naam)
    runner = projectie.runner = Telt(projectie, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                                     batch_size=BATCH)
    task = asyncio.create_task(runner.run())
    try:
        await _tot_einde(pool, task)
    finally:
        runner.stop()
        await task
        toegepast = await _toegepast(pool)
        await pool.close()
    return runner, toegepast


@pytest.mark.infra
async def test_the_next_fetch_is_decoded_while_a_batch_is_applied(infra) -> None:  # type: ignore[no-untyped-def]
    projectie = Wachtend()
    runner, toegepast = await _draai(infra, "overlap", projectie)
    assert projectie.vooruit_gezien, "the next fetch was not decoded while the first batch's transaction ran"
    assert toegepast == list(range(EVENTS))
    assert runner.stats.applied == EVENTS and runner.stats.skipped == 0


@pytest.mark.infra
async def test_a_transient_failure_drops_the_fetch_read_ahead_and_reads_it_again(infra) -> None:  # type: ignore[no-untyped-def]
    projectie = Wachtend(fout=ConnectionResetError("database away"))  # TRANSIENT: backoff, seek to stored
    runner, toegepast = await _draai(infra, "transient", projectie)
    assert projectie.vooruit_gezien, "no fetch was read ahead when the batch failed"
    assert toegepast == list(range(EVENTS)), "every event once, in log order"
    assert runner.stats.applied == EVENTS


@pytest.mark.infra
async def test_a_stop_with_a_fetch_read_ahead_loses_nothing(infra) -> None:  # type: ignore[no-untyped-def]
    topic, pool = await _opzet(infra, "stop")
    projectie = Wachtend()
    runner = projectie.runner = Telt(projectie, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                                     batch_size=BATCH)
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(200):  # stopped while the first batch's transaction is open, the next fetch decoded
            if runner.gedecodeerd > BATCH:
                break
            await asyncio.sleep(0.05)
        runner.stop()
        await task
        eerst = await _toegepast(pool)
        assert eerst and eerst == list(range(len(eerst))), "the batch in flight was committed, in order"
        volgende = Wachtend()
        volgende.vooruit_gezien = True  # no waiting in the second runner
        tweede = volgende.runner = Telt(volgende, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                                        batch_size=BATCH)
        task = asyncio.create_task(tweede.run())
        await _tot_einde(pool, task)
        tweede.stop()
        await task
        assert await _toegepast(pool) == list(range(EVENTS))
    finally:
        if not task.done():
            task.cancel()
        await pool.close()


class LangzaamToegewezen(ProjectionRunner):
    """The runner whose seek to the stored checkpoints on assignment comes late (its database read
    slow), and whose decode takes a while: meanwhile the consumer already fetches from the group's
    reset position (earliest), and the seek lands while a fetch is being read ahead."""

    async def _seek_to_stored(self, assigned: Sequence[Any]) -> None:
        await asyncio.sleep(0.3)
        await super()._seek_to_stored(assigned)

    def _decode(self, records: Sequence[ConsumerRecord[Any, Any]],  # type: ignore[override]
                ) -> tuple[list[Delivered], list[tuple[ConsumerRecord[Any, Any], str]]]:
        time.sleep(0.005)
        return ProjectionRunner._decode(records)


class Volgorde:
    name = "vooruit-test"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        await conn.executemany("INSERT INTO volgorde_gezien (n) VALUES ($1)", [(e.envelope.data["n"],) for e in events])


@pytest.mark.infra
async def test_a_fetch_read_ahead_of_the_seek_on_assignment_is_not_applied(infra) -> None:  # type: ignore[no-untyped-def]
    """Found by the crash test (SIGKILL, then a new consumer): fetches taken before the assignment's seek
    were skipped (the partition not yet assigned), and the one read ahead just before the seek was applied
    after it, past offsets never applied; a partition without a checkpoint row accepts any first offset,
    so the records before it were lost. A fetch taken before a seek of its partition is not applied."""
    aantal = 2000
    topic, pool = await _opzet(infra, "seek", aantal)
    runner = LangzaamToegewezen(Volgorde(), pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                                batch_size=20)
    task = asyncio.create_task(runner.run())
    try:
        await _tot_einde(pool, task, aantal)
    finally:
        runner.stop()
        await task
        toegepast = await _toegepast(pool)
        await pool.close()
    assert toegepast == list(range(aantal)), "every event once, in log order"
