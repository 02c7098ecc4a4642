"""issue 16.5: the officer's worklist costs what the region's open cases cost, not its population.

Found with ``python -m benchmarks.regio`` (half the largest region's national year: 94,000 pupils with an
identity, 2,350 open cases): sorting by name or age, a deep page and a name search joined the open cases
with ``identiteit`` and ``leerling`` by a hash join over a sequential scan of both whole tables (one row per
pupil of the region), 110-320 ms a query, growing with the region's population. Every statement
:func:`leerplicht.zaken.zoek` runs must reach those tables through an index; the plans are read with
EXPLAIN on real PostgreSQL, on tables analysed as autovacuum would, and the answers stay right.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from leerplicht import zaken
from leerplicht.config import ONTWIKKELSLEUTEL
from tellende_verbinding import TellendeVerbinding

from contracts.codes import MeldingSoort
from leerrecht.db import create_pool, migrate

LEERLINGEN = 60_000
OPEN = 1_500  # every 40th pupil has an open case, as in the benchmark's region
PEILDATUM = date(2026, 3, 1)


async def _vul(conn: Any) -> None:
    await conn.execute(
        "INSERT INTO identiteit (pseudoniem, voornamen, achternaam, geboortedatum, woongemeente, vastgelegd_op, "
        "pgn_hash) SELECT 'k1:lpi' || lpad(i::text, 8, '0'), (ARRAY['Sanne','Daan','Emma','Liam'])[1 + i % 4], "
        "(ARRAY['Jansen','Visser','Bakker','Smit','Mulder','Bos','Vos','Kok'])[1 + (i / 4) % 8] || (i % 997), "
        "date '2010-01-01' + (i % 3000), 'GM0637', now(), 'h' || i FROM generate_series(1, $1) i", LEERLINGEN)
    await conn.execute(
        "INSERT INTO leerling (pseudoniem, geboortejaar_maand) "
        "SELECT 'k1:lpi' || lpad(i::text, 8, '0'), '2011-0' || (1 + i % 9) FROM generate_series(1, $1) i", LEERLINGEN)
    await conn.execute(
        "INSERT INTO dossier (dossier_id, pseudoniem, fase, version, geopend_op, stand, volgende_termijn, "
        "te_laat_vanaf, melding_soorten, werklijst_bijgewerkt) "
        "SELECT gen_random_uuid(), 'k1:lpi' || lpad((i * 40)::text, 8, '0'), 'OPEN', 1, date '2025-09-01' + i % 90, "
        "'{}'::jsonb, date '2026-01-01' + i % 120, date '2026-01-08' + i % 120, "
        "CASE WHEN i % 3 = 0 THEN ARRAY['LRV'] ELSE ARRAY['ZESTIEN_UUR'] END, true "
        "FROM generate_series(1, $1) i", OPEN)
    for tabel in ("identiteit", "leerling", "dossier"):
        await conn.execute(f"ANALYZE {tabel}")


@pytest.mark.infra
async def test_worklist_statements_reach_names_and_ages_by_index(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("lpwi"))
    try:
        await migrate(pool, "leerplicht")
        async with pool.acquire() as conn:
            await _vul(conn)
            opname = TellendeVerbinding(conn)
            vragen = {
                "naam": zaken.Zoekvraag(sorteer="naam"),
                "leeftijd": zaken.Zoekvraag(sorteer="-leeftijd"),
                "diep": zaken.Zoekvraag(pagina=OPEN // 25 - 1),
                "diep op naam": zaken.Zoekvraag(pagina=OPEN // 25 - 1, sorteer="naam"),
                "zoek": zaken.Zoekvraag(zoek="jansen1"),
                "bsn": zaken.Zoekvraag(zoek="123456789"),
                "soort": zaken.Zoekvraag(soort=MeldingSoort.LRV, sorteer="naam"),
            }
            uitkomst = {k: await zaken.zoek(opname, v, "officier", PEILDATUM, ONTWIKKELSLEUTEL)
                        for k, v in vragen.items()}
            for sql, args in opname.opgenomen:
                if "FROM dossier d" not in sql:
                    continue
                plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql, *args))
                assert "Seq Scan on leerling" not in plan, plan
                if "zoeknaam LIKE" in sql:
                    # a name search reads the matching names once (the trigram index, or on a table this small
                    # PostgreSQL may scan it), never a join of every case with every identity
                    assert "hashed SubPlan" in plan and "Hash Join" not in plan, plan
                else:
                    assert "Seq Scan on identiteit" not in plan, plan

            # and the answers are still the worklist's: sorted by name over the whole region, every case once
            alle = [(r["achternaam"], r["voornamen"], r["pseudoniem"]) for r in await conn.fetch(
                "SELECT i.achternaam, i.voornamen, d.pseudoniem, d.dossier_id FROM dossier d "
                "JOIN identiteit i USING (pseudoniem) ORDER BY i.achternaam, i.voornamen, d.dossier_id")]
            assert [z.pseudoniem for z in uitkomst["naam"].zaken] == [p for _, _, p in alle[:25]]
            assert [z.pseudoniem for z in uitkomst["diep op naam"].zaken] == [p for _, _, p in alle[-50:-25]]
            assert uitkomst["naam"].totaal == OPEN and uitkomst["naam"].zaken[0].naam == f"{alle[0][1]} {alle[0][0]}"
            assert all(z.leeftijd is not None for z in uitkomst["leeftijd"].zaken)
            leeftijden = [z.leeftijd for z in uitkomst["leeftijd"].zaken]
            assert leeftijden == sorted(leeftijden, reverse=True)  # "-leeftijd": oldest first
            zoek = uitkomst["zoek"]
            verwacht = await conn.fetchval(
                "SELECT count(*) FROM dossier d JOIN identiteit i USING (pseudoniem) WHERE i.zoeknaam LIKE '%jansen1%'")
            assert zoek.totaal == verwacht > 0 and all("Jansen1" in (z.naam or "") for z in zoek.zaken)
            assert uitkomst["bsn"].totaal == 0
            assert uitkomst["soort"].totaal == OPEN // 3
            assert all(z.soorten == ["LRV"] for z in uitkomst["soort"].zaken)
    finally:
        await pool.close()
