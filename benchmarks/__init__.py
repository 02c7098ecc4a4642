"""Throughput benchmarks (README: ``make bench``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from leerrecht.localinfra import throwaway_kafka_cluster, throwaway_postgres, throwaway_servers
from leerrecht.proces import zet_gc_drempels

# Every benchmark process (``python -m benchmarks...`` imports this package first) runs with the services'
# process settings: the paths it measures in-process are the services' own, and the raw limits it compares
# them with must run as well as a service's process would run them. Why: under Python's own collector
# thresholds raw aiokafka ``getmany`` cost 6-8.6 µs of CPU a record, with the services' 3.8-4.6, so every
# ratio to raw consume was about 1.5x too high (``benchmarks/METINGEN.md``, "The twelfth session").
zet_gc_drempels()


def server_cpu_s() -> dict[str, float]:
    """CPU seconds used so far by this machine's PostgreSQL processes and Kafka broker (``java``), from
    ``/proc``: on 2 cores a projection's wall time is its own CPU plus what it waits for, and this says
    how much of that wait is the servers working. A process that exited since the last call takes its
    CPU with it, so compare two calls around a run that keeps its connections open."""
    tik = os.sysconf("SC_CLK_TCK")
    totaal = {"postgres": 0, "kafka": 0}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                s = f.read()
        except OSError:
            continue  # gone since listdir
        comm = s[s.index(b"(") + 1:s.rindex(b")")]
        soort = "postgres" if comm == b"postgres" else "kafka" if comm == b"java" else None
        if soort is not None:
            velden = s[s.rindex(b")") + 2:].split()  # utime and stime are fields 14 and 15 of stat(5)
            totaal[soort] += int(velden[11]) + int(velden[12])
    return {k: v / tik for k, v in totaal.items()}


Bench = Callable[[argparse.Namespace], Awaitable[dict[str, Any]]]


def run_on_servers(args: argparse.Namespace, prefix: str, main_async: Bench, name: str) -> dict[str, Any]:
    """Run ``main_async`` against ``--bootstrap``/``--admin-dsn`` when given, else against a throwaway
    Kafka and PostgreSQL (``--brokers 3``: the replicated cluster of the failure tests, topics with 3
    replicas and 2 in sync); write the results to ``benchmarks/results/<name><timestamp>.json``."""
    with contextlib.ExitStack() as stack:
        if not (args.bootstrap and args.admin_dsn) and getattr(args, "brokers", 1) > 1:
            cluster = stack.enter_context(throwaway_kafka_cluster(prefix, brokers=args.brokers))
            pg = stack.enter_context(throwaway_postgres(prefix))
            args.bootstrap, args.admin_dsn = cluster.bootstrap, pg.dsn()
        elif not (args.bootstrap and args.admin_dsn):
            kafka, pg = stack.enter_context(throwaway_servers(prefix))
            args.bootstrap, args.admin_dsn = kafka.bootstrap, pg.dsn()
        results = asyncio.run(main_async(args))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    return results
