"""PostgreSQL paused under the intake (reliability matrix F13, with the F3 guarantee).

SIGSTOP freezes the database (every backend of the test run's own server) for longer than the
intake timeout. The school must get 503 with Retry-After within the timeout, not a hanging request
and never a 2xx; after SIGCONT the same submission (same key) is accepted, and the event exists
exactly once on the region topic.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Envelope
from leerrecht.synthetic import synthetic_bsns
from services import auth, start_service

TOPIC = "leerrecht.regio.MC10.events"  # IJssel-Vecht: no other test uses it


async def events_for(bootstrap: str, afwezigheid_id: str) -> int:
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    n = 0
    try:
        for _ in range(6):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    env = Envelope.from_json(r.value)
                    n += env.data.get("afwezigheid_id") == afwezigheid_id
    finally:
        await consumer.stop()
    return n


@pytest.mark.infra
def test_paused_database_gives_503_in_time_and_the_retry_is_recorded_once(infra) -> None:  # type: ignore[no-untyped-def]
    if infra.postgres is None:
        pytest.skip("needs a PostgreSQL server that this test run started and may pause")
    reg = start_service("registratie", infra.bootstrap, infra.database_url("outage"), REGIONS="MC10",
                        INTAKE_TIMEOUT_S="3", DAGTAAK_INTERVAL_S="0")
    pgn = synthetic_bsns(1, start=7000)[0]
    try:
        r = httpx.post(f"{reg.url}/v1/inschrijvingen", headers={**auth("school"), "Idempotency-Key": "outage-ins-1"},
                       json={"pgn": pgn, "geboortedatum": "2013-02-03", "woongemeente": "GM0166",  # Kampen (MC10)
                             "school": "00AP00", "ingangsdatum": "2025-08-25"})
        assert r.status_code == 201, r.text
        afwezigheid_id = str(uuid.uuid4())
        body = {"pgn": pgn, "datum": "2025-09-15", "uren": 2, "code": "ZIEK", "afwezigheid_id": afwezigheid_id}
        headers = {**auth("school"), "Idempotency-Key": "outage-afw-1"}
        infra.postgres.pause()
        try:
            t0 = time.monotonic()
            paused = httpx.post(f"{reg.url}/v1/afwezigheden", headers=headers, json=body, timeout=30)
            elapsed = time.monotonic() - t0
        finally:
            infra.postgres.resume()
        assert paused.status_code == 503, paused.text
        assert paused.headers.get("Retry-After")
        assert elapsed < 8, f"the intake must fail fast, took {elapsed:.1f}s"
        retry = httpx.post(f"{reg.url}/v1/afwezigheden", headers=headers, json=body, timeout=30)
        assert retry.status_code in (200, 201), retry.text
        again = httpx.post(f"{reg.url}/v1/afwezigheden", headers=headers, json=body, timeout=30)
        assert again.status_code == 200
        assert asyncio.run(events_for(infra.bootstrap, afwezigheid_id)) == 1
    finally:
        reg.stop()
