"""The runner skips the event types a projection does not handle (issue 16, the runner's fifth lever).

A projection that declares ``handles`` receives only those types. The runner does not build the
envelope of the others, does not record their ids in ``applied_event`` (they change nothing; a
redelivery changes nothing either) and still numbers them in ``volgorde`` (reliability matrix F8):
their numbers advance the pupil's highest number, so a filtered projection reports no false gap; a
gap is reported whatever the types around it; a reordering only for a handled event. A record that is
not JSON or not an envelope is still dead-lettered, whatever type it claims.

Real Kafka and PostgreSQL, in-process runner.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from consumers import dead_letters
from structlog.testing import capture_logs
from wachten import wait_until

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, ensure_topics
from leerrecht.metrics import SEQUENCE_ANOMALIES
from leerrecht.projection import Delivered, PoisonEvent, ProjectionRunner

GEZIEN = "nl.leerrecht.test.gezien"
GENEGEERD = "nl.leerrecht.test.genegeerd"


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 1, {"retention.ms": "-1"}


class Gefilterd:
    name = "overslaan-test"
    handles = frozenset({GEZIEN})

    def __init__(self) -> None:
        self.types: list[str] = []

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        self.types += [e.envelope.type for e in events]
        await conn.executemany("INSERT INTO gezien (n) VALUES ($1)", [(e.envelope.data["n"],) for e in events])


def envelope(n: int, type_: str, seq: int | None, subject: str, eid: uuid.UUID | None = None) -> Envelope:
    return Envelope(id=eid or uuid7(), type=type_, source="urn:nl:leerrecht:test", time=utcnow(), subject=subject,
                    schema_version=1, correlation_id=uuid7(), data={"n": n}, subject_sequence=seq)


def teller(kind: str) -> float:
    return SEQUENCE_ANOMALIES.labels(projection=Gefilterd.name, kind=kind)._value.get()  # type: ignore[no-any-return]


@pytest.mark.infra

async def _bij(pool: asyncpg.Pool, projectie: str, offset: int) -> None:
    """Wait until the runner's checkpoint reached ``offset`` (every record read, skipped ones included)."""
    async def klaar() -> bool:
        return await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", projectie) == offset
    await wait_until(klaar, timeout=30, what="runner caught up")

async def test_ignored_types_are_numbered_but_neither_deduped_nor_applied(infra) -> None:  # type: ignore[no-untyped-def]
    topic = f"overslaan.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic), _Topic(topic + ".dlq")])
    a, b, c, d = (f"{x}-pseudoniem-0123456789abcdef" for x in "abcd")
    genegeerd_twee = envelope(2, GENEGEERD, 2, b)
    gezien_twee = envelope(12, GEZIEN, 2, d)
    envs = [
        # a: handled 1, ignored 2 and 3, handled 4: no gap (the ignored numbers count)
        envelope(1, GEZIEN, 1, a), envelope(2, GENEGEERD, 2, a), envelope(3, GENEGEERD, 3, a),
        envelope(4, GEZIEN, 4, a),
        # b: ignored 1, 2, then 2 again at a new offset (a re-publish): no anomaly
        envelope(1, GENEGEERD, 1, b), genegeerd_twee, genegeerd_twee,
        # c: ignored 1, then handled 3: a gap, though its neighbour is ignored
        envelope(1, GENEGEERD, 1, c), envelope(13, GEZIEN, 3, c),
        # d: handled 1, ignored 3, then handled 2: a gap (at the ignored one) and a handled reordering
        envelope(11, GEZIEN, 1, d), envelope(3, GENEGEERD, 3, d), gezien_twee,
    ]
    values = [e.to_json() for e in envs]
    # not JSON, and JSON of an ignored type that is no envelope (no subject): both dead-lettered as before
    values.append(b'{"type":"' + GENEGEERD.encode() + b'", not json')
    values.append(b'{"specversion":"1.0","id":"' + str(uuid7()).encode() + b'","type":"' + GENEGEERD.encode()
                  + b'","data":{}}')
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for v in values:
            await producer.send_and_wait(topic, v, key=b"k")
    finally:
        await producer.stop()

    pool = await create_pool(await infra.adatabase_url("overslaan"))
    await migrate(pool, "leerrecht")
    await pool.execute("CREATE TABLE gezien (n int PRIMARY KEY)")
    dlq = EventPublisher(infra.bootstrap, client_id="overslaan-test")
    await dlq.start()
    gat, omgekeerd = teller("gat"), teller("omgekeerd")
    projection = Gefilterd()
    runner = ProjectionRunner(projection, pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                              dead_letters=dlq)
    task = asyncio.create_task(runner.run())
    with capture_logs() as logs:
        try:
            await _bij(pool, Gefilterd.name, len(values))
        finally:
            runner.stop()
            await task
            await dlq.stop()
    try:
        applied = {r["event_id"] for r in await pool.fetch(
            "SELECT event_id FROM applied_event WHERE projection = $1", Gefilterd.name)}
        hoogste = {r["subject"]: r["hoogste"] for r in await pool.fetch(
            "SELECT subject, hoogste FROM volgorde WHERE projection = $1", Gefilterd.name)}
        gezien = sorted(r["n"] for r in await pool.fetch("SELECT n FROM gezien"))
    finally:
        await pool.close()

    assert applied == {e.id for e in envs if e.type == GEZIEN}, "only the handled types' ids are recorded"
    assert projection.types == [GEZIEN] * 5, "only handled types reach apply"
    assert gezien == [1, 4, 11, 12, 13]
    assert hoogste == {a: 4, b: 2, c: 3, d: 3}, "ignored events' numbers advance the highest number"
    lines = [(line["kind"], line["event_id"]) for line in logs if line["event"] == "volgorde_afwijking"]
    assert sorted(lines) == sorted([("gat", str(envs[8].id)), ("gat", str(envs[10].id)),
                                    ("omgekeerd", str(gezien_twee.id))]), lines
    assert (teller("gat") - gat, teller("omgekeerd") - omgekeerd) == (2, 1)
    assert runner.stats.dead_lettered == 2

    records = await dead_letters(infra.bootstrap, topic, 2)
    assert sorted(int(dict(r.headers)["dlq.origin.offset"]) for r in records) == [len(envs), len(envs) + 1]
    assert all(dict(r.headers)["dlq.reason"].startswith(b"undecodable envelope") for r in records)


class MetGif(Gefilterd):
    name = "overslaan-isolatie"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        if any(e.envelope.data["n"] == 3 for e in events):
            raise PoisonEvent("n = 3")
        await super().apply(conn, events)


@pytest.mark.infra
async def test_skipped_records_are_numbered_when_a_batch_is_isolated(infra) -> None:  # type: ignore[no-untyped-def]
    """A poison event makes the runner apply the batch one event at a time (and dead-letter it): the
    skipped records before, between and after are numbered on the way. The dead-lettered event's own
    number is not recorded (as before this change), so the number after it is the one gap reported."""
    topic = f"overslaan.{uuid.uuid4().hex[:8]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic), _Topic(topic + ".dlq")])
    s = "e-pseudoniem-0123456789abcdef"
    soorten = [GEZIEN, GENEGEERD, GEZIEN, GENEGEERD, GEZIEN, GENEGEERD, GENEGEERD]
    envs = [envelope(n, t, n, s) for n, t in enumerate(soorten, start=1)]
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, envelope(0, GENEGEERD, None, "ander-0123456789abcdef").to_json(), key=b"k")
        batch = producer.create_batch()
        for e in envs:  # one batch: the poison isolates the rest of it
            batch.append(key=b"k", value=e.to_json(), timestamp=None)
        await producer.send_batch(batch, topic, partition=0)
        await producer.flush()
    finally:
        await producer.stop()

    pool = await create_pool(await infra.adatabase_url("overslaan_isolatie"))
    await migrate(pool, "leerrecht")
    await pool.execute("CREATE TABLE gezien (n int PRIMARY KEY)")
    dlq = EventPublisher(infra.bootstrap, client_id="overslaan-isolatie")
    await dlq.start()
    gat = SEQUENCE_ANOMALIES.labels(projection=MetGif.name, kind="gat")._value.get()
    runner = ProjectionRunner(MetGif(), pool, infra.bootstrap, topics=[topic], group_id=f"g-{topic}",
                              dead_letters=dlq, max_retries=1)
    task = asyncio.create_task(runner.run())
    with capture_logs() as logs:
        try:
            await _bij(pool, MetGif.name, len(envs) + 1)
        finally:
            runner.stop()
            await task
            await dlq.stop()
    try:
        hoogste = await pool.fetchval("SELECT hoogste FROM volgorde WHERE projection = $1 AND subject = $2",
                                      MetGif.name, s)
        gezien = sorted(r["n"] for r in await pool.fetch("SELECT n FROM gezien"))
        applied = {r["event_id"] for r in await pool.fetch(
            "SELECT event_id FROM applied_event WHERE projection = $1", MetGif.name)}
    finally:
        await pool.close()
    assert gezien == [1, 5]
    assert applied == {envs[0].id, envs[4].id}
    assert runner.stats.dead_lettered == 1
    assert hoogste == 7
    lines = [(line["kind"], line["event_id"]) for line in logs if line["event"] == "volgorde_afwijking"]
    assert lines == [("gat", str(envs[3].id))], lines
    assert SEQUENCE_ANOMALIES.labels(projection=MetGif.name, kind="gat")._value.get() == gat + 1
