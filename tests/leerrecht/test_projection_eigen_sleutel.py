"""Types idempotent by their own key are not recorded in ``applied_event`` (issue 16).

Why: recording the event id of every absence was a fifth of PostgreSQL's work per absence in leerplicht,
for a guarantee the absence row's own key (``afwezigheid_id``) already gives. A projection names such
types (``eigen_sleutel``, :data:`leerrecht.projection.EIGEN_SLEUTEL`). On real Kafka and PostgreSQL:
an event of such a type re-published at a new offset reaches ``apply`` again and changes nothing, its
id is never recorded, and its repeated number is not reported as a reordering; an event of another
type is still deduplicated by id; a gap in the numbers is still reported whatever the type.
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
from leerrecht.projection import Delivered, ProjectionRunner, eigen_sleutel_types

EIGEN = "nl.leerrecht.test.eigen"
ANDER = "nl.leerrecht.test.ander"
SUBJECT = "pseudoniem-0123456789abcdef"


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 1, {"retention.ms": "-1"}


class Sleutels:
    """A row per event keyed by ``data.k``: EIGEN idempotent by that key, ANDER a plain insert (a second
    apply of it fails the batch). Every call to ``apply`` is counted per event."""

    name = "eigen-sleutel-test"
    handles = frozenset({EIGEN, ANDER})
    eigen_sleutel = frozenset({EIGEN})

    def __init__(self) -> None:
        self.aangeboden: list[int] = []

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        self.aangeboden += [e.envelope.data["k"] for e in events]
        for e in events:
            slot = " ON CONFLICT DO NOTHING" if e.envelope.type == EIGEN else ""
            await conn.execute(f"INSERT INTO rij (k) VALUES ($1){slot}", e.envelope.data["k"])


def envelope(soort: str, k: int, seq: int) -> Envelope:
    return Envelope(id=uuid7(), type=soort, source="urn:nl:leerrecht:test", time=utcnow(), subject=SUBJECT,
                    schema_version=1, correlation_id=uuid7(), data={"k": k}, subject_sequence=seq)


@pytest.mark.infra
async def test_a_republished_event_of_an_idempotent_type_changes_nothing_and_is_no_reordering(infra) -> None:  # type: ignore[no-untyped-def]
    topic = f"eigen.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic)])
    eigen, ander = envelope(EIGEN, 1, 1), envelope(ANDER, 2, 2)
    # re-published at new offsets (a producer's retry), then a gap: 3 is never sent
    envs = [eigen, ander, eigen, ander, envelope(EIGEN, 4, 4)]
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    pool = await create_pool(await infra.adatabase_url("eigen"))
    await migrate(pool, "leerrecht")
    await pool.execute("CREATE TABLE rij (k int PRIMARY KEY)")
    projectie = Sleutels()
    runner = ProjectionRunner(projectie, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}")
    task = asyncio.create_task(runner.run())

    async def tot(offset: int) -> None:
        for _ in range(300):
            if task.done():
                task.result()
            if await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", Sleutels.name) == offset:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("runner did not catch up")

    with capture_logs() as logs:
        try:
            for i, e in enumerate(envs):  # one batch each: the repeats are found against what is stored
                await producer.send_and_wait(topic, e.to_json(), key=e.subject.encode())
                await tot(i + 1)
        finally:
            await producer.stop()
            runner.stop()
            await task
    rijen = sorted(r["k"] for r in await pool.fetch("SELECT k FROM rij"))
    vastgelegd = {r["event_id"] for r in await pool.fetch(
        "SELECT event_id FROM applied_event WHERE projection = $1", Sleutels.name)}
    await pool.close()
    assert projectie.aangeboden == [1, 2, 1, 4], "the idempotent type again, the other deduplicated by id"
    assert rijen == [1, 2, 4], "the repeat changed nothing"
    assert vastgelegd == {ander.id}, "only the other type's id is recorded"
    soorten = [line["kind"] for line in logs if line["event"] == "volgorde_afwijking"]
    assert soorten == ["gat"], "the gap (4 where 3 was expected) is reported, the repeat of 1 is not"


def test_eigen_sleutel_must_name_handled_types() -> None:
    class Fout:
        name = "fout"
        handles = frozenset({ANDER})
        eigen_sleutel = frozenset({EIGEN})

    with pytest.raises(TypeError, match="eigen_sleutel"):
        eigen_sleutel_types(Fout())
    assert eigen_sleutel_types(Sleutels()) == {EIGEN}
