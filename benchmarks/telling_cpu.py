"""``python -m benchmarks.telling_cpu --events 50000``: telling's CPU per event, without Kafka.

Why: on this shared machine wall time moves 3-5x with other processes' load, while the CPU time of the
Python process (``time.process_time``) is steady. This replays a :mod:`telling.proeflog` log through
:class:`~telling.bundel.GebundeldeRunner`'s own bundle path (decode, claim, dedupe, order, apply,
checkpoint: one transaction per bundle of ``--batch`` records, as a fetch of the 40 topics would
bring) against a throwaway PostgreSQL, and prints CPU microseconds per event, wall events/s and the
content hash (:func:`telling.tabellen.inhoud_hash`), which must not change with any optimisation.
It also prints the throwaway PostgreSQL's CPU per event over the bundles (from ``/proc``, as
:mod:`benchmarks.rebuild` does) and, with ``--statements``, the rows each table got (inserted, updated,
of those HOT, deleted; ``pg_stat_user_tables``): PostgreSQL's share is the work it is given per event.
``--profiel FILE`` writes a cProfile of the bundles; ``--delen`` prints the CPU of their parts per
event; ``--lezen N`` times the API's as-of reads at N peildata. The bundles run with the cyclic
garbage collector paused, as the runner applies a fetch (``leerrecht.projection._GcPauze``).
``--stroom`` also runs the count stream (:class:`~telling.stream.CijferStroom`, its rounds as the
live runner would take them while behind: one per ``--stroom-elke`` bundles) with a publisher that
encodes each record as the real one does but sends nothing, and prints its CPU per event and the hash
of what it published (the last value per key).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import time
import uuid
import zlib
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord, TopicPartition
from telling import proeflog
from telling.bundel import GebundeldeRunner
from telling.projection import TellingProjection, inhalen
from telling.stream import CijferStroom
from telling.tabellen import inhoud_hash, lees_cellen, lees_tabellen, lees_uitsplitsingen

from benchmarks.__main__ import standaard_batch
from benchmarks.rebuild import cpu_per_deel
from leerrecht.db import create_pool, ensure_database, migrate
from leerrecht.kafka import OutgoingEvent
from leerrecht.localinfra import throwaway_postgres
from leerrecht.logging import configure_logging
from leerrecht.projection import GC_PAUZE


def _cpu_per_deel() -> dict[str, float]:
    """Wrap the parts of a bundle's Python (the decode, the per-person fold, reading the persons' facts,
    the sums' persons, the history's rows, the whole ``apply``) to add up their CPU seconds. Why: cProfile
    and pyinstrument inflate call-heavy code 2-3x and so misstate the shares; one ``process_time`` pair
    per call does not (a few thousand calls per bundle)."""
    import telling.projection as tp

    tijden: dict[str, float] = {}

    def gemeten(naam: str, f: Any) -> Any:
        if asyncio.iscoroutinefunction(f):
            async def af(*a: Any, **k: Any) -> Any:
                c = time.process_time()
                try:
                    return await f(*a, **k)
                finally:
                    tijden[naam] = tijden.get(naam, 0.0) + time.process_time() - c
            return af

        def sf(*a: Any, **k: Any) -> Any:
            c = time.process_time()
            try:
                return f(*a, **k)
            finally:
                tijden[naam] = tijden.get(naam, 0.0) + time.process_time() - c
        return sf

    GebundeldeRunner._lees = gemeten("decode", GebundeldeRunner._lees)  # type: ignore[method-assign]
    tp.TellingProjection.apply = gemeten("apply", tp.TellingProjection.apply)  # type: ignore[method-assign]
    for naam in ("verwerk", "wekker", "_vergrendel", "_som_personen", "_historie_rijen", "_afwezigheid"):
        setattr(tp, naam, gemeten(naam, getattr(tp, naam)))
    return tijden


def _tijden_per_statement() -> dict[str, list[float]]:
    """Wrap asyncpg's query methods to add up the wall time of each statement (by its first words)."""
    tijden: dict[str, list[float]] = {}
    for naam in ("execute", "fetch", "fetchval", "fetchrow"):
        oud = getattr(asyncpg.Connection, naam)

        async def gemeten(self: Any, query: str, *a: Any, _oud: Any = oud, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return await _oud(self, query, *a, **k)
            finally:
                v = tijden.setdefault(" ".join(query.split())[:70], [0.0, 0])
                v[0] += time.perf_counter() - t
                v[1] += 1

        setattr(asyncpg.Connection, naam, gemeten)
    return tijden


class Opvanger:
    """A stand-in for :class:`~leerrecht.kafka.EventPublisher`: encodes every record as the real one does
    (key and JSON value) and keeps the last value per key (a compacted topic's view), sending nothing."""

    def __init__(self) -> None:
        self.laatste: dict[bytes, bytes] = {}
        self.records = 0

    async def publish(self, events: list[OutgoingEvent]) -> list[tuple[int, int]]:
        for ev in events:
            self.laatste[ev.key_bytes()] = ev.envelope.to_json()
        self.records += len(events)
        return [(0, 0)] * len(events)

    def hash(self) -> str:
        """The published figures without their envelope's ids and times (new in every run)."""
        import hashlib
        import json

        h = hashlib.sha256()
        for k, v in sorted(self.laatste.items()):
            data = json.loads(v)["data"]
            h.update(k + b"|" + json.dumps(data, sort_keys=True).encode() + b"\n")
        return h.hexdigest()


def bundels(n: int, seed: int, batch: int) -> list[dict[TopicPartition, list[ConsumerRecord[Any, Any]]]]:
    """The log cut into bundles of ``batch`` records in recorded order, each by topic partition."""
    log = proeflog.maak(n, seed=seed)
    offsets: dict[TopicPartition, int] = {}
    uit: list[dict[TopicPartition, list[ConsumerRecord[Any, Any]]]] = []
    for i in range(0, len(log.regels), batch):
        bundel: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = {}
        for r in log.regels[i:i + batch]:
            tp = TopicPartition(f"cpu.leerrecht.regio.{r.regio}.events", zlib.crc32(r.sleutel) % 3)
            o = offsets.get(tp, 0)
            offsets[tp] = o + 1
            bundel.setdefault(tp, []).append(ConsumerRecord(tp.topic, tp.partition, o, 0, 0, r.sleutel, r.waarde,
                                                            None, len(r.sleutel), len(r.waarde), []))
        uit.append(bundel)
    return uit


async def main_async(args: argparse.Namespace, dsn: str) -> None:
    t0 = time.perf_counter()
    alle = bundels(args.events, args.seed, args.batch)
    # The log (hundreds of thousands of objects) is the benchmark's, not the service's: kept out of the
    # collector's full scans, which would charge it to the bundles (as benchmarks/__main__.py does).
    gc.collect()
    gc.freeze()
    print(f"log: {args.events:,} events in {len(alle)} bundles ({time.perf_counter() - t0:.1f}s)", flush=True)
    url = dsn.rsplit("/", 1)[0] + f"/cpu_{uuid.uuid4().hex[:6]}"
    await ensure_database(url)
    pool = await create_pool(url, max_size=4)
    await migrate(pool, "telling")
    runner = GebundeldeRunner(TellingProjection(), pool, "niet-gebruikt:9092", topics=["cpu"], group_id="cpu")
    tijden = _tijden_per_statement() if args.statements else None
    delen = _cpu_per_deel() if args.delen else None
    profiel = cProfile.Profile(time.process_time) if args.profiel else None
    cpu = wand = stroom_cpu = pg_cpu = 0.0
    opvanger = Opvanger()
    stroom = CijferStroom(pool, opvanger) if args.stroom else None  # type: ignore[arg-type]
    for i, bundel in enumerate(alle, 1):
        runner._assigned.update(bundel)
        c0, w0, p0 = time.process_time(), time.perf_counter(), cpu_per_deel()["postgres"]
        if profiel:
            profiel.enable()
        with GC_PAUZE.gepauzeerd():  # as the runner applies a fetch (leerrecht.projection._GcPauze)
            decoded = {tp: runner._lees(recs)[0] for tp, recs in sorted(bundel.items())}  # as the runner reads
            await runner._apply_bundel(bundel, decoded)
        if profiel:
            profiel.disable()
        cpu += time.process_time() - c0
        wand += time.perf_counter() - w0
        pg_cpu += cpu_per_deel()["postgres"] - p0
        if stroom is not None and (i % args.stroom_elke == 0 or i == len(alle)):
            stroom_cpu += await _ronde(stroom, profiel)
    async with pool.acquire() as conn:
        # catching up the persons the klok woke is telling's work too (the rebuild waits for it)
        c0, w0, p0 = time.process_time(), time.perf_counter(), cpu_per_deel()["postgres"]
        with GC_PAUZE.gepauzeerd():
            rondes = await inhalen(conn)
        cpu += time.process_time() - c0
        wand += time.perf_counter() - w0
        pg_cpu += cpu_per_deel()["postgres"] - p0
        h, cellen = await inhoud_hash(conn)
        lezen = await _as_of_lezen(conn, args.lezen) if args.lezen else None
    if stroom is not None:
        stroom_cpu += await _ronde(stroom, profiel)
    await pool.close()
    n = args.events
    if tijden is not None:
        await _rijen_per_tabel(url, n)
    print(f"CPU {cpu / n * 1e6:,.1f} us/event ({n / cpu:,.0f} ev/s of Python CPU); wall {n / wand:,.0f} ev/s; "
          f"inhalen {rondes} rondes; PostgreSQL CPU {pg_cpu / n * 1e6:,.1f} us/event", flush=True)
    print(f"hash {h} ({cellen:,} cellen)", flush=True)
    if lezen is not None:
        print(lezen, flush=True)
    if stroom is not None:
        print(f"count stream: CPU {stroom_cpu / n * 1e6:,.1f} us/event; {opvanger.records:,} records, "
              f"{len(opvanger.laatste):,} cells; hash {opvanger.hash()}", flush=True)
    if delen is not None:
        print("CPU per part (us/event): " + ", ".join(f"{k} {v / n * 1e6:.1f}" for k, v in delen.items()),
              flush=True)
    for q, (t, k) in sorted((tijden or {}).items(), key=lambda kv: -kv[1][0])[:15]:
        print(f"  {t:7.2f}s {k:5d}x  {q}")
    if profiel:
        profiel.dump_stats(args.profiel)


async def _as_of_lezen(conn: asyncpg.Connection, peildata: int) -> str:
    """The API's as-of reads at ``peildata`` days spread over the log's registratiedagen: every table
    (:func:`~telling.tabellen.lees_tabellen` and its breakdowns, all (indicator, periode) pairs at once,
    as the count table of the API reads them) and one region's cells (:func:`~telling.tabellen.lees_cellen`
    by area, the query without an indicator). Prints the median over the peildata of each read's best
    of three wall times, and a hash of every answer: the shape of the history may change, the answers
    must not."""
    import hashlib
    import statistics

    paren = [(r["indicator"], r["periode"]) for r in await conn.fetch(
        "SELECT DISTINCT indicator, periode FROM cijfer ORDER BY 1, 2")]
    van, tot = await conn.fetchrow("SELECT min(dag), max(dag) FROM cel_historie")
    dagen = [van + (tot - van) * i / max(peildata - 1, 1) for i in range(peildata)]
    h = hashlib.sha256()
    tijden: dict[str, list[float]] = {"tabellen": [], "cellen": []}
    for dag in dagen:
        beste = [float("inf"), float("inf")]
        for _ in range(3):  # the best of three: this machine's load only ever adds
            t = time.perf_counter()
            tabellen = await lees_tabellen(conn, paren, dag)
            uitsplitsingen = await lees_uitsplitsingen(conn, paren, dag)
            beste[0] = min(beste[0], time.perf_counter() - t)
            t = time.perf_counter()
            cellen = await lees_cellen(conn, "MC21", None, None, dag)
            beste[1] = min(beste[1], time.perf_counter() - t)
        tijden["tabellen"].append(beste[0])
        tijden["cellen"].append(beste[1])
        h.update(repr((dag, sorted((k, sorted(v.items())) for k, v in tabellen.items()),
                       sorted((k, sorted(v.items())) for k, v in uitsplitsingen.items()),
                       [tuple(r.values()) for r in cellen])).encode())
    dagen_n = await conn.fetchval("SELECT count(*) FROM cel_historie")
    return (f"history: {dagen_n:,} (cell, day) entries; as-of reads over {peildata} peildata: "
            f"all {len(paren)} tables + breakdowns median "
            f"{statistics.median(tijden['tabellen']) * 1e3:.1f} ms, MC21's cells median "
            f"{statistics.median(tijden['cellen']) * 1e3:.1f} ms; answers hash {h.hexdigest()[:16]}")


async def _rijen_per_tabel(url: str, n: int) -> None:
    """Rows written per table over the run, per 1,000 events, and the table's size with its indexes and
    TOAST at the end (the pool is closed first: a backend
    reports its counts when it ends)."""
    conn = await asyncpg.connect(url)
    try:
        await asyncio.sleep(0.5)
        for r in await conn.fetch(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, pg_total_relation_size(relid) AS b "
            "FROM pg_stat_user_tables "
            "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC"):
            print(f"  rows per 1,000 events: {r['relname']:18s} ins {r['n_tup_ins'] / n * 1e3:7.1f} "
                  f"upd {r['n_tup_upd'] / n * 1e3:7.1f} (hot {r['n_tup_hot_upd'] / n * 1e3:7.1f}) "
                  f"del {r['n_tup_del'] / n * 1e3:7.1f}; {r['b'] / 2**20:6.1f} MB")
    finally:
        await conn.close()


async def _ronde(stroom: CijferStroom, profiel: cProfile.Profile | None) -> float:
    """The count stream's rounds until its outbox is empty; their CPU seconds."""
    c0 = time.process_time()
    if profiel:
        profiel.enable()
    while await stroom.publish_pending():
        pass
    if profiel:
        profiel.disable()
    return time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.telling_cpu", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=standaard_batch("telling"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profiel", help="write a cProfile of the bundles to this file")
    parser.add_argument("--stroom", action="store_true", help="run the count stream as well (CPU and hash)")
    parser.add_argument("--stroom-elke", type=int, default=1, help="a count-stream round every N bundles")
    parser.add_argument("--delen", action="store_true",
                        help="print the CPU of the bundle's parts (decode, fold, facts read, ...) per event")
    parser.add_argument("--statements", action="store_true", help="print the wall time per SQL statement")
    parser.add_argument("--lezen", type=int, default=0, metavar="N",
                        help="time the API's as-of reads at N peildata at the end (and hash their answers)")
    parser.add_argument("--admin-dsn", help="use this PostgreSQL (database 'postgres') instead of starting one")
    args = parser.parse_args()
    configure_logging("bench", json=True, level="WARNING")
    if args.admin_dsn:
        asyncio.run(main_async(args, args.admin_dsn))
        return
    with throwaway_postgres("leerrecht-cpu-") as pg:
        asyncio.run(main_async(args, pg.dsn()))


if __name__ == "__main__":
    main()
