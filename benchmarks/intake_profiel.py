"""``python -m benchmarks.intake_profiel``: where registratie's ``/v1/afwezigheden/batch`` spends its CPU.

The batch intake of issue 16 is CPU-bound in registratie's own process, so its cost is measured as CPU
time per absence (steadier than wall time on a shared machine), and a pyinstrument profile says where
it goes. The app runs in this process (as the service tests run it) on throwaway Kafka and PostgreSQL:
``--pupils`` pupils are enrolled, then batches of ``--rijen`` absences (one per pupil and school day,
the benchmark's shape) are sent one after the other: ``--warm`` batches to warm up, ``--batches`` timed
without the profiler, then ``--profiel`` batches under pyinstrument (text to stdout, HTML to
``benchmarks/results/``). The CPU time includes the in-process HTTP client's (building the JSON).

``--enkel N``: N single ``POST /v1/afwezigheden`` instead, 32 at once as ``benchmarks.intake`` sends them
(so the group commit combines them): CPU µs per request (``time.process_time``), and with ``--profiel``
a pyinstrument profile of the same run (text to stdout, HTML to ``benchmarks/results/``). The profile is
wall-clock time: on a loaded machine it also counts the time the process waited for a core.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from benchmarks.intake import SCHOOL, school_days
from leerrecht.localinfra import throwaway_servers
from leerrecht.synthetic import synthetic_bsns

TOKEN = f"profiel-school-{secrets.token_urlsafe(32)}"


def rijen_per_dag(bsns: list[str], rijen: int) -> Iterator[list[dict[str, Any]]]:
    """Batches of ``rijen`` absences, day after day for every pupil (0.5 h ZIEK: no report threshold)."""
    alle = ({"pgn": b, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"} for d in school_days(150) for b in bsns)
    batch: list[dict[str, Any]] = []
    for r in alle:
        batch.append(r)
        if len(batch) == rijen:
            yield batch
            batch = []


async def run(bootstrap: str, dsn: str, args: argparse.Namespace) -> None:
    from registratie.app import build_app
    from registratie.config import RegistratieSettings

    settings = RegistratieSettings(  # type: ignore[call-arg]
        DATABASE_URL=dsn, KAFKA_BOOTSTRAP_SERVERS=bootstrap, AUTH_MODE="static",
        API_TOKENS=f"{TOKEN}={SCHOOL}:school", PSEUDONYM_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        REGIONS="MC28", DAGTAAK_INTERVAL_S=0, LOG_JSON=False, LOG_LEVEL="WARNING", RATE_LIMIT_PER_S=0,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registratie", timeout=300,
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            bsns = synthetic_bsns(args.pupils)
            sem = asyncio.Semaphore(8)

            async def enrol(i: int, bsn: str) -> None:
                async with sem:
                    r = await client.post("/v1/inschrijvingen", headers={"Idempotency-Key": f"inschrijving-{i:05d}"},
                                          json={"pgn": bsn, "geboortedatum": "2015-03-01", "woongemeente": "GM0637",
                                                "school": SCHOOL, "ingangsdatum": "2025-08-25"})
                    assert r.status_code == 201, r.text[:300]

            await asyncio.gather(*(enrol(i, b) for i, b in enumerate(bsns)))
            batches = rijen_per_dag(bsns, args.rijen)
            n = 0

            async def send() -> None:
                nonlocal n
                r = await client.post("/v1/afwezigheden/batch", headers={"Idempotency-Key": f"batch-{n:05d}"},
                                      json={"rijen": next(batches)})
                n += 1
                body = r.json()
                assert r.status_code == 207 and not body.get("geweigerd"), str(body)[:300]

            if args.enkel:  # single POSTs, 32 at once, as benchmarks.intake sends them
                rijen = [r for _ in range(max(1, args.enkel // args.rijen + 1)) for r in next(batches)][:args.enkel]
                sem32 = asyncio.Semaphore(32)

                async def enkel(i: int, rij: dict[str, Any]) -> None:
                    async with sem32:
                        r = await client.post("/v1/afwezigheden", json=rij,
                                              headers={"Idempotency-Key": f"enkel-{i:06d}"})
                        assert r.status_code == 201, r.text[:300]

                cpu, wall = time.process_time(), time.perf_counter()
                profiler_enkel = None
                if args.profiel:
                    from pyinstrument import Profiler

                    profiler_enkel = Profiler(async_mode="enabled")
                    profiler_enkel.start()
                await asyncio.gather(*(enkel(i, r) for i, r in enumerate(rijen)))
                if profiler_enkel is not None:
                    profiler_enkel.stop()
                    print(profiler_enkel.output_text(unicode=True, color=False, show_all=False))
                    out = Path(__file__).parent / "results"
                    out.mkdir(exist_ok=True)
                    (out / f"intake-profiel-enkel-{time.strftime('%Y%m%dT%H%M%S')}.html").write_text(
                        profiler_enkel.output_html())
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                print(f"{len(rijen)} single POSTs: CPU {cpu / len(rijen) * 1e6:,.0f} µs per absence"
                      f"{' (under the profiler)' if profiler_enkel else ''}, {len(rijen) / wall:,.0f}/s")
                return
            for _ in range(args.warm):
                await send()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.batches):
                await send()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            rows = args.batches * args.rijen
            print(f"{rows} absences in {args.batches} batches: CPU {cpu / rows * 1e6:,.0f} µs per absence, "
                  f"wall {wall / rows * 1e6:,.0f} µs per absence ({rows / wall:,.0f}/s)")
            if args.profiel:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
                with profiler:
                    for _ in range(args.profiel):
                        await send()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
                out = Path(__file__).parent / "results"
                out.mkdir(exist_ok=True)
                (out / f"intake-profiel-{time.strftime('%Y%m%dT%H%M%S')}.html").write_text(profiler.output_html())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pupils", type=int, default=500)
    parser.add_argument("--rijen", type=int, default=500)
    parser.add_argument("--warm", type=int, default=2)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--profiel", type=int, default=3, help="batches under pyinstrument (0 = none)")
    parser.add_argument("--enkel", type=int, default=0, help="send this many single POSTs instead of batches")
    args = parser.parse_args()
    with throwaway_servers("leerrecht-intake-profiel-") as (kafka, pg):
        asyncio.run(run(kafka.bootstrap, pg.dsn("profiel_registratie"), args))


if __name__ == "__main__":
    main()
