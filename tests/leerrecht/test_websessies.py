"""The web login's session store on real PostgreSQL (leerrecht.websessies): an expired session is
never answered and goes at the next login; logout returns the session once and deletes it."""

from __future__ import annotations

import time
from typing import Any

import pytest

from leerrecht.db import create_pool, migrate
from leerrecht.websessies import SessieOpslag

pytestmark = pytest.mark.infra


async def test_expired_sessions_are_not_answered_and_logout_deletes(infra: Any) -> None:
    pool = await create_pool(await infra.adatabase_url("sessies"), max_size=2)
    try:
        await migrate(pool, "leerplicht")
        opslag = SessieOpslag(pool)
        nu = time.time()
        await opslag.open("a" * 64, "officer-28", "leerplicht:MC28", "id.token.a", nu - 1)
        assert await opslag.zoek("a" * 64) is None, "an expired session opens nothing"
        await opslag.open("b" * 64, "coach-28", "rmc:MC28", "id.token.b", nu + 3600)
        async with pool.acquire() as conn:
            assert [r["sessie_hash"] for r in await conn.fetch("SELECT sessie_hash FROM web_sessie")] == ["b" * 64]
        gevonden = await opslag.zoek("b" * 64)
        assert gevonden is not None and (gevonden.client_id, gevonden.rol) == ("coach-28", "rmc:MC28")
        assert abs(gevonden.verloopt - (nu + 3600)) < 1
        gesloten = await opslag.sluit("b" * 64)
        assert gesloten is not None and gesloten.id_token == "id.token.b"
        assert await opslag.sluit("b" * 64) is None and await opslag.zoek("b" * 64) is None
    finally:
        await pool.close()
