"""The services run on uvicorn's C event loop and HTTP parser, named, not left to ``auto``.

Why a test: ``auto`` falls back to asyncio's loop and the pure-Python h11 without a word when uvloop or
httptools is missing (an image built without them), and the single POST then costs registratie about an
eighth more CPU (``benchmarks/METINGEN.md``, "The eleventh session")."""

from __future__ import annotations

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
