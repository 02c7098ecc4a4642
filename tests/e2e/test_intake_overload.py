"""Overload of the intake (reliability matrix L2): a burst well above a school's configured rate.

registratie runs as a real process on real Kafka and PostgreSQL with a small per-client token bucket
(``RATE_LIMIT_PER_S``, ``RATE_LIMIT_BURST``). One school fires 120 absences at once. Every answer is
a 201 or a 429 with ``Retry-After`` (never a 5xx); every 201's absence is on the log exactly once, and
nothing refused is on it. Another school is not slowed down by the first. The school then retries
what was refused, with the same keys, after the Retry-After, until everything is accepted: in the
end all 120 absences are on the log exactly once. Region MC19 (Utrecht) is used by no
other test.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Envelope
from leerrecht.synthetic import synthetic_bsns
from services import auth, start_service

pytestmark = pytest.mark.infra
TOPIC = "leerrecht.regio.MC19.events"
PUPILS, REQUESTS, RATE, BURST = 6, 120, 20, 10


async def absences_on_log(bootstrap: str) -> Counter[str]:
    """afwezigheid_id → how many distinct AfwezigheidGeregistreerd events (event ids) on the log carry it.

    Distinct ids: a submission whose broker acknowledgement was lost (the intake timed out after the
    broker had the records) is published again with the same event ids, which every consumer drops;
    what must never appear is a second event for one absence."""
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
    return Counter({a: len(e) for a, e in ids.items()})


def school_days(n: int) -> list[str]:
    out, d = [], date(2026, 9, 1)
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d.isoformat())
        d += timedelta(days=1)
    return out


async def burst(url: str, requests: list[tuple[str, dict[str, Any]]]) -> dict[str, httpx.Response]:
    limits = httpx.Limits(max_connections=len(requests))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        async def one(key: str, body: dict[str, Any]) -> tuple[str, httpx.Response]:
            return key, await client.post("/v1/afwezigheden", json=body,
                                          headers={**auth("school"), "Idempotency-Key": key})
        return dict(await asyncio.gather(*(one(k, b) for k, b in requests)))


def test_a_burst_above_the_rate_gets_429_and_every_accepted_absence_is_kept_once(infra) -> None:  # type: ignore[no-untyped-def]
    reg = start_service("registratie", infra.bootstrap, infra.database_url("l2reg"), REGIONS="MC19",
                        DAGTAAK_INTERVAL_S="0", REGISTRATIE_VANDAAG="2026-11-27",
                        RATE_LIMIT_PER_S=str(RATE), RATE_LIMIT_BURST=str(BURST))
    try:
        bsns = synthetic_bsns(PUPILS, start=9300)
        for i, pgn in enumerate(bsns):  # DUO enrols: its bucket is not the school's
            r = httpx.post(f"{reg.url}/v1/inschrijvingen", headers={**auth("duo"), "Idempotency-Key": f"l2-ins-{i}"},
                           json={"pgn": pgn, "geboortedatum": "2012-06-01", "woongemeente": "GM0312",
                                 "school": "00AP00", "ingangsdatum": "2026-08-24"}, timeout=30)
            assert r.status_code == 201, r.text
        days = school_days(REQUESTS // PUPILS)
        requests = [(f"l2-afw-{n:04d}", {"pgn": bsns[n % PUPILS], "datum": days[n // PUPILS], "uren": 1,
                                         "code": "ZIEK", "afwezigheid_id": str(uuid.uuid4())})
                    for n in range(REQUESTS)]
        bodies = dict(requests)

        answers = asyncio.run(burst(reg.url, requests))
        other_school = httpx.get(f"{reg.url}/v1/school/signalen", headers=auth("school2"), timeout=30)
        statuses = Counter(r.status_code for r in answers.values())
        assert set(statuses) <= {201, 429}, f"only 201 or 429 under overload: {statuses}"
        assert BURST <= statuses[201] < REQUESTS // 2 and statuses[429] > REQUESTS // 2, statuses
        for r in answers.values():
            if r.status_code == 429:
                assert 1 <= int(r.headers["Retry-After"]) <= 5
                assert r.json()["fouten"][0]["regel"] == "te_veel_verzoeken"
        assert other_school.status_code == 200, "the bucket is per client"

        accepted = {k for k, r in answers.items() if r.status_code == 201}
        on_log = asyncio.run(absences_on_log(infra.bootstrap))
        assert sorted(on_log) == sorted(str(bodies[k]["afwezigheid_id"]) for k in accepted), \
            "every accepted absence is on the log, nothing refused is"
        assert set(on_log.values()) == {1}, "exactly once"
        assert all(answers[k].json()["afwezigheid_id"] == bodies[k]["afwezigheid_id"] for k in accepted)

        # the school honours Retry-After and resubmits what was refused, with the same keys
        refused = [k for k in bodies if k not in accepted]
        deadline = time.monotonic() + 60
        while refused and time.monotonic() < deadline:
            wait = max(int(answers[k].headers.get("Retry-After", "1")) for k in refused)
            time.sleep(wait)
            answers.update(asyncio.run(burst(reg.url, [(k, bodies[k]) for k in refused])))
            assert {answers[k].status_code for k in refused} <= {201, 429}
            refused = [k for k in refused if answers[k].status_code != 201]
        assert not refused, f"{len(refused)} absences never accepted"
        on_log = asyncio.run(absences_on_log(infra.bootstrap))
        assert sorted(on_log) == sorted(str(b["afwezigheid_id"]) for b in bodies.values())
        assert set(on_log.values()) == {1}, "every absence exactly once, retries included"
        assert "Traceback" not in reg.logs()
    finally:
        reg.stop()
