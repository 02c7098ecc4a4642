"""The services run on uvicorn's C event loop and HTTP parser, named, not left to ``auto``.

Why a test: ``auto`` falls back to asyncio's loop and the pure-Python h11 without a word when uvloop or
httptools is missing (an image built without them), and the single POST then costs registratie about an
eighth more CPU (``benchmarks/METINGEN.md``, "The eleventh session")."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from leerrecht.service import UVICORN


def test_the_services_uvicorn_configuration_loads_httptools_and_uvloop() -> None:
    config = uvicorn.Config(FastAPI(), **UVICORN)
    config.load()
    assert config.http_protocol_class.__module__ == "uvicorn.protocols.http.httptools_impl"
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


def test_a_benchmark_process_runs_with_the_services_gc_thresholds() -> None:
    """Every ``python -m benchmarks...`` imports the package first, which sets the services' process
    settings: the raw limits are measured as a service's process would run them (``leerrecht.proces``)."""
    import subprocess
    import sys

    from leerrecht.proces import GC_DREMPELS

    uit = subprocess.run([sys.executable, "-c", "import gc, benchmarks; print(list(gc.get_threshold()))"],
                         capture_output=True, text=True, check=True)
    assert uit.stdout.strip() == str(list(GC_DREMPELS))


def test_an_idle_connection_outlives_the_clients_own_idle_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's default keeps an idle connection 5 s, as long as httpx's pool does: the server then closed
    a connection just as a client reused it, and the request broke (a ReadError in the 1,000/s latency
    benchmark). The services keep it ``HTTP_KEEPALIVE_S`` (75 s), longer than clients and proxies."""
    import leerrecht.service as service
    from leerrecht.config import ServiceSettings

    gekregen: dict[str, Any] = {}
    monkeypatch.setattr(service.uvicorn, "run", lambda app, **kw: gekregen.update(kw))
    monkeypatch.setattr(service, "configure_logging", lambda *a, **kw: None)  # this process's logging stays
    monkeypatch.setattr(service.otel, "configure", lambda *a: None)
    service.serve(FastAPI(), ServiceSettings(DATABASE_URL="postgresql://x/y", KAFKA_BOOTSTRAP_SERVERS="k:9092"),
                  "test")
    assert gekregen["timeout_keep_alive"] == 75
    assert ServiceSettings(DATABASE_URL="postgresql://x/y", KAFKA_BOOTSTRAP_SERVERS="k:9092",
                           HTTP_KEEPALIVE_S="120").http_keepalive_s == 120
