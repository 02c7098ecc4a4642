"""``python -m telling`` as a real process: it creates the count topic, folds the log, serves the
figures with disclosure control, publishes the count stream, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from tl_scenario import AMS, PERSONEN, SCENARIO
from wachten import eventually

from contracts.catalogue import decode
from leerrecht.kafka import EventPublisher, OutgoingEvent, TopicSpec, ensure_topics
from services import auth, launch, wait_ready

JAAR = "2025-2026"



async def _produce(bootstrap: str, topics: dict[str, str]) -> None:
    await ensure_topics(bootstrap, [TopicSpec(t, 3, {"retention.ms": "-1"}) for t in topics.values()])
    pub = EventPublisher(bootstrap, client_id="telling-service-test")
    await pub.start()
    try:
        await pub.publish([OutgoingEvent(topics[s.region], s.envelope()) for s in SCENARIO])
    finally:
        await pub.stop()


async def _count_records(bootstrap: str, topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[bytes] = []
        while True:
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                return out
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out += [r.value for r in records]
    finally:
        await consumer.stop()


@pytest.mark.infra
def test_the_service_process_end_to_end(infra) -> None:  # type: ignore[no-untyped-def]
    run = f"s{uuid.uuid4().hex[:8]}"
    topics = {r: f"{run}.leerrecht.regio.{r}.events" for r in ("MC21", "MC29")}
    count_topic = f"{run}.telling.cijfers"
    asyncio.run(_produce(infra.bootstrap, topics))
    svc = launch("telling", infra.bootstrap, infra.database_url("tels"),
                 TELLING_EVENT_PATTERN=rf"^{run}\.leerrecht\.regio\.MC\d\d\.events$",
                 TELLING_COUNT_TOPIC=count_topic, TELLING_CONSUMER_GROUP=f"{run}.telling",
                 TELLING_PUBLISH_INTERVAL_S="0.3", PROJECTION_BATCH_SIZE="5")
    try:
        wait_ready(svc)

        def form() -> dict[str, Any] | None:
            r = httpx.get(f"{svc.url}/v1/leerplichttelling/{AMS}/{JAAR}", headers=auth("analist"))
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body if sum(body["positie"].values()) >= len(SCENARIO) else None

        body = eventually(form)
        assert body["telling"]["thuiszitters"] == {"waarde": None, "weergave": "<10", "onderdrukt": True}
        records = eventually(lambda: asyncio.run(_count_records(infra.bootstrap, count_topic)))
        for raw in records:
            assert not any(p.encode() in raw for p in PERSONEN)
            decode(raw)
        r = httpx.get(f"{svc.url}/v1/cijfers", params={"gebied": "NL"}, headers=auth("analist"))
        assert r.status_code == 200 and {c["indicator"] for c in r.json()["cijfers"]} >= {"thuiszitters", "lrv"}
    finally:
        code = svc.stop()
    logs = svc.logs()
    assert code in (0, -15), logs[-3000:]  # uvicorn re-raises SIGTERM after its graceful shutdown
    assert "projection_stopped" in logs and "cijferstroom_gestopt" in logs, logs[-3000:]
    assert not any(p in logs for p in PERSONEN), "a pseudonym in the service log"
