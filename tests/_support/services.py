"""Start Leerrecht services as real OS processes for end-to-end tests (python -m <service>)."""

from __future__ import annotations

import base64
import secrets
import tempfile
from pathlib import Path

from leerrecht import processes
from leerrecht.processes import ServiceProcess, wait_ready

__all__ = ["API_TOKENS", "TOKENS", "ServiceProcess", "auth", "dev_token", "launch", "start_service", "wait_ready"]


def dev_token(label: str) -> str:
    """A static development token (AUTH_MODE=static): the label for the reader, then 32 random bytes."""
    return f"{label}-{secrets.token_urlsafe(32)}"



TEST_KEY = base64.b64encode(b"leerrecht-test-key-0123456789abcdef").decode()
TOKENS = {
    "school": dev_token("t-school-00AP00"),
    "school2": dev_token("t-school-00AV00"),
    "duo": dev_token("t-duo"),
    "analist": dev_token("t-analist"),
    "beheer": dev_token("t-beheer"),
    "lp_MC28": dev_token("t-lp-mc28"),
    "lp_MC29": dev_token("t-lp-mc29"),
    "rmc_MC28": dev_token("t-rmc-mc28"),
}
API_TOKENS = ",".join([
    f"{TOKENS['school']}=00AP00:school",
    f"{TOKENS['school2']}=00AV00:school",
    f"{TOKENS['duo']}=duo:duo",
    f"{TOKENS['analist']}=analist-1:analist",
    f"{TOKENS['beheer']}=beheer-1:beheer",
    f"{TOKENS['lp_MC28']}=officer-28:leerplicht:MC28",
    f"{TOKENS['lp_MC29']}=officer-29:leerplicht:MC29",
    f"{TOKENS['rmc_MC28']}=coach-28:rmc:MC28",
])


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


def start_service(module: str, bootstrap: str, database_url: str, **env: str) -> ServiceProcess:
    svc = launch(module, bootstrap, database_url, **env)
    wait_ready(svc)
    return svc


def launch(module: str, bootstrap: str, database_url: str, **env: str) -> ServiceProcess:
    """Start the process without waiting: several services then become ready side by side."""
    log = Path(tempfile.mkstemp(prefix=f"{module}-", suffix=".log")[1])
    return processes.launch(module, {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DATABASE_URL": database_url,
        "AUTH_MODE": "static",
        "API_TOKENS": API_TOKENS,
        "PSEUDONYM_KEY": TEST_KEY,
        "PGN_ZOEKSLEUTEL": TEST_KEY,  # leerplicht's BSN search key, required with AUTH_MODE=oidc
        "PROJECTION_BATCH_SIZE": "500",
        **env,
    }, log)
