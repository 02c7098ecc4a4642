"""Service-level fixtures for registratie: the real app (lifespan, real Kafka and PostgreSQL) in-process.

In-process rather than as an OS process so a test can pin "today" (``app.state.klok.vast``) and run
the legal edge cases on any day. Helpers live in ``reg_helpers.py`` (this folder is put on sys.path).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reg_helpers import API_TOKENS, TEST_KEY, Reg


@pytest.fixture(scope="module")
async def reg(infra: Any) -> AsyncIterator[Reg]:
    from registratie.app import build_app
    from registratie.config import RegistratieSettings

    settings = RegistratieSettings(
        DATABASE_URL=await infra.adatabase_url("regt"), KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
        AUTH_MODE="static", API_TOKENS=API_TOKENS,
        PSEUDONYM_KEY=TEST_KEY, REGIONS="MC28,MC29,MC21", DAGTAAK_INTERVAL_S=0,
        LOG_JSON=False,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registratie", timeout=60) as client:
            yield Reg(app, client, infra.bootstrap)
