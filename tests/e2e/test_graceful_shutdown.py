"""SIGTERM: a service finishes its batch, commits and exits; after a restart nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pytest

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import utcnow, uuid7
from contracts.events.base import School
from contracts.events.registratie import AfwezigheidGeregistreerd
from contracts.topics import all_topic_specs, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent, ensure_topics
from services import start_service

N = 8000


async def publish_absences(bootstrap: str, n: int) -> None:
    topic = region_events_topic("MC01")
    await ensure_topics(bootstrap, [s for s in all_topic_specs(["MC01"]) if s.name == topic])
    pub = EventPublisher(bootstrap, client_id="shutdown-test")
    await pub.start()
    try:
        corr = uuid7()
        events = []
        for i in range(n):
            ev = AfwezigheidGeregistreerd(
                afwezigheid_id=uuid.uuid4(), school=School(brin="00AP", vestiging="00"),
                datum=date(2024, 9, 2) + timedelta(days=i % 50), uren=Decimal("1.5"),
                eenheid=UrenEenheid.KLOKUUR, code=AfwezigheidCode.ZIEK,
            )
            env = to_envelope(ev, subject=f"k1:shutdowntest{i % 300:012d}", source="urn:nl:leerrecht:test",
                              occurred_at=utcnow(), correlation_id=corr, region="MC01")
            events.append(OutgoingEvent(topic, env))
        await pub.publish(events)
    finally:
        await pub.stop()


async def count(db: str) -> int:
    conn = await asyncpg.connect(db)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM afwezigheid"))
    finally:
        await conn.close()


@pytest.mark.infra
def test_sigterm_finishes_the_batch_and_exits_cleanly(infra) -> None:  # type: ignore[no-untyped-def]
    db = infra.database_url("shutdown")
    svc = start_service("leerplicht", infra.bootstrap, db, REGION="MC01", PROJECTION_BATCH_SIZE="500")
    asyncio.run(publish_absences(infra.bootstrap, N))
    t0 = time.monotonic()
    rc = svc.stop()
    # uvicorn re-raises the captured SIGTERM after its graceful shutdown: exit by that signal
    assert rc in (0, -signal.SIGTERM), svc.logs()[-2000:]
    assert time.monotonic() - t0 < 15, "graceful shutdown must not hang"
    assert '"projection_stopped"' in svc.logs()
    svc = start_service("leerplicht", infra.bootstrap, db, REGION="MC01", PROJECTION_BATCH_SIZE="500")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and asyncio.run(count(db)) < N:
            time.sleep(0.3)
        assert asyncio.run(count(db)) == N
    finally:
        svc.stop()
