"""Scale-out and replay on real Kafka and PostgreSQL, on a synthetic log of 20,000 events
(:mod:`telling.proeflog`: all event kinds, four regions, moves between them, late recordings).

* Two telling instances in one consumer group split the partitions and, writing to the same database,
  give exactly the figures (and history) of one instance reading everything: the hash of the live
  figures equals the hash of a rebuild from offset 0 by a single instance.
* Where that holds and why: both instances write one set of figures because they share the database;
  a person who moved has events on two topics that may be held by different instances, and the
  person's ``leerling_feiten`` row lock serialises them (without it one instance would overwrite the
  other's facts). Cells shared by everyone are upserted in sorted order under row locks, so concurrent
  batches add up instead of deadlocking. The count stream has one publisher at a time (advisory lock).

The 1M-event version of the replay check is ``python -m benchmarks.rebuild --events 1000000``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from telling import proeflog
from telling.config import TellingSettings
from telling.rebuild import rebuild
from telling.runner import TellingRunner, count_topics
from telling.tabellen import beveilig, inhoud_hash, lees_tabellen

from contracts.catalogue import decode
from contracts.events.telling import CijferBijgewerkt
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, TopicSpec, ensure_topics

N = 20_000
REGIOS = ("MC01", "MC21", "MC29", "MC36")


@dataclass
class Schaal:
    settings: TellingSettings
    pool: asyncpg.Pool
    runners: list[TellingRunner]
    produced: int
    duur: float


async def _stand(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = 'telling'"))


@pytest.fixture(scope="module")
async def schaal(infra) -> AsyncIterator[Schaal]:  # type: ignore[no-untyped-def]
    run = f"x{uuid.uuid4().hex[:8]}"
    settings = TellingSettings(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap, DATABASE_URL=await infra.adatabase_url("tsc"),
        TELLING_EVENT_PATTERN=rf"^{run}\.leerrecht\.regio\.MC\d\d\.events$",
        TELLING_COUNT_TOPIC=f"{run}.telling.cijfers", TELLING_CONSUMER_GROUP=f"{run}.telling",
        PROJECTION_BATCH_SIZE="500", TELLING_PUBLISH_INTERVAL_S="0.3",
    )
    log = proeflog.maak(N, regios=REGIOS, seed=11)
    topic = f"{run}.leerrecht.regio.{{}}.events".format
    # moves go to any region: every topic the log names exists before the instances subscribe
    await ensure_topics(infra.bootstrap, [TopicSpec(topic(r), 3, {"retention.ms": "-1"})
                                          for r in sorted({r.regio for r in log.regels})]
                        + count_topics(settings.count_topic))
    pool = await create_pool(settings.database_url)
    await migrate(pool, "telling")
    publishers = [EventPublisher(infra.bootstrap, client_id=f"telling-schaal-{i}") for i in range(2)]
    for p in publishers:
        await p.start()
    runners = [TellingRunner(pool, settings, p) for p in publishers]
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        deadline = time.monotonic() + 60
        while not all(r._assigned for r in runners):  # both in the group before the log arrives
            assert time.monotonic() < deadline, "the two instances did not share the partitions"
            await asyncio.sleep(0.2)
        t0 = time.monotonic()
        per_topic = await proeflog.publiceer(infra.bootstrap, log, topic)
        assert sum(per_topic.values()) == N and len(per_topic) > len(REGIOS)
        deadline = time.monotonic() + 120
        while await _stand(pool) < N:
            for t in tasks:
                if t.done():
                    t.result()
            assert time.monotonic() < deadline, f"niet klaar: {await _stand(pool)}/{N}"
            await asyncio.sleep(0.2)
        duur = time.monotonic() - t0
        async with pool.acquire() as conn:  # the count stream drains its outbox
            while await conn.fetchval("SELECT count(*) FROM cijfer_gewijzigd"):
                assert time.monotonic() < deadline + 30
                await asyncio.sleep(0.2)
        yield Schaal(settings, pool, runners, N, duur)
    finally:
        for r in runners:
            r.stop()
        await asyncio.wait(tasks, timeout=30)
        for p in publishers:
            await p.stop()
        await pool.close()


@pytest.mark.infra
async def test_two_instances_split_the_partitions_and_nothing_is_lost(schaal: Schaal) -> None:
    a, b = schaal.runners
    assert a.stats.applied > 0 and b.stats.applied > 0, "both instances must have had partitions"
    # every record was seen once; the second copy of a move (same event id on the new region's topic)
    # is skipped by the id dedupe
    gezien = sum(r.stats.applied + r.stats.skipped for r in schaal.runners)
    assert gezien == schaal.produced
    assert sum(r.stats.dead_lettered for r in schaal.runners) == 0
    async with schaal.pool.acquire() as conn:
        dubbel = await conn.fetchval("SELECT count(*) - count(DISTINCT event_id) FROM applied_event")
        assert dubbel == 0
        verschil = await conn.fetchval(
            "SELECT count(*) FROM cijfer c LEFT JOIN (SELECT indicator, gebied, periode, uitsplitsing, "
            "sum(mutatie) AS som FROM cel_historie GROUP BY 1, 2, 3, 4) h "
            "USING (indicator, gebied, periode, uitsplitsing) "
            "WHERE c.waarde <> coalesce(h.som, 0)")
        assert verschil == 0, "the as-of history must add up to the live figures"
        negatief = await conn.fetchval("SELECT count(*) FROM cijfer WHERE waarde < 0")
        assert negatief == 0
    print(f"\n2 instances: {schaal.produced} events in {schaal.duur:.1f}s "
          f"({schaal.produced / schaal.duur:,.0f} ev/s); applied {a.stats.applied} + {b.stats.applied}")


@pytest.mark.infra
async def test_rebuild_by_one_instance_gives_the_hash_of_the_two(schaal: Schaal) -> None:
    async with schaal.pool.acquire() as conn:
        live, n = await inhoud_hash(conn)
        personen = await conn.fetchval("SELECT count(*) FROM leerling_feiten WHERE dagen <> '{}'")
    assert n > 1000 and personen > 100
    meldingen: list[str] = []
    _, rebuilt, m = await rebuild(schaal.settings, f"rb_{uuid.uuid4().hex[:8]}", timeout=120,
                                  meld=meldingen.append)
    assert (rebuilt, m) == (live, n), meldingen[-3:]


@pytest.mark.infra
async def test_rebuild_over_two_processes_gives_the_same_hash(schaal: Schaal) -> None:
    """issue 16: a worker process joins the rebuild's group on the same schema; Kafka splits the
    partitions, and the figures and their history are those of one process."""
    async with schaal.pool.acquire() as conn:
        live, n = await inhoud_hash(conn)
    meldingen: list[str] = []
    schema = f"rb_{uuid.uuid4().hex[:8]}"
    _, rebuilt, m = await rebuild(schaal.settings, schema, timeout=180, meld=meldingen.append, processen=2)
    assert (rebuilt, m) == (live, n), meldingen[-3:]
    assert "2 processen" in meldingen[0]


@pytest.mark.infra
async def test_one_transaction_per_fetch_not_per_partition(schaal: Schaal) -> None:
    """issue 16: telling's runner applies everything one fetch brought over 3 partitions of many topics
    in one transaction (telling.bundel): far fewer transactions than partition batches."""
    batches = sum(r.stats.batches for r in schaal.runners)
    partitiebatches = sum(r.partitiebatches for r in schaal.runners)
    # every transaction moved the checkpoints of several partitions on average
    assert partitiebatches >= 3 * batches, (partitiebatches, batches)


async def _stroom(bootstrap: str, topic: str) -> dict[str, CijferBijgewerkt]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        laatste: dict[str, CijferBijgewerkt] = {}
        n = 0
        while any([await consumer.position(tp) < ends[tp] for tp in tps]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for rec in records:
                    env, event = decode(rec.value)
                    assert isinstance(event, CijferBijgewerkt)
                    laatste[env.subject] = event
                    n += 1
        laatste["__aantal__"] = n  # type: ignore[assignment]
        return laatste
    finally:
        await consumer.stop()


@pytest.mark.infra
async def test_the_count_stream_of_two_publishers_ends_at_the_published_figures(schaal: Schaal) -> None:
    """Both instances run a publisher on the shared outbox; the advisory lock lets one work at a time,
    so the compacted topic's latest value per cell is what the API shows the public."""
    laatste: dict[str, Any] = await _stroom(schaal.settings.kafka_bootstrap_servers, schaal.settings.count_topic)
    assert laatste.pop("__aantal__") == sum(r.stroom.published for r in schaal.runners)
    paren = [("relatief_verzuim", "2024-2025"), ("relatief_verzuim", "2025-2026"), ("thuiszitters", "2025-2026")]
    async with schaal.pool.acquire() as conn:
        tabellen = await lees_tabellen(conn, paren)
    gecontroleerd = 0
    for (indicator, periode), tabel in tabellen.items():
        for gebied, shown in beveilig(tabel).items():
            ev = laatste[f"{indicator}|schooljaar:{periode}|{gebied}|*|*"]
            assert (ev.waarde, ev.onderdrukt) == (shown.waarde, shown.onderdrukt), (indicator, gebied)
            gecontroleerd += 1
    assert gecontroleerd > 20


@pytest.mark.infra
async def test_two_batches_of_one_person_on_two_connections_wait_for_each_other(infra) -> None:  # type: ignore[no-untyped-def]
    """The lost update the person lock prevents: instance A folds P6's LRV report (region MC21) while
    instance B folds its end date (MC29, after the move). B must wait for A's commit and fold on top of
    A's facts; otherwise B would store facts without the report and the LRV would vanish."""
    from datetime import date

    from telling.projection import TellingProjection
    from tl_scenario import SCENARIO, p

    from contracts.events import registratie
    from leerrecht.projection import Delivered

    pool = await create_pool(await infra.adatabase_url("tsl"))
    await migrate(pool, "telling")
    p6 = [s for s in SCENARIO if s.subject == p(6)]
    melding = next(s for s in p6 if isinstance(s.event, registratie.MeldingGeregistreerd))
    einde = next(s for s in p6 if isinstance(s.event, registratie.MeldingEinddatumVastgesteld))
    projectie = TellingProjection()
    try:
        async with pool.acquire() as a, pool.acquire() as b:
            ta = a.transaction()
            await ta.start()
            await projectie.apply(a, [Delivered(melding.envelope(), "MC21", 0, 0)])

            async def tweede() -> None:
                async with b.transaction():
                    await projectie.apply(b, [Delivered(einde.envelope(), "MC29", 0, 0)])

            task = asyncio.create_task(tweede())
            await asyncio.sleep(0.5)
            assert not task.done(), "B must wait for A's lock on the person"
            await ta.commit()
            await asyncio.wait_for(task, 10)
            feiten = await a.fetchval("SELECT dagen::text FROM leerling_feiten WHERE pseudoniem = $1", p(6))
            rijen = await a.fetch("SELECT indicator, gebied, waarde FROM cijfer WHERE periode = '2025-2026' "
                                  "AND indicator IN ('lrv', 'lrv_langer_dan_3_maanden') AND gebied = 'NL' "
                                  "AND uitsplitsing = ''")
    finally:
        await pool.close()
    # the report's parts, on their two registratiedagen: nothing of A's batch was lost
    dagen = json.loads(feiten)
    assert sorted(dagen) == ["2025-12-01", "2026-03-02"]
    [registratie_dag] = dagen["2025-12-01"]["meldingen"].values()
    [einde_dag] = dagen["2026-03-02"]["meldingen"].values()
    assert registratie_dag["soort"] == "LRV" and einde_dag["einddatum_vastgesteld"] == date(2026, 3, 2).isoformat()
    assert {r["indicator"]: int(r["waarde"]) for r in rijen} == {"lrv": 1, "lrv_langer_dan_3_maanden": 1}
