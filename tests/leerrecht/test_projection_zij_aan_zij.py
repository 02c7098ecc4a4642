"""A fetch's partition batches are applied side by side, each in its own transaction (issue 16).

Why these tests: with the servers' CPU measured beside the runner's, a runner's wall time was its own CPU
plus PostgreSQL's, one after the other: a fetch nearly always held one partition's records (``getmany``
drains one partition's buffer first), and its batches were applied one after the other. Now the runner
takes what the consumer already holds of the other partitions too and applies them side by side
(:meth:`leerrecht.projection.ProjectionRunner._partitie`). On real Kafka and PostgreSQL: transactions of
several partitions are open at once and every event is still applied exactly once and in its partition's
order, also when one partition's batch fails on the database while the others' commit. Without Kafka: a
partition's next batch waits for its own previous batch only, and stands down when that one must be read
again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import ensure_topics
from leerrecht.projection import Delivered, ProjectionRunner, _Voorbereid

PARTITIONS = 3
PER_PARTITION = 30
BATCH = 10
ALLES = {p: list(range(PER_PARTITION)) for p in range(PARTITIONS)}


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, PARTITIONS, {"retention.ms": "-1"}


class Gelijktijdig:
    """Applies events into ``gezien`` and holds each transaction open a moment, counting how many are
    open at once; ``fout_in`` (a partition) fails its first batch once with a transient error."""

    name = "zij-aan-zij-test"

    def __init__(self, fout_in: int | None = None) -> None:
        self.open = 0
        self.hoogste = 0
        self.fout_in = fout_in

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        self.open += 1
        self.hoogste = max(self.hoogste, self.open)
        try:
            await conn.executemany("INSERT INTO gezien (partitie, n) VALUES ($1, $2)",
                                   [(e.partition, e.envelope.data["n"]) for e in events])
            await asyncio.sleep(0.2)  # the transaction open: another partition's may start meanwhile
            if self.fout_in is not None and events[0].partition == self.fout_in:
                self.fout_in = None
                raise ConnectionResetError("database away")  # TRANSIENT: backoff, read again from the checkpoint
        finally:
            self.open -= 1


async def _opzet(infra: Any, naam: str) -> tuple[str, asyncpg.Pool]:
    topic = f"zijaanzij.{naam}.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic)])
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        futures = []
        for n in range(PER_PARTITION):
            for p in range(PARTITIONS):
                env = Envelope(id=uuid7(), type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                               subject=f"pseudoniem-{p:020d}", schema_version=1, correlation_id=uuid7(),
                               data={"n": n})
                futures.append(await producer.send(topic, env.to_json(), partition=p))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    pool = await create_pool(await infra.adatabase_url("zijaanzij"))
    await migrate(pool, "leerrecht")
    # a serial column keeps the order of application; (partitie, n) unique: a second apply fails the batch
    await pool.execute("CREATE TABLE gezien (volgnr serial, partitie int, n int, UNIQUE (partitie, n))")
    return topic, pool


async def _draai(infra: Any, naam: str, projectie: Any) -> tuple[ProjectionRunner, dict[int, list[int]]]:
    topic, pool = await _opzet(infra, naam)
    runner = ProjectionRunner(projectie, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                              batch_size=BATCH)
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(300):
            if task.done():
                task.result()
            klaar = await pool.fetchval("SELECT count(*) FROM checkpoint WHERE projection = $1 AND next_offset = $2",
                                        Gelijktijdig.name, PER_PARTITION)
            if klaar == PARTITIONS:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("runner did not catch up")
    finally:
        runner.stop()
        await task
        per: dict[int, list[int]] = {}
        for r in await pool.fetch("SELECT partitie, n FROM gezien ORDER BY volgnr"):
            per.setdefault(r["partitie"], []).append(r["n"])
        await pool.close()
    return runner, per


@pytest.mark.infra
async def test_the_partitions_batches_are_applied_side_by_side(infra) -> None:  # type: ignore[no-untyped-def]
    projectie = Gelijktijdig()
    runner, per = await _draai(infra, "samen", projectie)
    assert projectie.hoogste >= 2, "no two partitions' transactions were open at once"
    assert per == ALLES, "every event once, in its partition's order"
    assert runner.stats.applied == PARTITIONS * PER_PARTITION


@pytest.mark.infra
async def test_one_partition_failing_beside_the_others_loses_and_repeats_nothing(infra) -> None:  # type: ignore[no-untyped-def]
    projectie = Gelijktijdig(fout_in=1)
    runner, per = await _draai(infra, "fout", projectie)
    assert projectie.fout_in is None, "the failure was not injected"
    assert per == ALLES, "every event once, in its partition's order"
    assert runner.stats.applied == PARTITIONS * PER_PARTITION


def _runner_met_nep_verwerk(duur: dict[tuple[int, int], float], mislukt: set[tuple[int, int]] = frozenset(),
                            ) -> tuple[ProjectionRunner, list[tuple[str, int, int]]]:
    """A runner whose database work is replaced by a sleep per (partition, batch): what ``_partitie``
    decides about order and waiting, without Kafka's fetch timing (which partitions a fetch holds is
    the consumer's business, and made an end-to-end version of this test flaky)."""
    runner = ProjectionRunner(Gelijktijdig(), None, "ongebruikt", topics=["t"])  # type: ignore[arg-type]
    runner._assigned = {TopicPartition("t", 0), TopicPartition("t", 1)}
    log: list[tuple[str, int, int]] = []

    async def verwerk(tp: TopicPartition, records: Sequence[Any], *_: Any) -> bool:
        log.append(("begin", tp.partition, records[0]))
        await asyncio.sleep(duur.get((tp.partition, records[0]), 0.01))
        log.append(("eind", tp.partition, records[0]))
        return (tp.partition, records[0]) not in mislukt

    runner._verwerk = verwerk  # type: ignore[method-assign,assignment]
    runner._observe = lambda *_: None  # type: ignore[method-assign,assignment]
    return runner, log


def _batch(partitie: int, nr: int) -> _Voorbereid:
    return _Voorbereid(TopicPartition("t", partitie), 0, [nr], [], [], [])  # type: ignore[list-item]


async def test_a_partitions_next_batch_waits_for_its_own_previous_batch_only() -> None:
    """Two fetches of two partitions, partition 0's first batch slow: partition 1's second batch is applied
    before partition 0's first has ended (on the code before, a fetch waited for the whole previous one),
    and partition 0's second begins only after its first ended (log order)."""
    runner, log = _runner_met_nep_verwerk({(0, 0): 0.3})
    plaatsen = asyncio.Semaphore(3)
    a0 = asyncio.create_task(runner._partitie(None, _batch(0, 0), None, plaatsen))  # type: ignore[arg-type]
    a1 = asyncio.create_task(runner._partitie(None, _batch(1, 0), None, plaatsen))  # type: ignore[arg-type]
    b0 = asyncio.create_task(runner._partitie(None, _batch(0, 1), a0, plaatsen))  # type: ignore[arg-type]
    b1 = asyncio.create_task(runner._partitie(None, _batch(1, 1), a1, plaatsen))  # type: ignore[arg-type]
    assert await asyncio.gather(a0, a1, b0, b1) == [True] * 4
    assert log.index(("eind", 1, 1)) < log.index(("eind", 0, 0)), log
    assert log.index(("begin", 0, 1)) > log.index(("eind", 0, 0)), log


async def test_a_batch_after_one_that_must_be_read_again_is_not_applied() -> None:
    runner, log = _runner_met_nep_verwerk({}, mislukt={(0, 0)})
    plaatsen = asyncio.Semaphore(3)
    a0 = asyncio.create_task(runner._partitie(None, _batch(0, 0), None, plaatsen))  # type: ignore[arg-type]
    b0 = asyncio.create_task(runner._partitie(None, _batch(0, 1), a0, plaatsen))  # type: ignore[arg-type]
    assert await asyncio.gather(a0, b0) == [False, False]
    assert ("begin", 0, 1) not in log, "the later batch of that partition stood down"
