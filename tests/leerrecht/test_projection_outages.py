"""PostgreSQL stopped hard and restarted under a running projection (reliability matrix F12).

The consumer process keeps running through the outage: its transient errors are retried with
backoff (never dead-lettered), and after the restart it resumes from the offsets stored with its
rows. Every event ends up applied exactly once.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from consumers import applied_state, produce, start_consumer, stop, wait_for_total


@pytest.mark.infra
async def test_postgres_immediate_stop_and_restart_loses_and_doubles_nothing(infra) -> None:  # type: ignore[no-untyped-def]
    if infra.postgres is None:
        pytest.skip("needs a PostgreSQL server that this test run started and may stop")
    topic = f"outage.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("outage")
    await produce(infra.bootstrap, topic, 3000)
    consumer = start_consumer(infra.bootstrap, db, topic, f"g-{topic}", "--batch-size", "50")
    try:
        await wait_for_total(db, 300, timeout=60)
        await asyncio.to_thread(infra.postgres.stop_immediate)
        await produce(infra.bootstrap, topic, 1000)  # the log keeps growing during the outage
        await asyncio.sleep(3)
        assert consumer.poll() is None, "the consumer must survive the database outage"
        await asyncio.to_thread(infra.postgres.start)
        distinct, doubles, total = await wait_for_total(db, 4000, timeout=90)
        await asyncio.sleep(1)
        distinct, doubles, total = await applied_state(db)
    finally:
        stop(consumer)
    log = consumer.stdout.read().decode(errors="replace") if consumer.stdout else ""
    assert (distinct, doubles, total) == (4000, 0, 4000), log[-4000:]
