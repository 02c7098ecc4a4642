"""EventPublisher fills record batches per partition (no per-record ``send``): what it returns and what
lands on the log must be exactly what ``send`` per record gave: the default partitioner's partition for
the key, per-key order, the (partition, offset) of every event in the order given, the headers."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.partitioner import DefaultPartitioner

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.kafka import EventPublisher, OutgoingEvent, TopicSpec, ensure_topics

pytestmark = pytest.mark.infra


def _event(subject: str, n: int) -> Envelope:
    return Envelope(type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=utcnow(),
                    subject=subject, schema_version=1, correlation_id=uuid7(), data={"n": n, "pad": "x" * 300})


@pytest.mark.parametrize("n", [12, 2400])  # below BATCH_VANAF: send per record; above: own record batches
async def test_a_publish_lands_where_send_would_put_it_in_order(infra, n: int) -> None:  # type: ignore[no-untyped-def]
    a, b = f"pb.a.{uuid.uuid4().hex[:6]}", f"pb.b.{uuid.uuid4().hex[:6]}"
    await ensure_topics(infra.bootstrap, [TopicSpec(a, 3, {}), TopicSpec(b, 2, {})])
    subjects = [f"k1:pupil{i:04d}abcdefgh" for i in range(40)]
    # 2,400 records of ~700 bytes: several 256 KiB batches per partition; two topics in one publish
    events = [OutgoingEvent(a if i % 3 else b, _event(subjects[i % 40], i)) for i in range(n)]
    events.append(OutgoingEvent(a, _event(subjects[0], 9999), key="andere-sleutel", headers=[("x-extra", b"1")]))
    pub = EventPublisher(infra.bootstrap, client_id="pb-test")
    await pub.start()
    try:
        acks = await pub.publish(events, timeout=60)
        assert await pub.publish([]) == []
    finally:
        await pub.stop()

    assert len(acks) == len(events)
    partitioner = DefaultPartitioner()
    for ev, (partition, _) in zip(events, acks, strict=True):
        n = 3 if ev.topic == a else 2
        assert partition == partitioner(ev.key_bytes(), list(range(n)), list(range(n)))
    assert len(set(zip((e.topic for e in events), acks, strict=True))) == len(events)

    consumer = AIOKafkaConsumer(a, b, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=f"pb-{uuid.uuid4().hex[:6]}")
    await consumer.start()
    read: dict[tuple[str, int, int], tuple[bytes | None, bytes, list[tuple[str, bytes]]]] = {}
    try:
        while len(read) < len(events):
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for r in records:
                    read[(r.topic, r.partition, r.offset)] = (r.key, r.value, list(r.headers))
    finally:
        await consumer.stop()
    for ev, (partition, offset) in zip(events, acks, strict=True):
        key, value, headers = read[(ev.topic, partition, offset)]
        assert key == ev.key_bytes() and value == ev.envelope.to_json()
        assert ("content-type", b"application/cloudevents+json") in headers
        assert all(h in headers for h in ev.headers)
    # per key and topic, offsets rise in the order the events were given
    last: dict[tuple[str, bytes], int] = {}
    for ev, (_, offset) in zip(events, acks, strict=True):
        k = (ev.topic, ev.key_bytes())
        assert offset > last.get(k, -1)
        last[k] = offset
