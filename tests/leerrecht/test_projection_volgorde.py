"""The runner reports a gap or a reordering in a pupil's sequence numbers (issue 11, part 6).

Real Kafka and PostgreSQL, in-process runner. One pupil's events arrive with sequence numbers
1, 2, 4, then 3, plus a re-delivery of event 2 at a new offset (a producer retry): one gap (4 came
where 3 was expected), one reordering (3 after 4), and the duplicate is no anomaly. Everything is
still applied: detection reports, it does not refuse.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from structlog.testing import capture_logs

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import ensure_topics
from leerrecht.metrics import SEQUENCE_ANOMALIES
from leerrecht.projection import Delivered, ProjectionRunner
from leerrecht.volgorde import Afwijking, afwijkingen


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 1, {"retention.ms": "-1"}


class Teller:
    name = "volgorde-test"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        await conn.executemany("INSERT INTO gezien (n) VALUES ($1)", [(e.envelope.data["n"],) for e in events])


def envelope(n: int, seq: int | None, subject: str = "pseudoniem-0123456789abcdef", eid: uuid.UUID | None = None
             ) -> Envelope:
    return Envelope(id=eid or uuid7(), type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                    subject=subject, schema_version=1, correlation_id=uuid7(), data={"n": n},
                    subject_sequence=seq)


def teller(kind: str) -> float:
    return SEQUENCE_ANOMALIES.labels(projection="volgorde-test", kind=kind)._value.get()  # type: ignore[no-any-return]


def test_classification_of_a_pupils_numbers() -> None:
    """Pure: the stored highest number and the batch's numbers in log order give the anomalies."""
    assert afwijkingen(None, [1, 2, 3]) == []
    assert afwijkingen(None, [2]) == [Afwijking("gat", 1, 2)], "the first number seen is not 1"
    assert afwijkingen(2, [3, 5, 4, 6]) == [Afwijking("gat", 4, 5), Afwijking("omgekeerd", 6, 4)]
    assert afwijkingen(5, [5]) == [Afwijking("omgekeerd", 6, 5)]


@pytest.mark.infra
async def test_a_gap_and_a_reordering_are_reported_once_each(infra) -> None:  # type: ignore[no-untyped-def]
    topic = f"volgorde.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic)])
    twee = envelope(2, 2)
    envs = [envelope(1, 1), twee, envelope(4, 4), twee, envelope(3, 3), envelope(9, None, subject="ander-0123456789ab")]
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    # two batches: the reordering is found against the stored number, not only within one batch
    for e in envs[:3]:
        await producer.send_and_wait(topic, e.to_json(), key=e.subject.encode())

    pool = await create_pool(await infra.adatabase_url("volgorde"))
    await migrate(pool, "leerrecht")
    await pool.execute("CREATE TABLE gezien (n int PRIMARY KEY)")
    gat, omgekeerd = teller("gat"), teller("omgekeerd")
    runner = ProjectionRunner(Teller(), pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}")
    task = asyncio.create_task(runner.run())

    async def tot(offset: int) -> None:
        for _ in range(300):
            if await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", Teller.name) == offset:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("runner did not catch up")

    with capture_logs() as logs:
        try:
            await tot(3)
            for e in envs[3:]:
                await producer.send_and_wait(topic, e.to_json(), key=e.subject.encode())
            await tot(6)
        finally:
            await producer.stop()
            runner.stop()
            await task
    assert sorted(r["n"] for r in await pool.fetch("SELECT n FROM gezien")) == [1, 2, 3, 4, 9]
    stored = await pool.fetchval("SELECT hoogste FROM volgorde WHERE projection = $1 AND subject = $2",
                                 Teller.name, envs[0].subject)
    await pool.close()
    assert (teller("gat") - gat, teller("omgekeerd") - omgekeerd) == (1, 1)
    lines = [line for line in logs if line["event"] == "volgorde_afwijking"]
    assert sorted(line["kind"] for line in lines) == ["gat", "omgekeerd"], lines
    assert all(envs[0].subject not in str(line) for line in lines), "no pseudonym in the log line"
    assert stored == 4
