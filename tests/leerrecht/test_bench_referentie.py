"""The benchmark's reference projections (:mod:`benchmarks.referentie`), on real Kafka and PostgreSQL: each
writes every record of the topic exactly once with its checkpoints in the same transactions, so the floor
it measures is the floor of a correct projection. Why a test: ``make bench`` goes on past a failing step,
and a reference that silently read too little would flatter the machine's floor."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from benchlog import met_benchmarks, regiolog_topic

from leerrecht.db import create_pool
from leerrecht.kafka import TopicSpec, ensure_topics

pytestmark = pytest.mark.infra


async def test_every_reference_projection_writes_each_record_once_with_its_checkpoints(infra: Any) -> None:
    topic, records = await regiolog_topic(infra, "referentie", 300)
    from benchmarks.referentie import SOORTEN, referentie

    assert SOORTEN == ("kaal", "json", "envelop")
    for soort in SOORTEN:
        url = await infra.adatabase_url(f"benchref{soort}")
        pool = await create_pool(url)
        try:
            await referentie(soort, pool, infra.bootstrap, topic, len(records), 100)
        finally:
            await pool.close()
        conn = await asyncpg.connect(url)
        try:
            stand = {r["partition"]: r["next_offset"] for r in await conn.fetch("SELECT * FROM ref_checkpoint")}
            if soort == "kaal":
                rijen = await conn.fetch("SELECT waarde FROM ref_kaal")
                assert sorted(bytes(r["waarde"]) for r in rijen) == sorted(v for _, v in records)
            else:
                ids = await conn.fetch(f"SELECT id::text AS id, type FROM ref_{soort}")
                assert len(ids) == len(records) and len({r["id"] for r in ids}) == len(records)
                assert {r["type"] for r in ids} == {v.split(b'"type":"')[1].split(b'"')[0].decode() for _, v in records}
        finally:
            await conn.close()
        assert sorted(stand) == [0, 1, 2] and sum(stand.values()) == len(records), soort


async def test_the_reference_publisher_sends_every_envelope_keyed_by_its_subject(infra: Any) -> None:
    met_benchmarks()
    from aiokafka import AIOKafkaConsumer

    from benchmarks.__main__ import make_events, produce_keyed
    from benchmarks.referentie import publiceer
    from contracts.envelope import Envelope

    topic = f"bench.refpub.{uuid.uuid4().hex[:6]}"
    await ensure_topics(infra.bootstrap, [TopicSpec(topic, 3, {"retention.ms": "-1"})])
    envs = [Envelope.from_json(v) for v in make_events(250)]
    await publiceer(infra.bootstrap, topic, envs, produce_keyed)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest",
                                group_id=f"t-{uuid.uuid4().hex[:6]}", enable_auto_commit=False)
    await consumer.start()
    gelezen: list[tuple[bytes, bytes]] = []
    koppen = set()
    try:
        while len(gelezen) < len(envs):
            for records in (await consumer.getmany(timeout_ms=2000)).values():
                gelezen += [(r.key, r.value) for r in records]
                koppen |= {tuple(r.headers) for r in records}
    finally:
        await consumer.stop()
    assert sorted(gelezen) == sorted((e.subject.encode(), e.to_json()) for e in envs)
    assert koppen == {(("content-type", b"application/cloudevents+json"),)}, "the binding's structured mode"
