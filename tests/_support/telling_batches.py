"""Applying envelopes to telling's projection as its runner does, for the tests on real PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from telling.projection import TellingProjection

from contracts.envelope import Envelope
from leerrecht.projection import Delivered


async def pas_toe(pool: asyncpg.Pool, topic: str, *batches: Sequence[Envelope]) -> None:
    """Each batch in its own transaction, as the runner applies them; offsets count from 0 over all."""
    offset = 0
    projectie = TellingProjection()
    for batch in batches:
        delivered = []
        for env in batch:
            delivered.append(Delivered(env, topic, 0, offset))
            offset += 1
        async with pool.acquire() as conn, conn.transaction():
            await projectie.apply(conn, delivered)
