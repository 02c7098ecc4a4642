"""telling's bundled claim (``GebundeldeRunner._claim_bundel``) ends a session frozen between prepare and
execute that holds one of its checkpoint rows, as the runner's own claim does
(``tests/leerrecht/test_projection_afschermen.py``): otherwise the new owner of a frozen telling's
partitions waits on its locks for as long as it stays frozen (F4)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from types import SimpleNamespace

import asyncpg
import pytest
from aiokafka import TopicPartition
from telling.bundel import GebundeldeRunner

from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

NAAM = "bundel-afschermen"


class Niets:
    name = NAAM

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        return None


@pytest.mark.infra
async def test_the_bundled_claim_ends_a_session_frozen_between_prepare_and_execute(infra) -> None:  # type: ignore[no-untyped-def]
    url = await infra.adatabase_url("bundelafschermen")
    pool = await create_pool(url)
    await migrate(pool, "leerrecht")
    tps = [TopicPartition("bundel", 0), TopicPartition("bundel", 1)]
    for tp in tps:
        await pool.execute("INSERT INTO checkpoint (projection, topic, partition, next_offset) VALUES ($1, $2, $3, 0)",
                           NAAM, tp.topic, tp.partition)
    runner = GebundeldeRunner(Niets(), pool, infra.bootstrap, topics=["bundel"], dedupe_event_ids=False)
    runner.afschermen_na_s = 1.0
    houder = await asyncpg.connect(url)
    try:
        await houder.execute("BEGIN")
        await houder.execute("SELECT 1 FROM checkpoint WHERE projection = $1 AND partition = 1 FOR UPDATE", NAAM)
        await houder.prepare("SELECT next_offset + $1::int FROM checkpoint")  # Parse, Describe, Flush: no Sync
        delen = {tp: [SimpleNamespace(offset=o) for o in range(5)] for tp in tps}
        begin = time.monotonic()

        async def claim() -> None:
            async with pool.acquire() as conn, conn.transaction():
                await runner._claim_bundel(conn, delen, {tp: [] for tp in tps})  # type: ignore[arg-type]

        await asyncio.wait_for(claim(), 30)
        assert 1.0 <= time.monotonic() - begin < 10
        assert not await pool.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                                       houder.get_server_pid()), "the frozen session was not ended"
        stand = await pool.fetch("SELECT next_offset FROM checkpoint WHERE projection = $1", NAAM)
        assert [r["next_offset"] for r in stand] == [5, 5]
    finally:
        await houder.close(timeout=2)
        await pool.close()
