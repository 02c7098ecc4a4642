"""Crash safety and rebalances of the projection runner, on real Kafka and PostgreSQL.

Each scenario runs the consumer as its own OS process and SIGKILLs it at a precise point: after
the database commit but before the Kafka commit (F1), and inside the transaction before the database
commit (F2). After a restart every event must be applied exactly once. The same scenario run with a
deliberately wrong runner (offsets stored in a separate transaction) must show double effects:
that proves the test can fail.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from contracts.envelope import Envelope, utcnow, uuid7
from leerrecht.kafka import EventPublisher, OutgoingEvent, TopicSpec, ensure_topics

CONSUMER = Path(__file__).with_name("crash_consumer.py")
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


async def crash_then_restart(infra, crash: str, unsafe: bool) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    topic = f"crash.{crash}.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("crash")
    await produce(infra.bootstrap, topic, N_EVENTS)
    group = f"g-{uuid.uuid4().hex[:8]}"
    flags = ["--crash", crash, "--crash-after-batches", "3", "--batch-size", "100"]
    if unsafe:
        flags.append("--unsafe-checkpoint")
    first = start_consumer(infra.bootstrap, db, topic, group, *flags)
    rc = await asyncio.to_thread(first.wait, 60)
    assert rc == -9, f"the consumer should have been SIGKILLed, exit code {rc}: {first.stdout.read()!r}"
    before = await applied_state(db)
    assert before[0] < N_EVENTS, "the crash must happen before everything was applied"
    again = start_consumer(
        infra.bootstrap, db, topic, group, "--batch-size", "100", *(["--unsafe-checkpoint"] if unsafe else [])
    )
    try:
        state = await wait_for_total(db, N_EVENTS)
        await asyncio.sleep(1.0)  # let any wrong re-application show itself
        state = await applied_state(db)
    finally:
        stop(again)
    return state


@pytest.mark.infra
@pytest.mark.parametrize("crash", ["after_db_commit", "before_db_commit"])
async def test_sigkill_then_restart_applies_every_event_exactly_once(infra, crash: str) -> None:  # type: ignore[no-untyped-def]
    distinct, doubles, total = await crash_then_restart(infra, crash, unsafe=False)
    assert distinct == N_EVENTS
    assert doubles == 0
    assert total == N_EVENTS


@pytest.mark.infra
async def test_the_crash_test_catches_offsets_stored_outside_the_transaction(infra) -> None:  # type: ignore[no-untyped-def]
    distinct, doubles, total = await crash_then_restart(infra, "after_db_commit", unsafe=True)
    assert distinct == N_EVENTS
    assert doubles > 0, "a runner that stores offsets outside the row transaction must double-apply"
    assert total > N_EVENTS


@pytest.mark.infra
async def test_rebalance_between_two_consumers_of_one_group(infra) -> None:  # type: ignore[no-untyped-def]
    """A second consumer joins mid-stream and the first leaves: nothing lost, nothing twice (F4)."""
    topic = f"rebalance.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("rebal")
    group = f"g-{uuid.uuid4().hex[:8]}"
    await produce(infra.bootstrap, topic, N_EVENTS, partitions=6)
    a = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "20")
    b = None
    try:
        await wait_for_total(db, 200, timeout=30)
        b = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "20")
        await wait_for_total(db, 700, timeout=30)
        await produce(infra.bootstrap, topic, N_EVENTS, partitions=6)
        stop(a)  # graceful leave: finishes its batch, the group rebalances onto b
        distinct, doubles, total = await wait_for_total(db, 2 * N_EVENTS, timeout=60)
        await asyncio.sleep(1.0)
        distinct, doubles, total = await applied_state(db)
    finally:
        stop(a)
        if b is not None:
            stop(b)
    assert distinct == 2 * N_EVENTS
    assert doubles == 0
    assert total == 2 * N_EVENTS
    conn = await asyncpg.connect(db)
    try:
        parts = await conn.fetchval("SELECT count(DISTINCT part) FROM applied")
        offsets = await conn.fetchval("SELECT sum(next_offset) FROM checkpoint WHERE projection='crashtest'")
    finally:
        await conn.close()
    assert parts == 6
    assert offsets == 2 * N_EVENTS
