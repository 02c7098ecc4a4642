"""issue 16: a batch's membership statements cost what the batch touches, not the size of the table.

Found while measuring the rebuild: the read of the members' source counts and the delete of lost
memberships joined the batch's keys (``unnest``) with ``lidmaatschap`` by a hash join over a sequential
scan of the whole table (58,000 rows after 50,000 events: 25–50 ms a batch, growing with the log, so a
national rebuild would grow quadratically). Both must look every key up in the primary key instead.
The plans are read with EXPLAIN on real PostgreSQL with the statements the projection runs.
"""

from __future__ import annotations

import pytest
from telling.projection import LEDEN_VOOR, LEDEN_WEG, tekst

from leerrecht.db import create_pool, migrate


async def _plan(conn, sql: str, *args: object) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))


@pytest.mark.infra
async def test_membership_statements_look_keys_up_by_index(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("tli"))
    try:
        await migrate(pool, "telling")
        async with pool.acquire() as conn:
            # 60,000 memberships of 12,000 pupils over 40 regions, analysed as autovacuum would
            await conn.execute(
                "INSERT INTO lidmaatschap (indicator, gebied, periode, uitsplitsing, lid, bron) "
                "SELECT 'lrv', 'MC' || lpad(((i / 5) % 40)::text, 2, '0'), '2025-2026', '', 'k1:tli' || (i / 5), "
                "'b' || (i % 5) FROM generate_series(1, 60000) i ON CONFLICT DO NOTHING")
            await conn.execute("ANALYZE lidmaatschap")
            rijen = await conn.fetch(
                "SELECT indicator, gebied, periode, uitsplitsing, lid, bron FROM lidmaatschap "
                "ORDER BY indicator, gebied, periode, uitsplitsing, lid, bron LIMIT 2000")
            kolommen = tekst([tuple(r) for r in rijen], 6)
            leden = sorted({tuple(r)[:5] for r in rijen})
            per_lid = tekst(leden, 5)
            for sql, arg in ((LEDEN_VOOR, per_lid), (LEDEN_WEG, kolommen)):
                plan = await _plan(conn, sql, arg)
                assert "Seq Scan on lidmaatschap" not in plan, plan
            # and they still do what they did: sources per member, deletes exactly the given rows
            n = {tuple(r)[:5]: r["n"] for r in await conn.fetch(LEDEN_VOOR, per_lid)}
            alle = await conn.fetch("SELECT indicator, gebied, periode, uitsplitsing, lid FROM lidmaatschap")
            verwacht: dict[tuple[object, ...], int] = {}
            for r in alle:
                if tuple(r) in n:
                    verwacht[tuple(r)] = verwacht.get(tuple(r), 0) + 1
            assert n == verwacht
            assert set(n) == set(leden)
            weg = await conn.fetch(LEDEN_WEG, kolommen)
            assert len(weg) == 2000
            assert await conn.fetchval("SELECT count(*) FROM lidmaatschap") == 58000
    finally:
        await pool.close()
