"""A transaction left idle is ended by PostgreSQL after ``DB_IDLE_IN_TRANSACTION_MS`` (leerrecht.db).

Why a test of its own: the frozen-consumer crash test relies on it with a value it passes itself; this
checks that the service's setting reaches every connection the runtime opens, on the real server."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from leerrecht.config import ServiceSettings
from leerrecht.service import open_runtime


async def test_the_services_pool_ends_a_transaction_left_idle_past_its_setting(infra) -> None:  # type: ignore[no-untyped-def]
    settings = ServiceSettings(DATABASE_URL=await infra.adatabase_url("idle"), KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
                               DB_IDLE_IN_TRANSACTION_MS=1500)
    runtime = await open_runtime(settings, "leerrecht")
    try:
        async with runtime.pool.acquire() as conn:
            assert await conn.fetchval("SHOW idle_in_transaction_session_timeout") == "1500ms"
            tr = conn.transaction()
            await tr.start()
            await conn.execute("SELECT 1")
            await asyncio.sleep(3.0)  # idle inside the transaction, past the setting
            # the server's FATAL arrives while the connection idles: asyncpg closes it and detaches it from
            # the pool, so the next statement fails one way or the other, never runs
            with pytest.raises((asyncpg.IdleInTransactionSessionTimeoutError, asyncpg.InterfaceError)):
                await conn.execute("SELECT 1")
        async with runtime.pool.acquire() as conn:  # the pool replaces the ended connection
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await runtime.stop()


def test_a_setting_below_one_second_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="DB_IDLE_IN_TRANSACTION_MS"):
        ServiceSettings(DATABASE_URL="postgresql://x/y", KAFKA_BOOTSTRAP_SERVERS="k:9092", DB_IDLE_IN_TRANSACTION_MS=5)
