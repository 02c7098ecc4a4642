"""Start Leerrecht services as real OS processes for end-to-end tests (python -m <service>)."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from leerrecht.localinfra import free_port

TEST_KEY = base64.b64encode(b"leerrecht-test-key-0123456789abcdef").decode()
TOKENS = {
    "school": "t-school-00AP00",
    "school2": "t-school-00AV00",
    "duo": "t-duo",
    "analist": "t-analist",
    "lp_MC28": "t-lp-mc28",
    "lp_MC29": "t-lp-mc29",
    "rmc_MC28": "t-rmc-mc28",
}
API_TOKENS = ",".join([
    f"{TOKENS['school']}=00AP00:school",
    f"{TOKENS['school2']}=00AV00:school",
    f"{TOKENS['duo']}=duo:duo",
    f"{TOKENS['analist']}=analist-1:analist",
    f"{TOKENS['lp_MC28']}=officer-28:leerplicht:MC28",
    f"{TOKENS['lp_MC29']}=officer-29:leerplicht:MC29",
    f"{TOKENS['rmc_MC28']}=coach-28:rmc:MC28",
])


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


@dataclass
class ServiceProcess:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def start_service(module: str, bootstrap: str, database_url: str, **env: str) -> ServiceProcess:
    svc = launch(module, bootstrap, database_url, **env)
    wait_ready(svc)
    return svc


def launch(module: str, bootstrap: str, database_url: str, **env: str) -> ServiceProcess:
    """Start the process without waiting: several services then become ready side by side."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"{module}-", suffix=".log")[1])
    full_env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DATABASE_URL": database_url,
        "HTTP_PORT": str(port),
        "API_TOKENS": API_TOKENS,
        "PSEUDONYM_KEY": TEST_KEY,
        "PROJECTION_BATCH_SIZE": "500",
        **env,
    }
    proc = subprocess.Popen([sys.executable, "-m", module], env=full_env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    return ServiceProcess(module, proc, f"http://127.0.0.1:{port}", log, env)


def wait_ready(svc: ServiceProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if svc.proc.poll() is not None:
            raise RuntimeError(f"{svc.name} exited with {svc.proc.returncode}:\n{svc.logs()[-3000:]}")
        try:
            if httpx.get(f"{svc.url}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{svc.name} not ready in {timeout}s:\n{svc.logs()[-3000:]}")
