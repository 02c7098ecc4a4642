"""``python -m benchmarks.latentie``: end-to-end latency, a school's POST → the count stream (issue 16.4).

On a throwaway Kafka and PostgreSQL all four services run as their own processes, as in
``benchmarks.soak``: registratie, leerplicht and rmc for MC28, leerplicht for MC29, and telling. After
enrolments at one school (00AP00, Zoetermeer, MC28), one pupil per absence, absences are sent at a steady
``--rate`` per second for ``--seconds``, as schools' systems send them: requests of ``--rijen`` rows to
``/v1/afwezigheden/batch`` (``--rijen 1``: single ``POST /v1/afwezigheden``), started on a fixed
schedule (open loop: a slow answer does not slow the sender down; at most ``--max-open`` requests in
flight, the rest counted as not sent in time).

The latency of an absence is from the moment its request was sent until the first
``CijferBijgewerkt`` on ``leerrecht.telling.cijfers`` whose as-of position (``positie``, per partition
the next offset telling had read) lies past the absence's own offset on the regional topic, as a
consumer of the count stream receives it. The count stream publishes only counts of persons and cases
(``Indicator.gepubliceerd``; sums and registrations stay internal) and only cells whose shown value
changed, so an absence that changes no published figure is never "seen". Every absence here is
therefore, by default, its own pupil's first unauthorised one this schooljaar: each changes
``leerlingen.met_ongeoorloofde_afwezigheid``. (The first version sent four absences of mixed codes per
pupil; a pupil's later absences changed no published figure and were counted as never seen.)

``--per-leerling K`` sends K absences per pupil on K school days, a pupil's rows one after the other, so
every K-th absence is a first and the stream keeps moving: a later absence changes no figure and is
"seen" when the stream's as-of position passes it (the figures then include it). The first absences'
latency is printed apart. Why: five minutes at 1,000 absences a second with one pupil each would need
300,000 pupils, and the synthetic 999… numbers give about 81,000 (``leerrecht.synthetic``). The pupils
are enrolled through ``/v1/inschrijvingen/batch`` (``benchmarks.soak.enrol``).
Printed: p50, p95, p99 and max of that latency, of
the HTTP answer, and of the part after the answer (answer → count stream: the projections and the stream
without the intake); written to ``benchmarks/results/latentie-<time>.json`` for ``benchmarks.samenvatting``.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import shutil
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from benchmarks.soak import TOKEN, Platform, enrol, percentile, start_platform
from contracts.envelope import Envelope
from contracts.topics import COUNT_TOPIC, region_events_topic
from leerrecht.kalender import standaard_kalender
from leerrecht.localinfra import throwaway_servers
from leerrecht.synthetic import synthetic_bsns

TOPIC = region_events_topic("MC28")


def schooldagen(n: int) -> list[date]:
    """Past school days of holiday region midden (Zoetermeer), newest first: every row a distinct day
    per pupil, so each is a new absence."""
    kal, d = standaard_kalender(), date.today() - timedelta(days=1)
    out: list[date] = []
    while len(out) < n:
        if kal.is_schooldag(d, "midden"):
            out.append(d)
        d -= timedelta(days=1)
    return out


class Stroom:
    """Reads the count stream from its end, keeping per partition of the regional topic the as-of
    position of each record and when it arrived here."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                         fetch_max_wait_ms=20)
        self.posities: dict[int, list[tuple[float, int]]] = defaultdict(list)  # partition → (arrival, position)

    async def start(self) -> None:
        await self.consumer.start()
        await self.consumer._client.force_metadata_update()
        tps = [TopicPartition(COUNT_TOPIC, p) for p in self.consumer.partitions_for_topic(COUNT_TOPIC) or set()]
        if not tps:
            raise RuntimeError(f"{COUNT_TOPIC} bestaat niet")
        self.consumer.assign(tps)
        await self.consumer.seek_to_end(*tps)
        for tp in tps:  # the end now, before any traffic
            await self.consumer.position(tp)

    async def lees(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batch = await self.consumer.getmany(timeout_ms=100)
            nu = time.time()
            for records in batch.values():
                for r in records:
                    if r.value is None:
                        continue
                    for sleutel, pos in Envelope.from_json(r.value).data.get("positie", {}).items():
                        topic, _, part = sleutel.rpartition(":")
                        if topic == TOPIC:
                            self.posities[int(part)].append((nu, int(pos)))

    def bereikt(self, eind: dict[int, int]) -> bool:
        return all(max((p for _, p in self.posities.get(part, [])), default=0) >= off for part, off in eind.items())

    def aankomst(self) -> dict[int, tuple[list[int], list[float]]]:
        """Per partition: the running maximum of the position in arrival order, and the arrival times."""
        uit = {}
        for part, rijen in self.posities.items():
            hoogste, posities, tijden = -1, [], []
            for t, p in sorted(rijen):
                if p > hoogste:
                    hoogste = p
                    posities.append(p)
                    tijden.append(t)
            uit[part] = (posities, tijden)
        return uit


async def offsets_van(bootstrap: str, ids: set[str]) -> dict[str, tuple[int, int]]:
    """afwezigheid_id → (partition, offset) of its AfwezigheidGeregistreerd on the regional topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    uit: dict[str, tuple[int, int]] = {}
    try:
        tps = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or set()]
        if not tps:
            await consumer._client.force_metadata_update()
            tps = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or set()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        eind = await consumer.end_offsets(tps)
        deadline = time.monotonic() + 300
        async def achter() -> bool:
            return any([await consumer.position(tp) < eind[tp] for tp in tps])

        while await achter() and time.monotonic() < deadline:
            for tp, records in (await consumer.getmany(timeout_ms=500, max_records=5000)).items():
                for r in records:
                    if r.value is None or b"afwezigheid_geregistreerd" not in r.value:
                        continue
                    aid = str(Envelope.from_json(r.value).data.get("afwezigheid_id"))
                    if aid in ids:
                        uit[aid] = (tp.partition, r.offset)
    finally:
        await consumer.stop()
    return uit


async def telling_stand(platform: Platform) -> dict[str, Any]:
    """Where telling stands when the count stream did not reach the end: its checkpoints on the
    regional topic, the outbox waiting for the stream, and the cells it last published."""
    import asyncpg

    conn = await asyncpg.connect(platform.databases["telling"])
    try:
        return {
            "checkpoint": {str(r["partition"]): r["next_offset"] for r in await conn.fetch(
                "SELECT partition, next_offset FROM checkpoint WHERE topic = $1", TOPIC)},
            "uitbak": await conn.fetchval("SELECT count(*) FROM cijfer_gewijzigd"),
            "registraties": [dict(r) for r in await conn.fetch(
                "SELECT c.gebied, c.periode, c.waarde::text AS waarde, g.waarde AS gepubliceerd, g.onderdrukt "
                "FROM cijfer c LEFT JOIN gepubliceerd g ON g.indicator = c.indicator AND g.periode = c.periode "
                "AND g.cel_sleutel LIKE '%' || c.gebied || '%' "
                "WHERE c.indicator = 'afwezigheid.registraties' AND c.uitsplitsing = '' LIMIT 10")],
        }
    finally:
        await conn.close()


async def eind_offsets(bootstrap: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or set()]
        return {tp.partition: off for tp, off in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


async def meet(args: argparse.Namespace, platform: Platform) -> dict[str, Any]:
    n_rijen = int(args.rate * args.seconds)
    k = args.per_leerling
    bsns = synthetic_bsns(math.ceil(n_rijen / k))
    t0 = time.perf_counter()
    await enrol(platform.services["registratie"].url, [(b, "MC28") for b in bsns])
    print(f"  {len(bsns)} pupils enrolled in {time.perf_counter() - t0:.0f} s", flush=True)
    bootstrap = platform.kafka.bootstrap
    stroom = Stroom(bootstrap)
    await stroom.start()
    stop = asyncio.Event()
    lezer = asyncio.create_task(stroom.lees(stop))

    # row i: pupil i // k on the (i % k)-th school day; the pupil's first row is its first unauthorised
    # absence this schooljaar (it changes a published figure), the others follow it in the same request
    # or the next
    dagen = schooldagen(k)
    rijen = [{"pgn": bsns[i // k], "datum": dagen[i % k].isoformat(), "uren": 0.5,
              "code": "ONGEOORLOOFD", "afwezigheid_id": str(uuid.uuid4())}
             for i in range(n_rijen)]
    eerste = {r["afwezigheid_id"] for i, r in enumerate(rijen) if i % k == 0}
    verzoeken = [rijen[i:i + args.rijen] for i in range(0, n_rijen, args.rijen)]
    interval = args.rijen / args.rate
    verzonden: dict[str, float] = {}  # afwezigheid_id → when its request was sent
    beantwoord: dict[str, float] = {}  # afwezigheid_id → when its request was answered (acknowledged)
    http: list[float] = []
    fouten: list[str] = []
    herhaald: list[int] = []
    verbroken: list[str] = []  # connections that broke under a request (sent again with the same key)
    niet_op_tijd = 0
    open_ = asyncio.Semaphore(args.max_open)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    run = uuid.uuid4().hex[:8]

    async with httpx.AsyncClient(base_url=platform.services["registratie"].url, timeout=60, headers=headers,
                                 limits=httpx.Limits(max_connections=args.max_open)) as client:
        async def stuur(i: int, chunk: list[dict[str, Any]]) -> None:
            async with open_:
                t = time.time()
                key = f"lat-{run}-{i:07d}"
                ok, r = False, None
                # a 503 or 429, or a connection that broke (e.g. a keep-alive connection the server closed
                # just as it was reused), is sent again with the same key, as a school's system does
                for _ in range(10):
                    try:
                        if args.rijen == 1:
                            r = await client.post("/v1/afwezigheden", json=chunk[0], headers={"Idempotency-Key": key})
                            ok = r.status_code in (200, 201)
                        else:
                            r = await client.post("/v1/afwezigheden/batch", json={"rijen": chunk},
                                                  headers={"Idempotency-Key": key})
                            ok = r.status_code == 207 and r.json().get("geaccepteerd") == len(chunk)
                    except httpx.TransportError as exc:
                        verbroken.append(type(exc).__name__)
                        await asyncio.sleep(0.2)
                        continue
                    if ok or r.status_code not in (429, 503):
                        break
                    herhaald.append(r.status_code)
                    await asyncio.sleep(min(5.0, float(r.headers.get("Retry-After", "1"))))
                http.append(time.time() - t)  # from the first attempt: what the school waits
                if not ok:
                    fouten.append(f"{r.status_code}: {r.text[:200]}" if r is not None
                                  else f"verbinding: {verbroken[-1]}")
                    return
                klaar = time.time()
                for row in chunk:
                    verzonden[row["afwezigheid_id"]] = t
                    beantwoord[row["afwezigheid_id"]] = klaar

        taken = []
        start = time.perf_counter()
        for i, chunk in enumerate(verzoeken):
            wacht = start + i * interval - time.perf_counter()
            if wacht > 0:
                await asyncio.sleep(wacht)
            if open_.locked():
                niet_op_tijd += 1
            taken.append(asyncio.create_task(stuur(i, chunk)))
        await asyncio.gather(*taken)
        duur = time.perf_counter() - start

    eind = await eind_offsets(bootstrap)
    deadline = time.monotonic() + args.drain
    while not stroom.bereikt(eind) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    stop.set()
    await lezer
    await stroom.consumer.stop()

    waar = await offsets_van(bootstrap, set(verzonden))
    diagnose = await telling_stand(platform) if not stroom.bereikt(eind) else {}
    aankomst = stroom.aankomst()
    # an absence not seen on the count stream within the drain counts as infinitely late, so p99 is
    # never computed over the fast ones only
    lat: list[float] = []
    lat_eerste: list[float] = []  # the pupils' first absences only: each changes a published figure itself
    # from the intake's answer to the count stream: the part of the latency after the intake (the
    # projections and the stream), apart from the intake's own answer on the same shared cores
    lat_na: list[float] = []
    niet_gezien = 0
    ongezien: dict[str, list[int]] = defaultdict(list)  # why an absence was not seen: where it lies
    for aid, t in verzonden.items():
        if aid not in waar or waar[aid][0] not in aankomst:
            niet_gezien += 1
            lat.append(math.inf)
            if aid in eerste:
                lat_eerste.append(math.inf)
            lat_na.append(math.inf)
            ongezien["niet op het topic" if aid not in waar else f"partitie {waar[aid][0]} nooit in positie"].append(
                waar.get(aid, (0, -1))[1])
            continue
        part, off = waar[aid]
        posities, tijden = aankomst[part]
        j = bisect.bisect_right(posities, off)  # the first as-of position past this offset
        if j == len(posities):
            niet_gezien += 1
            lat.append(math.inf)
            if aid in eerste:
                lat_eerste.append(math.inf)
            lat_na.append(math.inf)
            ongezien[f"partitie {part} na positie {posities[-1]} (eind {eind.get(part)})"].append(off)
            continue
        lat.append(tijden[j] - t)
        lat_na.append(max(0.0, tijden[j] - beantwoord[aid]))
        if aid in eerste:
            lat_eerste.append(tijden[j] - t)

    def eindig(x: float) -> float | None:
        return None if math.isinf(x) else x

    return {
        "rate_doel": args.rate, "rijen_per_verzoek": args.rijen, "seconden": args.seconds, "pupils": len(bsns),
        "per_leerling": k,
        "verzonden": n_rijen, "bevestigd": len(verzonden), "fouten": len(fouten), "voorbeeld_fouten": fouten[:3],
        "herhaald": len(herhaald), "verbroken": dict(Counter(verbroken)), "drain_s": args.drain,
        "diensten_gestopt": sorted(n for n, svc in platform.services.items() if svc.proc.poll() is not None),
        "rate_gehaald": len(verzonden) / duur, "verzoeken_niet_op_tijd": niet_op_tijd,
        "in_telling_niet_gezien": niet_gezien,
        "niet_gezien_waar": {k: [min(v), max(v), len(v)] for k, v in ongezien.items()},
        "telling_stand": diagnose,
        "e2e_p50_s": eindig(percentile(lat, 50)), "e2e_p95_s": eindig(percentile(lat, 95)),
        "e2e_p99_s": eindig(percentile(lat, 99)), "e2e_max_s": eindig(max(lat, default=0.0)),
        "e2e_eerste_p50_s": eindig(percentile(lat_eerste, 50)), "e2e_eerste_p99_s": eindig(percentile(lat_eerste, 99)),
        "http_p50_s": percentile(http, 50), "http_p99_s": percentile(http, 99),
        "na_antwoord_p50_s": eindig(percentile(lat_na, 50)), "na_antwoord_p99_s": eindig(percentile(lat_na, 99)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200, help="absences per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rijen", type=int, default=20, help="rows per request (1: single POSTs)")
    parser.add_argument("--per-leerling", type=int, default=1,
                        help="absences per pupil on as many school days (1: each its pupil's first)")
    parser.add_argument("--max-open", type=int, default=32)
    parser.add_argument("--drain", type=float, default=120, help="at most this long for telling to catch up")
    args = parser.parse_args(argv)
    with throwaway_servers("leerrecht-bench-latentie-") as (kafka, pg):
        platform = Platform(kafka, pg, kafka.home.parent / "logs")
        try:
            start_platform(platform)
            print(f"Leerrecht end-to-end latency: {args.rate:g} absences/s for {args.seconds:g} s, "
                  f"{args.rijen} per request, all four services\n", flush=True)
            res = asyncio.run(meet(args, platform))
            if res["diensten_gestopt"]:  # keep their logs: the servers' folder is removed on the way out
                shutil.copytree(platform.logs, Path(__file__).parent / "results" /
                                f"latentie-logs-{time.strftime('%Y%m%dT%H%M%S')}")
        finally:
            platform.stop()
    print(f"  sent / acknowledged             {res['verzonden']:>8,} / {res['bevestigd']:,} "
          f"({res['fouten']} requests refused, {res['herhaald']} retries, {res['verzoeken_niet_op_tijd']} late)")
    if res["verbroken"] or res["diensten_gestopt"]:
        print(f"  connections broken under a request (sent again): {res['verbroken']}; "
              f"services no longer running: {res['diensten_gestopt'] or 'none'}")
    print(f"  rate reached                    {res['rate_gehaald']:>8,.0f} absences/s (asked {args.rate:g})")
    def s(x: float | None) -> str:
        return f"{x:.2f}" if x is not None else f"> {args.drain:g}"

    print(f"  POST → count stream   p50 / p95 / p99 / max   {s(res['e2e_p50_s'])} / {s(res['e2e_p95_s'])} / "
          f"{s(res['e2e_p99_s'])} / {s(res['e2e_max_s'])} s ({res['in_telling_niet_gezien']} not seen on the "
          f"count stream within {args.drain:g} s after the traffic)")
    if args.per_leerling > 1:
        print(f"  of which the pupils' first absences  p50 / p99  {s(res['e2e_eerste_p50_s'])} / "
              f"{s(res['e2e_eerste_p99_s'])} s (each changes a published figure itself)")
    print(f"  HTTP answer           p50 / p99               {res['http_p50_s']:.2f} / {res['http_p99_s']:.2f} s")
    print(f"  answer → count stream p50 / p99               {s(res['na_antwoord_p50_s'])} / "
          f"{s(res['na_antwoord_p99_s'])} s (the projections and the stream, after the intake)")
    for waar, (laagste, hoogste, aantal) in res["niet_gezien_waar"].items():
        print(f"  not seen: {aantal} at offsets {laagste}–{hoogste}: {waar}")
    if res["telling_stand"]:
        print(f"  telling then: {json.dumps(res['telling_stand'], default=str)}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"latentie-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(res, indent=2))
    return 0 if res["bevestigd"] and not res["in_telling_niet_gezien"] and not res["diensten_gestopt"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
