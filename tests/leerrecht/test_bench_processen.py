"""The benchmark's multi-process runs (:mod:`benchmarks.processen`), on real Kafka and PostgreSQL: two
runner processes in one consumer group pass every record of the topic once (the checkpoints add up to
the topic's length), and the raw limit of as many processes reads the topic. Why a test: ``make bench``
goes on past a failing step and the summary then shows the figure as "not measured", so a broken
worker would only be noticed as a missing row."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from leerrecht.db import create_pool, migrate
from leerrecht.kafka import ensure_topics

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[2]


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, 3, {"retention.ms": "-1"}


async def test_two_runner_processes_pass_every_record_once_and_the_raw_limit_is_measured(infra: Any) -> None:
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))  # appended: the repository's ``services`` must not shadow the test helpers
    from registratie.projection import MeldingStatusProjection

    from benchmarks.__main__ import make_regio_events
    from benchmarks.processen import gemeten, raw_gemeten

    topic = f"bench.processen.{uuid.uuid4().hex[:6]}"
    await ensure_topics(infra.bootstrap, [_Topic(topic)])
    records = make_regio_events(400)
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()

    url = await infra.adatabase_url("benchproc")
    pool = await create_pool(url)
    try:
        await migrate(pool, "registratie")
    finally:
        await pool.close()
    m = await gemeten("registratie_meldingstatus", url, infra.bootstrap, topic, len(records), 100, 2,
                      f"test-{uuid.uuid4().hex[:6]}", 3)
    assert m.ev_s > 0 and m.ev_s_geheel > 0 and 0 <= m.voor_stabiel <= len(records)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT partition, next_offset FROM checkpoint WHERE topic = $1", topic)
        gezien = await conn.fetchval("SELECT count(*) FROM applied_event")
    finally:
        await conn.close()
    assert sorted(r["partition"] for r in rows) == [0, 1, 2]
    assert sum(r["next_offset"] for r in rows) == len(records)
    behandeld = [v for _, v in records if any(f'"type":"{t}"'.encode() in v for t in MeldingStatusProjection.handles)]
    assert behandeld and gezien == len(behandeld), "each handled event applied once, none of the skipped recorded"
    assert await raw_gemeten(infra.bootstrap, topic, len(records), 2, 3) > 0
