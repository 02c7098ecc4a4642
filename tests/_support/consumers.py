"""Helpers for the projection tests: produce test events, run crash_consumer.py as a process,
and read back how often each event was applied."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.kafka import EventPublisher, OutgoingEvent, TopicSpec, ensure_topics

CONSUMER = Path(__file__).resolve().parents[1] / "leerrecht" / "crash_consumer.py"
N_EVENTS = 1500


async def produce(bootstrap: str, topic: str, n: int, partitions: int = 3) -> None:
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions, {"retention.ms": "-1"})])
    pub = EventPublisher(bootstrap, client_id="crash-test")
    await pub.start()
    try:
        corr = uuid7()
        events = [
            OutgoingEvent(
                topic,
                Envelope(
                    type="nl.leerrecht.test.geteld",
                    source="urn:nl:leerrecht:test",
                    time=utcnow(),
                    subject=f"p{i % 97}",
                    schema_version=1,
                    correlation_id=corr,
                    data={"i": i},
                ),
            )
            for i in range(n)
        ]
        await pub.publish(events)
    finally:
        await pub.stop()


def start_consumer(bootstrap: str, db: str, topic: str, group: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(CONSUMER), bootstrap, db, topic, group, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def applied_state(db: str) -> tuple[int, int, int]:
    """(distinct events applied, events applied more than once, total counter)."""
    conn = await asyncpg.connect(db)
    try:
        exists = await conn.fetchval("SELECT to_regclass('applied') IS NOT NULL")
        if not exists:
            return 0, 0, 0
        distinct = await conn.fetchval("SELECT count(*) FROM applied")
        doubles = await conn.fetchval("SELECT count(*) FROM applied WHERE times > 1")
        total = await conn.fetchval("SELECT n FROM total WHERE id = 1")
        return int(distinct), int(doubles), int(total)
    finally:
        await conn.close()


async def wait_for_total(db: str, expected: int, timeout: float = 60) -> tuple[int, int, int]:
    deadline = time.monotonic() + timeout
    state = (0, 0, 0)
    while time.monotonic() < deadline:
        state = await applied_state(db)
        if state[0] >= expected:
            return state
        await asyncio.sleep(0.2)
    return state


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()




async def dead_letters(bootstrap: str, topic: str, at_least: int) -> list[Any]:
    """The records on ``topic``'s dead-letter topic, read from the start until at least ``at_least`` came
    (or about ten seconds passed: the caller's assertion then names what is missing)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic + ".dlq", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"read-{topic}")
    await consumer.start()
    records: list[Any] = []
    try:
        for _ in range(20):
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs]
            if len(records) >= at_least:
                break
    finally:
        await consumer.stop()
    return records
