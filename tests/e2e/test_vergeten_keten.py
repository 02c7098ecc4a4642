"""Erasure end to end (issue 14 point 7; domain.md B): forget a pupil, replay every service from
offset 0, then look for the pupil everywhere.

One pupil with a recognisable BSN, name and leerlingnummer is enrolled at registratie and flows
through every service of region MC36 (Noord-Oost-Brabant, no other end-to-end test writes there):
absences over the 16-hour threshold, the school's report, an officer taking it in at leerplicht, an
un-enrolment without startkwalificatie that gives rmc a file, telling's figures. Before the erasure
the scan below finds the pupil (so the scan can see what it looks for). Then beheer "vergeet
leerling"; every service is replayed from offset 0 — leerplicht, rmc, telling and registratie as
fresh processes on fresh databases, and telling's own ``python -m telling rebuild`` beside the live
figures — and every topic's raw bytes (keys, values, headers), every table of every database
(``pg_dump --data-only``) and every service's log output are scanned for the BSN, the name and the
leerlingnummer. None may be found. The pseudonym may remain on the event log: that is by design.

The identity topic is compacted: Kafka guarantees the tombstone's effect within the topic's
``max.compaction.lag.ms`` (7 days, :mod:`contracts.topics`), and never in the active segment. The
test cannot wait 7 days, so it shortens that bound on this one topic, rolls the segment with a
second tombstone of the same key, waits for the broker's log cleaner, and restores the contract's
values before any service starts again.

Real Kafka, real PostgreSQL, real service processes.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from leerplicht.domain import nieuw_dossier_id
from wachten import eventually

from contracts.topics import all_topic_specs, identity_topic, region_events_topic
from services import API_TOKENS, ServiceProcess, auth, dev_token, launch, wait_ready

pytestmark = pytest.mark.infra

REGIO = "MC36"
GEMEENTE = "GM0755"  # Boekel
BSN = "583920111"  # passes the elfproef; no other test uses it
VOORNAMEN = "Wilhelmina Quirijntje"
ACHTERNAAM = "Zwanenburg-Oosterhoutsma"
LEERLINGNUMMER = "LLN-QX58392-ZW"
TELEFOON = "+31 6 5839 2011"
NEEDLES = [BSN.encode(), b"Quirijntje", b"Zwanenburg", b"Oosterhoutsma", LEERLINGNUMMER.encode(),
           TELEFOON.encode()]
EVENTS, IDENTITEIT = region_events_topic(REGIO), identity_topic(REGIO)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

_T = {t: dev_token(t) for t in ("t-lp-mc36", "t-rmc-mc36")}
OFFICER = {"Authorization": f"Bearer {_T['t-lp-mc36']}"}
COACH = {"Authorization": f"Bearer {_T['t-rmc-mc36']}"}
TOKENS_ENV = f"{API_TOKENS},{_T['t-lp-mc36']}=officer-36:leerplicht:{REGIO},{_T['t-rmc-mc36']}=coach-36:rmc:{REGIO}"


def telling_env(tag: str) -> dict[str, str]:
    """telling on this region only, with a count stream and group of its own (the suite shares Kafka)."""
    return {"TELLING_EVENT_PATTERN": rf"^leerrecht\.regio\.{REGIO}\.events$",
            "TELLING_COUNT_TOPIC": f"v{tag}.telling.cijfers", "TELLING_CONSUMER_GROUP": f"v{tag}.telling"}


class Platform:
    """Every process started here, stopped ones included: all their logs are scanned."""

    def __init__(self, infra: Any) -> None:
        self.infra = infra
        self.procs: list[ServiceProcess] = []
        self.databases: list[str] = []
        self.extra_logs: list[str] = []

    def start(self, module: str, prefix: str, **env: str) -> ServiceProcess:
        url = self.infra.database_url(prefix)
        self.databases.append(url)
        svc = launch(module, self.infra.bootstrap, url, API_TOKENS=TOKENS_ENV, LOG_JSON="true", **env)
        self.procs.append(svc)
        return svc

    def stop_all(self) -> None:
        for p in self.procs:
            p.stop()


@pytest.fixture(scope="module")
def platform(infra: Any) -> Iterator[Platform]:
    pf = Platform(infra)
    try:
        yield pf
    finally:
        pf.stop_all()


def start_all(pf: Platform, tag: str) -> dict[str, ServiceProcess]:
    procs = {"registratie": pf.start("registratie", "regverg", REGIONS=REGIO, DAGTAAK_INTERVAL_S="0")}
    wait_ready(procs["registratie"])  # creates the region's topics first
    procs["leerplicht"] = pf.start("leerplicht", "lpverg", REGION=REGIO)
    procs["rmc"] = pf.start("rmc", "rmcverg", REGION=REGIO, RMC_UITGAAND_WACHT_S="0.2")
    procs["telling"] = pf.start("telling", "telverg", **telling_env(tag))
    for p in procs.values():
        wait_ready(p)
    return procs


def post(svc: ServiceProcess, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{svc.url}{path}", json=body, headers=headers, timeout=30)


def school(key: str) -> dict[str, str]:
    return {**auth("school"), "Idempotency-Key": f"vergeten-{key}"}


# -- the scans ---------------------------------------------------------------------------------------


async def _topic_bytes(bootstrap: str, only: list[str] | None = None) -> dict[str, bytes]:
    """Every record of every topic on the broker (or of ``only``), from its first offset to its end:
    key, value and headers as raw bytes, per topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = sorted(only or await admin.list_topics())
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    parts = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
    assert {tp.topic for tp in parts} == set(topics), "every topic's partitions are known"
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest", isolation_level="read_uncommitted")
    await consumer.start()
    out: dict[str, list[bytes]] = {t: [] for t in topics}
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        open_parts = {tp for tp in parts if end[tp] > 0}
        deadline = time.monotonic() + 120
        while open_parts and time.monotonic() < deadline:
            batch = await consumer.getmany(*open_parts, timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    headers = b"".join(k.encode() + b"=" + (v or b"") for k, v in (r.headers or ()))
                    out[tp.topic].append((r.key or b"") + b"|" + (r.value or b"") + b"|" + headers)
            for tp in list(open_parts):
                if await consumer.position(tp) >= end[tp]:
                    open_parts.discard(tp)
        assert not open_parts, f"topics not read to their end: {sorted(map(str, open_parts))[:5]}"
    finally:
        await consumer.stop()
    return {t: b"\n".join(v) for t, v in out.items()}


def topic_hits(bootstrap: str) -> list[str]:
    blobs = asyncio.run(_topic_bytes(bootstrap))
    assert EVENTS in blobs and IDENTITEIT in blobs, "the scan must see the region's topics"
    return [f"{t}: {n.decode()}" for t, blob in blobs.items() for n in NEEDLES if n in blob]


def database_dump(url: str) -> str:
    r = subprocess.run(["pg_dump", "--data-only", "--no-owner", url], capture_output=True, text=True, timeout=120,
                       check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


def database_hits(urls: list[str]) -> list[str]:
    """``database/schema.table: needle`` for every needle in a row of a table."""
    hits = []
    for url in urls:
        dump = database_dump(url)
        assert "COPY public.checkpoint" in dump, "the dump must hold the service's tables"
        db, tabel = url.rsplit("/", 1)[1], "?"
        for line in dump.splitlines():
            if line.startswith("COPY "):
                tabel = line.split()[1]
                continue
            hits += [f"{db}/{tabel}: {n.decode()}" for n in NEEDLES if n.decode() in line]
    return hits


def log_hits(pf: Platform) -> list[str]:
    texts = [(p.name, p.logs()) for p in pf.procs] + [("telling rebuild", t) for t in pf.extra_logs]
    return [f"{name}: {n.decode()}" for name, text in texts for n in NEEDLES if n.decode() in text]


# -- helpers on Kafka and the databases --------------------------------------------------------------


async def _end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    parts = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
    assert {tp.topic for tp in parts} == set(topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        return {(tp.topic, tp.partition): o for tp, o in (await consumer.end_offsets(parts)).items()}
    finally:
        await consumer.stop()


async def _caught_up(bootstrap: str, url: str, topics: list[str]) -> bool:
    """Every projection of this database that reads these topics stands at their end."""
    end = await _end_offsets(bootstrap, topics)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT projection, topic, partition, next_offset FROM checkpoint "
                                "WHERE topic = ANY($1::text[])", topics)
    finally:
        await conn.close()
    if not rows:
        return False
    per_projection: dict[str, dict[tuple[str, int], int]] = {}
    for r in rows:
        per_projection.setdefault(r["projection"], {})[(r["topic"], r["partition"])] = r["next_offset"]
    for stand in per_projection.values():
        read = {t for t, _ in stand}
        for (t, p), o in end.items():
            if t in read and o > 0 and stand.get((t, p), 0) < o:
                return False
    return True


def caught_up(bootstrap: str, url: str, topics: list[str]) -> None:
    eventually(lambda: asyncio.run(_caught_up(bootstrap, url, topics)), timeout=120)


async def _fetchval(url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _alter_identity_topic(bootstrap: str, config: dict[str, str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, IDENTITEIT, configs=config)])
    finally:
        await admin.close()


async def _tombstone(bootstrap: str, key: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(IDENTITEIT, key=key, value=None)
    finally:
        await producer.stop()


async def _describe_identity_topic(bootstrap: str) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [resp] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, IDENTITEIT)])
        [(_, _, _, _, entries)] = resp.resources
        return {e[0]: e[1] for e in entries}
    finally:
        await admin.close()


def compact_identity_topic(bootstrap: str, pseudoniem: str) -> None:
    """What the broker does within ``max.compaction.lag.ms`` after a tombstone, made to happen now.

    AlterConfigs replaces a topic's whole configuration, so the contract's is given in full each time,
    and put back afterwards exactly (the services audit it at start, reliability row P6)."""
    [spec] = [s for s in all_topic_specs([REGIO]) if s.name == IDENTITEIT]
    contract = dict(spec.config)
    assert contract["cleanup.policy"] == "compact"
    asyncio.run(_alter_identity_topic(bootstrap, {**contract, "max.compaction.lag.ms": "1000",
                                                  "segment.ms": "1000"}))
    try:
        def compacted() -> bool:
            # a record older than the bound rolls the segment on the next append; the cleaner then
            # compacts every segment but the active one (log.cleaner.backoff.ms 15 s)
            asyncio.run(_tombstone(bootstrap, pseudoniem.encode()))
            blob = asyncio.run(_identity_bytes(bootstrap))
            return not [n for n in NEEDLES if n in blob]

        time.sleep(1.5)
        eventually(compacted, timeout=150, interval=5)
    finally:
        asyncio.run(_alter_identity_topic(bootstrap, contract))
    have = asyncio.run(_describe_identity_topic(bootstrap))
    assert {k: have[k] for k in contract} == contract, "the contract's configuration is back"


async def _identity_bytes(bootstrap: str) -> bytes:
    return (await _topic_bytes(bootstrap, [IDENTITEIT]))[IDENTITEIT]


# -- the test ----------------------------------------------------------------------------------------


def test_a_forgotten_pupil_is_nowhere_after_every_service_replayed_from_offset_0(
    platform: Platform, infra: Any
) -> None:
    pf, bootstrap = platform, infra.bootstrap
    eerst = start_all(pf, "a")
    reg, lp, rmc, tel = eerst["registratie"], eerst["leerplicht"], eerst["rmc"], eerst["telling"]
    vandaag = datetime.now(AMSTERDAM).date().isoformat()

    r = post(reg, "/v1/inschrijvingen", {
        "pgn": BSN, "geboortedatum": "2008-09-15", "woongemeente": GEMEENTE, "school": "00AP00",
        "ingangsdatum": "2025-08-25", "klas": "4H", "leerlingnummer": LEERLINGNUMMER,
        "identiteit": {"voornamen": VOORNAMEN, "achternaam": ACHTERNAAM, "telefoon": TELEFOON},
    }, school("ins"))
    assert r.status_code == 201, r.text
    p = str(r.json()["pseudoniem"])
    for i, dag in enumerate(("2025-11-03", "2025-11-10", "2025-11-17", "2025-11-24")):
        r = post(reg, "/v1/afwezigheden", {"pgn": BSN, "datum": dag, "uren": 4, "code": "ONGEOORLOOFD"},
                 school(f"afw-{i}"))
        assert r.status_code == 201, r.text
    r = post(reg, "/v1/meldingen", {"pgn": BSN, "soort": "ZESTIEN_UUR", "startdatum": "2025-11-03",
                                    "einddatum": "2025-11-24", "uren": 16}, school("mld"))
    assert r.status_code == 201, r.text
    melding_id = r.json()["melding_id"]
    dossier_id = nieuw_dossier_id(uuid.UUID(melding_id))

    # leerplicht: the report arrives, an officer takes it in
    def dossier(svc: ServiceProcess) -> Any:
        r = httpx.get(f"{svc.url}/v1/dossiers/{dossier_id}", headers=OFFICER, timeout=10)
        return r.json() if r.status_code == 200 else None

    d = eventually(lambda: dossier(lp))
    r = post(lp, f"/v1/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling",
             {"expected_version": d["version"], "datum": vandaag}, OFFICER)
    assert r.status_code in (200, 201), r.text

    # the pupil leaves school without a startkwalificatie: the daily run signals rmc
    r = post(reg, "/v1/uitschrijvingen", {"pgn": BSN, "school": "00AP00", "uitschrijfdatum": "2025-12-01",
                                          "reden": "VOORTIJDIG_VERLATEN"}, school("uit"))
    assert r.status_code == 201, r.text
    r = httpx.post(f"{reg.url}/v1/beheer/dagtaak", headers=auth("beheer"), timeout=60)
    assert r.status_code == 200, r.text

    def rmc_file(svc: ServiceProcess) -> Any:
        r = httpx.get(f"{svc.url}/v1/jongeren/{p}", headers=COACH, timeout=10)
        return r.json() if r.status_code == 200 else None

    eventually(lambda: rmc_file(rmc))
    eventually(lambda: asyncio.run(_fetchval(lp.env["DATABASE_URL"],
                                             "SELECT achternaam FROM identiteit WHERE pseudoniem = $1", p))
               == ACHTERNAAM)
    eventually(lambda: asyncio.run(_fetchval(rmc.env["DATABASE_URL"],
                                             "SELECT count(*) FROM identiteit WHERE pseudoniem = $1", p)) == 1)
    for svc in (reg, lp, rmc):
        caught_up(bootstrap, svc.env["DATABASE_URL"], [EVENTS])
    caught_up(bootstrap, tel.env["DATABASE_URL"], [EVENTS])

    # the scan sees the pupil before the erasure, in each kind of place: it can find what it looks for
    assert {h.split(":")[0] for h in topic_hits(bootstrap)} == {IDENTITEIT}, "only the identity topic"
    voor = database_hits(pf.databases)
    for svc, tabel, naald in ((reg, "school_leerling", LEERLINGNUMMER), (lp, "identiteit", "Zwanenburg"),
                              (rmc, "identiteit", "Zwanenburg")):
        plek = f"{svc.env['DATABASE_URL'].rsplit('/', 1)[1]}/public.{tabel}: {naald}"
        assert plek in voor, f"before the erasure the scan finds {plek}; it found {voor}"

    # "vergeet leerling"
    r = post(reg, "/v1/identiteit/vergeten", {"pgn": BSN}, auth("beheer"))
    assert r.status_code == 200, r.text
    assert r.json()["gewist_in"] == [REGIO]
    for svc in (lp, rmc):
        eventually(lambda svc=svc: asyncio.run(_fetchval(
            svc.env["DATABASE_URL"], "SELECT count(*) FROM identiteit WHERE pseudoniem = $1", p)) == 0)
        caught_up(bootstrap, svc.env["DATABASE_URL"], [EVENTS, IDENTITEIT])

    # the broker compacts the identity topic (within max.compaction.lag.ms; here now)
    pf.stop_all()
    compact_identity_topic(bootstrap, p)

    # replay every service from offset 0: telling's rebuild beside its live figures, and every service
    # as a fresh process on a fresh database
    rebuild = subprocess.run([sys.executable, "-m", "telling", "rebuild", "--timeout", "300"],
                             env={**os.environ, **tel.env}, capture_output=True, text=True,
                             timeout=400, check=False)
    pf.extra_logs.append(rebuild.stdout + rebuild.stderr)
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    opnieuw = start_all(pf, "b")
    assert eventually(lambda: dossier(opnieuw["leerplicht"]))["version"] == d["version"] + 1
    eventually(lambda: rmc_file(opnieuw["rmc"]))
    for name, topics in (("registratie", [EVENTS]), ("leerplicht", [EVENTS, IDENTITEIT]),
                         ("rmc", [EVENTS, IDENTITEIT]), ("telling", [EVENTS])):
        caught_up(bootstrap, opnieuw[name].env["DATABASE_URL"], topics)
    pf.stop_all()  # every log line written

    found = topic_hits(bootstrap) + database_hits(pf.databases) + log_hits(pf)
    assert found == [], "the forgotten pupil is still here:\n" + "\n".join(found)
