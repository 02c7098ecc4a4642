"""``make demo``: the whole platform on this machine, fed with a realistic demo, until Ctrl-C.

Starts Apache Kafka (KRaft), PostgreSQL and Keycloak (``leerrecht.localinfra``; the realm of
``deploy/local/keycloak`` with secrets and passwords drawn for this run), one database per service
instance, then the services as their own processes (single sign-on: ``AUTH_MODE=oidc``):
registratie, leerplicht for two regions, rmc for one region, and telling. Feeds the demo
(``demo_feed.py``) through the public HTTP API with the schools' client-credentials tokens, waits
until telling has counted it, prints the national figures, the URLs to open and this run's users,
and stops everything it started on Ctrl-C (or SIGTERM).
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
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from leerrecht import processes
from leerrecht.localinfra import (
    DEFAULT_STATE,
    KafkaNode,
    KeycloakNode,
    KeycloakRealm,
    PostgresNode,
    ensure_kafka_jars,
    ensure_keycloak,
    nodes,
    realm_with_credentials,
)

sys.path.insert(0, str(Path(__file__).parent))
from demo_feed import feed
from demo_klant import KeycloakBeheer, demo_klanten
from demo_stappen import leerplicht_fasen, rmc_statussen

REGIONS = ("MC28", "MC29")  # Haaglanden/Westland and Rijnmond
BASE_PORT = int(os.environ.get("LEERRECHT_HTTP_BASE_PORT", "8100"))  # the realm's redirect URIs: 8100..8104
KEYCLOAK_PORT = int(os.environ.get("LEERRECHT_KEYCLOAK_PORT", "18080"))


class Tokens:
    """Access tokens of the realm's confidential clients (client credentials), reused while they live."""

    def __init__(self, keycloak: KeycloakNode, realm: KeycloakRealm) -> None:
        self.keycloak, self.realm = keycloak, realm
        self._cache: dict[str, tuple[str, float]] = {}

    def __call__(self, client_id: str) -> str:
        token, until = self._cache.get(client_id, ("", 0.0))
        if time.monotonic() < until:
            return token
        r = httpx.post(f"{self.keycloak.issuer}/protocol/openid-connect/token", timeout=30, data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": self.realm.secrets[client_id]})
        r.raise_for_status()
        body = r.json()
        self._cache[client_id] = (body["access_token"], time.monotonic() + int(body["expires_in"]) - 30)
        return str(body["access_token"])


def _sleutel(bestand: Path) -> str:
    """A key of 32 random bytes (base64) kept in the demo's state: the same on every start, so the
    pseudonyms and the BSN search hashes stay valid across demo runs."""
    if not bestand.exists():
        bestand.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    return bestand.read_text().strip()


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
    ensure_keycloak(state)
    kafka, pg = nodes(state)
    keycloak = KeycloakNode(home=state / "keycloak", port=KEYCLOAK_PORT, dist=ensure_keycloak(state))
    realm = realm_with_credentials()
    started: list[processes.ServiceProcess] = []
    stopping = False

    def on_signal(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stempel = _verse_start_na_schemawijziging(state, kafka, pg)
        print("▶ PostgreSQL, Kafka en Keycloak starten…", flush=True)
        pg.start()
        kafka.start()
        (state / "keycloak").mkdir(parents=True, exist_ok=True)
        # a bootstrap admin of this run only (in-memory database): the feed's officer and coach clients
        beheer = KeycloakBeheer(keycloak.url, "demo-beheer", secrets.token_urlsafe(24))
        os.environ["KC_BOOTSTRAP_ADMIN_USERNAME"] = beheer.gebruiker
        os.environ["KC_BOOTSTRAP_ADMIN_PASSWORD"] = beheer.wachtwoord
        keycloak.start(realm)
        del os.environ["KC_BOOTSTRAP_ADMIN_USERNAME"], os.environ["KC_BOOTSTRAP_ADMIN_PASSWORD"]
        tokens = Tokens(keycloak, realm)
        key_file = state / "pseudonym.key"
        _sleutel(key_file)
        common = {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "AUTH_MODE": "oidc",
            "OIDC_ISSUER": keycloak.issuer,
            "PSEUDONYM_KEY": key_file.read_text().strip(),
            "LOG_JSON": "true",
        }
        plan = [("registratie", "registratie", {"REGIONS": "*"})]
        plan += [(f"leerplicht-{r}", "leerplicht",
                  {"REGION": r, "PGN_ZOEKSLEUTEL": _sleutel(state / f"zoeksleutel-{r}.key")}) for r in REGIONS]
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
        summary = asyncio.run(feed(urls["registratie"], tokens))
        regio = REGIONS[0]
        print(f"▶ Dossiers in {regio} door alle MAS-fasen en Doorstroompunt-statussen…", flush=True)
        with demo_klanten(beheer, regio, realm.secrets) as klanten:
            vandaag = datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the services' own day
            summary |= {f"mas_{k}": len(n) for k, n in asyncio.run(leerplicht_fasen(
                urls[f"leerplicht-{regio}"], lambda: tokens(klanten["leerplicht"]), vandaag, minimum=200)).items()}
            summary |= {f"rmc_{k}": len(n) for k, n in asyncio.run(rmc_statussen(
                urls[f"rmc-{regio}"], lambda: tokens(klanten["rmc"]), vandaag, minimum=5)).items()}
        figures = wait_for_figures(urls["telling"], summary["afwezigheden"], lambda: tokens("analyse-systeem"))
        print_report(urls, summary, figures, time.monotonic() - t0, state / "logs", keycloak, realm)
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
        keycloak.stop()
        kafka.stop()
        pg.stop()
        print("gestopt.", flush=True)
    return 0


def wait_for_figures(telling_url: str, expected: int, token_of: Callable[[], str],
                     timeout: float = 120) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    rows: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        r = httpx.get(f"{telling_url}/v1/cijfers", headers={"Authorization": f"Bearer {token_of()}"}, timeout=5)
        rows = r.json().get("cijfers", []) if r.status_code == 200 else []
        counted = sum(float(str(c["waarde"] or 0)) for c in rows
                      if c["indicator"] == "afwezigheid.registraties" and c.get("gebied", "NL") == "NL")
        if counted >= expected:
            return rows
        time.sleep(0.5)
    return rows


def print_report(urls: dict[str, str], summary: dict[str, int], figures: list[dict[str, object]],
                 elapsed: float, logs: Path, keycloak: KeycloakNode, realm: KeycloakRealm) -> None:
    print(f"\n✔ Leerrecht draait ({elapsed:.0f}s). Ingevoerd: {summary['leerlingen']} leerlingen, "
          f"{summary['afwezigheden']} afwezigheden, {summary['meldingen']} meldingen.")
    stappen = ", ".join(f"{k.split('_', 1)[1]} {n}" for k, n in summary.items() if k.startswith("mas_"))
    statussen = ", ".join(f"{k.split('_', 1)[1]} {n}" for k, n in summary.items() if k.startswith("rmc_"))
    if any(n for k, n in summary.items() if k.startswith(("mas_", "rmc_"))):
        print(f"Zaken per MAS-fase (de rest nieuw): {stappen}\nDoorstroompunt (de rest nieuw): {statussen}\n")
    else:
        print("De stappen van officier en coach zijn in een eerdere run op deze gegevens al gezet.\n")
    print("Landelijke cijfers (telling, uit het eventlog):")
    for c in figures:
        value = "<10" if c["waarde"] is None else c["waarde"]  # disclosure control: counts 1–9 suppressed
        print(f"  {c['periode']}  {c['indicator']:<45} {value!s:>10}")
    pages = {"registratie": "/school", "telling": "/dashboard", "leerplicht": "/werklijst", "rmc": "/werklijst"}
    print("\nOpen in de browser (inloggen via Keycloak, single sign-on):")
    for name, url in urls.items():
        print(f"  {name:<16} {url}{pages[name.split('-')[0]]}")
    print("\nGebruikers voor deze demo (wachtwoorden gelden alleen voor deze run):")
    for user, password in realm.passwords.items():
        print(f"  {user:<16} {password}")
    print("\nAPI-documentatie (OpenAPI):")
    for name, url in urls.items():
        print(f"  {name:<16} {url}/docs")
    print("\nSystemen (OAuth 2.0 client credentials), een access token voor 'Authorize' in /docs:")
    for client, secret in realm.secrets.items():
        print(f"  curl -s -d grant_type=client_credentials -d client_id={client} -d client_secret={secret} "
              f"{keycloak.issuer}/protocol/openid-connect/token")
    print(f"\nLogs: {logs}   Stoppen: Ctrl-C", flush=True)


if __name__ == "__main__":
    sys.exit(main())
