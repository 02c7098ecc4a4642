"""issue 16.5: the coach's list of all open files costs what the open files cost, not the region's population.

Found with ``python -m benchmarks.regio`` (94,000 identities in the region, 1,107 open files): the list,
sorted by name, joined the open files with ``identiteit`` by a hash join over a scan of the whole table.
Every statement :func:`rmc.dossiers.alle_open` runs must reach the names through an index (a name search
reads the matching names once); the plans are read with EXPLAIN on real PostgreSQL, on analysed tables.
"""

from __future__ import annotations

import pytest
from rmc import dossiers
from tellende_verbinding import TellendeVerbinding

from leerrecht.db import create_pool, migrate

IDENTITEITEN = 60_000
OPEN = 1_500


@pytest.mark.infra
async def test_all_open_files_reach_names_by_index(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("rmcai"))
    try:
        await migrate(pool, "rmc")
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO identiteit (pseudoniem, voornamen, achternaam, vastgelegd_op) "
                "SELECT 'k1:rai' || lpad(i::text, 8, '0'), (ARRAY['Sanne','Daan','Emma','Liam'])[1 + i % 4], "
                "(ARRAY['Jansen','Visser','Bakker','Smit'])[1 + (i / 4) % 4] || (i % 997), now() "
                "FROM generate_series(1, $1) i", IDENTITEITEN)
            await conn.execute(
                "INSERT INTO jongere (pseudoniem, dossier_id, status, bron, aangemeld_op, woongemeente, "
                "geboortejaar_maand, versie, toestand) SELECT 'k1:rai' || lpad((i * 40)::text, 8, '0'), "
                "gen_random_uuid(), 'NIEUW', 'POTENTIEEL_VSV', date '2025-10-01' + i % 60, 'GM0637', '2007-05', 1, "
                "'{}'::jsonb FROM generate_series(1, $1) i", OPEN)
            await conn.execute("ANALYZE identiteit")
            await conn.execute("ANALYZE jongere")
            opname = TellendeVerbinding(conn)
            eerste = await dossiers.alle_open(opname)
            diep = await dossiers.alle_open(opname, pagina=OPEN // dossiers.PER_PAGINA - 1)
            zoek = await dossiers.alle_open(opname, zoek="jansen1")
            for sql, args in opname.opgenomen:
                plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))
                if "zoeknaam LIKE" in sql:
                    assert "hashed SubPlan" in plan and "Hash Join" not in plan, plan
                else:
                    assert "Seq Scan on identiteit" not in plan, plan

            alle = [r["pseudoniem"] for r in await conn.fetch(
                "SELECT j.pseudoniem FROM jongere j JOIN identiteit i USING (pseudoniem) "
                "ORDER BY i.achternaam, i.voornamen, j.aangemeld_op, j.pseudoniem")]
            assert eerste.totaal == OPEN and [r.pseudoniem for r in eerste.rijen] == alle[:25]
            assert [r.pseudoniem for r in diep.rijen] == alle[-50:-25]
            verwacht = await conn.fetchval(
                "SELECT count(*) FROM jongere j JOIN identiteit i USING (pseudoniem) WHERE i.zoeknaam LIKE '%jansen1%'")
            assert zoek.totaal == verwacht > 0 and all("Jansen1" in (r.naam or "") for r in zoek.rijen)
    finally:
        await pool.close()
