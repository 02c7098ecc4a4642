"""Memberships are derived from each person's facts, not stored (issue 16, seventh round; migration 009).

A cell's live value changes by the person's contribution after a fold minus before it, which is the sum
of the fold's history mutations: there is no ``lidmaatschap`` row per (cell, member, source) any more.
What must hold: the scripted schooljaar (:mod:`tl_scenario`) reaches the same cells and the same
history however it is cut into batches, even when every batch is applied twice without the runner's
dedupe (an event folded twice changes no fact); every live value is the sum of its history; and no
membership is written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from telling.projection import TellingProjection, inhalen
from tl_scenario import AMS, LEERPLICHTTELLING_GM0363, SCENARIO, Stap

from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

Cellen = dict[tuple[str, str, str, str], Decimal]


@pytest.fixture
async def databases(infra: Any) -> AsyncIterator[list[asyncpg.Pool]]:
    pools = []
    for naam in ("tlla", "tllb"):
        p = await create_pool(await infra.adatabase_url(naam))
        await migrate(p, "telling")
        pools.append(p)
    try:
        yield pools
    finally:
        for p in pools:
            await p.close()


async def _pas_toe(pool: asyncpg.Pool, batches: Sequence[Sequence[Stap]], twee_keer: bool = False) -> None:
    """Each batch in its own transaction, as the runner applies them (``twee_keer``: each batch again,
    straight after, as a replay the runner's dedupe would have skipped)."""
    offset = 0
    for batch in batches:
        delivered = [Delivered(s.envelope(), f"leerrecht.regio.{s.region}.events", 0, offset + i)
                     for i, s in enumerate(batch)]
        offset += len(batch)
        for _ in range(2 if twee_keer else 1):
            async with pool.acquire() as conn, conn.transaction():
                await TellingProjection().apply(conn, delivered)
    async with pool.acquire() as conn:
        await inhalen(conn)


async def _stand(pool: asyncpg.Pool) -> tuple[Cellen, Cellen, list[tuple[Any, ...]]]:
    """(live cells, per cell the sum of its history, the history per cell and day without zeros)."""
    async with pool.acquire() as conn:
        live = {(r[0], r[1], r[2], r[3]): r[4] for r in await conn.fetch(
            "SELECT indicator, gebied, periode, uitsplitsing, waarde FROM cijfer WHERE waarde <> 0")}
        som = {(r[0], r[1], r[2], r[3]): r[4] for r in await conn.fetch(
            "SELECT indicator, gebied, periode, uitsplitsing, sum(mutatie) FROM cel_historie "
            "GROUP BY 1, 2, 3, 4 HAVING sum(mutatie) <> 0")}
        historie = [tuple(r) for r in await conn.fetch(
            "SELECT indicator, gebied, periode, uitsplitsing, dag, mutatie FROM cel_historie "
            "WHERE mutatie <> 0 ORDER BY 1, 2, 3, 4, 5")]
    return live, som, historie


@pytest.mark.infra
async def test_cells_follow_the_folds_without_stored_memberships(databases: list[asyncpg.Pool]) -> None:
    een, twee = databases
    # one event per batch, each applied twice; and the whole year in batches of 7
    await _pas_toe(een, [[s] for s in SCENARIO], twee_keer=True)
    await _pas_toe(twee, [SCENARIO[i:i + 7] for i in range(0, len(SCENARIO), 7)])
    live, som, historie = await _stand(een)
    assert (live, som, historie) == await _stand(twee)
    assert live == som, "every live value is the sum of its history"
    for indicator, verwacht in LEERPLICHTTELLING_GM0363.items():
        assert live.get((indicator, AMS, "2025-2026", ""), 0) == verwacht, indicator
    async with een.acquire() as conn:
        assert await conn.fetchval("SELECT to_regclass('lidmaatschap')") is None, "no membership rows"
