"""Run Leerrecht services as separate OS processes on this machine (demo and end-to-end tests).

Each service is started as ``python -m <service>`` with its configuration in the environment, just
as a container or a systemd unit would start it; readiness is its own ``/ready`` endpoint.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from leerrecht.localinfra import free_port


@dataclass
class ServiceProcess:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    metrics_url: str = ""
    """``http://127.0.0.1:<METRICS_PORT>``: the metrics' own port (``leerrecht.metrics``)."""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Graceful by default: the service finishes its batch, commits and exits."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def _andere_poort(bezet: int) -> int:
    """A free port that is not ``bezet`` (chosen but not yet bound by the process that will use it)."""
    while (port := free_port()) == bezet:
        pass
    return port


def launch(module: str, env: dict[str, str], log: Path, port: int | None = None,
           name: str | None = None) -> ServiceProcess:
    """Start ``python -m module`` without waiting, so several services can start side by side."""
    port = port or free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "METRICS_PORT": str(_andere_poort(port)), **env, "HTTP_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", module], env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    metrics = int(full_env["METRICS_PORT"])
    return ServiceProcess(name or module, proc, f"http://127.0.0.1:{port}", log, env,
                          metrics_url=f"http://127.0.0.1:{metrics}" if metrics else "")


def wait_ready(svc: ServiceProcess, timeout: float = 90) -> None:
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
    raise RuntimeError(f"{svc.name} not ready in {timeout:.0f}s:\n{svc.logs()[-3000:]}")
