"""``python -m benchmarks.land --schaal S --seed N``: a national school year, deterministic by seed, written
to the 40 regional topics and counted by telling (live, then a rebuild from offset 0, hashes compared).

**The population** (``--schaal 1`` = the country): 2.5 million pupils of compulsory-education age, split
over school types as nationally (po 1.45 M, vo 0.88 M, mbo under the qualification duty 0.1 M, (v)so
0.07 M) and over the 40 Doorstroompunt regions in proportion to the real register of school locations
(``services/registratie/data/schoolvestigingen_*.csv``, the copy of ``../shared/data``: each location's
``rmc_regiocode``; mbo follows the vo locations, the register has no public mbo list).

**Rates per pupil per year** calibrated on the published national figures
(``/work/shared/reference/domain-sources.md`` [S72], [S43]): absoluut verzuim 10,240, LRV 3,246 and 5a
vrijstellingen 7,389 a year (2021/22), new vsv'ers about 24,000. Not published there, so assumptions
(named in :data:`KANSEN`): absence registrations (12 a pupil a year on average: tens of millions of
events), 16-hour reports, moves between regions, Halt, Doorstroompunt files. About 2 % of the events are
recorded 20–60 days late (:mod:`telling.proeflog`'s envelope builder, reused here).

**What it prints**: the RSS of this process (which runs the live telling service's runner) when 200,000
events were read and at the end of the log (after the log itself was freed): flat means the service's
memory does not grow with the log; live and rebuild throughput against raw ``getmany`` on the same
topics; the rebuild's progress as (events, seconds) to show the time is linear in events; and the
extrapolation to ``--schaal 1`` with the measured slope. Results to ``benchmarks/results/land-<tijd>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import itertools
import re
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from telling import proeflog
from telling.config import TellingSettings
from telling.projection import inhalen
from telling.rebuild import rebuild
from telling.runner import TellingRunner, count_topics
from telling.tabellen import inhoud_hash

from benchmarks import run_on_servers
from benchmarks.__main__ import standaard_batch
from benchmarks.rebuild import _stand, raw_consume_pattern, say
from benchmarks.referentie import referentie
from leerrecht.db import create_pool, ensure_database, migrate
from leerrecht.kafka import EventPublisher, ensure_topics
from leerrecht.logging import configure_logging

DATA = Path(__file__).resolve().parents[1] / "services" / "registratie" / "data"  # = ../shared/data, in the repo
LEERLINGEN = {"po": 1_450_000, "vo": 880_000, "mbo": 100_000, "vso": 70_000}  # 2.5 M at --schaal 1
LEEFTIJD = {"po": (5, 11), "vo": (12, 17), "mbo": (16, 18), "vso": (12, 19)}
LAND = sum(LEERLINGEN.values())

KANSEN: dict[str, float] = {
    "absoluut": 10_240 / LAND,        # [S72] 2021/22
    "lrv": 3_246 / LAND,              # [S72]
    "vrijstelling": 7_389 / LAND,     # [S72] 5a
    "vsv": 24_000 / LAND,             # [S43] 23,798 in 2015/16, the target <= 20,000
    "zestien": 0.02,                  # assumption: 50,000 16-hour reports a year
    "luxe": 0.004,                    # assumption
    "verhuisd": 0.02,                 # assumption: moves to another region
    "halt": 0.3,                      # assumption: share of dossiers with a route that go to Halt
    "route": 0.5,                     # assumption: share of reports that get a MAS route
    "rmc": 0.006,                     # assumption: Doorstroompunt files
    "signaal": 0.005,                 # assumption
}
AFWEZIG_GEMIDDELD = 12  # absence registrations a pupil a year (assumption; exponential spread)


def verdeling() -> dict[tuple[str, str], float]:
    """Share of the country's pupils per (region, school type), from the register of locations."""
    telling: dict[tuple[str, str], int] = {}
    for bestand, soort in (("schoolvestigingen_po.csv", "po"), ("schoolvestigingen_vo.csv", "vo"),
                           ("schoolvestigingen_so_vso.csv", "vso")):
        with (DATA / bestand).open(newline="", encoding="utf-8") as f:
            for rij in csv.DictReader(f):
                regio = rij.get("rmc_regiocode") or ""
                if re.fullmatch(r"MC\d\d", regio):
                    telling[(regio, soort)] = telling.get((regio, soort), 0) + 1
                    if soort == "vo":
                        telling[(regio, "mbo")] = telling.get((regio, "mbo"), 0) + 1
    per_soort = {s: sum(n for (_, t), n in telling.items() if t == s) for s in LEERLINGEN}
    return {(r, s): LEERLINGEN[s] / LAND * n / per_soort[s] for (r, s), n in telling.items()}


class _Land(proeflog._Maker):
    """The proeflog's envelope builder with the national population and calibrated rates."""

    def __init__(self, schaal: float, seed: int, jaar: int) -> None:
        super().__init__(10**12, None, seed, [jaar])
        aandelen = sorted(verdeling().items())
        self.plekken = [k for k, _ in aandelen]
        self.cum: list[float] = list(itertools.accumulate(v for _, v in aandelen))
        self.personen_doel = max(1, round(LAND * schaal))

    def persoon(self) -> None:
        """One pupil's year, as the proeflog's, at the calibrated rates."""
        rnd, k = self.rnd, KANSEN
        self.log.personen += 1
        subj = f"{rnd.getrandbits(256):064x}"
        regio, st = rnd.choices(self.plekken, cum_weights=self.cum)[0]
        if regio not in self.gemeenten:
            regio = rnd.choice(self.alle)
        gem = rnd.choice(self.gemeenten[regio])
        jaar = self.jaren[0]

        def dag(van: int, tot: int) -> date:
            return date(jaar, 8, 1) + timedelta(days=rnd.randrange(van, tot))

        verhuis: date | None = None
        nieuw = (regio, gem)
        if rnd.random() < k["verhuisd"]:
            verhuis = dag(60, 300)
            r2 = rnd.choice([r for r in self.alle if r != regio])
            nieuw = (r2, rnd.choice(self.gemeenten[r2]))

        def waar(d: date) -> tuple[str, str]:
            return nieuw if verhuis is not None and d >= verhuis else (regio, gem)

        plan: list[tuple[date, str, dict[str, str]]] = []

        def later(d: date, sjabloon: str, **velden: str) -> None:
            plan.append((d, sjabloon, velden))

        jong, oud = LEEFTIJD[st]
        start = dag(15, 40)
        later(start, "ingeschreven", d0=start.isoformat(), g0=gem, st=st,
              geb=f"{jaar - rnd.randint(jong, oud)}-{rnd.randint(1, 12):02d}")
        if verhuis is not None:
            later(verhuis, "verhuisd", d0=verhuis.isoformat(), g0=gem, g1=nieuw[1], r0=regio, r1=nieuw[0])
        for _ in range(int(rnd.expovariate(1 / AFWEZIG_GEMIDDELD))):
            d = dag(30, 350)
            later(d, "afwezig", id0=self.nieuw_id(), d0=d.isoformat(), code=rnd.choice(proeflog._CODES),
                  uren=f"{rnd.randrange(1, 7)}.0")
        melding: str | None = None
        r = rnd.random()
        grens = 0.0
        for soort in ("zestien", "lrv", "luxe", "absoluut", "vrijstelling", "signaal"):
            if grens <= r < grens + k[soort]:
                if soort == "zestien":
                    s = dag(40, 320)
                    e = s + timedelta(days=18)
                    melding = self.nieuw_id()
                    later(e + timedelta(days=2), "zestien", id0=melding, d0=s.isoformat(), d1=e.isoformat())
                    if rnd.random() < 0.1:
                        later(e + timedelta(days=9), "ingetrokken", id0=melding)
                elif soort == "lrv":
                    s = dag(20, 250)
                    melding = self.nieuw_id()
                    later(s + timedelta(days=28), "lrv", id0=melding, d0=s.isoformat())
                    if rnd.random() < 0.6:
                        e = s + timedelta(days=rnd.randrange(40, 200))
                        later(e, "einddatum", id0=melding, d0=e.isoformat())
                elif soort == "luxe":
                    s = dag(30, 330)
                    later(s + timedelta(days=5), "luxe", id0=self.nieuw_id(), d0=s.isoformat(),
                          d1=(s + timedelta(days=4)).isoformat())
                elif soort == "absoluut":
                    sinds = dag(30, 200)
                    later(sinds + timedelta(days=30), "absoluut", d0=sinds.isoformat(),
                          g0=waar(sinds + timedelta(days=30))[1])
                elif soort == "vrijstelling":
                    van = dag(0, 200)
                    later(van, "vrijstelling", id0=self.nieuw_id(), d0=van.isoformat(),
                          d1=date(jaar + 1, 7, 31).isoformat(), artikel="5a", g0=waar(van)[1])
                else:
                    p = dag(40, 330)
                    later(p, "signaal", id0=self.nieuw_id(), d0=p.isoformat(), soort=rnd.choice(proeflog._SIGNALEN))
            grens += k[soort]
        if melding is not None and rnd.random() < k["route"]:
            dossier = self.nieuw_id()
            d = dag(100, 300)
            opgepakt = d - timedelta(days=rnd.randrange(1, 60))
            later(opgepakt, "behandeling", id0=melding, id1=dossier, d0=opgepakt.isoformat())
            later(d, "route", id0=dossier, d0=d.isoformat(), route=rnd.choice(proeflog._ROUTES))
            if rnd.random() < k["halt"]:
                d2 = d + timedelta(days=20)
                later(d2, "halt", id0=dossier, id1=self.nieuw_id(), d0=d2.isoformat(),
                      uitkomst=rnd.choice(proeflog._HALT))
        if st in ("vo", "mbo", "vso") and rnd.random() < k["vsv"] * LAND / (LAND - LEERLINGEN["po"]):
            u = dag(60, 330)
            later(u, "uitgeschreven", d0=u.isoformat())
            later(u, "vsv", d0=u.isoformat(), g0=waar(u)[1], maand=f"{u.year}-{u.month:02d}")
            if rnd.random() < 0.3:
                h = u + timedelta(days=40)
                later(h, "herinschrijving", d0=h.isoformat(), maand=f"{h.year}-{h.month:02d}")
            elif rnd.random() < k["rmc"] / k["vsv"]:
                a = u + timedelta(days=20)
                dossier = self.nieuw_id()
                later(a, "rmc_aangemeld", id0=dossier, d0=a.isoformat(), g0=waar(a)[1])
                b = a + timedelta(days=30)
                later(b, "rmc_geplaatst", id0=dossier, d0=b.isoformat(), bestemming=rnd.choice(proeflog._BESTEMMINGEN))
        for d, sjabloon, velden in sorted(plan, key=lambda x: x[0]):
            self.emit(sjabloon, subj, waar(d)[0], d, **velden)


def maak_land(schaal: float, seed: int, jaar: int = 2025) -> proeflog.Proeflog:
    m = _Land(schaal, seed, jaar)
    while m.log.personen < m.personen_doel:
        m.persoon()
    m.log.regels.sort(key=lambda r: r.geregistreerd)
    return m.log


def rss_mb() -> float:
    """Resident memory of this process now (not the peak), in MB."""
    for regel in Path("/proc/self/status").read_text().splitlines():
        if regel.startswith("VmRSS:"):
            return int(regel.split()[1]) / 1024
    return float("nan")


async def live_met_geheugen(settings: TellingSettings, totaal: int, timeout: float) -> dict[str, Any]:
    """The live service's runner over the whole log; RSS when 200,000 events were read and at the end."""
    pool = await create_pool(settings.database_url, max_size=6)
    await migrate(pool, "telling")
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id="land-telling")
    await publisher.start()
    runner = TellingRunner(pool, settings, publisher)
    t0 = time.perf_counter()
    task = asyncio.create_task(runner.run())
    rss_200k: float | None = None
    punten: list[tuple[int, float]] = []
    try:
        while (gelezen := await _stand(pool)) < totaal:
            if task.done():
                task.result()
                raise RuntimeError("de live runner stopte voortijdig")
            dt = time.perf_counter() - t0
            if dt > timeout:
                raise TimeoutError(f"live niet klaar binnen {timeout:.0f}s ({gelezen}/{totaal})")
            if rss_200k is None and gelezen >= 200_000:
                rss_200k = rss_mb()
                say(f"  RSS bij 200,000 gelezen events: {rss_200k:,.0f} MB")
            if not punten or dt - punten[-1][1] >= 10:
                punten.append((gelezen, dt))
            await asyncio.sleep(0.25)
        duur = time.perf_counter() - t0
        punten.append((totaal, duur))
        rss_eind = rss_mb()
        say(f"  RSS aan het eind ({totaal:,} events): {rss_eind:,.0f} MB")
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=60)
        await publisher.stop()
        await pool.close()
    return {"live_s": duur, "rss_200k_mb": rss_200k, "rss_eind_mb": rss_eind, "live_voortgang": punten}


async def _referentie(args: argparse.Namespace, run: str, pattern: str, totaal: int, soort: str) -> float:
    """Events/s of the ``soort`` reference projection over the whole national log (every record stored with
    the checkpoints, one transaction per fetch of 5,000, as raw getmany reads): the floor telling's live and
    rebuild figures are shown beside (:mod:`benchmarks.referentie`)."""
    url = args.admin_dsn.rsplit("/", 1)[0] + f"/bench_landref_{soort}_{run}"
    await ensure_database(url)
    pool = await create_pool(url)
    try:
        t0 = time.perf_counter()
        await referentie(soort, pool, args.bootstrap, "", totaal, 5000, pattern=pattern)
        return totaal / (time.perf_counter() - t0)
    finally:
        await pool.close()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    run = f"land{uuid.uuid4().hex[:6]}"
    topic = f"{run}.leerrecht.regio.{{}}.events"
    say(f"Landelijk schooljaar, schaal {args.schaal} (seed {args.seed}): {round(LAND * args.schaal):,} leerlingen")
    rss_start = rss_mb()
    t0 = time.perf_counter()
    log = maak_land(args.schaal, args.seed)
    t_maak = time.perf_counter() - t0
    per_soort = dict(sorted(log.per_soort.items(), key=lambda kv: -kv[1]))
    say(f"  gemaakt in {t_maak:.1f}s: {len(log.regels):,} events; "
        + ", ".join(f"{k} {v:,}" for k, v in per_soort.items()))
    say("  gekalibreerd, verwacht per jaar bij deze schaal: " + ", ".join(
        f"{s} {KANSEN[s] * LAND * args.schaal:,.0f}" for s in ("absoluut", "lrv", "vrijstelling", "vsv")))
    t0 = time.perf_counter()
    per_topic = await proeflog.publiceer(args.bootstrap, log, topic.format)
    t_pub = time.perf_counter() - t0
    totaal, personen = sum(per_topic.values()), log.personen
    del log
    gc.collect()
    say(f"  geschreven naar {len(per_topic)} topics in {t_pub:.1f}s; RSS na vrijgeven van het log: {rss_mb():,.0f} MB "
        f"(bij de start {rss_start:,.0f} MB)")

    url = args.admin_dsn.rsplit("/", 1)[0] + f"/bench_land_{run}"
    await ensure_database(url)
    settings = TellingSettings(
        KAFKA_BOOTSTRAP_SERVERS=args.bootstrap, DATABASE_URL=url,
        TELLING_EVENT_PATTERN=rf"^{run}\.leerrecht\.regio\.MC\d\d\.events$",
        TELLING_COUNT_TOPIC=f"{run}.telling.cijfers", TELLING_CONSUMER_GROUP=f"{run}.telling",
        PROJECTION_BATCH_SIZE=str(args.batch), TELLING_PUBLISH_INTERVAL_S="2",
    )
    await ensure_topics(args.bootstrap, count_topics(settings.count_topic))
    say("Live (TellingRunner)")
    live = await live_met_geheugen(settings, totaal, args.timeout)
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await inhalen(conn)
        h_live, cellen = await inhoud_hash(conn)
    finally:
        await conn.close()
    say(f"  live: {totaal:,} events in {live['live_s']:.1f}s = {totaal / live['live_s']:,.0f} ev/s")

    say("Rebuild (from offset 0, new schema)")
    voortgang: list[tuple[int, float]] = []
    t0 = time.perf_counter()

    def meld(tekst: str) -> None:
        if m := re.search(r"voortgang (\d+)/", tekst):
            voortgang.append((int(m.group(1)), time.perf_counter() - t0))

    _, h_rebuild, cellen_rb = await rebuild(settings, f"rebuild_{run}", timeout=args.timeout, meld=meld,
                                            processen=args.processen)
    t_rb = time.perf_counter() - t0
    voortgang.append((totaal, t_rb))
    say(f"  rebuild: {totaal:,} events in {t_rb:.1f}s = {totaal / t_rb:,.0f} ev/s")
    helft = [p for p in voortgang if p[0] <= totaal // 2]
    if helft and helft[-1][0] > 0:
        eerste = helft[-1][1] / helft[-1][0]
        tweede = (t_rb - helft[-1][1]) / max(1, totaal - helft[-1][0])
        say(f"  rebuild lineair? seconden per miljoen events, eerste helft {eerste * 1e6:,.1f}, "
            f"tweede helft {tweede * 1e6:,.1f}")
    t_raw = await raw_consume_pattern(args.bootstrap, settings.event_pattern, totaal)
    raw = totaal / t_raw
    say(f"  raw getmany: {raw:,.0f} ev/s; live {totaal / live['live_s'] / raw:.3f}, rebuild {totaal / t_rb / raw:.3f}")
    ref = await _referentie(args, run, settings.event_pattern, totaal, "envelop")
    say(f"  the simplest correct projection of the same log (benchmarks.referentie 'envelop'): {ref:,.0f} ev/s, "
        f"{ref / raw:.3f} of raw getmany")
    ref_json = await _referentie(args, run, settings.event_pattern, totaal, "json")
    say(f"  the same, the records parsed by orjson without validation ('json'): {ref_json:,.0f} ev/s, "
        f"{ref_json / raw:.3f} of raw getmany")
    per_event = t_rb / totaal
    events_1 = totaal / args.schaal
    say(f"  extrapolatie naar schaal 1: {events_1:,.0f} events, rebuild ~{per_event * events_1 / 60:,.0f} min "
        f"met de gemeten helling ({per_event * 1e6:,.1f} s per miljoen events)")
    gelijk = h_live == h_rebuild and cellen == cellen_rb
    say(f"  live hash {h_live}\n  rebuild hash {h_rebuild}\n  {'GELIJK' if gelijk else 'VERSCHIL'}")
    return {
        "schaal": args.schaal, "seed": args.seed, "personen": personen, "events": totaal, "per_soort": per_soort,
        "maak_s": t_maak, "publiceer_s": t_pub, **live, "live_ev_s": totaal / live["live_s"],
        "rebuild_s": t_rb, "rebuild_ev_s": totaal / t_rb, "rebuild_voortgang": voortgang,
        "raw_consume_ev_s": raw, "ref_envelop_ev_s": ref, "ref_json_ev_s": ref_json, "processen": args.processen,
        "hash_live": h_live, "hash_rebuild": h_rebuild,
        "gelijk": gelijk,
        "extrapolatie_schaal_1": {"events": events_1, "rebuild_min": per_event * events_1 / 60},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.land", description=__doc__.split("\n")[0])
    parser.add_argument("--schaal", type=float, default=0.01, help="1 = the country (2.5 M pupils)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=standaard_batch("telling"), help="PROJECTION_BATCH_SIZE")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--processen", type=int, default=1,
                        help="processes of the rebuild (python -m telling rebuild --processen)")
    parser.add_argument("--bootstrap")
    parser.add_argument("--admin-dsn")
    args = parser.parse_args()
    configure_logging("bench", json=True, level="WARNING")
    results = run_on_servers(args, "leerrecht-land-", main_async, "land-")
    if not results["gelijk"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
