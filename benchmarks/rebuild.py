"""``python -m benchmarks.rebuild --events 1000000``: the replay check at national scale.

1. Builds a realistic synthetic log (:mod:`telling.proeflog`: ~9 % stateful events — enrolments,
   reports with later end dates and withdrawals, moves between regions, vrijstellingen, Halt and
   proces-verbaal, vsv, Doorstroompunt — and ~91 % absences, in all 40 regions, two schooljaren, some
   events recorded weeks late) and writes it to the 40 regional topics (3 partitions each).
2. Runs telling **live** on it (the service's runner: projection, checkpoints, count-stream outbox and
   publisher) until every event is read; reports events/s.
3. Runs the **rebuild** (``telling.rebuild``: a fresh schema, a new consumer group, from offset 0);
   reports events/s.
4. Prints both content hashes (figures and as-of history) and exits 1 if they differ.
5. Measures, in the same run and on the same topics, the raw limits to compare with: a plain aiokafka
   consumer reading the whole log (``getmany``, no decoding) and PostgreSQL ``COPY`` of as many rows,
   and prints live and rebuild as ratios to them.

Starts its own Kafka and PostgreSQL unless ``--bootstrap`` and ``--admin-dsn`` are given. Results also go
to ``benchmarks/results/rebuild-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer
from telling import proeflog
from telling.config import TellingSettings
from telling.projection import inhalen
from telling.rebuild import rebuild, standaard_processen
from telling.runner import TellingRunner, count_topics
from telling.tabellen import inhoud_hash

from benchmarks import run_on_servers
from benchmarks.__main__ import pg_copy, standaard_batch
from leerrecht.db import create_pool, ensure_database, migrate
from leerrecht.kafka import EventPublisher, ensure_topics
from leerrecht.logging import configure_logging


def say(text: str) -> None:
    print(text, flush=True)


_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float, float] | None:
    """(comm, ppid, own CPU seconds, CPU seconds of its reaped children) of a process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    velden = raw[raw.rindex(")") + 2:].split()
    # after comm: state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1 with pid, comm
    return (comm, int(velden[1]), (int(velden[11]) + int(velden[12])) / _TICK,
            (int(velden[13]) + int(velden[14])) / _TICK)


def cpu_per_deel() -> dict[str, float]:
    """CPU seconds so far of this process and everything it started, by part: ``telling`` (this Python
    process and its rebuild workers), ``postgres`` and ``kafka`` (the throwaway servers, run by this
    process). Why: the machine's other load makes wall time a poor guide to what limits a phase; the
    CPU each part spends per event shows where the cost is (Linux /proc; a part not started by this
    process, ``--bootstrap``/``--admin-dsn``, counts 0)."""
    stats = {pid: st for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()) if (st := _stat(pid))}
    kinderen: dict[int, list[int]] = {}
    for pid, (_, ppid, _, _) in stats.items():
        kinderen.setdefault(ppid, []).append(pid)

    def boom(pid: int) -> float:
        _, _, eigen, gereapt = stats[pid]
        return eigen + gereapt + sum(boom(k) for k in kinderen.get(pid, ()))

    ik = os.getpid()
    uit = {"telling": stats[ik][2] + stats[ik][3], "postgres": 0.0, "kafka": 0.0}
    for kind in kinderen.get(ik, ()):
        namen = {stats[kind][0]} | {stats[k][0] for k in kinderen.get(kind, ())}
        deel = "postgres" if "postgres" in namen else "kafka" if "java" in namen else "telling"
        uit[deel] += boom(kind)
    return uit


def cpu_verschil(voor: dict[str, float], na: dict[str, float], events: int) -> str:
    """CPU per event of each part between two :func:`cpu_per_deel` readings, as one line."""
    return ", ".join(f"{k} {(na[k] - voor[k]) / events * 1e6:,.0f}" for k in na) + " us CPU/event"


async def _stand(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = 'telling'"))


async def live(settings: TellingSettings, totaal: int, timeout: float) -> tuple[float, float, dict[str, int]]:
    """Run the live service's runner until it has read ``totaal`` records; (seconds, seconds until the
    count stream's outbox was empty, runner stats)."""
    pool = await create_pool(settings.database_url, max_size=6)
    await migrate(pool, "telling")
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="bench-telling")
    await publisher.start()
    runner = TellingRunner(pool, settings, publisher)
    t0 = time.perf_counter()
    task = asyncio.create_task(runner.run())
    try:
        vorige = 0.0
        while (gelezen := await _stand(pool)) < totaal:
            if task.done():
                task.result()
                raise RuntimeError("de live runner stopte voortijdig")
            dt = time.perf_counter() - t0
            if dt > timeout:
                raise TimeoutError(f"live niet klaar binnen {timeout:.0f}s ({gelezen}/{totaal})")
            if dt - vorige >= 15:
                say(f"  live: {gelezen:,}/{totaal:,} ({gelezen / dt:,.0f} ev/s)")
                vorige = dt
            await asyncio.sleep(0.25)
        duur = time.perf_counter() - t0
        async with pool.acquire() as conn:
            while await conn.fetchval("SELECT count(*) FROM cijfer_gewijzigd"):
                await asyncio.sleep(0.25)
        stroom = time.perf_counter() - t0
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=60)
        await publisher.stop()
        await pool.close()
    return duur, stroom, {**runner.stats.__dict__, "cijfers_gepubliceerd": runner.stroom.published}


async def raw_consume_pattern(bootstrap: str, pattern: str, n: int) -> float:
    """Seconds for a plain aiokafka consumer to read ``n`` records of every topic matching ``pattern``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"raw-{uuid.uuid4().hex[:6]}",
                                auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=5000,
                                fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024)
    consumer.subscribe(pattern=pattern)
    await consumer.start()
    try:
        t0 = time.perf_counter()
        seen = 0
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            seen += sum(len(r) for r in batches.values())
        return time.perf_counter() - t0
    finally:
        await consumer.stop()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    n = args.events
    run = f"rb{uuid.uuid4().hex[:6]}"
    topic = f"{run}.leerrecht.regio.{{}}.events"
    say(f"Replay check: {n:,} events, all regions, batch {args.batch}")

    t0 = time.perf_counter()
    log = proeflog.maak(n, seed=args.seed)
    t_maak = time.perf_counter() - t0
    say(f"  log gemaakt: {log.personen:,} personen in {t_maak:.1f}s; "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(log.per_soort.items(), key=lambda kv: -kv[1])))
    t0 = time.perf_counter()
    per_topic = await proeflog.publiceer(args.bootstrap, log, topic.format)
    t_pub = time.perf_counter() - t0
    totaal = sum(per_topic.values())
    personen = log.personen
    del log
    say(f"  geschreven naar {len(per_topic)} topics: {totaal:,} records in {t_pub:.1f}s ({totaal / t_pub:,.0f} ev/s)")

    url = args.admin_dsn.rsplit("/", 1)[0] + f"/bench_rebuild_{run}"
    await ensure_database(url)
    settings = TellingSettings(
        KAFKA_BOOTSTRAP_SERVERS=args.bootstrap, DATABASE_URL=url,
        TELLING_EVENT_PATTERN=rf"^{run}\.leerrecht\.regio\.MC\d\d\.events$",
        TELLING_COUNT_TOPIC=f"{run}.telling.cijfers", TELLING_CONSUMER_GROUP=f"{run}.telling",
        PROJECTION_BATCH_SIZE=str(args.batch), TELLING_PUBLISH_INTERVAL_S="2",
    )
    await ensure_topics(args.bootstrap, count_topics(settings.count_topic))

    say("Live (TellingRunner: projection + checkpoints + count-stream outbox and publisher)")
    cpu0 = cpu_per_deel()
    t_live, t_stroom, stats = await live(settings, totaal, args.timeout)
    cpu_live = cpu_verschil(cpu0, cpu_per_deel(), totaal)
    conn = await asyncpg.connect(url)
    try:
        t0 = time.perf_counter()
        rondes = await inhalen(conn)  # persons still behind the klok (the runner's own loop may be idle)
        if rondes:
            say(f"  inhalen na het lezen: {rondes} rondes in {time.perf_counter() - t0:.1f}s")
        h_live, cellen = await inhoud_hash(conn)
        historie = await conn.fetchval("SELECT count(*) FROM cel_historie")
        # the rows the history really has: per (cell, month) since migration 008, before per (cell, day)
        gepakt = (await conn.fetchval("SELECT count(*) FROM cel_historie_maand")
                  if await conn.fetchval("SELECT to_regclass('cel_historie_maand') IS NOT NULL") else historie)
    finally:
        await conn.close()
    say(f"  live: {totaal:,} events in {t_live:.1f}s = {totaal / t_live:,.0f} ev/s "
        f"(count stream drained after {t_stroom:.1f}s); {cellen:,} cellen, {historie:,} historieregels "
        f"(cel, dag) in {gepakt:,} rijen")
    say(f"  stats: {stats}")
    say(f"  CPU: {cpu_live}")

    say(f"Rebuild (python -m telling rebuild: new schema, new group, from offset 0, {args.processen} processen)")
    t0, cpu0 = time.perf_counter(), cpu_per_deel()
    _, h_rebuild, cellen_rb = await rebuild(settings, f"rebuild_{run}", timeout=args.timeout,
                                            meld=lambda s: None, processen=args.processen)
    t_rb = time.perf_counter() - t0
    cpu_rb = cpu_verschil(cpu0, cpu_per_deel(), totaal)
    say(f"  rebuild: {totaal:,} events in {t_rb:.1f}s = {totaal / t_rb:,.0f} ev/s; {cellen_rb:,} cellen")
    say(f"  CPU: {cpu_rb}")

    say("Raw limits, same run, same topics")
    cpu0 = cpu_per_deel()
    t_raw = await raw_consume_pattern(args.bootstrap, settings.event_pattern, totaal)
    cpu_raw = cpu_verschil(cpu0, cpu_per_deel(), totaal)
    pool = await create_pool(url)
    try:
        t0 = time.perf_counter()
        await pg_copy(pool, [b""] * totaal)
        t_copy = time.perf_counter() - t0
    finally:
        await pool.close()
    raw, copy = totaal / t_raw, totaal / t_copy
    say(f"  raw aiokafka getmany: {raw:,.0f} ev/s; PostgreSQL COPY: {copy:,.0f} rows/s")
    say(f"  CPU of raw getmany: {cpu_raw}")
    say(f"  live    = {totaal / t_live / raw:.3f} of raw consume, {totaal / t_live / copy:.3f} of COPY")
    say(f"  rebuild = {totaal / t_rb / raw:.3f} of raw consume, {totaal / t_rb / copy:.3f} of COPY")
    gelijk = h_live == h_rebuild and cellen == cellen_rb
    say("")
    say(f"  live hash    {h_live}")
    say(f"  rebuild hash {h_rebuild}")
    say("  GELIJK: elke figuur en de hele historie zijn reproduceerbaar uit het log" if gelijk
        else "  VERSCHIL: live en rebuild geven andere cijfers")
    return {
        "events": totaal, "personen": personen,
        "maak_s": t_maak, "publiceer_s": t_pub, "live_s": t_live, "live_ev_s": totaal / t_live,
        "stroom_leeg_s": t_stroom, "rebuild_s": t_rb, "rebuild_ev_s": totaal / t_rb,
        "cellen": cellen, "historieregels": historie, "hash_live": h_live, "hash_rebuild": h_rebuild,
        "gelijk": gelijk, "batch": args.batch, "processen": args.processen, "stats_live": stats,
        "raw_consume_ev_s": raw, "copy_rows_s": copy, "cpu_live": cpu_live, "cpu_rebuild": cpu_rb, "cpu_raw": cpu_raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rebuild", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=standaard_batch("telling"), help="PROJECTION_BATCH_SIZE")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--processen", type=int, default=standaard_processen(),
                        help="processes of the rebuild (python -m telling rebuild --processen)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per phase, seconds")
    parser.add_argument("--bootstrap", help="use this Kafka instead of starting one")
    parser.add_argument("--brokers", type=int, default=1, choices=(1, 3),
                        help="start one broker (default) or the replicated three-broker cluster")
    parser.add_argument("--admin-dsn", help="use this PostgreSQL (database 'postgres') instead of starting one")
    args = parser.parse_args()
    configure_logging("bench", json=True, level="WARNING")
    results = run_on_servers(args, "leerrecht-rebuild-", main_async, "rebuild-")
    if not results["gelijk"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
