"""Start Leerrecht services as real OS processes for end-to-end tests (python -m <service>)."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from leerrecht import processes
from leerrecht.processes import ServiceProcess, wait_ready

__all__ = ["API_TOKENS", "TOKENS", "ServiceProcess", "auth", "launch", "start_service", "wait_ready"]

TEST_KEY = base64.b64encode(b"leerrecht-test-key-0123456789abcdef").decode()
TOKENS = {
    "school": "t-school-00AP00",
    "school2": "t-school-00AV00",
    "duo": "t-duo",
    "analist": "t-analist",
    "beheer": "t-beheer",
    "lp_MC28": "t-lp-mc28",
    "lp_MC29": "t-lp-mc29",
    "rmc_MC28": "t-rmc-mc28",
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
        "API_TOKENS": API_TOKENS,
        "PSEUDONYM_KEY": TEST_KEY,
        "PROJECTION_BATCH_SIZE": "500",
        **env,
    }, log)
