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
