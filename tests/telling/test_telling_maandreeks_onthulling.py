"""The monthly trend cannot be differenced into a small number (domain.md C, **Decision**; issue 15.5), on
real PostgreSQL through telling's own read (``telling.api.maandreeks``, which the API and the dashboard
serve).

Observed before: every month's table was protected on its own, so two published month ends of one area
could differ by 1–9: region MC21 stood at 12 at the end of September and 15 at the end of October, both
published, so "3 pupils became relatively absent in MC21 in October" was public although a cell of 3 is
never published. The cells' history is written straight into telling's tables (the same rows the
projection writes; the projection itself is covered elsewhere), so the scenario is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from telling.api import maandreeks
from telling.projection import HISTORIE_OPTELLEN

from leerrecht.db import create_pool, migrate

pytestmark = pytest.mark.infra
INDICATOR = "relatief_verzuim"  # persons with a 16-hour report in the schooljaar: a running count
JAAR = "2025-2026"
# (gebied, ouder) -> {registratiedag: mutation}; NL is the sum of its regions
HISTORIE: dict[tuple[str, str | None], dict[date, int]] = {
    ("MC21", "NL"): {date(2025, 9, 10): 12, date(2025, 10, 10): 3, date(2025, 11, 10): 11},
    ("MC29", "NL"): {date(2025, 9, 10): 15, date(2025, 10, 10): 20},
    ("MC30", "NL"): {date(2025, 9, 12): 30, date(2025, 10, 14): 12, date(2025, 11, 3): 2, date(2025, 12, 1): 10},
}


async def _historie(conn: asyncpg.Connection, gebied: str, dag: date, mutatie: int) -> None:
    """One history entry: the day's place in its month's row (``cel_historie_maand``), added as the
    projection adds a batch's days."""
    dagen: list[int | None] = [None] * 31
    dagen[dag.day - 1] = mutatie
    await conn.execute("INSERT INTO cel_historie_maand (indicator, gebied, periode, maand, mutaties) "
                       "VALUES ($1, $2, $3, $4, $5::numeric[]) ON CONFLICT (indicator, gebied, periode, uitsplitsing, "
                       f"maand) DO UPDATE SET mutaties = {HISTORIE_OPTELLEN}",
                       INDICATOR, gebied, JAAR, dag.replace(day=1), dagen)


@pytest.fixture
async def pool(infra: Any) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(await infra.adatabase_url("tmaand"))
    await migrate(p, "telling")
    nl: dict[date, int] = {}
    async with p.acquire() as conn:
        for (gebied, ouder), mutaties in HISTORIE.items():
            await conn.execute("INSERT INTO cijfer (indicator, gebied, periode, ouder, waarde) "
                               "VALUES ($1, $2, $3, $4, $5)", INDICATOR, gebied, JAAR, ouder, sum(mutaties.values()))
            for dag, m in mutaties.items():
                nl[dag] = nl.get(dag, 0) + m
                await _historie(conn, gebied, dag, m)
        await conn.execute("INSERT INTO cijfer (indicator, gebied, periode, ouder, waarde) "
                           "VALUES ($1, 'NL', $2, NULL, $3)", INDICATOR, JAAR, sum(nl.values()))
        for dag, m in nl.items():
            await _historie(conn, "NL", dag, m)
        await conn.execute("UPDATE telling_klok SET datum = $1 WHERE id = 1", date(2026, 1, 31))
    try:
        yield p
    finally:
        await p.close()


async def _gepubliceerd(pool: asyncpg.Pool, gebied: str) -> list[tuple[str, int | None]]:
    reeks = await maandreeks(pool, INDICATOR, gebied, onbeveiligd=False)
    [jaar] = reeks["jaren"]
    assert jaar["periode"] == JAAR
    return [(w["einde"], w["waarde"]) for w in jaar["waarden"] if w is not None]


async def test_no_two_published_month_ends_of_an_area_differ_by_1_to_9(pool: asyncpg.Pool) -> None:
    for gebied in ("NL", "MC21", "MC29", "MC30"):
        reeks = await _gepubliceerd(pool, gebied)
        assert len(reeks) == 6, reeks  # August to January: the klok stands at 31 January
        getoond = [(einde, w) for einde, w in reeks if w is not None]
        assert all(w == 0 or w >= 10 for _, w in getoond), (gebied, reeks)
        for (a, x), (b, y) in itertools.combinations(getoond, 2):
            assert not 0 < abs(x - y) < 10, f"{gebied}: {a}={x} en {b}={y} verschillen {abs(x - y)}"


async def test_a_suppressed_month_cannot_be_recovered_from_the_other_areas_that_month(pool: asyncpg.Pool) -> None:
    """The complement hidden in time is also hidden in its month's sum: NL = MC21 + MC29 + MC30 never
    has exactly one unknown term."""
    reeksen = {g: await _gepubliceerd(pool, g) for g in ("NL", "MC21", "MC29", "MC30")}
    for i in range(6):
        verborgen = [g for g, r in reeksen.items() if r[i][1] is None]
        assert len(verborgen) != 1, (reeksen["NL"][i][0], verborgen)
    # not vacuous: the October step of 3 in MC21 is what had to be hidden, and the rest is still shown
    assert dict(reeksen["MC21"])["2025-10-31"] is None
    assert dict(reeksen["NL"])["2025-09-30"] == 57 and dict(reeksen["MC30"])["2025-09-30"] == 30
