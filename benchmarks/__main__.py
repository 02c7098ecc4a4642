"""``python -m benchmarks`` (or ``make bench``): throughput of Leerrecht's hot paths, with the raw
limits measured in the same run on the same machine.

What it measures, on real Kafka and PostgreSQL (started locally when not given):

* raw aiokafka producer (``send_batch``) and our ``EventPublisher`` (idempotent, acks=all);
* raw aiokafka consumer ``getmany()`` without parsing: the ceiling of any projection;
* PostgreSQL ``COPY`` (``copy_records_to_table``): the ceiling of any row-per-event write;
* ``ProjectionRunner`` end to end (decode, dedupe by event id, apply, checkpoint in one transaction)
  with telling's counting projection and with leerplicht's row-per-event projection.

Every figure is printed as events/second and as a ratio to the raw limit it should be compared with.
Numbers go to stdout and to ``benchmarks/results/<timestamp>.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from benchmarks import run_on_servers
from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope, utcnow, uuid7
from contracts.events.base import School
from contracts.events.registratie import AfwezigheidGeregistreerd
from leerrecht.db import create_pool, ensure_database, migrate
from leerrecht.kafka import EventPublisher, OutgoingEvent, ensure_topics
from leerrecht.logging import configure_logging
from leerrecht.projection import Projection, ProjectionRunner

PARTITIONS = 3


class _Topic:
    def __init__(self, name: str) -> None:
        self.name, self.partitions, self.config = name, PARTITIONS, {"retention.ms": "-1"}


def make_events(n: int) -> list[bytes]:
    """Realistic absence events for 5,000 pupils in two regions, serialised once."""
    codes = list(AfwezigheidCode)
    corr = uuid7()
    out = []
    start = date(2026, 9, 1)
    for i in range(n):
        ev = AfwezigheidGeregistreerd(
            afwezigheid_id=uuid.uuid4(), school=School(brin="00AP", vestiging="00"),
            datum=start + timedelta(days=i % 60), uren=Decimal("2.5"), eenheid=UrenEenheid.KLOKUUR,
            code=codes[i % len(codes)],
        )
        env = to_envelope(ev, subject=f"k1:{i % 5000:026d}".replace("0", "a"), source="urn:nl:leerrecht:bench",
                          occurred_at=utcnow(), correlation_id=corr, region="MC28" if i % 2 else "MC29")
        out.append(env.to_json())
    return out


async def timed(label: str, n: int, fn: Callable[[], Awaitable[Any]]) -> float:
    t0 = time.perf_counter()
    await fn()
    dt = time.perf_counter() - t0
    rate = n / dt
    print(f"  {label:<58} {rate:>12,.0f} ev/s  ({dt:.2f}s)", flush=True)
    return rate


async def raw_produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                max_batch_size=256 * 1024, linger_ms=5)
    await producer.start()
    try:
        futures = []
        per_part: dict[int, Any] = {}
        for i, v in enumerate(values):
            p = i % PARTITIONS
            batch = per_part.get(p) or producer.create_batch()
            per_part[p] = batch
            if batch.append(key=None, value=v, timestamp=None) is None:
                futures.append(await producer.send_batch(batch, topic, partition=p))
                batch = per_part[p] = producer.create_batch()
                batch.append(key=None, value=v, timestamp=None)
        for p, batch in per_part.items():
            futures.append(await producer.send_batch(batch, topic, partition=p))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def publisher_produce(bootstrap: str, topic: str, envs: list[Envelope]) -> None:
    """The publisher gets envelopes (decoding them is the caller's work, not timed here)."""
    pub = EventPublisher(bootstrap, client_id="bench")
    await pub.start()
    try:
        for i in range(0, len(envs), 5000):
            await pub.publish([OutgoingEvent(topic, e) for e in envs[i:i + 5000]])
    finally:
        await pub.stop()


async def raw_consume(bootstrap: str, topic: str, n: int) -> None:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=5000,
                                fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024)
    await consumer.start()
    seen = 0
    try:
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            seen += sum(len(r) for r in batches.values())
    finally:
        await consumer.stop()


async def pg_copy(pool: asyncpg.Pool, values: list[bytes]) -> None:
    rows = [(uuid.uuid4(), "k1:x", date(2026, 9, 1), Decimal("2.5"), "ZIEK") for _ in values]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS copy_bench (id uuid, p text, d date, u numeric, c text)")
        for i in range(0, len(rows), 10_000):
            async with conn.transaction():
                await conn.copy_records_to_table("copy_bench", records=rows[i:i + 10_000])


async def run_projection(projection: Projection, pool: asyncpg.Pool, bootstrap: str, topic: str, n: int,
                         batch_size: int, runner_class: type[ProjectionRunner] = ProjectionRunner) -> None:
    runner = runner_class(projection, pool, bootstrap, topics=[topic],
                          group_id=f"bench-{projection.name}-{uuid.uuid4().hex[:6]}", batch_size=batch_size)
    task = asyncio.create_task(runner.run())
    while runner.stats.applied + runner.stats.skipped < n:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    runner.stop()
    await task


async def main_async(args: argparse.Namespace) -> dict[str, float]:
    from leerplicht.projection import LeerplichtProjection
    from telling.bundel import GebundeldeRunner
    from telling.projection import TellingProjection

    n = args.events
    print(f"Leerrecht benchmarks: {n:,} events of ~{len(make_events(1)[0])} bytes, {PARTITIONS} partitions\n")
    values = make_events(n)
    topic = f"bench.{uuid.uuid4().hex[:6]}"
    await ensure_topics(args.bootstrap, [_Topic(topic), _Topic(topic + ".pub")])
    results: dict[str, float] = {}
    print("Kafka")
    results["raw_produce"] = await timed("raw aiokafka send_batch (idempotent, acks=all)", n,
                                         lambda: raw_produce(args.bootstrap, topic, values))
    envs = [Envelope.from_json(v) for v in values]
    results["publisher"] = await timed("EventPublisher.publish, 5,000 per call", n,
                                       lambda: publisher_produce(args.bootstrap, topic + ".pub", envs))
    results["raw_consume"] = await timed("raw aiokafka getmany(), no parsing", n,
                                         lambda: raw_consume(args.bootstrap, topic, n))
    if args.alleen_kafka:
        ratio = results["publisher"] / results["raw_produce"]
        print(f"\nRatios\n  {'publisher / raw_produce':<58} {ratio:>12.2f}")
        return {**results, "ratio publisher / raw_produce": ratio}
    print("PostgreSQL")
    runs: dict[str, str] = {}
    for name in ("copy", "telling", "leerplicht"):
        url = args.admin_dsn.rsplit("/", 1)[0] + f"/bench_{name}_{uuid.uuid4().hex[:6]}"
        await ensure_database(url)
        runs[name] = url
    pool = await create_pool(runs["copy"])
    results["pg_copy"] = await timed("COPY, 10,000 rows per transaction", n, lambda: pg_copy(pool, values))
    await pool.close()
    print("Projections (decode + dedupe + apply + checkpoint, one transaction per partition batch)")
    # each projection with the runner its service runs (telling: a whole fetch per transaction)
    for name, projection, package, klasse in (
        ("telling", TellingProjection(), "telling", GebundeldeRunner),
        ("leerplicht", LeerplichtProjection("MC28"), "leerplicht", ProjectionRunner),
    ):
        pool = await create_pool(runs[name], max_size=4)
        await migrate(pool, package)
        results[f"runner_{name}"] = await timed(
            f"{klasse.__name__} + {type(projection).__name__}, batch {args.batch}", n,
            lambda p=projection, pl=pool, k=klasse: run_projection(  # type: ignore[misc]
                p, pl, args.bootstrap, topic, n, args.batch, k),
        )
        await pool.close()
    print("\nRatios")
    ratios = {
        "publisher / raw_produce": results["publisher"] / results["raw_produce"],
        "telling runner / raw_consume": results["runner_telling"] / results["raw_consume"],
        "leerplicht runner / raw_consume": results["runner_leerplicht"] / results["raw_consume"],
        "leerplicht runner / pg_copy": results["runner_leerplicht"] / results["pg_copy"],
    }
    for k, v in ratios.items():
        print(f"  {k:<58} {v:>12.2f}")
    return {**results, **{f"ratio {k}": v for k, v in ratios.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--alleen-kafka", action="store_true", help="only the producer and consumer figures")
    parser.add_argument("--bootstrap", help="use this Kafka instead of starting one")
    parser.add_argument("--brokers", type=int, default=1, choices=(1, 3),
                        help="start one broker (default) or the replicated three-broker cluster")
    parser.add_argument("--admin-dsn", help="use this PostgreSQL (database 'postgres') instead of starting one")
    args = parser.parse_args()
    configure_logging("bench", json=True, level="WARNING")
    async def met_aantal(a: argparse.Namespace) -> dict[str, Any]:
        return {"events": a.events, **await main_async(a)}

    run_on_servers(args, "leerrecht-bench-", met_aantal, "")


if __name__ == "__main__":
    main()
