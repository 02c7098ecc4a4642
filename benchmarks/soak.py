"""``python -m benchmarks.soak --seconds N``: steady intake while faults are injected (issue 11, part 8).

Not part of ``make test``. On a throwaway Kafka and PostgreSQL (``leerrecht.localinfra``) it starts
registratie, leerplicht and rmc for region MC28, leerplicht for MC29, and telling, each as its own
process. Then, for ``--seconds``:

* **traffic**: ``--rate`` submissions per second (open loop, fixed rate) from one school (00AP00,
  Zoetermeer) for pupils enrolled at the start, living in Zoetermeer (MC28) or Nissewaard (MC29): single
  absences and small batches, every row a distinct (pupil, school day, code) of at most 8 hours with
  the school system's own id. A submission that gets a connection error, a timeout, a 5xx or a 429 is
  sent again with the SAME Idempotency-Key, as a school's system does, until acknowledged or
  ``--give-up`` seconds passed;
* **faults**: every ``--fault-every`` seconds one at random: SIGKILL of a random service process and its
  restart; PostgreSQL paused (SIGSTOP) for a few seconds; or the broker SIGKILLed and restarted.

Then the faults stop, the open submissions finish, every projection drains (bounded), and
:mod:`benchmarks.soak_check` compares what was acknowledged with the regional topics (from offset 0),
leerplicht's absence tables and telling's absence figures. It prints the counts, the faults by kind,
lost / doubled / unexpected and the latencies, writes ``benchmarks/results/soak<time>.json``
(git-ignored) and exits 1 when there is any anomaly. Every loop is bounded in count and time; all
traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import random
import secrets
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks.soak_check import Ledger, check, lagging
from leerrecht import processes
from leerrecht.kalender import standaard_kalender
from leerrecht.localinfra import KafkaNode, PostgresNode, throwaway_servers
from leerrecht.processes import ServiceProcess
from leerrecht.synthetic import synthetic_bsns

SCHOOL = "00AP00"  # WereldWijs, Zoetermeer: holiday region midden
TOKEN = f"soak-school-{secrets.token_urlsafe(32)}"  # AUTH_MODE=static: 32 random bytes
GEMEENTEN = {"MC28": "GM0637", "MC29": "GM1930"}  # Zoetermeer, Nissewaard
CODES = ["ZIEK", "ZIEK", "ZIEK", "ONGEOORLOOFD", "TE_LAAT", "VERLOF_GEWICHTIG", "RELIGIEUS", "ONBEKEND"]
HOURS = [0.5, 1, 1.5, 2, 2.5, 3, 4, 5.5, 8]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


@dataclass
class Platform:
    """The servers and the service processes; a killed process restarts on the same port."""

    kafka: KafkaNode
    pg: PostgresNode
    logs: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)

    def start(self, name: str, module: str, env: dict[str, str]) -> None:
        db = self.pg.dsn(f"soak_{name.lower()}")
        self.databases[name] = db
        self.services[name] = processes.launch(module, {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap, "DATABASE_URL": db, "LOG_LEVEL": "WARNING",
            "AUTH_MODE": "static", "API_TOKENS": f"{TOKEN}={SCHOOL}:school", "PROJECTION_BATCH_SIZE": "500", **env,
        }, self.logs / f"{name}.log", name=name)

    def restart(self, name: str) -> None:
        old = self.services[name]
        if old.proc.poll() is None:
            old.proc.send_signal(signal.SIGKILL)
        old.proc.wait()
        port = int(old.url.rsplit(":", 1)[1])
        # launch() truncates the log: keep the killed incarnation's log beside it
        with contextlib.suppress(OSError), old.log.open("rb") as src, \
                (self.logs / f"{name}.earlier.log").open("ab") as dst:
            dst.write(src.read())
        self.services[name] = processes.launch(_module(name), old.env,
                                               old.log, port=port, name=name)

    def stop(self) -> None:
        for svc in self.services.values():
            svc.stop(timeout=20)


def _module(name: str) -> str:
    return name.split("_")[0]


@dataclass
class Stats:
    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    given_up: int = 0
    attempts: int = 0
    retries_by_cause: Counter[str] = field(default_factory=Counter)
    not_started_backlog: int = 0
    latency_first_try_to_ack: list[float] = field(default_factory=list)
    latency_acknowledging_attempt: list[float] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    unexpected_exits: Counter[str] = field(default_factory=Counter)
    fault_errors: list[str] = field(default_factory=list)


class Traffic:
    """Distinct facts, submitted at a fixed rate, retried with the same key."""

    def __init__(self, args: argparse.Namespace, url: str, pupils: list[tuple[str, str]], rng: random.Random) -> None:
        self.args, self.url, self.pupils, self.rng = args, url, pupils, rng
        yesterday = date.today() - timedelta(days=1)
        days = list(standaard_kalender().schooldagen("midden", date(2025, 9, 1), yesterday))
        # one fact per (pupil, day): codes of a day never exceed a school day, no fact twice
        self.slots = [(p, d) for p in range(len(pupils)) for d in days]
        rng.shuffle(self.slots)
        self.ledger = Ledger()
        self.stats = Stats()
        self.inflight: set[asyncio.Task[None]] = set()

    def rows(self, n: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            p, d = self.slots.pop()
            bsn, regio = self.pupils[p]
            aid = str(uuid.uuid4())
            row = {"pgn": bsn, "datum": d.isoformat(), "uren": self.rng.choice(HOURS), "code": self.rng.choice(CODES),
                   "afwezigheid_id": aid}
            self.ledger.sent[aid] = {**row, "regio": regio}
            out.append(row)
        return out

    async def run(self, client: httpx.AsyncClient, until: float) -> None:
        interval = 1 / self.args.rate
        nxt = time.monotonic()
        n = 0
        while time.monotonic() < until and len(self.slots) > 5:
            if len(self.inflight) >= self.args.max_inflight:
                self.stats.not_started_backlog += 1
            else:
                n += 1
                single = self.rng.random() < 0.6
                rows = self.rows(1 if single else self.rng.randint(2, 5))
                task = asyncio.create_task(self.submit(client, f"soak-{n:07d}", rows, single))
                self.inflight.add(task)
                task.add_done_callback(self.inflight.discard)
            nxt += interval
            await asyncio.sleep(max(0.0, nxt - time.monotonic()))

    async def submit(self, client: httpx.AsyncClient, key: str, rows: list[dict[str, Any]], single: bool) -> None:
        self.stats.sent += 1
        path, body = ("/v1/afwezigheden", rows[0]) if single else ("/v1/afwezigheden/batch", {"rijen": rows})
        first = time.monotonic()
        give_up = first + self.args.give_up
        while time.monotonic() < give_up:
            self.stats.attempts += 1
            t0 = time.monotonic()
            wait = 0.5
            try:
                r = await client.post(path, json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError as exc:
                self.stats.retries_by_cause[type(exc).__name__] += 1
            else:
                if r.is_success:
                    done = time.monotonic()
                    self.stats.latency_first_try_to_ack.append(done - first)
                    self.stats.latency_acknowledging_attempt.append(done - t0)
                    self.stats.acknowledged += 1
                    results = r.json().get("resultaten") if not single else [{"status": r.status_code}]
                    for row, res in zip(rows, results or [], strict=False):
                        ok = 200 <= int(res.get("status", 0)) < 300
                        (self.ledger.acknowledged if ok else self.ledger.refused).add(row["afwezigheid_id"])
                    return
                if r.status_code in (429, 503) or r.status_code >= 500:
                    self.stats.retries_by_cause[str(r.status_code)] += 1
                    with contextlib.suppress(ValueError):
                        wait = min(5.0, float(r.headers.get("Retry-After", "0.5")))
                else:
                    self.stats.refused += 1
                    self.ledger.refused.update(row["afwezigheid_id"] for row in rows)
                    self.stats.retries_by_cause[f"refused {r.status_code}: {r.text[:120]}"] += 1
                    return
            await asyncio.sleep(wait * (0.5 + self.rng.random()))
        self.stats.given_up += 1


async def enrol(url: str, pupils: list[tuple[str, str]], per_verzoek: int = 500) -> None:
    """The pupils enrolled at SCHOOL as a school's system does at a year's start: ``/v1/inschrijvingen/batch``,
    500 rows a request (single POSTs did 55 a second; 60,000 pupils took 18 minutes), sent again on 503/429."""
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        sem = asyncio.Semaphore(2)

        async def batch(i: int, chunk: list[tuple[str, str]]) -> None:
            rijen = [{"pgn": bsn, "geboortedatum": "2013-06-01", "woongemeente": GEMEENTEN[regio], "school": SCHOOL,
                      "ingangsdatum": "2025-08-25"} for bsn, regio in chunk]
            async with sem:
                for _ in range(10):
                    r = await client.post("/v1/inschrijvingen/batch", json={"rijen": rijen},
                                          headers={"Idempotency-Key": f"soak-insb-{i:05d}"})
                    if r.status_code not in (429, 503):
                        break
                    await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                if r.status_code != 207 or r.json().get("geweigerd"):
                    raise RuntimeError(f"enrolment batch: {r.status_code}: {r.text[:300]}")

        await asyncio.gather(*(batch(i, pupils[j:j + per_verzoek])
                               for i, j in enumerate(range(0, len(pupils), per_verzoek))))


class Faults:
    """One random fault every ``fault_every`` seconds; between them, restart what died by itself."""

    def __init__(self, platform: Platform, stats: Stats, rng: random.Random, every: float) -> None:
        self.platform, self.stats, self.rng, self.every = platform, stats, rng, every

    def _wait_ready(self, name: str) -> None:
        try:
            processes.wait_ready(self.platform.services[name], timeout=120)
        except RuntimeError as exc:
            self.stats.fault_errors.append(f"{name} not ready after restart: {str(exc)[:300]}")

    def inject(self) -> None:
        kind = self.rng.choice(["kill_service", "kill_service", "pause_postgres", "restart_broker"])
        if kind == "kill_service":
            name = self.rng.choice(sorted(self.platform.services))
            self.stats.faults[f"kill {name}"] += 1
            self.platform.restart(name)
            self._wait_ready(name)
        elif kind == "pause_postgres":
            self.stats.faults["pause postgres"] += 1
            self.platform.pg.pause()
            time.sleep(self.rng.uniform(2, 8))
            self.platform.pg.resume()
        else:
            self.stats.faults["restart broker"] += 1
            self.platform.kafka.kill()
            time.sleep(self.rng.uniform(1, 3))
            try:
                self.platform.kafka.start()
            except Exception as exc:
                self.stats.fault_errors.append(f"broker restart: {exc}")

    def watchdog(self) -> None:
        for name, svc in list(self.platform.services.items()):
            if svc.proc.poll() is not None:
                self.stats.unexpected_exits[name] += 1
                self.platform.restart(name)
                self._wait_ready(name)

    async def run(self, until: float) -> None:
        nxt = time.monotonic() + self.every
        while time.monotonic() < until:
            await asyncio.to_thread(self.watchdog)
            if time.monotonic() >= nxt:
                await asyncio.to_thread(self.inject)
                nxt = time.monotonic() + self.every * self.rng.uniform(0.7, 1.3)
            await asyncio.sleep(0.5)


async def soak(args: argparse.Namespace, platform: Platform) -> dict[str, Any]:
    rng = random.Random(args.seed)
    regions = list(GEMEENTEN)
    bsns = synthetic_bsns(args.pupils, start=5000)
    pupils = [(b, regions[i % len(regions)]) for i, b in enumerate(bsns)]
    reg = platform.services["registratie"]
    t0 = time.monotonic()
    await enrol(reg.url, pupils)
    print(f"  {len(pupils)} pupils enrolled in {time.monotonic() - t0:.0f}s; intake at {args.rate}/s for "
          f"{args.seconds}s, a fault every ~{args.fault_every}s", flush=True)
    traffic = Traffic(args, reg.url, pupils, rng)
    faults = Faults(platform, traffic.stats, rng, args.fault_every)
    until = time.monotonic() + args.seconds
    limits = httpx.Limits(max_connections=args.max_inflight, max_keepalive_connections=50)
    async with httpx.AsyncClient(base_url=reg.url, timeout=30, limits=limits,
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        progress = asyncio.create_task(report_progress(traffic, until))
        await asyncio.gather(traffic.run(client, until), faults.run(until))
        progress.cancel()
        print("  faults stopped; finishing open submissions", flush=True)
        await asyncio.to_thread(faults.watchdog)
        if traffic.inflight:
            await asyncio.wait(set(traffic.inflight), timeout=args.give_up + 60)
    print("  waiting for every projection to drain", flush=True)
    deadline = time.monotonic() + args.drain_timeout
    drained_after: float | None = None
    behind: list[str] = ["not checked"]
    stable = 0
    dbs = {k: v for k, v in platform.databases.items()}
    while time.monotonic() < deadline:
        await asyncio.to_thread(faults.watchdog)
        with contextlib.suppress(Exception):
            behind = await lagging(platform.kafka.bootstrap, dbs)
        stable = stable + 1 if not behind else 0
        if stable >= 3:  # three quiet looks in a row: reactions (leerplicht, rmc) have landed too
            drained_after = args.drain_timeout - (deadline - time.monotonic())
            break
        await asyncio.sleep(2)
    result = await check(platform.kafka.bootstrap, traffic.ledger, regions, {
        "registratie": platform.databases["registratie"], "telling": platform.databases["telling"],
        **{f"leerplicht_{r}": platform.databases[f"leerplicht_{r}"] for r in regions}})
    s = traffic.stats
    return {
        "seconds": args.seconds, "rate": args.rate, "fault_every": args.fault_every, "seed": args.seed,
        "pupils": args.pupils,
        "requests": {"sent": s.sent, "acknowledged": s.acknowledged, "refused": s.refused, "given_up": s.given_up,
                     "attempts": s.attempts, "not_started_backlog": s.not_started_backlog,
                     "retries_by_cause": dict(s.retries_by_cause)},
        "rows": {"sent": len(traffic.ledger.sent), "acknowledged": len(traffic.ledger.acknowledged),
                 "refused": len(traffic.ledger.refused)},
        "latency_s": {
            "first_try_to_ack": {"p50": percentile(s.latency_first_try_to_ack, 50),
                                 "p99": percentile(s.latency_first_try_to_ack, 99),
                                 "max": max(s.latency_first_try_to_ack, default=0.0)},
            "acknowledging_attempt": {"p50": percentile(s.latency_acknowledging_attempt, 50),
                                      "p99": percentile(s.latency_acknowledging_attempt, 99)},
        },
        "faults": dict(s.faults), "fault_errors": s.fault_errors, "unexpected_exits": dict(s.unexpected_exits),
        "drained_after_s": drained_after, "still_behind": behind[:20],
        **result,
    }


async def report_progress(traffic: Traffic, until: float) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(30)
        s = traffic.stats
        print(f"  … {until - time.monotonic():>5.0f}s left: sent {s.sent}, acknowledged {s.acknowledged}, "
              f"in flight {len(traffic.inflight)}, faults {sum(s.faults.values())}", flush=True)


def start_platform(platform: Platform) -> None:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    platform.start("registratie", "registratie", {
        "REGIONS": ",".join(GEMEENTEN), "PSEUDONYM_KEY": key, "INTAKE_TIMEOUT_S": "5",
        "DAGTAAK_INTERVAL_S": "0", "SWEEPER_INTERVAL_S": "2", "SWEEPER_MIN_AGE_S": "6"})
    processes.wait_ready(platform.services["registratie"], timeout=180)  # it creates the topics
    for region in GEMEENTEN:
        platform.start(f"leerplicht_{region}", "leerplicht", {"REGION": region})
    platform.start("rmc_MC28", "rmc", {"REGION": "MC28"})
    platform.start("telling", "telling", {})
    for svc in platform.services.values():
        processes.wait_ready(svc, timeout=180)


def print_summary(res: dict[str, Any]) -> None:
    q, lat = res["requests"], res["latency_s"]
    print(f"\nSoak: {res['seconds']}s at {res['rate']}/s, a fault every ~{res['fault_every']}s (seed {res['seed']})")
    print(f"  requests   sent {q['sent']}, acknowledged {q['acknowledged']}, refused {q['refused']}, "
          f"given up {q['given_up']} ({q['attempts']} attempts; not started for backlog {q['not_started_backlog']})")
    print(f"  rows       sent {res['rows']['sent']}, acknowledged {res['rows']['acknowledged']}, "
          f"refused {res['rows']['refused']}")
    print(f"  retries    {json.dumps(q['retries_by_cause'])}")
    print(f"  faults     {sum(res['faults'].values())}: {json.dumps(res['faults'])}")
    if res["fault_errors"] or res["unexpected_exits"]:
        print(f"  problems   exits {json.dumps(res['unexpected_exits'])}; {res['fault_errors'][:5]}")
    print(f"  latency    first try → ack p50 {lat['first_try_to_ack']['p50']:.3f}s, "
          f"p99 {lat['first_try_to_ack']['p99']:.3f}s, max {lat['first_try_to_ack']['max']:.1f}s; "
          f"acknowledging attempt p50 {lat['acknowledging_attempt']['p50']:.3f}s, "
          f"p99 {lat['acknowledging_attempt']['p99']:.3f}s")
    print(f"  drained    after {res['drained_after_s']}s" if res["drained_after_s"] is not None
          else f"  drained    NO, still behind: {res['still_behind'][:5]}")
    for region, r in res["regions"].items():
        print(f"  {region}       {json.dumps(r)}")
    print(f"  log        same event re-published {res['republished_records_same_id']}x (dropped by id); "
          f"published but never acknowledged {res['on_log_unacknowledged']}")
    print(f"  ANOMALIES  {res['anomalies']}: lost {res['lost']}, doubled {res['doubled']}, "
          f"unexpected {res['unexpected']}")
    for kind, examples in res["examples"].items():
        for e in examples[:5]:
            print(f"    {kind}: {e}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rate", type=float, default=20, help="submissions per second")
    parser.add_argument("--fault-every", type=float, default=10)
    parser.add_argument("--pupils", type=int, default=400)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--give-up", type=float, default=180, help="seconds a client keeps retrying one submission")
    parser.add_argument("--max-inflight", type=int, default=300)
    parser.add_argument("--drain-timeout", type=float, default=300)
    args = parser.parse_args(argv)
    args.seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    with throwaway_servers("leerrecht-soak-", fast=False) as (kafka, pg):
        platform = Platform(kafka, pg, kafka.home.parent / "services")
        try:
            start_platform(platform)
            res = asyncio.run(soak(args, platform))
        finally:
            pg.resume()
            platform.stop()
            keep = Path(__file__).parent / "results" / f"soak-logs-{time.strftime('%Y%m%dT%H%M%S')}"
            with contextlib.suppress(OSError):
                keep.mkdir(parents=True, exist_ok=True)
                for f in platform.logs.glob("*.log"):
                    (keep / f.name).write_bytes(f.read_bytes()[-2_000_000:])
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    path = out / f"soak{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(res, indent=2, default=str))
    print_summary(res)
    print(f"\n  results: {path}")
    return 1 if res["anomalies"] else 0


if __name__ == "__main__":
    sys.exit(main())
