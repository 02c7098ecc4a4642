"""A checkpoint claim that waits on another session (``ProjectionRunner._wacht_op_checkpoint``, F4).

The group gave the runner the partition, so a transaction that holds its checkpoint row belongs to a
process that lost it. One frozen between asyncpg's prepare and execute is never ended by PostgreSQL
(the server counts it as active), so the runner ends it itself, once its client has been silent inside
its transaction for the limit. A blocker at work (a slow statement, a migration) is left to finish.
The crash test ``test_a_consumer_frozen_between_prepare_and_execute_does_not_block_the_new_owner`` runs
the same on frozen processes; these hold the sessions here, in one process, for exact timings.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest
from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered, ProjectionRunner

TP = TopicPartition("afschermen", 0)
_TELLER = "leerrecht_db_frozen_sessions_ended_total"


class Niets:
    name = "afschermen-test"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        return None


@pytest.fixture
async def omgeving(infra) -> AsyncIterator[tuple[asyncpg.Pool, str, ProjectionRunner]]:  # type: ignore[no-untyped-def]
    url = await infra.adatabase_url("afschermen")
    pool = await create_pool(url)
    await migrate(pool, "leerrecht")
    await pool.execute("INSERT INTO checkpoint (projection, topic, partition, next_offset) VALUES ($1, $2, $3, 0)",
                       Niets.name, TP.topic, TP.partition)
    runner = ProjectionRunner(Niets(), pool, infra.bootstrap, topics=[TP.topic])
    runner.afschermen_na_s = 1.0
    try:
        yield pool, url, runner
    finally:
        await pool.close()


async def _claim(pool: asyncpg.Pool, runner: ProjectionRunner) -> float:
    """Claim offsets 0..9 of the partition in a transaction; the seconds it took."""
    begin = time.monotonic()
    async with pool.acquire() as conn, conn.transaction():
        await runner._claim_stand(conn, TP, 0, 9, [])
    return time.monotonic() - begin


@contextlib.asynccontextmanager
async def _houder(url: str) -> AsyncIterator[asyncpg.Connection]:
    """Another session, in a transaction that holds the partition's checkpoint row."""
    houder = await asyncpg.connect(url)
    try:
        await houder.execute("BEGIN")
        await houder.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1 FOR UPDATE", Niets.name)
        yield houder
    finally:
        await houder.close(timeout=2)


async def _sessie_bestaat(pool: asyncpg.Pool, pid: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid))


@pytest.mark.infra
async def test_a_session_frozen_between_prepare_and_execute_is_ended(omgeving) -> None:  # type: ignore[no-untyped-def]
    pool, url, runner = omgeving
    async with _houder(url) as houder:
        await houder.prepare("SELECT next_offset + $1::int FROM checkpoint")  # Parse, Describe, Flush: no Sync
        voor = REGISTRY.get_sample_value(_TELLER, {"door": "checkpoint_claim"}) or 0
        duur = await asyncio.wait_for(_claim(pool, runner), 30)
        assert 1.0 <= duur < 10, duur
        assert REGISTRY.get_sample_value(_TELLER, {"door": "checkpoint_claim"}) == voor + 1
        assert not await _sessie_bestaat(pool, houder.get_server_pid())
    assert await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", Niets.name) == 10


@pytest.mark.infra
async def test_a_blocker_at_work_is_left_to_finish(omgeving) -> None:  # type: ignore[no-untyped-def]
    pool, url, runner = omgeving
    async with _houder(url) as houder:
        bezig = asyncio.create_task(houder.execute("SELECT pg_sleep(4)"))
        await asyncio.sleep(0.2)
        claim = asyncio.create_task(_claim(pool, runner))
        await bezig  # the slow statement ran to its end: its session was not ended
        await houder.execute("COMMIT")
        assert await asyncio.wait_for(claim, 30) >= 3.5
    assert await pool.fetchval("SELECT next_offset FROM checkpoint WHERE projection = $1", Niets.name) == 10
