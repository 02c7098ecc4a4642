"""The benchmark's simplest correct intake (:mod:`benchmarks.referentie_intake`), on real Kafka and PostgreSQL:
it does what it claims to (token, validation naming the field, one transaction, a repeated key neither stored
nor sent again, a pseudonym and never the BSN on the log, the 2xx after the acks). Why a test: its rate is
the floor the intake's ratios are read against; a reference that skipped a rule would flatter it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from benchlog import ROOT, met_benchmarks

from leerrecht import processes
from leerrecht.synthetic import synthetic_bsns

pytestmark = pytest.mark.infra


async def test_the_reference_intake_checks_stores_once_and_publishes_pseudonyms(infra: Any, tmp_path: Path) -> None:
    met_benchmarks()
    from benchmarks.referentie_intake import TOPIC

    token = uuid.uuid4().hex
    dsn = await infra.adatabase_url("refintake")
    svc = processes.launch("benchmarks.referentie_intake", {
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap, "DATABASE_URL": dsn, "API_TOKEN": token,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'services'}"}, log=tmp_path / "ref.log")
    bsns = synthetic_bsns(3)
    try:
        processes.wait_ready(svc)
        kop = {"Authorization": f"Bearer {token}"}
        rij = {"pgn": bsns[0], "datum": "2025-09-01", "uren": 2.5, "code": "ZIEK"}
        async with httpx.AsyncClient(base_url=svc.url, timeout=30) as c:
            assert (await c.post("/v1/afwezigheden", json=rij, headers={"Idempotency-Key": "a"})).status_code == 401
            slecht = await c.post("/v1/afwezigheden", json={**rij, "uren": 25}, headers={**kop, "Idempotency-Key": "b"})
            assert slecht.status_code == 422 and "uren" in slecht.text
            zonder = await c.post("/v1/afwezigheden", json=rij, headers=kop)
            assert zonder.status_code == 422 and "idempotency-key" in zonder.text.lower()
            eerst = await c.post("/v1/afwezigheden", json=rij, headers={**kop, "Idempotency-Key": "c"})
            nogmaals = await c.post("/v1/afwezigheden", json=rij, headers={**kop, "Idempotency-Key": "c"})
            assert (eerst.status_code, nogmaals.status_code) == (201, 200)
            rijen = [{**rij, "pgn": b} for b in bsns[1:]]
            r = await c.post("/v1/afwezigheden/batch", json={"rijen": rijen}, headers={**kop, "Idempotency-Key": "d"})
            assert r.status_code == 207 and r.json()["opgeslagen"] == 2
    finally:
        svc.stop()
    conn = await asyncpg.connect(dsn)
    try:
        opgeslagen = await conn.fetch("SELECT pseudoniem FROM ref_afwezigheid")
    finally:
        await conn.close()
    assert len(opgeslagen) == 3 and not {r["pseudoniem"] for r in opgeslagen} & set(bsns)
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest",
                                group_id=f"t-{uuid.uuid4().hex[:6]}", enable_auto_commit=False)
    await consumer.start()
    records: list[Any] = []
    try:
        while len(records) < 3:
            batches = await consumer.getmany(timeout_ms=3000)
            if not batches:
                break
            for rs in batches.values():
                records += rs
    finally:
        await consumer.stop()
    assert len(records) == 3, "every stored row published once, the repeated key not again"
    assert not any(b.encode() in r.value or b.encode() in (r.key or b"") for r in records for b in bsns)
