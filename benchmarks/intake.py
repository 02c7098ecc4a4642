"""``python -m benchmarks.intake``: registratie's HTTP intake throughput, against raw Kafka.

A real registratie process (``python -m registratie``) on real Kafka and PostgreSQL. Measured in
the same run:

* raw aiokafka ``send_and_wait`` per record, and raw batched produce: the broker's limits for the
  two shapes of intake (a school sending one absence, a school system sending a day's batch);
* ``POST /v1/afwezigheden`` one absence per request, 32 concurrent clients;
* ``POST /v1/afwezigheden/batch`` with 500 rows per request, 4 concurrent clients;
* the same requests against the simplest correct intake (:mod:`benchmarks.referentie_intake`: token,
  validation, pseudonym, one transaction, publish, 2xx after the acks): the floor of both.

Each accepted absence is validated, pseudonymised, checked against the pupil's enrolment, stored
with its idempotency key, published with acks=all, applied to registratie's state and evaluated
against the legal rules before the 2xx. The ratios say what that costs against the raw produce.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from leerrecht import processes
from leerrecht.kafka import TopicSpec, ensure_topics
from leerrecht.localinfra import throwaway_servers
from leerrecht.synthetic import synthetic_bsns

SCHOOL = "00AP00"  # WereldWijs, Zoetermeer (MC28)
TOKEN = f"bench-school-{secrets.token_urlsafe(32)}"  # AUTH_MODE=static: 32 random bytes


async def raw_send_and_wait(bootstrap: str, n: int) -> float:
    topic = f"bench.intake.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, 3, {"retention.ms": "-1"})])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    value = b"x" * 700
    sem = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        async with sem:
            await producer.send_and_wait(topic, value, key=str(i).encode())

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    rate = n / (time.perf_counter() - t0)
    await producer.stop()
    return rate


async def raw_batched(bootstrap: str, n: int) -> float:
    topic = f"bench.intake.{uuid.uuid4().hex[:6]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, 3, {"retention.ms": "-1"})])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    value = b"x" * 700
    t0 = time.perf_counter()
    for i in range(0, n, 500):
        futures = [await producer.send(topic, value, key=str(j).encode()) for j in range(i, min(n, i + 500))]
        await asyncio.gather(*futures)
    rate = n / (time.perf_counter() - t0)
    await producer.stop()
    return rate


async def raw_limits(bootstrap: str, singles: int, rows: int, keer: int = 3) -> tuple[float, float]:
    """Both raw limits on a warmed-up broker, each the median of ``keer`` runs (all printed).

    Why (as ``python -m benchmarks``): the broker is a JVM started moments before, and its first records
    cost it about twice the CPU of later ones; measured first and once, the raw limits were taken on a cold
    broker while the intake ran on a warm one."""
    await raw_batched(bootstrap, rows)  # the warm-up, not measured
    await raw_send_and_wait(bootstrap, singles)
    enkel = [await raw_send_and_wait(bootstrap, singles) for _ in range(keer)]
    batch = [await raw_batched(bootstrap, rows) for _ in range(keer)]
    print(f"  raw send_and_wait runs: {', '.join(f'{r:,.0f}' for r in enkel)}; raw batched runs: "
          f"{', '.join(f'{r:,.0f}' for r in batch)} absences/s, in run order (the medians are used)")
    return sorted(enkel)[keer // 2], sorted(batch)[keer // 2]


def school_days(n: int) -> list[date]:
    days, d = [], date(2025, 9, 1)
    while len(days) < n:
        if d.weekday() < 5 and not (date(2025, 10, 18) <= d <= date(2025, 10, 26)):
            days.append(d)
        d += timedelta(days=1)
    return days


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process used so far: steadier than wall time on a shared machine."""
    velden = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(velden[11]) + int(velden[12])) / os.sysconf("SC_CLK_TCK")


HERHAALD: dict[str, int] = {"503": 0, "429": 0}


class Verbinding:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer, nothing more.

    The benchmark's client runs on the same 2 cores as the service it measures: httpx spent about as much
    CPU per single POST as registratie itself, so the figure measured the client too. Each absence is still
    its own HTTP request with its own ``Authorization`` and ``Idempotency-Key`` headers; only the connection
    is reused (as a school's system with keep-alive does)."""

    def __init__(self, url: str, token: str) -> None:
        u = httpx.URL(url)
        self.host, self.port = u.host, u.port or 80
        self.kop = (f"Host: {self.host}:{self.port}\r\nAuthorization: Bearer {token}\r\n"
                    "Content-Type: application/json\r\n")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: Any, key: str) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\n{self.kop}Idempotency-Key: {key}\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        status = int((await self.reader.readline()).split()[1])
        headers: dict[str, str] = {}
        while (regel := await self.reader.readline()) not in (b"\r\n", b""):
            naam, _, waarde = regel.decode().partition(":")
            headers[naam.strip().lower()] = waarde.strip()
        inhoud = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.reader = self.writer = None
        return status, headers, inhoud

    def sluit(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def post_met_herhaling(client: httpx.AsyncClient, path: str, body: Any, key: str) -> httpx.Response:
    """POST as a school's system does: a 503 or 429 is sent again with the same key after its Retry-After
    (counted in ``HERHAALD``), so an overloaded moment costs time in the figure instead of ending the run."""
    while True:
        r = await client.post(path, json=body, headers={"Idempotency-Key": key})
        if r.status_code not in (429, 503):
            return r
        HERHAALD[str(r.status_code)] += 1
        await asyncio.sleep(min(5.0, float(r.headers.get("Retry-After", "1"))))


def inschrijving(bsn: str) -> dict[str, str]:
    return {"pgn": bsn, "geboortedatum": "2015-03-01", "woongemeente": "GM0637", "school": SCHOOL,
            "ingangsdatum": "2025-08-25"}


async def enrol_batches(client: httpx.AsyncClient, bsns: list[str], pid: int) -> tuple[float, float]:
    """``POST /v1/inschrijvingen/batch``, 500 rows a request, 2 clients: enrolments/s and CPU µs each."""
    sem = asyncio.Semaphore(2)

    async def batch(i: int, chunk: list[str]) -> None:
        async with sem:
            r = await post_met_herhaling(client, "/v1/inschrijvingen/batch",
                                         {"rijen": [inschrijving(b) for b in chunk]}, f"bench-insb-{i:05d}")
            if r.status_code != 207 or r.json().get("geweigerd"):
                raise RuntimeError(f"enrolment batch: {r.status_code}: {r.text[:300]}")

    t0, c0 = time.perf_counter(), cpu_s(pid)
    await asyncio.gather(*(batch(i, bsns[i:i + 500]) for i in range(0, len(bsns), 500)))
    return len(bsns) / (time.perf_counter() - t0), (cpu_s(pid) - c0) / max(1, len(bsns)) * 1e6


async def run(url: str, pupils: int, singles: int, batches: int, pid: int, batch_pupils: int) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    alle = synthetic_bsns(pupils + batch_pupils)
    bsns = alle[:pupils]
    async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as client:
        sem = asyncio.Semaphore(16)

        async def enrol(i: int, bsn: str) -> None:
            async with sem:
                r = await client.post("/v1/inschrijvingen", headers={"Idempotency-Key": f"bench-ins-{i:05d}"},
                                      json=inschrijving(bsn))
                if r.status_code != 201:
                    raise RuntimeError(f"enrolment: {r.status_code}: {r.text[:300]}")

        t0, c0 = time.perf_counter(), cpu_s(pid)
        await asyncio.gather(*(enrol(i, b) for i, b in enumerate(bsns)))
        enrol_rate = len(bsns) / (time.perf_counter() - t0)
        enrol_cpu = (cpu_s(pid) - c0) / max(1, len(bsns)) * 1e6
        # further pupils through the batch endpoint; they get no absences (the timed runs below use ``bsns``)
        enrol_batch_rate, enrol_batch_cpu = await enrol_batches(client, alle[pupils:], pid) if batch_pupils else (0, 0)
        single_rows, batch_rows = afwezigheidsrijen(bsns, singles, batches)
        single_rate, single_cpu, client_cpu = await enkele_posts(url, single_rows, "bench-single", pid)
        batch_rate, batch_cpu = await batch_posts(client, batch_rows, "bench-batch", pid)
    return {"http_enrol": enrol_rate, "cpu_us_enrol": enrol_cpu, "http_enrol_batch": enrol_batch_rate,
            "cpu_us_enrol_batch": enrol_batch_cpu,
            "http_single": single_rate, "http_batch": batch_rate, "cpu_us_single": single_cpu,
            "cpu_us_batch": batch_cpu, "cpu_us_client_single": client_cpu}


Rijen = list[dict[str, Any]]


def afwezigheidsrijen(bsns: list[str], singles: int, batches: int) -> tuple[Rijen, Rijen]:
    """The timed runs' rows, for the single POSTs and for ``batches`` batches of 500: one absence of 0.5 h per
    pupil per school day, far below any report threshold, so the rules run for every row but publish nothing
    extra."""
    rows = [{"pgn": b, "datum": d.isoformat(), "uren": 0.5, "code": "ZIEK"} for d in school_days(60) for b in bsns]
    return rows[:singles], rows[singles:singles + batches * 500]


async def enkele_posts(url: str, rows: Rijen, sleutel: str, pid: int) -> tuple[float, float, float]:
    """One ``POST /v1/afwezigheden`` per row from 32 concurrent clients, each on its own keep-alive connection
    (:class:`Verbinding`), a 429 or 503 sent again after its Retry-After: the rate, the server's (``pid``) CPU
    µs per request and this client's."""
    verbindingen: asyncio.Queue[Verbinding] = asyncio.Queue()
    for _ in range(32):
        verbindingen.put_nowait(Verbinding(url, TOKEN))

    async def single(i: int, row: dict[str, Any]) -> None:
        v = await verbindingen.get()
        try:
            while True:
                status, kop, inhoud = await v.post("/v1/afwezigheden", row, f"{sleutel}-{i:05d}")
                if status not in (429, 503):
                    break
                HERHAALD[str(status)] += 1
                await asyncio.sleep(min(5.0, float(kop.get("retry-after", "1"))))
            if status != 201:
                raise RuntimeError(f"{status}: {inhoud[:200]!r}")
        finally:
            verbindingen.put_nowait(v)

    t0, c0, k0 = time.perf_counter(), cpu_s(pid), time.process_time()
    await asyncio.gather(*(single(i, r) for i, r in enumerate(rows)))
    rate = len(rows) / (time.perf_counter() - t0)
    n = max(1, len(rows))
    server_cpu, client_cpu = (cpu_s(pid) - c0) / n * 1e6, (time.process_time() - k0) / n * 1e6
    while not verbindingen.empty():
        verbindingen.get_nowait().sluit()
    return rate, server_cpu, client_cpu


async def batch_posts(client: httpx.AsyncClient, rows: Rijen, sleutel: str, pid: int) -> tuple[float, float]:
    """``POST /v1/afwezigheden/batch`` with 500 rows a request from 4 concurrent clients: the rate and the
    server's (``pid``) CPU µs per row. A batch answered other than 207 with nothing refused ends the run."""
    sem4 = asyncio.Semaphore(4)

    async def batch(i: int, chunk: list[dict[str, Any]]) -> None:
        async with sem4:
            r = await post_met_herhaling(client, "/v1/afwezigheden/batch", {"rijen": chunk}, f"{sleutel}-{i:05d}")
            body = r.json()
            if r.status_code != 207 or body.get("geweigerd"):
                raise RuntimeError(f"{r.status_code}: {str(body)[:300]}")

    t0, c0 = time.perf_counter(), cpu_s(pid)
    await asyncio.gather(*(batch(i, rows[i:i + 500]) for i in range(0, len(rows), 500)))
    return len(rows) / (time.perf_counter() - t0), (cpu_s(pid) - c0) / max(1, len(rows)) * 1e6


async def run_referentie(url: str, pupils: int, singles: int, batches: int, pid: int) -> dict[str, float]:
    """The same single POSTs and batches as :func:`run` sends registratie, against
    :mod:`benchmarks.referentie_intake`: rates and its process's CPU per absence."""
    single_rows, batch_rows = afwezigheidsrijen(synthetic_bsns(pupils), singles, batches)
    single_rate, single_cpu, _ = await enkele_posts(url, single_rows, "ref-single", pid)
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        batch_rate, batch_cpu = await batch_posts(client, batch_rows, "ref-batch", pid)
    return {"ref_single": single_rate, "ref_batch": batch_rate, "cpu_us_ref_single": single_cpu,
            "cpu_us_ref_batch": batch_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pupils", type=int, default=500)
    parser.add_argument("--singles", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=20, help="batches of 500 rows")
    parser.add_argument("--batch-pupils", type=int, default=2000,
                        help="pupils enrolled through /v1/inschrijvingen/batch (500 rows a request)")
    args = parser.parse_args()
    with throwaway_servers("leerrecht-bench-intake-") as (kafka, pg):
        svc = processes.launch("registratie", {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap, "DATABASE_URL": pg.dsn("bench_registratie"),
            "AUTH_MODE": "static", "API_TOKENS": f"{TOKEN}={SCHOOL}:school", "REGIONS": "MC28",
            # the production level (INFO): each request writes its http_request line, as it does in production
            "PSEUDONYM_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "RATE_LIMIT_PER_S": "0",  # one school token measures throughput here: no per-client limit
        }, log=kafka.home.parent / "registratie.log")
        try:
            processes.wait_ready(svc)
            print(f"Leerrecht intake benchmark: {args.pupils} pupils, {args.singles} single requests, "
                  f"{args.batches} batches of 500 rows\n")
            raw_single, raw_batch = asyncio.run(raw_limits(kafka.bootstrap, args.singles, args.batches * 500))
            load_begin = os.getloadavg()[0]
            res = asyncio.run(run(svc.url, args.pupils, args.singles, args.batches, svc.proc.pid, args.batch_pupils))
            load_eind = os.getloadavg()[0]
        finally:
            svc.stop()
        # the simplest correct intake, the same requests, the same raw limits (benchmarks.referentie_intake)
        ref = processes.launch("benchmarks.referentie_intake", {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap, "DATABASE_URL": pg.dsn("bench_referentie_intake"),
            "API_TOKEN": TOKEN, "METRICS_PORT": "0"}, log=kafka.home.parent / "referentie_intake.log")
        try:
            processes.wait_ready(ref)
            res.update(asyncio.run(run_referentie(ref.url, args.pupils, args.singles, args.batches, ref.proc.pid)))
        finally:
            ref.stop()
    for label, rate in (
        ("raw aiokafka send_and_wait, 32 concurrent", raw_single),
        ("raw aiokafka batched produce, 500 per flush", raw_batch),
        ("POST /v1/afwezigheden, 32 concurrent clients", res["http_single"]),
        ("POST /v1/afwezigheden/batch, 500 rows, 4 clients", res["http_batch"]),
        ("the simplest correct intake, single, 32 clients", res["ref_single"]),
        ("the simplest correct intake, batch of 500, 4 clients", res["ref_batch"]),
    ):
        print(f"  {label:<52} {rate:>10,.0f} absences/s")
    print(f"\n  registratie's CPU per absence: {res['cpu_us_single']:,.0f} µs single, "
          f"{res['cpu_us_batch']:,.0f} µs in /batch; load average {load_begin:.1f} -> {load_eind:.1f}")
    print(f"  enrolments (POST /v1/inschrijvingen, 16 concurrent, before the timed runs): "
          f"{res['http_enrol']:,.0f}/s at {res['cpu_us_enrol']:,.0f} µs of registratie's CPU each")
    if args.batch_pupils:
        print(f"  enrolments (POST /v1/inschrijvingen/batch, 500 rows, 2 clients, {args.batch_pupils} pupils): "
              f"{res['http_enrol_batch']:,.0f}/s at {res['cpu_us_enrol_batch']:,.0f} µs each")
    print(f"  the benchmark client's own CPU per single POST: {res['cpu_us_client_single']:,.0f} µs")
    print(f"  requests sent again after 503 / 429: {HERHAALD['503']} / {HERHAALD['429']}")
    print("\nRatios")
    print(f"  {'single intake / raw send_and_wait':<52} {res['http_single'] / raw_single:>10.2f}")
    print(f"  {'batch intake / raw batched produce':<52} {res['http_batch'] / raw_batch:>10.2f}")
    print(f"  {'the simplest single intake / raw send_and_wait':<52} {res['ref_single'] / raw_single:>10.2f}")
    print(f"  {'the simplest batch intake / raw batched produce':<52} {res['ref_batch'] / raw_batch:>10.2f}")
    print(f"  the simplest intake's CPU per absence: {res['cpu_us_ref_single']:,.0f} µs single, "
          f"{res['cpu_us_ref_batch']:,.0f} µs in a batch")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"intake-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(
        {**res, "raw_send_and_wait": raw_single, "raw_batched": raw_batch, "pupils": args.pupils,
         "singles": args.singles, "batches": args.batches, "batch_pupils": args.batch_pupils,
         "load_average": [load_begin, load_eind],
         "herhaald": HERHAALD}, indent=2))


if __name__ == "__main__":
    main()
