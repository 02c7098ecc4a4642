"""Broker failures on a replicated three-broker Kafka cluster under steady intake (issue 17).

The cluster (``leerrecht.localinfra.KafkaCluster``: three brokers and a KRaft controller of their
own, SASL/SCRAM and ACLs as on the single broker) is started by this module for its own tests;
PostgreSQL is the session's. Topics get the contract's replication: 3 replicas, 2 in sync.

* The start-up audit (reliability P6) checks the replication factor and ``min.insync.replicas``
  against the contract.
* registratie takes a steady intake of absences through its API while the leader of the busiest
  partition is SIGKILLed, and then a second broker. With one broker left no partition has two
  replicas in sync: from then on the intake answers 503 with ``Retry-After``, never 2xx. The brokers
  are restarted and the intake accepts again by itself (registratie is not restarted). At the end
  the topic is read back from offset 0: every acknowledged absence is on it, none as two events.

Region MC34 (West-Brabant): the cluster is this module's own, so no other test shares its topics.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from contracts.envelope import Envelope
from contracts.topics import region_events_topic
from leerrecht.kafka import TopicConfigMismatch, TopicSpec, ensure_topics
from leerrecht.localinfra import KafkaCluster, throwaway_kafka_cluster
from leerrecht.synthetic import synthetic_bsns
from services import auth, start_service

REGION = "MC34"
WOONGEMEENTE = "GM0758"  # Breda, in MC34
TOPIC = region_events_topic(REGION)
PUPILS = 20


@pytest.fixture(scope="module")
def cluster() -> Iterator[KafkaCluster]:
    with throwaway_kafka_cluster("leerrecht-cluster-", regions=(REGION,), c1_only=True) as c:
        yield c


async def _describe(bootstrap: str, topics: list[str]) -> tuple[dict[str, list[dict[str, object]]],
                                                                   dict[str, dict[str, str]]]:
    """Partitions (leader, replicas, isr) and configuration of ``topics``; tried again while a killed
    broker is still in the metadata (the admin client may pick it and fail)."""
    for _ in range(20):
        try:
            return await _describe_once(bootstrap, topics)
        except KafkaError:
            await asyncio.sleep(0.5)
    return await _describe_once(bootstrap, topics)


async def _describe_once(bootstrap: str, topics: list[str]) -> tuple[dict[str, list[dict[str, object]]],
                                                                        dict[str, dict[str, str]]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        described = {t["topic"]: t["partitions"] for t in await admin.describe_topics(topics)}
        configs: dict[str, dict[str, str]] = {}
        for response in await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t, configs=None) for t in topics]):
            for _err, _msg, _type, name, entries, *_ in response.resources:
                configs[name] = {e[0]: e[1] for e in entries}
        return described, configs
    finally:
        await admin.close()


def _wait_created(bootstrap: str, name: str) -> None:
    """Metadata reaches the brokers a moment after CreateTopics answered."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(asyncio.run(_describe(bootstrap, [name]))[0].get(name, [])) < 3:
        time.sleep(0.2)


async def _create_raw(bootstrap: str, topic: NewTopic) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([topic])
    finally:
        await admin.close()


@pytest.mark.infra
def test_the_audit_checks_replication_on_the_cluster(cluster: KafkaCluster) -> None:
    """P6: a topic is created with the contract's 3 replicas and 2 in sync; one with a single replica
    or with one in sync stops the service, naming what differs."""
    ok, one_replica, one_in_sync = (f"audit.cl.{uuid.uuid4().hex[:8]}" for _ in range(3))
    spec = lambda name: TopicSpec(name, 3, {"retention.ms": "-1"})  # noqa: E731
    assert asyncio.run(ensure_topics(cluster.bootstrap, [spec(ok)])) == [ok]
    _wait_created(cluster.bootstrap, ok)
    described, configs = asyncio.run(_describe(cluster.bootstrap, [ok]))
    assert {len(p["replicas"]) for p in described[ok]} == {3}  # type: ignore[arg-type]
    assert configs[ok]["min.insync.replicas"] == "2"
    assert asyncio.run(ensure_topics(cluster.bootstrap, [spec(ok)])) == [], "the audit accepts it"

    asyncio.run(_create_raw(cluster.bootstrap, NewTopic(one_replica, 3, 1, topic_configs={"retention.ms": "-1"})))
    asyncio.run(_create_raw(cluster.bootstrap, NewTopic(one_in_sync, 3, 3, topic_configs={
        "retention.ms": "-1", "min.insync.replicas": "1"})))
    for name in (one_replica, one_in_sync):
        _wait_created(cluster.bootstrap, name)
        with pytest.raises(TopicConfigMismatch) as err:
            asyncio.run(ensure_topics(cluster.bootstrap, [spec(name)]))
        assert name in str(err.value)
        assert "verwacht 3 en '2'" in str(err.value)
    with pytest.raises(TopicConfigMismatch, match="replicatiefactor 1"):
        asyncio.run(ensure_topics(cluster.bootstrap, [spec(one_replica)]))
    with pytest.raises(TopicConfigMismatch, match=r"min\.insync\.replicas='1'"):
        asyncio.run(ensure_topics(cluster.bootstrap, [spec(one_in_sync)]))


def _school_days() -> list[str]:
    """Weekdays of September and early October 2025: no holiday in any region before 11 October."""
    day, days = dt.date(2025, 9, 1), []
    while day <= dt.date(2025, 10, 10):
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


@dataclass
class Answer:
    key: str
    started: float
    ended: float
    status: int


class Intake:
    """A steady intake from a few threads: every request a new absence with its own key; 503s are
    retried later with the same key (``retry``), as the API asks."""

    def __init__(self, url: str, bsns: list[str]) -> None:
        self.url = url
        self.requests = {
            f"cl-afw-{n:05d}": {"pgn": pgn, "datum": day, "uren": 0.5, "code": code,
                                "afwezigheid_id": str(uuid.uuid4())}
            for n, (code, day, pgn) in enumerate(itertools.product(("ZIEK", "TE_LAAT"), _school_days(), bsns))
        }
        self._next = iter(list(self.requests))
        self._lock = threading.Lock()
        self.answers: list[Answer] = []
        self.stop = threading.Event()

    def post(self, key: str) -> int:
        t0 = time.monotonic()
        try:
            r = httpx.post(f"{self.url}/v1/afwezigheden", headers={**auth("school"), "Idempotency-Key": key},
                           json=self.requests[key], timeout=30)
            status = r.status_code
            assert status in (200, 201, 503), r.text
            if status == 503:
                assert r.headers.get("Retry-After"), "a 503 says when to retry"
        except httpx.TransportError:
            status = 0
        with self._lock:
            self.answers.append(Answer(key, t0, time.monotonic(), status))
        return status

    def worker(self) -> None:
        while not self.stop.is_set():
            with self._lock:
                key = next(self._next, None)
            if key is None:
                return
            self.post(key)
            time.sleep(0.05)

    def acknowledged(self) -> set[str]:
        with self._lock:
            return {a.key for a in self.answers if 200 <= a.status < 300}

    def started_after(self, t: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.started >= t]

    def wait_for(self, condition: str, predicate: object, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():  # type: ignore[operator]
                return
            time.sleep(0.2)
        pytest.fail(f"not within {timeout:.0f}s: {condition}")


def _live(cluster: KafkaCluster, killed: list[int]) -> str:
    """The PLAINTEXT listeners of the brokers that run."""
    return ",".join(n.bootstrap for n in cluster.nodes if n.node_id not in killed)


def _partitions(bootstrap: str) -> list[dict[str, object]]:
    return asyncio.run(_describe(bootstrap, [TOPIC]))[0].get(TOPIC, [])


async def _end_offsets(bootstrap: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(3)]
        return {tp.partition: off for tp, off in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def absences_on_log(bootstrap: str) -> dict[str, list[str]]:
    """afwezigheid_id → the event ids of its records, read from offset 0 up to the end offsets."""
    ends = await _end_offsets(bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    found: dict[str, list[str]] = {}
    try:
        tps = [TopicPartition(TOPIC, p) for p in ends]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and [tp for tp in tps if await consumer.position(tp) < ends[tp.partition]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    env = Envelope.from_json(r.value)
                    if env.type.endswith("afwezigheid_geregistreerd"):
                        found.setdefault(str(env.data["afwezigheid_id"]), []).append(str(env.id))
    finally:
        await consumer.stop()
    return found


def _in_sync(bootstrap: str) -> list[int]:
    return [len(p["isr"]) for p in _partitions(bootstrap)]  # type: ignore[arg-type]


@pytest.mark.infra
def test_two_brokers_killed_under_intake_lose_and_double_nothing(cluster: KafkaCluster, infra) -> None:  # type: ignore[no-untyped-def]
    t_start = time.monotonic()

    def phase(name: str) -> None:
        print(f"{time.monotonic() - t_start:6.1f}s {name}", flush=True)  # the run's timeline (pytest -s)

    reg = start_service("registratie", cluster.bootstrap, infra.database_url("clreg"), REGIONS=REGION,
                        INTAKE_TIMEOUT_S="4", DAGTAAK_INTERVAL_S="0")
    phase("registratie ready")
    killed: list[int] = []
    try:
        bsns = synthetic_bsns(PUPILS, start=9700)
        for i, pgn in enumerate(bsns):
            for _attempt in range(10):  # a 503 (the first publish on a loaded machine) is retried, same key
                r = httpx.post(f"{reg.url}/v1/inschrijvingen",
                               headers={**auth("school"), "Idempotency-Key": f"cl-ins-{i}"},
                               json={"pgn": pgn, "geboortedatum": "2012-06-01", "woongemeente": WOONGEMEENTE,
                                     "school": "00AP00", "ingangsdatum": "2025-08-25"}, timeout=30)
                if r.status_code != 503:
                    break
                time.sleep(1)
            assert r.status_code == 201, r.text
        phase(f"{PUPILS} pupils enrolled")
        partitions = _partitions(cluster.bootstrap)
        assert {len(p["replicas"]) for p in partitions} == {3}, "the events topic has 3 replicas"  # type: ignore[arg-type]

        intake = Intake(reg.url, bsns)
        with ThreadPoolExecutor(max_workers=4) as pool:
            workers = [pool.submit(intake.worker) for _ in range(4)]
            try:
                intake.wait_for("30 absences acknowledged", lambda: len(intake.acknowledged()) >= 30, 60)

                # 1. SIGKILL the leader of the busiest partition: the intake goes on (2 of 3 in sync)
                ends = asyncio.run(_end_offsets(cluster.bootstrap))
                busiest = max(ends, key=lambda p: ends[p])
                leader = int(next(p["leader"] for p in _partitions(_live(cluster, killed))  # type: ignore[call-overload]
                                  if p["partition"] == busiest))
                phase(f"intake running; SIGKILL broker {leader}, leader of partition {busiest}")
                cluster.kill_broker(leader)
                killed.append(leader)
                t_kill1 = time.monotonic()
                intake.wait_for(
                    "20 absences acknowledged after the leader was killed",
                    lambda: sum(200 <= a.status < 300 for a in intake.started_after(t_kill1)) >= 20, 60)

                # 2. SIGKILL a second broker: one replica left, fewer than min.insync.replicas
                second = next(n.node_id for n in cluster.nodes if n.node_id not in killed)
                phase(f"SIGKILL broker {second}")
                cluster.kill_broker(second)
                killed.append(second)
                intake.wait_for("every partition down to fewer than 2 in-sync replicas",
                                lambda: all(n < 2 for n in _in_sync(_live(cluster, killed))), 30)
                t_shrunk = time.monotonic()
                phase("one replica in sync on every partition")
                intake.wait_for("5 answers to submissions sent with one replica in sync",
                                lambda: len([a for a in intake.started_after(t_shrunk) if a.status]) >= 5, 60)
                during = intake.started_after(t_shrunk)
                assert not [a for a in during if 200 <= a.status < 300], "no 2xx with one replica in sync"
                assert {a.status for a in during} <= {503, 0}, {a.status for a in during}
                assert any(a.status == 503 for a in during)

                # 3. restart both: the intake accepts again by itself
                phase("restarting the brokers")
                with ThreadPoolExecutor(max_workers=2) as starters:
                    list(starters.map(cluster.start_broker, killed))
                killed.clear()
                t_back = time.monotonic()
                phase("brokers up")
                intake.wait_for("an absence acknowledged after the brokers came back",
                                lambda: any(200 <= a.status < 300 for a in intake.started_after(t_back)), 90)
            finally:
                intake.stop.set()
                for w in workers:
                    w.result()

        # 4. clients retry what was not acknowledged, with the same key
        phase(f"intake accepts again; {len(intake.acknowledged())} acknowledged, retrying the rest")
        sent = {a.key for a in intake.answers}
        acknowledged_during_run = intake.acknowledged()
        deadline = time.monotonic() + 90
        open_keys = sent - intake.acknowledged()
        while open_keys and time.monotonic() < deadline:
            for key in sorted(open_keys):
                intake.post(key)
            open_keys = sent - intake.acknowledged()
            if open_keys:
                time.sleep(1)
        assert not open_keys, f"{len(open_keys)} submissions never acknowledged after the brokers came back"

        phase(f"all {len(sent)} acknowledged; reading the topic back")
        on_log = asyncio.run(absences_on_log(cluster.bootstrap))
        expected = {str(intake.requests[k]["afwezigheid_id"]) for k in sent}
        lost = {str(intake.requests[k]["afwezigheid_id"]) for k in acknowledged_during_run} - set(on_log)
        assert not lost, f"{len(lost)} acknowledged absences are not on the log"
        assert set(on_log) == expected, "every submission sent is on the log, nothing else"
        doubled = {a: ids for a, ids in on_log.items() if len(set(ids)) > 1}
        assert not doubled, f"{len(doubled)} absences on the log as more than one event"
    finally:
        for node_id in killed:
            cluster.start_broker(node_id)  # leave a whole cluster to the module's other tests
        reg.stop()
