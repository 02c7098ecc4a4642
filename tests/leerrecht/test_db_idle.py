"""A transaction left idle is ended by PostgreSQL after ``DB_IDLE_IN_TRANSACTION_MS`` (leerrecht.db).

Why a test of its own: the frozen-consumer crash test relies on it with a value it passes itself; this
checks that the service's setting reaches every connection the runtime opens, on the real server."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from prometheus_client import REGISTRY

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


async def test_the_service_ends_a_session_frozen_between_prepare_and_execute_that_others_wait_on(  # type: ignore[no-untyped-def]
        infra) -> None:
    """The idle timeout does not cover a session frozen between asyncpg's prepare and execute (the
    server counts it as active): a registratie replica frozen there held a pupil's lock, and every other
    replica's submission for that pupil waited until the orchestrator killed it. The runtime's chore
    (``leerrecht.db.stille_blokkeerders_opruimen``) ends such a session once others wait on it and its
    client has been silent for the same limit; one that nobody waits on, or that is at work, stays."""
    url = await infra.adatabase_url("stil")
    settings = ServiceSettings(DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
                               DB_IDLE_IN_TRANSACTION_MS=1500)
    runtime = await open_runtime(settings, "leerrecht")
    houder, bezig, wachter = [await asyncpg.connect(url) for _ in range(3)]
    try:
        await houder.execute("BEGIN")
        await houder.execute("SELECT pg_advisory_xact_lock(42)")
        await houder.prepare("SELECT 1 + $1::int")  # Parse, Describe, Flush: no Sync, the server waits
        await asyncio.sleep(3.0)  # nobody waits on it: it stays
        assert await wachter.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                                      houder.get_server_pid()) == 1
        voor = REGISTRY.get_sample_value("leerrecht_db_frozen_sessions_ended_total", {"door": "dienst"}) or 0
        begin = asyncio.get_running_loop().time()
        await asyncio.wait_for(wachter.execute("SELECT pg_advisory_lock(42)"), 15)
        assert asyncio.get_running_loop().time() - begin < 5
        # pg_terminate_backend signals the backend; it releases its locks (so the waiter has the lock) before it
        # is gone from pg_stat_activity, so its row may still be seen for a moment (CI, 2026-12-04)
        for _ in range(50):
            over = await wachter.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                                          houder.get_server_pid())
            if over == 0:
                break
            await asyncio.sleep(0.1)
        assert over == 0, "the frozen session was not ended"
        for _ in range(50):  # the chore counts once its query returned; the waiter may get the lock first
            geteld = REGISTRY.get_sample_value("leerrecht_db_frozen_sessions_ended_total", {"door": "dienst"})
            if geteld == voor + 1:
                break
            await asyncio.sleep(0.1)
        assert geteld == voor + 1

        await bezig.execute("BEGIN")
        await bezig.execute("SELECT pg_advisory_xact_lock(43)")
        werk = asyncio.create_task(bezig.execute("SELECT pg_sleep(4)"))
        await asyncio.sleep(0.2)
        wacht = asyncio.create_task(wachter.execute("SELECT pg_advisory_lock(43)"))
        await asyncio.wait_for(werk, 15)  # at work while waited on, past the limit: not ended
        await bezig.execute("COMMIT")
        await asyncio.wait_for(wacht, 15)
    finally:
        for conn in (houder, bezig, wachter):
            await conn.close(timeout=2)
        await runtime.stop()


def test_a_setting_below_one_second_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="DB_IDLE_IN_TRANSACTION_MS"):
        ServiceSettings(DATABASE_URL="postgresql://x/y", KAFKA_BOOTSTRAP_SERVERS="k:9092", DB_IDLE_IN_TRANSACTION_MS=5)
