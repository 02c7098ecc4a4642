"""registratie SIGKILLed while it handles batch submissions (reliability matrix F3).

Four school systems send batches of absences (``POST /v1/afwezigheden/batch``) side by side; each
retries with the SAME Idempotency-Key after a connection error or a 503, as the API asks. registratie
is killed with SIGKILL twice under that load and restarted. Then the outbox sweeper's case is made
certain: the broker is paused, two batches are stored but cannot be published, registratie is killed,
and those clients give up (no retry); only the sweeper (``republish_open``, made short here through
``SWEEPER_INTERVAL_S`` / ``SWEEPER_MIN_AGE_S``) can publish them. Finally every batch is sent once
more with its key, as a school unsure of the outcome would.

Afterwards every acknowledged row is on the regional topic as exactly one event (the same event may
be on the log twice when a publication's outcome was unknown: the same id, dropped by every
consumer), no fact is there under two absence ids, and leerplicht's absence table and telling's
counts hold each row exactly once. Region MC22 (West-Friesland) is used by no other test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.envelope import Envelope
from leerrecht import processes
from leerrecht.kalender import standaard_kalender
from leerrecht.synthetic import synthetic_bsns
from services import ServiceProcess, auth, launch, start_service, wait_ready

REGION = "MC22"
GEMEENTE = "GM0388"  # Enkhuizen
TOPIC = f"leerrecht.regio.{REGION}.events"
PUPILS = 16
CLIENTS = 4
BATCHES_PER_CLIENT = 8
ROWS = 10
ONGEOORLOOFD = {"ONGEOORLOOFD", "TE_LAAT", "LUXE", "ONBEKEND"}


def school_days(n: int) -> list[date]:
    """School days of the school's holiday region (00AP00: midden): registratie refuses others."""
    days = list(standaard_kalender().schooldagen("midden", date(2025, 9, 1), date(2026, 6, 30)))
    assert len(days) >= n
    return days[:n]


def make_batches(bsns: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Distinct (pupil, day) per row, each row with the school system's own absence id. The last two
    batches (the abandoned ones) have no pupil in common: they must not wait for each other's locks."""
    live = CLIENTS * BATCHES_PER_CLIENT
    days = school_days(live * ROWS // PUPILS + 2)
    slots = [(b, d) for d in days[:-2] for b in bsns]
    groups = [slots[n * ROWS:(n + 1) * ROWS] for n in range(live)]
    half = PUPILS // 2
    groups += [[(b, d) for d in days[-2:] for b in bsns[:half]], [(b, d) for d in days[-2:] for b in bsns[half:]]]
    batches = []
    for n, group in enumerate(groups):
        rows = [{"pgn": bsn, "datum": day.isoformat(), "uren": 1.5 if j % 2 else 2,
                 "code": "ZIEK" if (n + j) % 3 else "ONGEOORLOOFD", "afwezigheid_id": str(uuid.uuid4())}
                for j, (bsn, day) in enumerate(group)]
        batches.append((f"f3-batch-{n:03d}", rows))
    return batches


class Registratie:
    """The registratie process, restarted on the same port after a SIGKILL (the clients keep its URL)."""

    def __init__(self, svc: ServiceProcess) -> None:
        self.svc = svc
        self.kills = 0

    def kill_and_restart(self, before_restart: Any = None) -> None:
        self.svc.proc.send_signal(signal.SIGKILL)
        self.svc.proc.wait()
        self.kills += 1
        if before_restart is not None:
            before_restart()
        port = int(self.svc.url.rsplit(":", 1)[1])
        self.svc = processes.launch("registratie", self.svc.env, self.svc.log, port=port)
        wait_ready(self.svc)


def send(url: str, key: str, rows: list[dict[str, Any]], retry: bool, deadline: float) -> dict[str, Any] | None:
    """One school system's submission: retried with the same key until acknowledged (or given up)."""
    while time.monotonic() < deadline:
        try:
            r = httpx.post(f"{url}/v1/afwezigheden/batch", headers={**auth("school"), "Idempotency-Key": key},
                           json={"rijen": rows}, timeout=20)
        except httpx.TransportError:
            if not retry:
                return None
            time.sleep(0.3)
            continue
        if r.status_code == 503:
            if not retry:
                return None
            time.sleep(0.3)
            continue
        assert r.status_code == 207, f"{key}: {r.status_code} {r.text[:300]}"
        body: dict[str, Any] = r.json()
        return body
    raise AssertionError(f"{key} not acknowledged in time")


async def log_of(bootstrap: str) -> list[Envelope]:
    """Every envelope on the regional topic, from offset 0 to the end offsets taken now."""
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        for _ in range(100):  # without a group every partition is assigned once the metadata is in
            if consumer.assignment():
                break
            await asyncio.sleep(0.1)
        parts = sorted(consumer.assignment())
        ends = await consumer.end_offsets(parts)
        out: list[Envelope] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all([await consumer.position(tp) >= ends[tp] for tp in parts]):
                break
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out += [Envelope.from_json(r.value) for r in records]
        return out
    finally:
        await consumer.stop()


async def query(db: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(db)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what}: not reached within {timeout:.0f}s")


@pytest.mark.infra
def test_sigkill_registratie_during_batches_keeps_every_acknowledged_row_exactly_once(infra) -> None:  # type: ignore[no-untyped-def]
    if infra.kafka is None:
        pytest.skip("needs a Kafka broker that this test run started and may pause")
    reg_db, lp_db, tel_db = (infra.database_url(p) for p in ("f3reg", "f3lp", "f3tel"))
    reg = Registratie(start_service("registratie", infra.bootstrap, reg_db, REGIONS=REGION, INTAKE_TIMEOUT_S="5",
                                    DAGTAAK_INTERVAL_S="0", SWEEPER_INTERVAL_S="1", SWEEPER_MIN_AGE_S="6"))
    lp = launch("leerplicht", infra.bootstrap, lp_db, REGION=REGION)
    tel = launch("telling", infra.bootstrap, tel_db)
    kafka_pid = int(infra.kafka.pid_file.read_text())
    bsns = synthetic_bsns(PUPILS, start=8300)
    try:
        for i, pgn in enumerate(bsns):
            r = httpx.post(f"{reg.svc.url}/v1/inschrijvingen",
                           headers={**auth("school"), "Idempotency-Key": f"f3-ins-{i}"},
                           json={"pgn": pgn, "geboortedatum": "2013-06-01", "woongemeente": GEMEENTE,
                                 "school": "00AP00", "ingangsdatum": "2025-08-25"}, timeout=30)
            assert r.status_code == 201, r.text
        batches = make_batches(bsns)
        live, abandoned = batches[:-2], batches[-2:]
        acknowledged: dict[str, dict[str, Any]] = {}
        lock = threading.Lock()

        def client(mine: list[tuple[str, list[dict[str, Any]]]]) -> None:
            for key, rows in mine:
                body = send(reg.svc.url, key, rows, retry=True, deadline=time.monotonic() + 120)
                assert body is not None
                with lock:
                    acknowledged[key] = body

        def killer() -> None:
            for threshold in (5, 16):
                wait_for(lambda t=threshold: len(acknowledged) >= t, 120, f"{threshold} batches acknowledged")
                reg.kill_and_restart()

        with ThreadPoolExecutor(max_workers=CLIENTS + 1) as pool:
            futures = [pool.submit(client, live[c::CLIENTS]) for c in range(CLIENTS)]
            futures.append(pool.submit(killer))
            for f in futures:
                f.result()
        assert reg.kills == 2 and len(acknowledged) == len(live)

        # The sweeper's case: stored, not published (broker paused), registratie killed, client gone.
        os.kill(kafka_pid, signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                gone = [pool.submit(send, reg.svc.url, key, rows, False, time.monotonic() + 60)
                        for key, rows in abandoned]
                keys = [k for k, _ in abandoned]
                wait_for(lambda: len(asyncio.run(query(
                    reg_db, "SELECT 1 FROM intake_verzoek WHERE sleutel = ANY($1) AND status = 'open'", keys))) == 2,
                    30, "both abandoned batches stored")
                reg.kill_and_restart(before_restart=lambda: os.kill(kafka_pid, signal.SIGCONT))
                assert [f.result() for f in gone] == [None, None], "those clients saw no answer and gave up"
        finally:
            os.kill(kafka_pid, signal.SIGCONT)
        wait_for(lambda: len(asyncio.run(query(
            reg_db, "SELECT 1 FROM intake_verzoek WHERE sleutel = ANY($1) AND status = 'gepubliceerd'", keys))) == 2,
            60, "the sweeper published the abandoned batches")

        # a school unsure of the outcome sends everything again with the same keys: nothing new
        for key, rows in batches:
            body = send(reg.svc.url, key, rows, retry=True, deadline=time.monotonic() + 60)
            assert body is not None
            if key in acknowledged:
                assert body == acknowledged[key], "a replay answers the stored result"
            assert all(r["status"] == 201 for r in body["resultaten"]), body
        assert not asyncio.run(query(reg_db, "SELECT 1 FROM intake_verzoek WHERE status = 'open'"))

        expected = {row["afwezigheid_id"]: row for _, rows in batches for row in rows}
        envelopes = [e for e in asyncio.run(log_of(infra.bootstrap)) if e.type.endswith("afwezigheid_geregistreerd")]
        ids: dict[str, set[str]] = {}
        facts: Counter[tuple[str, str, str]] = Counter()
        for env in envelopes:
            ids.setdefault(str(env.data["afwezigheid_id"]), set()).add(str(env.id))
        for env in {e.id: e for e in envelopes}.values():
            facts[(env.subject, str(env.data["datum"]), str(env.data["code"]))] += 1
        assert sorted(ids) == sorted(expected), "every acknowledged row on the log, nothing else"
        assert all(len(v) == 1 for v in ids.values()), "a row is one event: a retry republishes the same id"
        assert max(facts.values()) == 1, "no fact under two absence ids"

        wait_ready(lp)

        def projected() -> list[str]:
            return [str(r[0]) for r in asyncio.run(query(lp_db, "SELECT afwezigheid_id FROM afwezigheid"))]

        wait_for(lambda: len(projected()) >= len(expected), 60, "leerplicht projected every row")
        assert sorted(projected()) == sorted(expected)

        wait_ready(tel)
        uren = {s: sum((Decimal(str(r["uren"])) for r in expected.values()
                        if (r["code"] in ONGEOORLOOFD) == (s == "ongeoorloofd")), Decimal(0))
                for s in ("geoorloofd", "ongeoorloofd")}
        want = {"afwezigheid.registraties": Decimal(len(expected)),
                "afwezigheid.uren.geoorloofd": uren["geoorloofd"],
                "afwezigheid.uren.ongeoorloofd": uren["ongeoorloofd"]}

        def telling() -> dict[str, Decimal]:
            return {r["indicator"]: Decimal(r["waarde"]) for r in asyncio.run(query(
                tel_db, "SELECT indicator, waarde FROM cijfer WHERE gebied = $1 AND periode = '2025-2026' "
                        "AND uitsplitsing = '' AND indicator = ANY($2)", REGION, list(want)))}

        wait_for(lambda: telling().get("afwezigheid.registraties", 0) >= len(expected), 60, "telling counted")
        assert telling() == want
    finally:
        os.kill(kafka_pid, signal.SIGCONT)
        tel.stop()
        lp.stop()
        reg.svc.stop()
