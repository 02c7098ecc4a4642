"""Observability on a running service (issue 17 point 5): ``/metrics`` of leerplicht on its metrics port
(``METRICS_PORT``, not the public one), run as a process
on the real Kafka and PostgreSQL, shows its consumer lag per partition move when a burst lands on its
region's topic (up, then back to 0 once applied), batch sizes and apply times, and HTTP latency by
route template with the status, never the raw path (it would hold a pseudonym).

Region MC45 (a code of its own, outside the region table: no other test counts its topic): the burst
is this test's own.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from service_projections import Producer, afwezigheid, end_offsets, envelope, passed, pseudoniem
from wachten import wait_until

from contracts.topics import all_topic_specs, region_events_topic
from leerrecht.kafka import ensure_topics
from services import auth, start_service

REGION = "MC45"
TOPIC = region_events_topic(REGION)
BURST = 6000


def samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [(s.labels, s.value) for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == name]


def lag(text: str) -> dict[str, float]:
    """leerplicht's lag on this region's events topic, per partition."""
    return {labels["partition"]: value for labels, value in samples(text, "leerrecht_consumer_lag")
            if labels["projection"] == "leerplicht" and labels["topic"] == TOPIC}


@pytest.mark.infra
async def test_metrics_show_the_consumer_lag_move_and_http_by_route(infra) -> None:  # type: ignore[no-untyped-def]
    await ensure_topics(infra.bootstrap, all_topic_specs([REGION]))
    db = await infra.adatabase_url("metrics_lag")
    svc = await asyncio.to_thread(start_service, "leerplicht", infra.bootstrap, db, REGION=REGION)
    try:
        async with httpx.AsyncClient(base_url=svc.url, timeout=10) as client, \
                httpx.AsyncClient(base_url=svc.metrics_url, timeout=10) as prometheus:
            async def scrape() -> str:
                r = await prometheus.get("/metrics")
                assert r.status_code == 200
                return r.text

            # the metrics are on their own port only: the public port (the ingress's) does not serve them
            assert svc.metrics_url and svc.metrics_url != svc.url
            assert (await client.get("/metrics")).status_code == 404
            assert (await prometheus.get("/v1/dossiers")).status_code == 404

            async def caught_up() -> bool:
                seen = lag(await scrape())
                return len(seen) == 3 and all(v == 0 for v in seen.values())

            await wait_until(caught_up, 60, "a lag of 0 on every partition of the region's topic")

            highest = 0.0
            stop = asyncio.Event()

            async def watch() -> None:
                nonlocal highest
                while not stop.is_set():
                    highest = max(highest, sum(lag(await scrape()).values()))
                    await asyncio.sleep(0.1)

            watcher = asyncio.create_task(watch())
            try:
                async with Producer(infra.bootstrap) as producer:
                    await producer.send_many(TOPIC, [
                        (envelope(afwezigheid(), s, REGION).to_json(), s)
                        for s in (pseudoniem() for _ in range(BURST))
                    ])
                ends = await end_offsets(infra.bootstrap, TOPIC)
                conn = await asyncpg.connect(db)
                try:
                    await wait_until(lambda: passed(conn, "leerplicht", TOPIC, ends), 120,
                                     "leerplicht applied the burst")
                finally:
                    await conn.close()
                await wait_until(caught_up, 30, "the lag back at 0 after the burst")
            finally:
                stop.set()
                await watcher
            assert highest > 0, "the lag never rose while the burst was being applied"

            text = await scrape()
            batches = dict((labels["projection"], v)
                           for labels, v in samples(text, "leerrecht_projection_batch_records_sum"))
            assert batches.get("leerplicht", 0) >= BURST
            applies = dict((labels["projection"], v)
                           for labels, v in samples(text, "leerrecht_projection_apply_seconds_count"))
            assert applies.get("leerplicht", 0) > 0

            # HTTP by route template and status; the pseudonym in the path is not in the metrics
            iemand = pseudoniem()
            r = await client.get(f"/v1/leerlingen/{iemand}/afwezigheid", headers=auth("lp_MC28"))
            assert r.status_code == 403  # another region's officer
            text = await scrape()
            http = samples(text, "leerrecht_http_request_duration_seconds_count")
            assert any(labels["route"] == "/v1/leerlingen/{pseudoniem}/afwezigheid" and labels["status"] == "403"
                       and labels["method"] == "GET" and v >= 1 for labels, v in http), http
            assert iemand not in text and iemand.split(":")[1] not in text
    finally:
        started = time.monotonic()
        await asyncio.to_thread(svc.stop)
        assert time.monotonic() - started < 60
