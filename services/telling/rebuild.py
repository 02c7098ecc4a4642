"""Rebuild (blue/green): all figures from offset 0 into a fresh schema, beside the live ones.

``python -m telling rebuild [--schema NAAM] [--timeout S]`` (or ``python -m telling.rebuild``):

1. creates schema ``telling_rebuild_<tijd>`` in the service's database and runs the migrations there
   (``search_path`` = that schema: the live tables are not touched);
2. takes the current end offsets of every topic the live service reads (the target);
3. runs the same :class:`~telling.projection.TellingProjection` from offset 0 with its own consumer
   group (``leerrecht.telling.rebuild.<schema>``) and its own checkpoints, printing progress, until the
   target is reached;
4. prints the content hash of the rebuilt figures and their as-of history (:func:`telling.tabellen.inhoud_hash`).

``python -m telling hash`` prints the hash of the live figures. With the log quiet (or both read up
to the same position) the two must be equal: that is the check that every figure is reproducible from
the log. The rebuild publishes nothing on the count stream. Switching over (deferred): stop the
service, rename the schemas (``ALTER SCHEMA public RENAME TO telling_oud; ALTER SCHEMA <nieuw> RENAME TO
public``), start it with the rebuild's consumer group; its empty ``gepubliceerd`` makes it republish
every cell once, which the compacted count topic absorbs.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from leerrecht.db import ensure_database, migrate
from leerrecht.logging import configure_logging
from leerrecht.projection import ProjectionRunner
from telling.config import TellingSettings
from telling.projection import TellingProjection
from telling.tabellen import PROJECTIE, inhoud_hash

SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


async def eind_offsets(bootstrap: str, pattern: str) -> dict[tuple[str, int], int]:
    """The current end offset of every partition of every topic matching ``pattern``."""
    regex = re.compile(pattern)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if regex.match(t))
        beschreven = await admin.describe_topics(topics) if topics else []
    finally:
        await admin.close()
    tps = [TopicPartition(t["topic"], p["partition"]) for t in beschreven for p in t["partitions"]]
    if not tps:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(tps)
        return {(tp.topic, tp.partition): int(off) for tp, off in ends.items()}
    finally:
        await consumer.stop()


async def schema_pool(database_url: str, schema: str) -> asyncpg.Pool:
    if not SCHEMA_RE.match(schema):
        raise ValueError(f"ongeldige schemanaam {schema!r}")
    await ensure_database(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=5, command_timeout=60,
                                     server_settings={"search_path": schema})
    assert pool is not None
    return pool


async def voortgang(pool: asyncpg.Pool, doel: dict[tuple[str, int], int]) -> tuple[int, int]:
    """(offsets read up to the target, target) over all partitions."""
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT topic, partition, next_offset FROM checkpoint WHERE projection = $1",
                                PROJECTIE)
    stand = {(r["topic"], r["partition"]): int(r["next_offset"]) for r in rows}
    return sum(min(stand.get(k, 0), v) for k, v in doel.items()), sum(doel.values())


async def rebuild(settings: TellingSettings, schema: str | None = None, timeout: float = 3600.0,
                  meld: Callable[[str], None] = print) -> tuple[str, str, int]:
    """Rebuild into ``schema`` (new by default); returns (schema, content hash, non-zero cells)."""
    schema = schema or f"telling_rebuild_{datetime.now(UTC):%Y%m%d%H%M%S}"
    pool = await schema_pool(settings.database_url, schema)
    try:
        await migrate(pool, "telling")
        doel = await eind_offsets(settings.kafka_bootstrap_servers, settings.event_pattern)
        meld(f"herbouw in schema {schema}: {sum(doel.values())} events in {len(doel)} partities")
        runner = ProjectionRunner(
            TellingProjection(), pool, settings.kafka_bootstrap_servers, pattern=settings.event_pattern,
            group_id=f"{settings.consumer_group}.rebuild.{schema}", batch_size=settings.projection_batch_size,
        )
        task = asyncio.create_task(runner.run())
        deadline = time.monotonic() + timeout
        vorige = -1
        try:
            while True:
                gelezen, totaal = await voortgang(pool, doel)
                if gelezen != vorige:
                    pct = 100.0 if totaal == 0 else 100.0 * gelezen / totaal
                    meld(f"voortgang {gelezen}/{totaal} ({pct:.1f}%)")
                    vorige = gelezen
                if gelezen >= totaal:
                    break
                if task.done():
                    task.result()  # re-raise what stopped the runner
                    raise RuntimeError("de herbouw stopte voordat alle events gelezen waren")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"herbouw niet klaar binnen {timeout:.0f} s ({gelezen}/{totaal})")
                await asyncio.sleep(0.5)
        finally:
            runner.stop()
            await asyncio.wait({task}, timeout=30)
        async with pool.acquire() as conn:
            h, n = await inhoud_hash(conn)
        meld(f"klaar: {n} cellen, inhoudshash {h}")
        return schema, h, n
    finally:
        await pool.close()


async def live_hash(settings: TellingSettings) -> tuple[str, int]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await inhoud_hash(conn)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m telling rebuild",
                                     description="Herbouw alle cijfers vanaf offset 0 in een nieuw schema.")
    parser.add_argument("--schema", help="naam van het nieuwe schema (standaard telling_rebuild_<tijd>)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="maximale duur in seconden")
    args = parser.parse_args(argv)
    settings = TellingSettings()
    configure_logging("telling-rebuild", json=settings.log_json, level="WARNING")
    try:
        asyncio.run(rebuild(settings, args.schema, args.timeout, meld=lambda s: print(s, flush=True)))
    except (TimeoutError, RuntimeError, ValueError) as exc:
        print(f"herbouw mislukt: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc


def main_hash() -> None:
    h, n = asyncio.run(live_hash(TellingSettings()))
    print(f"live: {n} cellen, inhoudshash {h}")


if __name__ == "__main__":
    main()
