"""Rebuild (blue/green): all figures from offset 0 into a fresh schema beside the live one, and on
request the switch-over to it while the live service keeps running (issue 7; domain.md C: every
figure is reproducible from the log).

``python -m telling rebuild [--schema NAAM] [--timeout S]`` (or ``python -m telling.rebuild``) only
rebuilds. This is the default: it never touches the live figures.

1. It creates schema ``telling_rebuild_<tijd>`` in the service's database and runs the migrations
   there (``search_path`` = that schema, so the live tables are not touched).
2. It takes the current end offsets of every topic the live service reads (the target).
3. It runs the same :class:`~telling.projection.TellingProjection` from offset 0 with its own
   consumer group (``<groep>.rebuild.<schema>``) and its own checkpoints. :class:`BegrensdeRunner`
   applies nothing at or beyond the target, so the figures are exactly those of the log up to it.
   A progress bar (percentage, events/s) goes to stdout. With ``--processen N`` (default: the
   machine's cores, at most 4) N-1 worker processes join that consumer group on the same schema:
   Kafka splits the partitions over them and every process applies its own (issue 16: the rebuild
   uses every core). They share one set of figures as two instances of the live service do: a person
   who moved, with events on two topics held by different processes, is serialised by their
   ``leerling_feiten`` row lock, and cells are upserted in sorted order, so the result is that of one
   process (tests/telling/test_telling_schaal.py). The workers stop once the target is reached; a
   ``--switch`` chases the live figures with the main process alone.
4. It prints the content hash of the rebuilt figures and their as-of history
   (:func:`telling.tabellen.inhoud_hash`). ``python -m telling hash`` prints the live one. Read up to
   the same positions the two must be equal.

``python -m telling rebuild --switch [--switch-timeout S]`` also switches (:mod:`telling.blauwgroen`):

1. Instead of the end offsets, the rebuild chases the *live* service's checkpoints: it never runs
   ahead of the live figures, so the two can be compared at one position.
2. Once it is within one batch of them, it asks the live service to pause. Every live instance stops
   its runner after its current batch and releases its shared lock. The switch waits until it holds
   that lock exclusively: from then on nothing writes to the live figures.
3. It applies the last events up to the live instances' frozen positions. It checks that both
   schemas stand at the same positions and prints both hashes. Equal hashes are required: otherwise
   the switch is cancelled, the live service resumes and the command fails.
4. One transaction renames ``public`` to ``telling_oud_<tijd>`` (kept for the rollback) and the
   rebuild to ``public``. The count stream's state (``gepubliceerd``) is copied over and every table
   is queued once in the outbox (why: :func:`telling.blauwgroen.wissel_schemas`). Then the lock is
   released. The live service, the same process, renews its database connections and starts a new
   runner. That runner continues from the rebuilt schema's checkpoints, the positions both schemas
   shared, so no event is lost or counted twice.
5. It prints the rollback command, ``python -m telling rebuild --rollback telling_oud_<tijd>``. That
   command switches back the same way, without a hash check: the old schema then reads the events
   since the switch again from its own checkpoints.

With no live service running, the switch proceeds at once (nothing holds the lock). A restarted
service simply uses ``public``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from leerrecht import kafka_security
from leerrecht.db import create_pool, ensure_database, migrate
from leerrecht.logging import configure_logging
from leerrecht.proces import zet_gc_drempels
from leerrecht.projection import ProjectionRunner
from telling.blauwgroen import sluit_verzoek, vraag_wissel, wacht_op_stilstand, wissel_schemas
from telling.bundel import GebundeldeRunner
from telling.config import TellingSettings
from telling.projection import TellingProjection, achterstand, inhalen
from telling.tabellen import PROJECTIE, inhoud_hash

SCHEMA_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
Posities = dict[tuple[str, int], int]
Meld = Callable[[str], None]


async def eind_offsets(bootstrap: str, pattern: str) -> Posities:
    """The current end offset of every partition of every topic matching ``pattern``."""
    regex = re.compile(pattern)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_security.client_kwargs())
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if regex.match(t))
        beschreven = await admin.describe_topics(topics) if topics else []
    finally:
        await admin.close()
    tps = [TopicPartition(t["topic"], p["partition"]) for t in beschreven for p in t["partitions"]]
    if not tps:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **kafka_security.client_kwargs())
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
    return await create_pool(database_url, max_size=5, server_settings={"search_path": schema})


async def posities(conn: asyncpg.Connection, schema: str | None = None) -> Posities:
    """The projection's checkpoints (next offset per partition) in ``schema`` (default: search_path)."""
    tabel = f'"{schema}".checkpoint' if schema else "checkpoint"
    try:
        rows = await conn.fetch(f"SELECT topic, partition, next_offset FROM {tabel} WHERE projection = $1",
                                PROJECTIE)
    except asyncpg.UndefinedTableError:
        return {}  # the live service never ran
    return {(r["topic"], r["partition"]): int(r["next_offset"]) for r in rows}


async def live_posities(database_url: str) -> Posities:
    conn = await asyncpg.connect(database_url)
    try:
        return await posities(conn, "public")
    finally:
        await conn.close()


async def voortgang(pool: asyncpg.Pool, doel: Posities) -> tuple[int, int]:
    """(offsets read up to the target, target) over all partitions."""
    async with pool.acquire() as conn:
        stand = await posities(conn)
    return sum(min(stand.get(k, 0), v) for k, v in doel.items()), sum(doel.values())


def _zonder_nul(p: Posities) -> Posities:
    return {k: v for k, v in p.items() if v}


class BegrensdeRunner(GebundeldeRunner):
    """The projection runner, applying only records below a bound per partition (none where no bound
    is set). A partition that reaches its bound is rewound to the first record not applied and paused
    until the bound moves: the rebuild then stands exactly at a chosen position, so its hash can be
    compared with the live one at that same position."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grens: Posities = {}
        self._vast: set[TopicPartition] = set()

    def zet_grens(self, grens: Posities) -> None:
        self.grens = dict(grens)
        if self._consumer is not None and self._vast:
            with contextlib.suppress(Exception):  # a partition revoked meanwhile is seeked anew on assignment
                self._consumer.resume(*self._vast)
        self._vast.clear()

    async def _handle_fetch(self, consumer: AIOKafkaConsumer,
                            batches: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        binnen: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = {}
        for tp, records in batches.items():
            g = self.grens.get((tp.topic, tp.partition), 0)
            deel = [r for r in records if r.offset < g]
            if len(deel) < len(records) and self._consumer is not None:
                self._consumer.seek(tp, records[len(deel)].offset)
                self._consumer.pause(tp)
                self._vast.add(tp)
            if deel:
                binnen[tp] = deel
        await super()._handle_fetch(consumer, binnen)


class Balk:
    """A text progress bar on stdout: read/target, percentage, events per second."""

    def __init__(self, meld: Meld, breedte: int = 30) -> None:
        self.meld = meld
        self.breedte = breedte
        self.t0 = time.monotonic()
        self.vorige: tuple[int, int] | None = None

    def toon(self, gelezen: int, totaal: int) -> None:
        if (gelezen, totaal) == self.vorige:
            return
        self.vorige = (gelezen, totaal)
        deel = 1.0 if totaal == 0 else min(1.0, gelezen / totaal)
        vol = round(deel * self.breedte)
        snelheid = gelezen / max(time.monotonic() - self.t0, 1e-6)
        self.meld(f"voortgang {gelezen}/{totaal} ({100 * deel:.1f}%) "
                  f"[{'#' * vol}{'.' * (self.breedte - vol)}] {snelheid:.0f} events/s")


async def _volg(pool: asyncpg.Pool, runner: BegrensdeRunner, task: asyncio.Task[None],
                doel: Callable[[], Awaitable[Posities]], klaar: Callable[[int, int], bool],
                deadline: float, balk: Balk) -> Posities:
    """Move the bound to ``doel()`` and wait until ``klaar(read, target)``; returns the last target."""
    while True:
        d = await doel()
        runner.zet_grens(d)
        gelezen, totaal = await voortgang(pool, d)
        balk.toon(gelezen, totaal)
        if klaar(gelezen, totaal):
            return d
        if task.done():
            task.result()  # re-raise what stopped the runner
            raise RuntimeError("de herbouw stopte voordat alle events gelezen waren")
        if time.monotonic() > deadline:
            raise TimeoutError(f"herbouw niet klaar binnen de tijd ({gelezen}/{totaal})")
        await asyncio.sleep(0.5)


async def _stop(runner: ProjectionRunner, task: asyncio.Task[None]) -> None:
    runner.stop()
    await asyncio.wait({task}, timeout=30)


def _werker(settings: TellingSettings, schema: str, groep: str, grens: Posities, stop: Any) -> None:
    """A worker process of a parallel rebuild: the same runner, group and schema, bounded by ``grens``,
    until ``stop`` (a ``multiprocessing`` event) is set."""
    kafka_security.use(settings.kafka_security())
    configure_logging("telling-rebuild", json=settings.log_json, level="WARNING")
    zet_gc_drempels()  # as the service runs (leerrecht.proces): a worker is the same runner
    asyncio.run(_werk(settings, schema, groep, grens, stop))


async def _werk(settings: TellingSettings, schema: str, groep: str, grens: Posities, stop: Any) -> None:
    pool = await schema_pool(settings.database_url, schema)
    runner = BegrensdeRunner(TellingProjection(), pool, settings.kafka_bootstrap_servers,
                             pattern=settings.event_pattern, group_id=groep,
                             batch_size=settings.projection_batch_size)
    runner.zet_grens(grens)
    task = asyncio.create_task(runner.run())
    try:
        while not stop.is_set() and not task.done():
            await asyncio.sleep(0.2)
    finally:
        await _stop(runner, task)
        await pool.close()
    if task.done() and not task.cancelled():
        task.result()  # a worker that failed exits non-zero; its partitions go to the others


class Werkers:
    """The worker processes of a parallel rebuild (spawned: no event loop or connection is inherited)."""

    def __init__(self, settings: TellingSettings, schema: str, groep: str, grens: Posities, aantal: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop = ctx.Event()
        self.processen = [ctx.Process(target=_werker, args=(settings, schema, groep, grens, self.stop),
                                      name=f"telling-rebuild-{i + 1}", daemon=True) for i in range(aantal)]
        for p in self.processen:
            p.start()

    async def stoppen(self, timeout: float = 30.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for p in self.processen:
            while p.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            if p.is_alive():
                p.terminate()  # only our own child; its transaction rolls back, its checkpoints hold
            p.join(timeout=5)
        self.processen = []


def standaard_processen() -> int:
    """Workers by default: one per core, at most 4 (more only wait on PostgreSQL's row locks)."""
    return max(1, min(4, os.cpu_count() or 1))


def _tijd() -> str:
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}"


async def rebuild(settings: TellingSettings, schema: str | None = None, timeout: float = 3600.0,
                  meld: Meld = print, *, switch: bool = False,
                  switch_timeout: float = 120.0, processen: int = 1) -> tuple[str, str, int]:
    """Rebuild into ``schema`` (new by default); returns (schema, content hash, non-zero cells).
    ``processen`` > 1: that many processes up to the end offsets (module doc).

    With ``switch``: chase the live position, switch over (module doc) and return the hash at the
    switch; the returned schema is then the name the old live schema was given."""
    schema = schema or f"telling_rebuild_{_tijd()}"
    pool = await schema_pool(settings.database_url, schema)
    runner: BegrensdeRunner | None = None
    task: asyncio.Task[None] | None = None
    werkers: Werkers | None = None
    try:
        await migrate(pool, "telling")
        eind = await eind_offsets(settings.kafka_bootstrap_servers, settings.event_pattern)
        meld(f"herbouw in schema {schema}: {sum(eind.values())} events in {len(eind)} partities"
             + (f", {processen} processen" if processen > 1 else ""))
        groep = f"{settings.consumer_group}.rebuild.{schema}"
        runner = BegrensdeRunner(
            TellingProjection(), pool, settings.kafka_bootstrap_servers, pattern=settings.event_pattern,
            group_id=groep, batch_size=settings.projection_batch_size,
        )
        task = asyncio.create_task(runner.run())
        deadline = time.monotonic() + timeout
        balk = Balk(meld)

        async def vast() -> Posities:
            return eind

        if processen > 1:
            werkers = Werkers(settings, schema, groep, eind, processen - 1)
            await _volg(pool, runner, task, vast, lambda g, t: g >= t, deadline, balk)
            await werkers.stoppen()
        if not switch:
            await _volg(pool, runner, task, vast, lambda g, t: g >= t, deadline, balk)
            await _stop(runner, task)
            async with pool.acquire() as conn:
                await inhalen(conn)  # persons woken by the klok's last moves (telling.projection)
                h, n = await inhoud_hash(conn)
            meld(f"klaar: {n} cellen, inhoudshash {h}")
            return schema, h, n

        # Chase the live figures: never ahead of them, until within one batch.
        async def live() -> Posities:
            return await live_posities(settings.database_url)

        drempel = max(1, settings.projection_batch_size)
        await _volg(pool, runner, task, live, lambda g, t: t - g <= drempel, deadline, balk)
        return await _wissel(settings, pool, runner, task, schema, switch_timeout, balk, meld)
    finally:
        if werkers is not None:
            await werkers.stoppen()
        if runner is not None and task is not None:
            await _stop(runner, task)
        await pool.close()


async def _wissel(settings: TellingSettings, pool: asyncpg.Pool, runner: BegrensdeRunner,
                  task: asyncio.Task[None], schema: str, switch_timeout: float, balk: Balk,
                  meld: Meld) -> tuple[str, str, int]:
    conn, vid = await vraag_wissel(settings.database_url, schema, switch_timeout)
    try:
        meld(f"wisselverzoek {vid}: de live dienst pauzeert na zijn lopende batch")
        deadline = time.monotonic() + switch_timeout
        await wacht_op_stilstand(conn, switch_timeout)
        bevroren = await posities(conn, "public")
        async with pool.acquire() as c:
            stand = await posities(c)
        voor = [k for k, v in stand.items() if v > bevroren.get(k, 0)]
        if voor:
            raise RuntimeError(f"de herbouw staat voor op de live cijfers in {len(voor)} partities")

        async def stil() -> Posities:
            return bevroren

        await _volg(pool, runner, task, stil, lambda g, t: g >= t, deadline, balk)
        await _stop(runner, task)
        async with pool.acquire() as c:
            await inhalen(c)
            stand = await posities(c)
            h_nieuw, n_nieuw = await inhoud_hash(c)
        h_live, n_live = await _hash_public(conn)
        meld(f"herbouwd bij de wissel: {n_nieuw} cellen, inhoudshash {h_nieuw}")
        meld(f"live bij de wissel: {n_live} cellen, inhoudshash {h_live}")
        if _zonder_nul(stand) != _zonder_nul(bevroren):
            raise RuntimeError("herbouw en live staan niet op dezelfde posities; niet gewisseld")
        if h_nieuw != h_live:
            raise RuntimeError("de inhoudshashes verschillen; niet gewisseld (het schema blijft staan)")
        oud = f"telling_oud_{_tijd()}"
        await wissel_schemas(conn, vid, schema, oud, h_nieuw, bevroren)
        meld(f"gewisseld: {schema} is nu public; de vorige cijfers staan in {oud}")
        meld(f"terugdraaien: python -m telling rebuild --rollback {oud}")
        return oud, h_nieuw, n_nieuw
    except BaseException:
        with contextlib.suppress(Exception):
            await sluit_verzoek(conn, vid, "afgebroken")
        raise
    finally:
        await conn.close()  # releases the lock: the live service resumes (on the new public after a switch)


async def _hash_public(conn: asyncpg.Connection) -> tuple[str, int]:
    """The live figures' hash, once nobody there is behind the klok (the live runner is paused)."""
    await conn.execute("SET search_path TO public")
    try:
        await inhalen(conn)
        return await inhoud_hash(conn)
    finally:
        await conn.execute("RESET search_path")


async def terugdraaien(settings: TellingSettings, schema: str, switch_timeout: float = 120.0,
                       meld: Meld = print) -> str:
    """Make ``schema`` (a ``telling_oud_<tijd>``) ``public`` again; returns the name the current one got.
    No hash check: the old schema is behind, and its runner reads the events since from its own
    checkpoints (module doc)."""
    if not SCHEMA_RE.match(schema) or schema == "public":
        raise ValueError(f"ongeldige schemanaam {schema!r}")
    conn = await asyncpg.connect(settings.database_url)
    try:
        if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{schema}".checkpoint'):
            raise ValueError(f"schema {schema!r} bevat geen telling-cijfers")
    finally:
        await conn.close()
    conn, vid = await vraag_wissel(settings.database_url, schema, switch_timeout)
    try:
        meld(f"wisselverzoek {vid}: de live dienst pauzeert na zijn lopende batch")
        await wacht_op_stilstand(conn, switch_timeout)
        oud = f"telling_oud_{_tijd()}"
        await wissel_schemas(conn, vid, schema, oud)
        meld(f"teruggedraaid: {schema} is weer public; de vervangen cijfers staan in {oud}")
        return oud
    except BaseException:
        with contextlib.suppress(Exception):
            await sluit_verzoek(conn, vid, "afgebroken")
        raise
    finally:
        await conn.close()


async def live_hash(settings: TellingSettings) -> tuple[str, int, int]:
    """The live hash, cells and how many persons are still behind the klok (0: the figures are final;
    the running service catches up by itself, so this reads and never writes)."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        h, n = await inhoud_hash(conn)
        return h, n, await achterstand(conn)
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m telling rebuild",
        description="Herbouw alle cijfers vanaf offset 0 in een nieuw schema, en wissel desgevraagd over.")
    parser.add_argument("--schema", help="naam van het nieuwe schema (standaard telling_rebuild_<tijd>)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="maximale duur in seconden")
    parser.add_argument("--switch", action="store_true",
                        help="na de herbouw de live cijfers inhalen en overschakelen (blauw/groen)")
    parser.add_argument("--rollback", metavar="SCHEMA",
                        help="terug naar een eerder schema (telling_oud_<tijd>); herbouwt niets")
    parser.add_argument("--switch-timeout", type=float, default=120.0,
                        help="maximale pauze van de live dienst in seconden")
    parser.add_argument("--processen", type=int, default=standaard_processen(),
                        help="aantal processen dat de partities verdeelt (standaard: de kernen, hoogstens 4)")
    args = parser.parse_args(argv)
    settings = TellingSettings()
    kafka_security.use(settings.kafka_security())  # the CLI runs as telling's principal too
    configure_logging("telling-rebuild", json=settings.log_json, level="WARNING")
    zet_gc_drempels()  # the same runner as the service, so the same process settings (leerrecht.proces)

    def meld(s: str) -> None:
        print(s, flush=True)

    try:
        if args.rollback:
            asyncio.run(terugdraaien(settings, args.rollback, args.switch_timeout, meld))
        else:
            asyncio.run(rebuild(settings, args.schema, args.timeout, meld, switch=args.switch,
                                switch_timeout=args.switch_timeout, processen=args.processen))
    except (TimeoutError, RuntimeError, ValueError) as exc:
        print(f"herbouw mislukt: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc


def main_hash() -> None:
    settings = TellingSettings()
    kafka_security.use(settings.kafka_security())
    h, n, achter = asyncio.run(live_hash(settings))
    print(f"live: {n} cellen, inhoudshash {h}"
          + (f" (nog {achter} personen achter op de klok: de dienst haalt ze in)" if achter else ""))


if __name__ == "__main__":
    main()
