"""The Kafka broker killed and restarted under steady intake (reliability matrix F10).

Schools keep submitting absences while the only broker is SIGKILLed and restarted. During the
outage the intake answers 503 (never 2xx without a broker ack); clients retry with the same key, as
the API asks. Afterwards every acknowledged absence is on the log as one event (a retry may
re-publish the same event id) and in the regional leerplicht projection exactly once (the runner
drops a re-published event id). Region MC13 (Achterhoek) is used by no other test.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Envelope
from leerrecht.synthetic import synthetic_bsns
from services import auth, start_service, wait_ready

TOPIC = "leerrecht.regio.MC13.events"
PUPILS = 10
REQUESTS = 240


async def absences_on_log(bootstrap: str) -> dict[str, set[str]]:
    """afwezigheid_id → the event ids carrying it. A record may be on the log twice when a producer
    retry's outcome was unknown (no Kafka transactions: see notes); it must be the same event."""
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    ids: dict[str, set[str]] = {}
    try:
        for _ in range(8):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    env = Envelope.from_json(r.value)
                    if env.type.endswith("afwezigheid_geregistreerd"):
                        ids.setdefault(str(env.data["afwezigheid_id"]), set()).add(str(env.id))
    finally:
        await consumer.stop()
    return ids


async def projected(db: str) -> list[str]:
    conn = await asyncpg.connect(db)
    try:
        return [str(r[0]) for r in await conn.fetch("SELECT afwezigheid_id FROM afwezigheid")]
    finally:
        await conn.close()


@pytest.mark.infra
def test_broker_restart_under_intake_loses_and_doubles_nothing(infra) -> None:  # type: ignore[no-untyped-def]
    if infra.kafka is None:
        pytest.skip("needs a Kafka broker that this test run started and may kill")
    reg = start_service("registratie", infra.bootstrap, infra.database_url("f10reg"), REGIONS="MC13",
                        INTAKE_TIMEOUT_S="5", DAGTAAK_INTERVAL_S="0")
    lp_db = infra.database_url("f10lp")
    lp = start_service("leerplicht", infra.bootstrap, lp_db, REGION="MC13")
    bsns = synthetic_bsns(PUPILS, start=8000)
    try:
        for i, pgn in enumerate(bsns):
            r = httpx.post(f"{reg.url}/v1/inschrijvingen",
                           headers={**auth("school"), "Idempotency-Key": f"f10-ins-{i}"},
                           json={"pgn": pgn, "geboortedatum": "2012-06-01", "woongemeente": "GM0197",
                                 "school": "00AP00", "ingangsdatum": "2025-08-25"})
            assert r.status_code == 201, r.text
        days = [f"2025-09-{d:02d}" for d in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26,
                                             29, 30)]
        requests = [
            # one fact per pupil, day and code (domain.md A2): past PUPILS * len(days) requests the
            # days come round again, under another code, so that every request is a new absence
            (f"f10-afw-{n:04d}", {"pgn": bsns[n % PUPILS], "datum": days[(n // PUPILS) % len(days)], "uren": 0.5,
                                  "code": ("ZIEK", "TE_LAAT")[n // (PUPILS * len(days))],
                                  "afwezigheid_id": str(uuid.uuid4())})
            for n in range(REQUESTS)
        ]
        answers: dict[str, int] = {}

        def submit(item: tuple[str, dict[str, object]]) -> None:
            key, body = item
            r = httpx.post(f"{reg.url}/v1/afwezigheden", headers={**auth("school"), "Idempotency-Key": key},
                           json=body, timeout=30)
            answers[key] = r.status_code
            assert r.status_code in (200, 201, 503), r.text

        with ThreadPoolExecutor(max_workers=4) as pool:
            first, second = requests[:REQUESTS // 2], requests[REQUESTS // 2:]
            list(pool.map(submit, first[:40]))
            killer = pool.submit(lambda: (infra.kafka.kill(), time.sleep(3), infra.kafka.start()))
            list(pool.map(submit, first[40:] + second))
            killer.result()
        refused = [k for k, status in answers.items() if status == 503]
        # clients retry what was not confirmed, with the same key (Retry-After)
        deadline = time.monotonic() + 90
        while refused and time.monotonic() < deadline:
            time.sleep(1)
            for key, body in [r for r in requests if r[0] in refused]:
                submit((key, body))
            refused = [k for k, status in answers.items() if status == 503]
        assert not refused, f"{len(refused)} submissions never confirmed after the broker came back"
        wait_ready(lp)
        expected = sorted(str(b["afwezigheid_id"]) for _, b in requests)
        on_log = asyncio.run(absences_on_log(infra.bootstrap))
        assert sorted(on_log) == expected, "every confirmed absence is on the log"
        assert all(len(ids) == 1 for ids in on_log.values()), "a retry republishes the same event, never a new one"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(asyncio.run(projected(lp_db))) < REQUESTS:
            time.sleep(0.5)
        assert sorted(asyncio.run(projected(lp_db))) == expected
    finally:
        lp.stop()
        reg.stop()
        if infra.kafka is not None:
            infra.kafka.start()  # whatever happened above, leave a running broker for the next tests


