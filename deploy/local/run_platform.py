"""``make demo``: the whole platform on this machine, fed with a realistic demo, until Ctrl-C.

Starts Apache Kafka (KRaft) and PostgreSQL (``leerrecht.localinfra``), one database per service
instance, then the services as their own processes: registratie, leerplicht for two regions, rmc
for one region, and telling. Feeds the demo (``demo_feed.py``) through the public HTTP API, waits
until telling has counted it, prints the national figures and the URLs to open, and stops
everything it started on Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import shutil
import signal
import sys
import time
from pathlib import Path

import httpx

from leerrecht import processes
from leerrecht.localinfra import DEFAULT_STATE, KafkaNode, PostgresNode, ensure_kafka_jars, nodes

sys.path.insert(0, str(Path(__file__).parent))
from demo_feed import DEMO_TOKENS, feed

REGIONS = ("MC28", "MC29")  # Haaglanden/Westland and Rijnmond
BASE_PORT = int(os.environ.get("LEERRECHT_HTTP_BASE_PORT", "8100"))


def _migraties() -> str:
    """A fingerprint of every service's migrations."""
    bestanden = sorted((Path(__file__).resolve().parents[2] / "services").glob("*/migrations/*.sql"))
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in bestanden)).hexdigest()


def _verse_start_na_schemawijziging(state: Path, kafka: KafkaNode, pg: PostgresNode) -> Path:
    """Start from empty demo data when the migrations changed since the last demo.

    Why: before the first release a migration may still be edited in place; a service then refuses a
    database migrated by the older version ("changed after it was applied"). Demo data is fed anew
    on every run, so nothing is lost by starting over; production keeps its data (new migrations)."""
    stempel = state / "demo-migraties.sha256"
    nu = _migraties()
    oud = stempel.read_text().strip() if stempel.exists() else None
    if oud != nu and (pg.data.exists() or kafka.home.exists()):
        print("▶ De demogegevens zijn van een andere versie van de migraties: opnieuw beginnen.", flush=True)
        kafka.stop()
        pg.stop()
        shutil.rmtree(pg.home, ignore_errors=True)
        shutil.rmtree(kafka.home, ignore_errors=True)
    return stempel


def main() -> int:
    t0 = time.monotonic()
    state = Path(os.environ.get("LEERRECHT_STATE", DEFAULT_STATE)).resolve()
    ensure_kafka_jars(state)
    kafka, pg = nodes(state)
    started: list[processes.ServiceProcess] = []
    stopping = False

    def on_signal(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stempel = _verse_start_na_schemawijziging(state, kafka, pg)
        print("▶ PostgreSQL en Kafka starten…", flush=True)
        pg.start()
        kafka.start()
        key_file = state / "pseudonym.key"
        if not key_file.exists():
            key_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
        common = {
            "API_TOKENS": ",".join(f"{tok}={who}" for tok, who in DEMO_TOKENS.values()),
            "PSEUDONYM_KEY": key_file.read_text().strip(),
            "LOG_JSON": "true",
        }
        plan = [("registratie", "registratie", {"REGIONS": "*"})]
        plan += [(f"leerplicht-{r}", "leerplicht", {"REGION": r}) for r in REGIONS]
        plan += [(f"rmc-{REGIONS[0]}", "rmc", {"REGION": REGIONS[0]}), ("telling", "telling", {})]
        print("▶ Services starten…", flush=True)
        for i, (name, module, env) in enumerate(plan):
            db = name.replace("-", "_").lower()
            # every instance connects as its own Kafka principal (contracts/acl.py): SASL/SCRAM + ACLs
            kafka_env = kafka.client_env(name.lower())
            svc = processes.launch(
                module, {**common, **kafka_env, **env, "DATABASE_URL": pg.dsn(f"leerrecht_{db}")},
                log=state / "logs" / f"{name}.log", port=BASE_PORT + i, name=name,
            )
            started.append(svc)
            if module == "registratie":
                processes.wait_ready(svc)  # it creates the topics the others subscribe to
        for svc in started:
            processes.wait_ready(svc)
        stempel.write_text(_migraties())
        print(f"▶ Demo invoeren (po, vo, vso en mbo in Zoetermeer en Spijkenisse)… ({time.monotonic() - t0:.0f}s)",
              flush=True)
        urls = {svc.name: svc.url for svc in started}
        summary = asyncio.run(feed(urls["registratie"]))
        figures = wait_for_figures(urls["telling"], summary["afwezigheden"])
        print_report(urls, summary, figures, time.monotonic() - t0, state / "logs")
        while not stopping:
            time.sleep(0.5)
            for svc in started:
                if svc.proc.poll() is not None:
                    print(f"✖ {svc.name} stopte onverwacht; zie {svc.log}", flush=True)
                    stopping = True
    finally:
        print("\n▶ Alles stoppen…", flush=True)
        for svc in reversed(started):
            svc.stop()
        kafka.stop()
        pg.stop()
        print("gestopt.", flush=True)
    return 0


def wait_for_figures(telling_url: str, expected: int, timeout: float = 120) -> list[dict[str, object]]:
    token = DEMO_TOKENS["analist"][0]
    deadline = time.monotonic() + timeout
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        r = httpx.get(f"{telling_url}/v1/cijfers", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        rows = r.json().get("cijfers", []) if r.status_code == 200 else []
        counted = sum(float(str(c["waarde"] or 0)) for c in rows
                      if c["indicator"] == "afwezigheid.registraties" and c.get("gebied", "NL") == "NL")
        if counted >= expected:
            return rows
        time.sleep(0.5)
    return rows


def print_report(urls: dict[str, str], summary: dict[str, int], figures: list[dict[str, object]],
                 elapsed: float, logs: Path) -> None:
    print(f"\n✔ Leerrecht draait ({elapsed:.0f}s). Ingevoerd: {summary['leerlingen']} leerlingen, "
          f"{summary['afwezigheden']} afwezigheden, {summary['meldingen']} meldingen.\n")
    print("Landelijke cijfers (telling, uit het eventlog):")
    for c in figures:
        value = "<10" if c["waarde"] is None else c["waarde"]  # disclosure control: counts 1–9 suppressed
        print(f"  {c['periode']}  {c['indicator']:<45} {value!s:>10}")
    pages = {"registratie": "/school?token=" + DEMO_TOKENS["school_00AP00"][0], "telling": "/inloggen",
             "leerplicht": "/inloggen", "rmc": "/inloggen"}
    print("\nOpen in de browser (schermen; inloggen met een token hieronder):")
    for name, url in urls.items():
        print(f"  {name:<16} {url}{pages[name.split('-')[0]]}")
    print("\nAPI-documentatie (OpenAPI):")
    for name, url in urls.items():
        print(f"  {name:<16} {url}/docs")
    print("\nTokens voor 'Authorize' in /docs:")
    for role, (token, who) in DEMO_TOKENS.items():
        print(f"  {role:<12} {token}   ({who})")
    print(f"\nLogs: {logs}   Stoppen: Ctrl-C", flush=True)


if __name__ == "__main__":
    sys.exit(main())
