"""Two transactions of telling side by side (two processes of a rebuild, two instances) wait for each
other only where they must (issue 16: a rebuild with two processes ran no faster than one).

* The new region's copy of a move is not folded (the old region's copy carries the same fact), so it
  takes no lock on the person: it does not wait for the transaction that folds the old copy.
* A person the klok passed and another transaction holds is left for a later batch (``SKIP LOCKED``).
* The runner records only the absences' ids in ``applied_event``: the other types are idempotent by
  construction, so a move on two topics no longer makes one transaction wait on the other's id.

Each waits forever on the code before (a row lock held by an open transaction), so a generous timeout
tells the two apart without timing anything.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from telling import projection
from telling.projection import TellingProjection, achterstand, inhalen
from telling.runner import TellingRunner
from tl_omgeving import geisoleerde_telling, wacht
from tl_scenario import AMS, LEERPLICHTTELLING_GM0363, RDAM, SCENARIO, SCHOOL, Stap, p, uid

from contracts.codes import AfwezigheidCode, Melder, MeldingSoort, SchoolType, UrenEenheid, Vakantieregio
from contracts.events import registratie
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.projection import Delivered

WACHT_S = 10.0
"""Far above what one small batch takes; on the code before the second transaction never finished."""


@pytest.fixture
async def pools(infra: Any) -> AsyncIterator[list[asyncpg.Pool]]:
    uit = []
    for naam in ("tlna", "tlnb"):
        pool = await create_pool(await infra.adatabase_url(f"{naam}_{uuid.uuid4().hex[:6]}"))
        await migrate(pool, "telling")
        uit.append(pool)
    try:
        yield uit
    finally:
        for pool in uit:
            await pool.close()


def _geleverd(stappen: Sequence[Stap], offset: int = 0) -> list[Delivered]:
    return [Delivered(s.envelope(), f"leerrecht.regio.{s.region}.events", 0, offset + i)
            for i, s in enumerate(stappen)]


async def _toegepast(pool: asyncpg.Pool, stappen: Sequence[Stap], offset: int = 0) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await TellingProjection().apply(conn, _geleverd(stappen, offset))


async def _cellen(pool: asyncpg.Pool) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    async with pool.acquire() as conn:
        await inhalen(conn)
        live = [tuple(r) for r in await conn.fetch(
            "SELECT indicator, gebied, periode, uitsplitsing, waarde FROM cijfer WHERE waarde <> 0 "
            "ORDER BY 1, 2, 3, 4")]
        historie = [tuple(r) for r in await conn.fetch(
            "SELECT indicator, gebied, periode, uitsplitsing, dag, mutatie FROM cel_historie WHERE mutatie <> 0 "
            "ORDER BY 1, 2, 3, 4, 5")]
    return live, historie


def _ingeschreven(d: date) -> registratie.LeerlingIngeschreven:
    return registratie.LeerlingIngeschreven(
        school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=d, vakantieregio=Vakantieregio.NOORD,
        woongemeente=AMS, geboortejaar_maand="2011-03")


def _lrv(n: int) -> registratie.MeldingGeregistreerd:
    return registratie.MeldingGeregistreerd(melding_id=uid(n), soort=MeldingSoort.LRV, melder=Melder.SCHOOL,
                                            school=SCHOOL, startdatum=date(2025, 9, 15))


async def _houd_vast(conn: asyncpg.Connection, persoon: str) -> None:
    """What another process does to a person it folds: lock the row until its transaction ends."""
    assert await conn.fetchval("SELECT pseudoniem FROM leerling_feiten WHERE pseudoniem = $1 FOR UPDATE",
                               persoon) == persoon


@pytest.mark.infra
async def test_the_new_regions_copy_of_a_move_is_not_folded_and_waits_for_no_one(pools: list[asyncpg.Pool]) -> None:
    naast, alleen = pools
    a = p(61)
    voor = [Stap(a, "MC21", date(2025, 8, 25), _ingeschreven(date(2025, 8, 25)), uid(61_001)),
            Stap(a, "MC21", date(2025, 9, 16), _lrv(6101), uid(61_002))]
    verhuisd = registratie.Verhuisd(verhuisdatum=date(2025, 11, 3), oude_gemeente=AMS, nieuwe_gemeente=RDAM,
                                    oude_regio="MC21", nieuwe_regio="MC29")
    oude_kopie = Stap(a, "MC21", date(2025, 11, 3), verhuisd, uid(61_003))
    nieuwe_kopie = Stap(a, "MC29", date(2025, 11, 3), verhuisd, uid(61_003))  # same id, the new region's topic
    for pool in pools:
        await _toegepast(pool, voor)
    async with naast.acquire() as conn:
        feiten = await conn.fetchval("SELECT dagen::text FROM leerling_feiten WHERE pseudoniem = $1", a)

    async with naast.acquire() as ander, ander.transaction():
        await _houd_vast(ander, a)  # the process holding the old region's topic, folding the old copy
        async with naast.acquire() as conn, conn.transaction():
            await asyncio.wait_for(TellingProjection().apply(conn, _geleverd([nieuwe_kopie], 20)), WACHT_S)
    async with naast.acquire() as conn:  # the new region's copy alone adds no fact (it moved only the klok)
        assert await conn.fetchval("SELECT dagen::text FROM leerling_feiten WHERE pseudoniem = $1", a) == feiten

    await _toegepast(naast, [oude_kopie], 10)
    await _toegepast(alleen, [oude_kopie], 10)
    live, historie = await _cellen(naast)
    assert ("lrv_verhuisd", "GM0363", "2025-2026", "", 1) in live
    assert (live, historie) == await _cellen(alleen)


@pytest.mark.infra
async def test_a_woken_person_another_transaction_holds_is_left_for_a_later_batch(
        pools: list[asyncpg.Pool], monkeypatch: pytest.MonkeyPatch) -> None:
    naast, alleen = pools
    a, b, c = p(71), p(72), p(73)
    stappen = [Stap(a, "MC21", date(2025, 8, 25), _ingeschreven(date(2025, 8, 25)), uid(71_001)),
               Stap(a, "MC21", date(2025, 9, 16), _lrv(7101), uid(71_002)),
               Stap(c, "MC21", date(2025, 9, 16), _lrv(7301), uid(71_003)),
               # recorded on 17 December: the klok passes the reports' 3 months, A and C are behind
               Stap(b, "MC21", date(2025, 12, 17), _ingeschreven(date(2025, 12, 17)), uid(71_004))]
    monkeypatch.setattr(projection, "WEKKERS_PER_BATCH", 0)  # nobody woken in the batches themselves
    for pool in pools:
        await _toegepast(pool, stappen[:3])
        await _toegepast(pool, stappen[3:], 3)
    monkeypatch.setattr(projection, "WEKKERS_PER_BATCH", 1)
    async with naast.acquire() as conn:
        assert await achterstand(conn) == 2

    async with naast.acquire() as ander, ander.transaction():
        await _houd_vast(ander, a)  # A (the earliest: same wekker, lower pseudonym) is another's
        async with naast.acquire() as conn, conn.transaction():
            await asyncio.wait_for(TellingProjection().apply(conn, []), WACHT_S)  # takes C instead
            assert await conn.fetchval("SELECT klok FROM leerling_feiten WHERE pseudoniem = $1", c) == \
                date(2025, 12, 16)
    async with naast.acquire() as conn:
        assert await achterstand(conn) == 1  # A, for a later batch
    live, historie = await _cellen(naast)
    assert ("lrv_langer_dan_3_maanden", "NL", "2025-2026", "", 2) in live
    assert (live, historie) == await _cellen(alleen)


@pytest.mark.infra
async def test_the_runner_records_only_the_absences_ids(infra: Any) -> None:
    g = await geisoleerde_telling(infra, "n", f"tlnc_{uuid.uuid4().hex[:6]}", ("MC21", "MC29"), batch=50)
    publisher = EventPublisher(infra.bootstrap, client_id="telling-naast-test")
    await publisher.start()
    pool = await create_pool(g.settings.database_url)
    await migrate(pool, "telling")
    runner = TellingRunner(pool, g.settings, publisher)
    task = asyncio.create_task(runner.run())
    afwezig = [Stap(p(1), "MC21", date(2025, 10, 6 + i), registratie.AfwezigheidGeregistreerd(
        afwezigheid_id=uid(90_000 + i), school=SCHOOL, datum=date(2025, 10, 6 + i), uren=Decimal(2),
        eenheid=UrenEenheid.LESUUR, code=AfwezigheidCode.ONGEOORLOOFD), uid(91_000 + i)) for i in range(3)]
    stappen = sorted([*SCENARIO, *afwezig], key=lambda s: s.datum)
    try:
        await publisher.publish([OutgoingEvent(g.topic(s.region), s.envelope()) for s in stappen])

        async def gelezen() -> bool:
            async with pool.acquire() as conn:
                n = await conn.fetchval(
                    "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = 'telling'")
            return int(n) >= len(stappen)
        await wacht(gelezen)
        async with pool.acquire() as conn:
            ids = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM applied_event")}
            await inhalen(conn)
            telling = {r["indicator"]: int(r["waarde"]) for r in await conn.fetch(
                "SELECT indicator, waarde FROM cijfer WHERE gebied = $1 AND periode = '2025-2026' "
                "AND uitsplitsing = ''", AMS)}
        assert ids == {s.event_id for s in afwezig}
        for indicator, verwacht in LEERPLICHTTELLING_GM0363.items():
            assert telling.get(indicator, 0) == verwacht, indicator
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=30)
        await publisher.stop()
        await pool.close()


@pytest.mark.infra
async def test_catching_up_waits_for_a_person_another_transaction_holds_instead_of_spinning(
        pools: list[asyncpg.Pool], monkeypatch: pytest.MonkeyPatch) -> None:
    naast, _ = pools
    a, b = p(81), p(82)
    monkeypatch.setattr(projection, "WEKKERS_PER_BATCH", 0)
    await _toegepast(naast, [Stap(a, "MC21", date(2025, 8, 25), _ingeschreven(date(2025, 8, 25)), uid(81_001)),
                             Stap(a, "MC21", date(2025, 9, 16), _lrv(8101), uid(81_002))])
    await _toegepast(naast, [Stap(b, "MC21", date(2025, 12, 17), _ingeschreven(date(2025, 12, 17)), uid(81_003))], 2)
    monkeypatch.setattr(projection, "WEKKERS_PER_BATCH", 1000)
    async with naast.acquire() as conn:
        assert await achterstand(conn) == 1

    async with naast.acquire() as ander, naast.acquire() as conn:
        async with ander.transaction():
            await _houd_vast(ander, a)
            inhaal = asyncio.create_task(inhalen(conn))
            await asyncio.sleep(1.0)  # the only person behind is another's for a second
        rondes = await asyncio.wait_for(inhaal, WACHT_S)
        assert await achterstand(conn) == 0
    # a round every ~50 ms while nobody can be taken; without the pause a round took a few ms (hundreds)
    assert rondes <= 40, rondes
