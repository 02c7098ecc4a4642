"""A projection run by several processes in one consumer group, as ``deploy/k8s`` runs every service
(``replicas: 2``): each process a :class:`~leerrecht.projection.ProjectionRunner` of the same projection
and database, Kafka dividing the topic's partitions between them.

Why in the benchmark: a runner is one Python process, so on its own it can use one core; the services run
two replicas, and a regional topic's partitions are divided over them. The single-process rows stay as
they were; this measures what the deployment runs, against the raw limit of as many processes
(:func:`raw_gemeten`: raw ``getmany`` scales with processes too, so a ratio to one raw consumer would
credit the runner with the second core).

How it is timed, so the figure is the runners' and not Python's start: each process imports, connects to
PostgreSQL and says ``klaar`` on its stdout; the clock starts when all are ready and told ``start``
(joining the consumer group is timed, as it is for one process), and stops when the projection's
checkpoints in PostgreSQL (written in the same transaction as its rows) have passed every record of the
topic. CPU: the processes' own (reaped children), PostgreSQL's and Kafka's, per event.

Run as a worker: ``python -m benchmarks.processen NAAM DSN BOOTSTRAP TOPIC GROEP BATCH``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass

import asyncpg

from benchmarks import server_cpu_s
from leerrecht.db import create_pool
from leerrecht.projection import Projection, ProjectionRunner

REGIO = "MC28"


def projectie(naam: str) -> Projection:
    """The projection of a benchmark case by its name (as ``python -m benchmarks`` names them)."""
    if naam in ("leerplicht", "leerplicht_regio"):
        from leerplicht.projection import LeerplichtProjection
        return LeerplichtProjection(REGIO)
    if naam == "rmc":
        from rmc.projection import RmcProjection
        return RmcProjection(REGIO)
    if naam == "registratie_meldingstatus":
        from registratie.projection import MeldingStatusProjection
        return MeldingStatusProjection()
    raise ValueError(f"no multi-process run for {naam!r}")


async def _gelezen(conn: asyncpg.Connection, naam: str, topic: str) -> int:
    """Records of ``topic`` past the projection's checkpoints (each partition's next offset, from 0)."""
    return int(await conn.fetchval("SELECT coalesce(sum(next_offset), 0) FROM checkpoint "
                                   "WHERE projection = $1 AND topic = $2", naam, topic))


async def _klaar(argumenten: list[list[str]]) -> list[asyncio.subprocess.Process]:
    """A ``python -m benchmarks.processen`` process per argument list, each once it said ``klaar``."""
    omgeving = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    werkers = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.processen", *a, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, env=omgeving) for a in argumenten]
    for w in werkers:  # a log line may come first (structlog writes to stdout)
        assert w.stdout is not None
        while (regel := await w.stdout.readline()).strip() != b"klaar":
            if not regel:
                raise RuntimeError(f"a benchmark process did not start: {await w.wait()}")
    return werkers


async def _zeg(werkers: list[asyncio.subprocess.Process], wat: bytes) -> None:
    """Tell every process ``wat`` (a line on its stdin)."""
    for w in werkers:
        assert w.stdin is not None
        w.stdin.write(wat + b"\n")
        await w.stdin.drain()


async def werker(naam: str, dsn: str, bootstrap: str, topic: str, groep: str, batch: int, n: int) -> None:
    """One process of the group: ready, then on ``start`` run until the checkpoints pass ``n`` records.
    Prints ``toegewezen K`` whenever its number of partitions changes, then what it applied, skipped and
    dead-lettered and its CPU seconds since ``start``, and stops on ``stop``."""
    projection = projectie(naam)
    pool = await create_pool(dsn)
    runner = ProjectionRunner(projection, pool, bootstrap, topics=[topic], group_id=groep, batch_size=batch)
    print("klaar", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    c0 = time.process_time()
    taak = asyncio.create_task(runner.run())
    toegewezen = -1
    try:
        async with pool.acquire() as conn:
            while await _gelezen(conn, projection.name, topic) < n:
                if taak.done():
                    taak.result()
                if len(runner.toegewezen) != toegewezen:
                    toegewezen = len(runner.toegewezen)
                    print(f"toegewezen {toegewezen}", flush=True)
                await asyncio.sleep(0.01)
        s = runner.stats
        print(f"klaar {s.applied} {s.ignored} {s.dead_lettered} {time.process_time() - c0}", flush=True)
        # connections kept until told: a PostgreSQL backend that exits takes its CPU figure with it
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    finally:
        runner.stop()
        await taak
        await pool.close()


@dataclass
class Meting:
    """A multi-process run: the whole run from ``start`` (joining the group, and the rebalance each further
    member causes, included) and the steady state from when every process held partitions."""

    ev_s: float
    """Records after the group settled, over the time from then to the last checkpoint."""
    ev_s_geheel: float
    """All records over the whole run."""
    voor_stabiel: int
    """Records already applied when the group settled (by the first process, before the others joined)."""
    cpu: dict[str, float]


async def gemeten(naam: str, dsn: str, bootstrap: str, topic: str, n: int, batch: int, processen: int,
                  groep: str, partities: int) -> Meting:
    """``processen`` runner processes in one group over the ``n`` records of ``topic``.

    Why the steady state is the figure: the deployment's replicas run for days, a rebalance is rare; in a
    run of two seconds the second member's join (the first learns of it at its next heartbeat, and gives
    up its partitions after its batches in flight) is a large share. Both are printed. CPU per event
    (``""``: the processes themselves from ``start``; ``postgres``; ``kafka``) is over the whole run."""
    werkers = await _klaar([[naam, dsn, bootstrap, topic, groep, str(batch), str(n)]] * processen)
    conn = await asyncpg.connect(dsn)
    projection_naam = projectie(naam).name
    slot = asyncio.Lock()  # one connection: the readers' query and the loop's never at once

    async def gelezen() -> int:
        async with slot:
            return await _gelezen(conn, projection_naam, topic)

    aantallen = [0] * processen
    stabiel: list[tuple[float, int]] = []
    einde: list[str] = [""] * processen

    async def lees(i: int, w: asyncio.subprocess.Process) -> None:
        assert w.stdout is not None
        async for regel in w.stdout:
            if regel.startswith(b"toegewezen "):
                aantallen[i] = int(regel.split()[1])
                if not stabiel and all(aantallen) and sum(aantallen) == partities:
                    stabiel.append((time.perf_counter(), await gelezen()))
            elif regel.startswith(b"klaar "):
                einde[i] = regel.decode()

    try:
        s0 = server_cpu_s()
        t0 = time.perf_counter()
        lezers = [asyncio.create_task(lees(i, w)) for i, w in enumerate(werkers)]
        await _zeg(werkers, b"start")
        while await gelezen() < n:
            if any(w.returncode for w in werkers):
                raise RuntimeError(f"a runner process failed: {[w.returncode for w in werkers]}")
            await asyncio.sleep(0.005)
        t1 = time.perf_counter()
        s1 = server_cpu_s()  # the processes keep their connections until ``stop``
        await _zeg(werkers, b"stop")
        await asyncio.gather(*lezers)
        codes = [await w.wait() for w in werkers]
    finally:
        await conn.close()
    if any(codes) or not all(einde):
        raise RuntimeError(f"a runner process failed: {codes}")
    # applied, skipped by type, dead letters, CPU seconds
    laatste = [regel.split()[1:] for regel in einde]
    dode = sum(int(r[2]) for r in laatste)
    if dode:
        print(f"  !! {naam}: {dode} dead letters", flush=True)
    cpu = {"": sum(float(r[3]) for r in laatste) / n * 1e6,
           "postgres": (s1["postgres"] - s0["postgres"]) / n * 1e6, "kafka": (s1["kafka"] - s0["kafka"]) / n * 1e6}
    t_s, voor = stabiel[0] if stabiel else (t0, 0)
    return Meting((n - voor) / (t1 - t_s), n / (t1 - t0), voor, cpu)


async def raw_werker(bootstrap: str, topic: str, partities: list[int]) -> None:
    """Raw ``getmany`` of some of the topic's partitions (as a group would divide them), no parsing: ready,
    then on ``start`` read them to their end, print ``klaar``."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, max_poll_records=5000,
                                fetch_max_bytes=64 * 1024 * 1024, max_partition_fetch_bytes=16 * 1024 * 1024)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in partities]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        eind = await consumer.end_offsets(tps)
        print("klaar", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        c0 = time.process_time()
        te_lezen, gelezen = sum(eind.values()), 0  # a fresh topic: its partitions start at offset 0
        while gelezen < te_lezen:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            gelezen += sum(len(r) for r in batches.values())
        print(f"klaar 0 0 0 {time.process_time() - c0}", flush=True)
    finally:
        await consumer.stop()


async def raw_gemeten(bootstrap: str, topic: str, n: int, processen: int, partities: int) -> float:
    """Raw ``getmany`` by ``processen`` processes, the partitions divided as the group's range assignor
    divides them (3 over 2: two and one): the raw limit of as many processes as the runners get."""
    delen = [list(range(partities))[i::processen] for i in range(processen)]
    werkers = await _klaar([["raw", bootstrap, topic, ",".join(map(str, deel))] for deel in delen])
    t0 = time.perf_counter()
    await _zeg(werkers, b"start")
    for w in werkers:
        assert w.stdout is not None
        while not (regel := await w.stdout.readline()).startswith(b"klaar "):
            if not regel:
                raise RuntimeError(f"a raw consumer process failed: {await w.wait()}")
    dt = time.perf_counter() - t0
    for w in werkers:
        await w.wait()
    return n / dt


def main(argv: list[str]) -> None:
    from leerrecht.logging import configure_logging

    if argv[0] == "raw":
        _, bootstrap, topic, partities = argv
        asyncio.run(raw_werker(bootstrap, topic, [int(p) for p in partities.split(",")]))
        return
    naam, dsn, bootstrap, topic, groep, batch, n = argv

    configure_logging("benchmark", json=True, level="WARNING")
    asyncio.run(werker(naam, dsn, bootstrap, topic, groep, int(batch), int(n)))


if __name__ == "__main__":
    main(sys.argv[1:])

