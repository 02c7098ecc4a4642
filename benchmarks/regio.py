"""``python -m benchmarks.regio --schaal S``: one region's leerplicht and rmc at national size (issue 16.5).

The national year of :mod:`benchmarks.land`, but only the **largest region's** pupils (by the register of
school locations; ``--regio`` picks another): at ``--schaal 1`` that region's full share of a national
year (about 5 % of 2.5 M pupils). Pupils who move into the region from elsewhere are not generated (their
share is small); those who move out are, on this region's topic up to the move. Every pupil also gets an
identity record on the region's identity topic (synthetic names, a nine-digit number as BSN), as
registratie publishes one at enrolment, so name search and sorting by name work on a realistic table.

On a throwaway Kafka and PostgreSQL (or ``--bootstrap``/``--admin-dsn``) registratie (it creates the
topics), leerplicht and rmc for the region run as their own processes, as in production. The log is
written first; leerplicht and rmc then replay it from offset 0. Printed and written to
``benchmarks/results/regio-<time>.json`` (``benchmarks.samenvatting`` collects it):

* the replay: events, seconds and events/s per service until its checkpoints reach the end;
* **memory**: every service's RSS when it had read 200,000 events and at the end of the run;
* **answer times**, p50/p95 over ``--verzoeken`` requests per path through the running service with a
  real (static) token or session: the officer's ``GET /v1/dossiers`` and HTML ``/werklijst`` with the
  usual filters (default, mine, overdue, soort, a name search, page 1 and a deep page), the dossier
  (API and page); the coach's HTML worklist (default, search, deep page) and a young person's file.
  The target is p95 ≤ 200 ms.

Before measuring, the officer takes ``--mijn`` cases in behandeling through the public API, so "mine" is a
real officer's caseload.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError
from telling import proeflog

from benchmarks import run_on_servers
from benchmarks.land import LAND, _Land, verdeling
from benchmarks.soak import percentile
from benchmarks.soak_check import end_offsets, lagging
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht import processes
from leerrecht.db import ensure_database
from leerrecht.kalender import load_region_table
from leerrecht.localinfra import free_port
from leerrecht.logging import configure_logging
from leerrecht.processes import ServiceProcess

DOEL_P95_S = 0.2
OFFICIER = f"bench-officier-{secrets.token_urlsafe(32)}"
COACH = f"bench-coach-{secrets.token_urlsafe(32)}"
VOORNAMEN = ["Sanne", "Daan", "Emma", "Liam", "Noor", "Sem", "Julia", "Finn", "Tess", "Lucas", "Mila", "Levi",
             "Zoë", "Noah", "Sara", "Milan", "Eva", "Jesse", "Lotte", "Bram", "Fatima", "Mohamed", "Yara", "Adam",
             "Lina", "Ayoub", "Iris", "Thijs", "Fenna", "Ruben"]
ACHTERNAMEN = ["Jansen", "Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
               "Hendriks", "Dekker", "Brouwer", "Dijk", "Berg", "Leeuwen", "Boer", "Kok", "Jacobs", "Wit",
               "Vermeulen", "Linden", "Groot", "Willems", "Hoekstra", "Maas", "Verhoeven", "Koster", "Prins",
               "Postma", "Yilmaz", "Kaya", "Şahin", "Bouzid", "Amrani", "Nguyen", "Pinas", "Wong", "Kramer",
               "Huisman"]
TUSSENVOEGSELS = [None, None, None, "de", "van", "van der", "van den"]


def alle_regios() -> list[str]:
    """Every region: registratie creates their topics, so a case that moves out reaches the new office's
    topic (as in production) instead of waiting for a topic that does not exist."""
    return sorted({g.rmc_regiocode for g in load_region_table().version_on().gemeenten.values()})


def grootste_regio() -> tuple[str, float]:
    """The region with the largest share of the country's pupils, and that share."""
    per_regio: dict[str, float] = {}
    for (regio, _), aandeel in verdeling().items():
        per_regio[regio] = per_regio.get(regio, 0.0) + aandeel
    regio = max(per_regio, key=lambda r: per_regio[r])
    return regio, per_regio[regio]


class _Regio(_Land):
    """The national generator with the region's pupils only (the same rates and paths)."""

    def __init__(self, regio: str, schaal: float, seed: int, jaar: int) -> None:
        super().__init__(schaal, seed, jaar)
        aandelen = sorted((k, v) for k, v in verdeling().items() if k[0] == regio)
        self.plekken = [k for k, _ in aandelen]
        self.cum = [sum(v for _, v in aandelen[: i + 1]) for i in range(len(aandelen))]
        self.personen_doel = max(1, round(LAND * schaal * sum(v for _, v in aandelen)))


def maak_regio(regio: str, schaal: float, seed: int, jaar: int = 2025) -> proeflog.Proeflog:
    m = _Regio(regio, schaal, seed, jaar)
    while m.log.personen < m.personen_doel:
        m.persoon()
    m.log.regels = sorted((r for r in m.log.regels if r.regio == regio), key=lambda r: r.geregistreerd)
    return m.log


def identiteiten(pseudoniemen: list[str], gemeente: str, seed: int) -> list[tuple[bytes, bytes | None]]:
    """One synthetic identity record per pupil: names from short lists (many share a surname, as in a
    real region), a nine-digit number that is nobody's BSN."""
    rnd = random.Random(seed)
    nu = datetime.now(UTC)
    uit = []
    for i, p in enumerate(pseudoniemen):
        uit.append(encode_identity_record(IdentiteitVastgelegd(
            pseudoniem=p, pgn=f"{900_000_000 + i:09d}", pgn_soort="BSN", voornamen=rnd.choice(VOORNAMEN),
            tussenvoegsel=rnd.choice(TUSSENVOEGSELS), achternaam=rnd.choice(ACHTERNAMEN),
            geboortedatum=date(2008 + rnd.randrange(12), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
            woongemeente=gemeente, vastgelegd_op=nu)))
    return uit


async def publiceer(bootstrap: str, topic: str, records: list[tuple[bytes, bytes | None]]) -> None:
    """Write ``records`` (key, value) to ``topic`` in order, idempotent with acks=all. A broker that falls
    behind on this shared machine makes aiokafka give up on a full buffer; that record was not accepted, so
    it is sent again after the pending ones are confirmed (no loss, no double: idempotent producer)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=20,
                                max_batch_size=512 * 1024, request_timeout_ms=120_000)
    await producer.start()
    try:
        futures: list[asyncio.Future[Any]] = []
        for sleutel, waarde in records:
            for poging in range(10):
                try:
                    futures.append(await producer.send(topic, waarde, key=sleutel))
                    break
                except KafkaTimeoutError:
                    await asyncio.gather(*futures)
                    futures.clear()
                    await asyncio.sleep(1 + poging)
            else:
                raise RuntimeError(f"{topic}: de broker neemt niets meer aan")
            if len(futures) >= 20_000:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process now, in MB (None when it is gone)."""
    try:
        for regel in Path(f"/proc/{pid}/status").read_text().splitlines():
            if regel.startswith("VmRSS:"):
                return int(regel.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Dienst:
    naam: str
    proc: ServiceProcess
    db: str
    rss_200k_mb: float | None = None
    gelezen_200k: int | None = None
    rss_eind_mb: float | None = None
    bijgewerkt_s: float | None = None
    gelezen: int = 0
    rss_punten: list[tuple[int, float]] = field(default_factory=list)


async def gelezen(db: str, topic: str) -> int:
    """Events of ``topic`` this service has applied (its checkpoints)."""
    conn = await asyncpg.connect(db)
    try:
        return int(await conn.fetchval(
            "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE topic = $1", topic) or 0)
    finally:
        await conn.close()


async def inhalen(bootstrap: str, diensten: list[Dienst], topic: str, totaal: int, timeout: float) -> None:
    """Wait until every service's checkpoints reach the end of every topic it reads; RSS at 200,000 events
    read (per service) and the time each needed."""
    t0 = time.perf_counter()
    klaar: set[str] = set()
    stil = 0
    while time.perf_counter() - t0 < timeout:
        for d in diensten:
            if d.proc.proc.poll() is not None:
                raise RuntimeError(f"{d.naam} stopte:\n{d.proc.logs()[-3000:]}")
            if not d.db:
                continue
            d.gelezen = await gelezen(d.db, topic)
            rss = rss_mb(d.proc.proc.pid)
            if rss is not None and (not d.rss_punten or d.gelezen - d.rss_punten[-1][0] >= 50_000):
                d.rss_punten.append((d.gelezen, rss))
            if d.rss_200k_mb is None and d.gelezen >= min(200_000, totaal):
                d.rss_200k_mb, d.gelezen_200k = rss, d.gelezen
            if d.naam not in klaar and d.gelezen >= totaal:
                klaar.add(d.naam)
                d.bijgewerkt_s = time.perf_counter() - t0
                print(f"  {d.naam}: {totaal:,} events in {d.bijgewerkt_s:.0f}s "
                      f"= {totaal / d.bijgewerkt_s:,.0f} ev/s", flush=True)
        if all(d.naam in klaar for d in diensten if d.db):
            achter = await lagging(bootstrap, {d.naam: d.db for d in diensten if d.db})
            stil = stil + 1 if not achter else 0
            if stil >= 3:
                return
        await asyncio.sleep(1)
    raise TimeoutError(f"niet bijgewerkt binnen {timeout:.0f}s: " + ", ".join(
        f"{d.naam} {d.gelezen:,}/{totaal:,}" for d in diensten if d.db))


async def meet(client: httpx.AsyncClient, paden: list[str], n: int, max_s: float = 90) -> dict[str, Any]:
    """``n`` requests, one after the other, cycling through ``paden`` (fewer when a slow path has taken
    ``max_s`` seconds): p50/p95/max in seconds."""
    for pad in paden[:3]:  # warm up (connections, plans)
        (await client.get(pad)).raise_for_status()
    tijden: list[float] = []
    eind = time.perf_counter() + max_s
    for i in range(n):
        if time.perf_counter() > eind and len(tijden) >= 20:
            break
        t0 = time.perf_counter()
        r = await client.get(paden[i % len(paden)])
        tijden.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise RuntimeError(f"{paden[i % len(paden)]}: {r.status_code} {r.text[:300]}")
    return {"n": len(tijden), "p50_s": percentile(tijden, 50), "p95_s": percentile(tijden, 95), "max_s": max(tijden)}


async def neem_zaken(client: httpx.AsyncClient, n: int) -> int:
    """The officer takes ``n`` unassigned cases in behandeling through the API (a real caseload)."""
    lijst = (await client.get("/v1/dossiers", params={"behandelaar": "niemand", "perPagina": 100})).json()
    genomen = 0
    vandaag = date.today().isoformat()
    for z in lijst["zaken"][:n]:
        d = (await client.get(f"/v1/dossiers/{z['dossier_id']}")).json()
        nieuw = [m for m in d["meldingen"] if m["status"] == "GEREGISTREERD"]
        if not nieuw:
            continue
        r = await client.post(f"/v1/dossiers/{d['dossier_id']}/meldingen/{nieuw[0]['melding_id']}/in-behandeling",
                              json={"expected_version": d["version"], "datum": vandaag})
        genomen += r.status_code == 200
    return genomen


async def latenties(lp: str, rmc: str, db_lp: str, db_rmc: str, n: int, mijn: int, seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    uit: dict[str, Any] = {}
    conn = await asyncpg.connect(db_lp)
    try:
        dossiers = [str(r[0]) for r in await conn.fetch(
            "SELECT dossier_id FROM dossier WHERE fase = 'OPEN' ORDER BY random() LIMIT 50")]
        namen = [r[0] for r in await conn.fetch(
            "SELECT i.zoeknaam FROM identiteit i JOIN dossier d ON d.pseudoniem = i.pseudoniem "
            "WHERE d.fase = 'OPEN' ORDER BY random() LIMIT 20")]
        open_zaken = int(await conn.fetchval("SELECT count(*) FROM dossier WHERE fase = 'OPEN'"))
        uit["omvang_leerplicht"] = {
            "open_dossiers": open_zaken,
            "dossiers": int(await conn.fetchval("SELECT count(*) FROM dossier")),
            "afwezigheden": int(await conn.fetchval("SELECT count(*) FROM afwezigheid")),
            "identiteiten": int(await conn.fetchval("SELECT count(*) FROM identiteit")),
        }
    finally:
        await conn.close()
    conn = await asyncpg.connect(db_rmc)
    try:
        jongeren = [r[0] for r in await conn.fetch(
            "SELECT pseudoniem FROM jongere WHERE status <> 'AFGESLOTEN' ORDER BY random() LIMIT 50")]
        rmc_open = int(await conn.fetchval("SELECT count(*) FROM jongere WHERE status <> 'AFGESLOTEN'"))
        uit["omvang_rmc"] = {"open_dossiers": rmc_open,
                             "dossiers": int(await conn.fetchval("SELECT count(*) FROM jongere"))}
    finally:
        await conn.close()
    print(f"  leerplicht: {uit['omvang_leerplicht']}; rmc: {uit['omvang_rmc']}", flush=True)
    zoek = [" ".join(n.split()[-1:]) if i % 2 else n for i, n in enumerate(namen)] or ["jansen"]
    diep = max(1, open_zaken // 25 - 1)
    diep_rmc = max(1, rmc_open // 25 - 1)
    metingen: list[tuple[str, str, list[str]]] = [
        ("lp_api_dossiers", "lp", ["/v1/dossiers"]),
        ("lp_api_mijn", "lp", ["/v1/dossiers?behandelaar=mij"]),
        ("lp_api_te_laat", "lp", ["/v1/dossiers?teLaat=true"]),
        ("lp_api_soort", "lp", ["/v1/dossiers?soort=LRV", "/v1/dossiers?soort=ZESTIEN_UUR"]),
        ("lp_api_zoek_naam", "lp", [f"/v1/dossiers?zoek={z}" for z in zoek]),
        ("lp_api_sorteer_naam", "lp", ["/v1/dossiers?sorteer=naam"]),
        ("lp_api_diepe_pagina", "lp", [f"/v1/dossiers?pagina={diep}", f"/v1/dossiers?pagina={diep}&sorteer=naam"]),
        ("lp_api_dossier", "lp", [f"/v1/dossiers/{d}" for d in dossiers]),
        ("lp_web_werklijst", "lpw", ["/werklijst"]),
        ("lp_web_mijn", "lpw", ["/werklijst?behandelaar=mij"]),
        ("lp_web_te_laat", "lpw", ["/werklijst?te_laat=ja"]),
        ("lp_web_soort", "lpw", ["/werklijst?soort=LRV"]),
        ("lp_web_zoek_naam", "lpw", [f"/werklijst?zoek={z}" for z in zoek]),
        ("lp_web_diepe_pagina", "lpw", [f"/werklijst?pagina={diep}&sorteer=naam"]),
        ("lp_web_dossier", "lpw", [f"/dossiers/{d}" for d in dossiers]),
        ("rmc_web_werklijst", "rmcw", ["/werklijst"]),
        ("rmc_web_zoek_naam", "rmcw", [f"/werklijst?zoek={z}" for z in zoek]),
        ("rmc_web_diepe_pagina", "rmcw", [f"/werklijst?pagina={diep_rmc}"]),
        ("rmc_web_dossier", "rmcw", [f"/jongeren/{p}" for p in jongeren]),
        ("rmc_api_dossier", "rmc", [f"/v1/jongeren/{p}" for p in jongeren]),
        ("rmc_api_werklijst", "rmc", ["/v1/werklijst"]),
        ("lp_api_werklijst_oud", "lp", ["/v1/werklijst"]),
    ]
    rnd.shuffle(zoek)
    async with httpx.AsyncClient(base_url=lp, timeout=60, headers={"Authorization": f"Bearer {OFFICIER}"}) as c_lp, \
            httpx.AsyncClient(base_url=rmc, timeout=60, headers={"Authorization": f"Bearer {COACH}"}) as c_rmc, \
            httpx.AsyncClient(base_url=lp, timeout=60) as w_lp, httpx.AsyncClient(base_url=rmc, timeout=60) as w_rmc:
        for web, token in ((w_lp, OFFICIER), (w_rmc, COACH)):
            r = await web.post("/inloggen", data={"token": token})
            if r.status_code != 303:
                raise RuntimeError(f"inloggen: {r.status_code}")
        uit["zaken_genomen"] = await neem_zaken(c_lp, mijn)
        clients = {"lp": c_lp, "rmc": c_rmc, "lpw": w_lp, "rmcw": w_rmc}
        uit["paden"] = {}
        for naam, wie, paden in metingen:
            if not any(paden):
                continue
            m = await meet(clients[wie], [p for p in paden if p], n)
            m["gehaald"] = m["p95_s"] <= DOEL_P95_S
            uit["paden"][naam] = m
            print(f"  {naam:<24} p50 {m['p50_s'] * 1000:7.1f} ms  p95 {m['p95_s'] * 1000:7.1f} ms  "
                  f"max {m['max_s'] * 1000:7.1f} ms  {'ok' if m['gehaald'] else 'TE TRAAG'}", flush=True)
    return uit


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    regio, aandeel = (args.regio, None) if args.regio else grootste_regio()
    topic = region_events_topic(regio)
    t0 = time.perf_counter()
    log = maak_regio(regio, args.schaal, args.seed)
    t_maak = time.perf_counter() - t0
    pseudoniemen = sorted({r.sleutel.decode() for r in log.regels})
    per_soort = dict(sorted(log.per_soort.items(), key=lambda kv: -kv[1]))
    print(f"Regio {regio} ({(aandeel or 0) * 100:.1f} % van het land), schaal {args.schaal}: {log.personen:,} "
          f"leerlingen, {len(log.regels):,} events op {topic}, gemaakt in {t_maak:.0f}s", flush=True)

    logs = Path(f"/tmp/bench-regio-{uuid.uuid4().hex[:6]}")
    basis = args.admin_dsn.rsplit("/", 1)[0]
    run = uuid.uuid4().hex[:6]
    # the services log at the production level (INFO): each request writes its http_request line
    env = {"KAFKA_BOOTSTRAP_SERVERS": args.bootstrap, "AUTH_MODE": "static",
           "API_TOKENS": f"{OFFICIER}=bench-officier:leerplicht:{regio},{COACH}=bench-coach:rmc:{regio}",
           "PROJECTION_BATCH_SIZE": str(args.batch)}
    diensten: list[Dienst] = []
    try:
        db_reg = f"{basis}/regio_{run}_registratie"
        await ensure_database(db_reg)
        reg = processes.launch("registratie", {
            **env, "DATABASE_URL": db_reg, "REGIONS": ",".join(alle_regios()), "DAGTAAK_INTERVAL_S": "0",
            "PSEUDONYM_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}, logs / "registratie.log",
            port=free_port(), name="registratie")
        diensten.append(Dienst("registratie", reg, ""))
        processes.wait_ready(reg, timeout=180)  # it creates the topics
        t0 = time.perf_counter()
        totaal = len(log.regels)
        await publiceer(args.bootstrap, topic, [(r.sleutel, r.waarde) for r in log.regels])
        gemeente = next(iter(_Regio(regio, 0, 0, 2025).gemeenten[regio]))
        del log
        await publiceer(args.bootstrap, identity_topic(regio), identiteiten(pseudoniemen, gemeente, args.seed))
        t_pub = time.perf_counter() - t0
        print(f"  geschreven in {t_pub:.0f}s ({totaal:,} events, {len(pseudoniemen):,} identiteiten)", flush=True)
        for naam in ("leerplicht", "rmc"):
            db = f"{basis}/regio_{run}_{naam}"
            await ensure_database(db)
            svc = processes.launch(naam, {**env, "DATABASE_URL": db, "REGION": regio}, logs / f"{naam}.log",
                                   name=naam)
            diensten.append(Dienst(naam, svc, db))
        for d in diensten[1:]:
            processes.wait_ready(d.proc, timeout=180)
        await inhalen(args.bootstrap, diensten, topic, totaal, args.timeout)
        for d in diensten:
            d.rss_eind_mb = rss_mb(d.proc.proc.pid)
        lp, rmc = diensten[1], diensten[2]
        uit = await latenties(lp.proc.url, rmc.proc.url, lp.db, rmc.db, args.verzoeken, args.mijn, args.seed)
        na_meting = {d.naam: rss_mb(d.proc.proc.pid) for d in diensten}
    finally:
        for d in diensten:
            d.proc.stop(timeout=20)
    for d in diensten:
        tekst = f"{d.rss_200k_mb:,.0f} MB bij {d.gelezen_200k:,} events, " if d.rss_200k_mb else ""
        print(f"  RSS {d.naam:<12} {tekst}{d.rss_eind_mb or 0:,.0f} MB aan het eind ({totaal:,}), "
              f"{na_meting[d.naam] or 0:,.0f} MB na de metingen", flush=True)
    eind = await end_offsets(args.bootstrap)
    return {
        "regio": regio, "aandeel": aandeel, "schaal": args.schaal, "seed": args.seed, "leerlingen": len(pseudoniemen),
        "events": totaal, "per_soort": per_soort, "maak_s": t_maak, "publiceer_s": t_pub,
        "topic_eind": sum(v for k, v in eind.items() if k.topic == topic),
        "replay": {d.naam: {"s": d.bijgewerkt_s, "ev_s": totaal / d.bijgewerkt_s if d.bijgewerkt_s else None}
                   for d in diensten if d.db},
        "rss_mb": {d.naam: {"bij_200k": d.rss_200k_mb, "gelezen_200k": d.gelezen_200k, "eind": d.rss_eind_mb,
                            "na_metingen": na_meting[d.naam], "verloop": d.rss_punten} for d in diensten},
        "doel_p95_s": DOEL_P95_S, **uit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.regio", description=__doc__.split("\n")[0])
    parser.add_argument("--schaal", type=float, default=1.0, help="1 = the region's share of a national year")
    parser.add_argument("--regio", help="default: the largest region")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--verzoeken", type=int, default=200, help="requests per measured path")
    parser.add_argument("--mijn", type=int, default=60, help="cases the officer takes before measuring")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--bootstrap")
    parser.add_argument("--admin-dsn")
    args = parser.parse_args()
    configure_logging("bench", json=True, level="WARNING")
    run_on_servers(args, "leerrecht-regio-", main_async, "regio-")


if __name__ == "__main__":
    main()
