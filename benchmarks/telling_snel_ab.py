"""``python -m benchmarks.telling_snel_ab --events 100000``: telling with and without its fast read of
absences (``TellingProjection.snel``), each bundle applied by both in one process.

Why one process and every bundle twice: on this shared machine two runs of :mod:`benchmarks.telling_cpu`
minutes apart differ by ±8 µs of CPU per event on unchanged code, more than the change measured here. Here
the same :mod:`telling.proeflog` log is cut into the same bundles and each bundle is applied by two
:class:`~telling.bundel.GebundeldeRunner` s, one per throwaway database, the order alternating from bundle
to bundle, so both sides see the same load, heap and caches. Printed per side: CPU µs per event
(``time.process_time``), of which reading the records (``_lees``), and the content hash
(:func:`telling.tabellen.inhoud_hash`), which must be equal.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import types
import uuid
from typing import Any

from telling.bundel import GebundeldeRunner
from telling.projection import TellingProjection, inhalen
from telling.tabellen import inhoud_hash

from benchmarks.__main__ import standaard_batch
from benchmarks.telling_cpu import bundels
from leerrecht.db import create_pool, ensure_database, migrate
from leerrecht.localinfra import throwaway_postgres
from leerrecht.logging import configure_logging
from leerrecht.projection import GC_PAUZE


class ZonderSnel(TellingProjection):
    """telling with every absence through the full pydantic decode, as before the fast read."""

    snel: Any = types.MappingProxyType({})


async def main_async(dsn: str, n: int, seed: int, batch: int) -> dict[str, tuple[float, float, str]]:
    alle = bundels(n, seed, batch)
    gc.collect()
    gc.freeze()  # the log is the benchmark's, kept out of the collector's scans (as telling_cpu does)
    kanten: dict[str, tuple[GebundeldeRunner, Any]] = {}
    for naam, projectie in (("zonder snel", ZonderSnel()), ("met snel", TellingProjection())):
        url = dsn.rsplit("/", 1)[0] + f"/ab_{uuid.uuid4().hex[:8]}"
        await ensure_database(url)
        pool = await create_pool(url, max_size=4)
        await migrate(pool, "telling")
        kanten[naam] = (GebundeldeRunner(projectie, pool, "niet-gebruikt:9092", topics=["ab"], group_id="ab"), pool)
    cpu = dict.fromkeys(kanten, 0.0)
    lezen = dict.fromkeys(kanten, 0.0)
    namen = list(kanten)
    for i, bundel in enumerate(alle):
        for naam in namen if i % 2 == 0 else reversed(namen):
            runner = kanten[naam][0]
            runner._assigned.update(bundel)
            c0 = time.process_time()
            with GC_PAUZE.gepauzeerd():  # as the runner applies a fetch
                decoded = {tp: runner._lees(recs)[0] for tp, recs in sorted(bundel.items())}
                c1 = time.process_time()
                await runner._apply_bundel(bundel, decoded)
            cpu[naam] += time.process_time() - c0
            lezen[naam] += c1 - c0
    uit: dict[str, tuple[float, float, str]] = {}
    for naam, (_, pool) in kanten.items():
        async with pool.acquire() as conn:
            await inhalen(conn)
            h, _ = await inhoud_hash(conn)
        await pool.close()
        uit[naam] = (cpu[naam] / n * 1e6, lezen[naam] / n * 1e6, h)
    return uit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.telling_snel_ab", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=standaard_batch("telling"))
    args = parser.parse_args()
    configure_logging("bench", json=True, level="WARNING")
    with throwaway_postgres("leerrecht-ab-") as pg:
        uit = asyncio.run(main_async(pg.dsn(), args.events, args.seed, args.batch))
    for naam, (cpu, lezen, h) in uit.items():
        print(f"{naam:<12} CPU {cpu:6.1f} µs/event, of which reading the records {lezen:5.1f}; hash {h}")
    hashes = {h for _, _, h in uit.values()}
    print("hashes equal" if len(hashes) == 1 else "HASHES DIFFER")
    raise SystemExit(0 if len(hashes) == 1 else 1)


if __name__ == "__main__":
    main()
