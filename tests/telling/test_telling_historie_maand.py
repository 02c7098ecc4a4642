"""The as-of history packed per (cell, month) (issue 16, seventh round; migration 008).

A cell keeps one ``cel_historie_maand`` row per month, its days' changes in an array, instead of a row
per (cell, registratiedag): the rows per event fall, the meaning does not. A later batch adds to a
month already there, day by day, and the view ``cel_historie`` shows the days in the old shape. An
existing database keeps its history through the migration: the same as-of answers and the same
content hash.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from telling.tabellen import inhoud_hash, lees_cellen, lees_tabellen
from telling_batches import pas_toe

import leerrecht.db
from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope
from contracts.events.base import School
from contracts.events.registratie import AfwezigheidGeregistreerd
from leerrecht.db import create_pool, migrate

JAAR = "2025-2026"
REGIO = "MC17"  # each test has a database of its own; a region few tests use all the same
SCHOOL = School(brin="12AB", vestiging="00")
LEERLING = "07" + "be4a" * 15 + "cd"
CEL = ("afwezigheid.registraties", REGIO, JAAR, "")
PACKED = "008_historie_per_maand.sql"


def _id(n: int) -> UUID:
    return UUID(int=0x0199_CCCC_0000_7000_8000_0000_0000_0000 + n)


def _afwezig(n: int, dag: date, uren: str = "2") -> Envelope:
    """An absence on ``dag``, recorded on ``dag`` (its registratiedag)."""
    return to_envelope(
        AfwezigheidGeregistreerd(afwezigheid_id=_id(1000 + n), school=SCHOOL, datum=dag, uren=Decimal(uren),
                                 eenheid=UrenEenheid.LESUUR, code=AfwezigheidCode.ONBEKEND),
        subject=LEERLING, source="urn:nl:leerrecht:registratie",
        occurred_at=datetime(dag.year, dag.month, dag.day, 9, tzinfo=UTC), correlation_id=_id(9999),
        region=REGIO, event_id=_id(n), recorded_at=datetime(dag.year, dag.month, dag.day, 9, 5, tzinfo=UTC),
    )


@pytest.fixture
async def pool(infra: Any) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(await infra.adatabase_url("tlhb"))
    await migrate(p, "telling")
    try:
        yield p
    finally:
        await p.close()


async def _pas_toe(pool: asyncpg.Pool, *batches: Sequence[Envelope]) -> None:
    await pas_toe(pool, f"leerrecht.regio.{REGIO}.events", *batches)


def _maand(**dagen: int) -> list[Decimal | None]:
    """A month's 31 entries: ``d6=2`` is a change of 2 on the 6th."""
    uit: list[Decimal | None] = [None] * 31
    for d, n in dagen.items():
        uit[int(d[1:]) - 1] = Decimal(n)
    return uit


@pytest.mark.infra
async def test_a_cell_has_one_history_row_per_month_and_a_day_adds_up_over_batches(pool: asyncpg.Pool) -> None:
    d1, d2, d3, nov = date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 9), date(2025, 11, 3)
    await _pas_toe(pool, [_afwezig(1, d1), _afwezig(2, d1), _afwezig(3, d2), _afwezig(4, d3)],
                   [_afwezig(5, d2), _afwezig(6, date(2025, 10, 10)), _afwezig(7, nov)])
    async with pool.acquire() as conn:
        rijen = await conn.fetch(
            "SELECT maand, mutaties FROM cel_historie_maand WHERE indicator = $1 AND gebied = $2 "
            "AND periode = $3 AND uitsplitsing = $4 ORDER BY maand", *CEL)
        # one row per month, both batches' changes added day by day; a day without any stays NULL
        assert [(r["maand"], r["mutaties"]) for r in rijen] == [
            (date(2025, 10, 1), _maand(d6=2, d7=2, d9=1, d10=1)), (date(2025, 11, 1), _maand(d3=1))]
        # per (cell, month), not per (cell, day): every sum cell has a row for October and one for November
        per_cel = await conn.fetch("SELECT count(*) AS n FROM cel_historie_maand WHERE indicator LIKE "
                                   "'afwezigheid.%' GROUP BY indicator, gebied, periode, uitsplitsing")
        assert {r["n"] for r in per_cel} == {2}
        # the old shape: a day that came back in the second batch holds both batches' changes
        dagen = await conn.fetch("SELECT dag, mutatie FROM cel_historie WHERE indicator = $1 AND gebied = $2 "
                                 "AND periode = $3 AND uitsplitsing = $4 ORDER BY dag", *CEL)
        assert [(r["dag"], r["mutatie"]) for r in dagen] == [(d1, 2), (d2, 2), (d3, 1), (date(2025, 10, 10), 1),
                                                             (nov, 1)]
        # as of a peildatum: the sum up to it; before the first day the cell does not exist
        for peildatum, verwacht in ((date(2025, 10, 5), None), (d1, 2), (date(2025, 10, 8), 4), (d3, 5),
                                    (date(2025, 10, 31), 6), (date(2025, 11, 2), 6), (nov, 7)):
            cellen = {r["gebied"]: r["waarde"] for r in await lees_cellen(conn, REGIO, CEL[0], JAAR, peildatum)}
            assert cellen.get(REGIO) == verwacht, peildatum
            tabel = (await lees_tabellen(conn, [(CEL[0], JAAR)], peildatum))[(CEL[0], JAAR)]
            assert (tabel[REGIO][1] if REGIO in tabel else None) == verwacht, peildatum
        assert await conn.fetchval("SELECT waarde FROM cijfer WHERE indicator = $1 AND gebied = $2 "
                                   "AND periode = $3 AND uitsplitsing = $4", *CEL) == 7


ALLE_DAGEN = ("SELECT indicator, gebied, periode, uitsplitsing, dag, mutatie FROM cel_historie "
              "ORDER BY 1, 2, 3, 4, 5")
OUD_CELLEN = (
    "SELECT indicator, gebied, periode, sum(mutatie) AS waarde FROM cel_historie "
    "WHERE uitsplitsing = '' AND gebied = $1 AND dag <= $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)
"""The as-of read by area of the code before migration 008 (a row per cell and day)."""


@pytest.mark.infra
async def test_the_migration_packs_an_existing_history_with_the_same_answers_and_hash(
        infra: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    p = await create_pool(await infra.adatabase_url("tlhm"))
    try:
        # a database as it stood before: every migration up to 007, its history a row per cell and day
        alle = leerrecht.db._migration_files
        monkeypatch.setattr(leerrecht.db, "_migration_files",
                            lambda package: [f for f in alle(package) if f[0] != PACKED])
        assert PACKED not in await migrate(p, "telling")
        monkeypatch.undo()
        d1, d2, d3 = date(2025, 9, 1), date(2025, 9, 2), date(2025, 9, 30)
        historie = [(*CEL, d1, Decimal(3)), (*CEL, d2, Decimal("1.5")), (*CEL, d3, Decimal(-2)),
                    ("afwezigheid.uren.ongeoorloofd", REGIO, JAAR, "", d2, Decimal(0)),  # gained and lost
                    ("afwezigheid.registraties", "NL", JAAR, "", d1, Decimal(3)),
                    ("afwezigheid.registraties", REGIO, JAAR, "leeftijd:12-15", d3, Decimal(1))]
        async with p.acquire() as conn:
            await conn.executemany("INSERT INTO cel_historie (indicator, gebied, periode, uitsplitsing, dag, mutatie) "
                                   "VALUES ($1, $2, $3, $4, $5, $6)", historie)
            await conn.executemany("INSERT INTO cijfer (indicator, gebied, periode, uitsplitsing, waarde) "
                                   "VALUES ($1, $2, $3, $4, $5)",
                                   [(CEL[0], REGIO, JAAR, "", Decimal("2.5")),
                                    ("afwezigheid.uren.ongeoorloofd", REGIO, JAAR, "", Decimal(0)),
                                    ("afwezigheid.registraties", "NL", JAAR, "", Decimal(3)),
                                    ("afwezigheid.registraties", REGIO, JAAR, "leeftijd:12-15", Decimal(1))])
            peildata = [date(2025, 8, 31), d1, d2, date(2025, 9, 15), d3]
            voor = [[tuple(r) for r in await conn.fetch(OUD_CELLEN, REGIO, d)] for d in peildata]
            hash_voor = await inhoud_hash(conn)
            rijen_voor = await conn.fetch(ALLE_DAGEN)

        assert await migrate(p, "telling") == [PACKED]
        async with p.acquire() as conn:
            na = [[tuple(r) for r in await lees_cellen(conn, REGIO, None, None, d)] for d in peildata]
            assert na == voor
            assert voor[0] == [] and (CEL[0], REGIO, JAAR, Decimal("4.5")) in voor[2]
            assert ("afwezigheid.uren.ongeoorloofd", REGIO, JAAR, Decimal(0)) in voor[2], "a cell at 0 stays"
            assert await inhoud_hash(conn) == hash_voor
            assert [tuple(r) for r in await conn.fetch(ALLE_DAGEN)] == \
                [tuple(r) for r in rijen_voor]
            # one row per cell and month
            assert await conn.fetchval("SELECT count(*) FROM cel_historie_maand") == 4
    finally:
        await p.close()
