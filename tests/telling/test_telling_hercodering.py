"""A recoding (``AfwezigheidGecorrigeerd`` v2, domain.md A2) moves hours between telling's sums.

telling keeps no row per absence; the v2 correction carries the absence's ``datum`` and the hours in
force before it (``oude_uren``), so the projection subtracts them from the old soort and adds the new
hours to the new soort, in the schooljaar of the absence and the event's region, attributed in the
history to the recoding's registratiedag. The count of registrations does not change. A v1 correction
(upcast: both unknown) moves nothing. The pure part is tested here directly; the projection itself on
real PostgreSQL, batch by batch as the runner calls it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from telling.projection import _hercodering, _verschuif
from telling.tabellen import inhoud_hash
from telling_batches import pas_toe

from contracts.catalogue import schema_uri, to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope
from contracts.events.base import School
from contracts.events.registratie import AfwezigheidGecorrigeerd, AfwezigheidGeregistreerd
from contracts.golden import golden_envelope
from leerrecht.db import create_pool, migrate

JAAR = "2025-2026"
REGIO = "MC17"  # a region no other telling test writes (each test gets its own database anyway)
SCHOOL = School(brin="12AB", vestiging="00")
LEERLING = "07" + "ab3f" * 15 + "cd"
AFWEZIG = UUID("0199aaaa-0000-7000-8000-00000000a001")


def _id(n: int) -> UUID:
    return UUID(int=0x0199_BBBB_0000_7000_8000_0000_0000_0000 + n)


def _env(event: Any, n: int, dag: date) -> Envelope:
    """An envelope recorded at 10:05 UTC on ``dag`` (the registratiedag the history uses)."""
    return to_envelope(
        event, subject=LEERLING, source="urn:nl:leerrecht:registratie",
        occurred_at=datetime(dag.year, dag.month, dag.day, 10, tzinfo=UTC), correlation_id=_id(9999),
        region=REGIO, event_id=_id(n), recorded_at=datetime(dag.year, dag.month, dag.day, 10, 5, tzinfo=UTC),
    )


def _afwezig(code: AfwezigheidCode, uren: str, n: int = 1, datum: date = date(2025, 10, 6)) -> Envelope:
    return _env(AfwezigheidGeregistreerd(
        afwezigheid_id=_id(100 + n), school=SCHOOL, datum=datum, uren=Decimal(uren),
        eenheid=UrenEenheid.LESUUR, code=code), n, datum)


def _hercodeer(n: int, afwezig: int, oud: AfwezigheidCode, nieuw: AfwezigheidCode, oude_uren: str,
               nieuwe_uren: str | None = None, dag: date = date(2025, 10, 8),
               datum: date = date(2025, 10, 6)) -> Envelope:
    return _env(AfwezigheidGecorrigeerd(
        afwezigheid_id=_id(100 + afwezig), datum=datum, oude_code=oud, nieuwe_code=nieuw,
        oude_uren=Decimal(oude_uren), nieuwe_uren=None if nieuwe_uren is None else Decimal(nieuwe_uren)), n, dag)


def _v1(n: int, dag: date = date(2025, 10, 8)) -> Envelope:
    """A correction as a v1 producer wrote it: no ``datum``, no ``oude_uren``."""
    return Envelope.model_validate({
        "id": _id(n), "type": AfwezigheidGecorrigeerd.event_type, "source": "urn:nl:leerrecht:registratie",
        "time": datetime(dag.year, dag.month, dag.day, 10, tzinfo=UTC), "subject": LEERLING,
        "dataschema": schema_uri(AfwezigheidGecorrigeerd.event_type, 1), "schemaversion": 1,
        "recordedtime": datetime(dag.year, dag.month, dag.day, 10, 5, tzinfo=UTC),
        "correlationid": _id(9999), "region": REGIO,
        "data": {"afwezigheid_id": str(_id(101)), "oude_code": "ONBEKEND", "nieuwe_code": "ZIEK",
                 "nieuwe_uren": None},
    })


# --- pure ------------------------------------------------------------------------------------------


def test_a_v2_recoding_names_year_old_and_new_soort_and_hours() -> None:
    golden = golden_envelope(AfwezigheidGecorrigeerd.event_type)  # ONBEKEND 5 h of 2025-10-06 -> ZIEK
    assert _hercodering(golden) == (JAAR, "ongeoorloofd", Decimal(5), "geoorloofd", Decimal(5), date(2025, 10, 6))
    env = _hercodeer(2, 1, AfwezigheidCode.ZIEK, AfwezigheidCode.ZIEK, "4", "2.5", datum=date(2025, 7, 31))
    assert _hercodering(env) == ("2024-2025", "geoorloofd", Decimal(4), "geoorloofd", Decimal("2.5"),
                                 date(2025, 7, 31))


def test_an_upcast_v1_recoding_moves_nothing() -> None:
    assert _hercodering(_v1(2)) is None


def test_verschuif_moves_hours_and_never_counts_a_registration() -> None:
    dag = date(2025, 10, 8)
    sommen: dict[tuple[str, str, str, date], tuple[int, Decimal]] = {
        (JAAR, REGIO, "ongeoorloofd", dag): (2, Decimal(7))}
    _verschuif(sommen, REGIO, dag, (JAAR, "ongeoorloofd", Decimal(3), "geoorloofd", Decimal(3), dag))
    assert sommen == {(JAAR, REGIO, "ongeoorloofd", dag): (2, Decimal(4)),
                      (JAAR, REGIO, "geoorloofd", dag): (0, Decimal(3))}
    _verschuif(sommen, REGIO, dag, (JAAR, "geoorloofd", Decimal(3), "geoorloofd", Decimal("1.5"), dag))
    assert sommen[(JAAR, REGIO, "geoorloofd", dag)] == (0, Decimal("1.5"))


# --- the projection on real PostgreSQL -------------------------------------------------------------


@pytest.fixture
async def pool(infra) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    p = await create_pool(await infra.adatabase_url("tlh"))
    await migrate(p, "telling")
    try:
        yield p
    finally:
        await p.close()


async def _pas_toe(pool: asyncpg.Pool, *batches: Sequence[Envelope]) -> None:
    await pas_toe(pool, f"leerrecht.regio.{REGIO}.events", *batches)


async def _cijfers(pool: asyncpg.Pool) -> dict[tuple[str, str], Decimal]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT indicator, gebied, waarde FROM cijfer WHERE periode = $1 "
                                "AND indicator LIKE 'afwezigheid.%'", JAAR)
    return {(r["indicator"], r["gebied"]): r["waarde"] for r in rows}


async def _historie(pool: asyncpg.Pool, gebied: str = REGIO) -> dict[tuple[str, date], Decimal]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT indicator, dag, mutatie FROM cel_historie WHERE periode = $1 AND "
                                "gebied = $2 AND indicator LIKE 'afwezigheid.uren.%' AND mutatie <> 0",
                                JAAR, gebied)
    return {(r["indicator"], r["dag"]): r["mutatie"] for r in rows}


@pytest.mark.infra
async def test_onbekend_3_hours_recoded_to_ziek_moves_3_hours_to_geoorloofd(pool: asyncpg.Pool) -> None:
    await _pas_toe(pool, [_afwezig(AfwezigheidCode.ONBEKEND, "3")])
    voor = await _cijfers(pool)
    assert voor[("afwezigheid.uren.ongeoorloofd", REGIO)] == 3
    assert ("afwezigheid.uren.geoorloofd", REGIO) not in voor

    await _pas_toe(pool, [_hercodeer(2, 1, AfwezigheidCode.ONBEKEND, AfwezigheidCode.ZIEK, "3")])
    na = await _cijfers(pool)
    for gebied in ("NL", REGIO):
        assert na[("afwezigheid.uren.ongeoorloofd", gebied)] == 0
        assert na[("afwezigheid.uren.geoorloofd", gebied)] == 3
        assert na[("afwezigheid.registraties", gebied)] == 1, "a recoding is not a new absence"
    # the history: the absence on its registratiedag, the move on the recoding's
    assert await _historie(pool) == {
        ("afwezigheid.uren.ongeoorloofd", date(2025, 10, 6)): 3,
        ("afwezigheid.uren.ongeoorloofd", date(2025, 10, 8)): -3,
        ("afwezigheid.uren.geoorloofd", date(2025, 10, 8)): 3,
    }
    async with pool.acquire() as conn:
        assert await conn.fetchval(  # the pupil stays counted: not retracted (documented in uitgesteld)
            "SELECT waarde FROM cijfer WHERE indicator = 'leerlingen.met_ongeoorloofde_afwezigheid' "
            "AND gebied = 'NL' AND periode = $1", JAAR) == 1


@pytest.mark.infra
async def test_within_one_soort_only_the_hours_change_and_v1_changes_nothing(pool: asyncpg.Pool) -> None:
    await _pas_toe(pool, [_afwezig(AfwezigheidCode.ONBEKEND, "3"), _afwezig(AfwezigheidCode.ZIEK, "6", n=3)])
    await _pas_toe(pool, [
        _hercodeer(2, 1, AfwezigheidCode.ONBEKEND, AfwezigheidCode.ONGEOORLOOFD, "3", "2"),
        _v1(4),  # an old correction: unknown date and hours, so nothing moves
        _hercodeer(5, 3, AfwezigheidCode.ZIEK, AfwezigheidCode.LUXE, "6"),
    ])
    na = await _cijfers(pool)
    assert na[("afwezigheid.uren.ongeoorloofd", "NL")] == 2 + 6
    assert na[("afwezigheid.uren.geoorloofd", "NL")] == 0
    assert na[("afwezigheid.registraties", "NL")] == 2


@pytest.mark.infra
async def test_one_batch_or_many_and_another_schooljaar_give_the_same_figures(pool: asyncpg.Pool,
                                                                               infra: Any) -> None:
    """The sums are additive: a rebuild with other batch boundaries (here: everything in one batch)
    reaches the same cells and history (same content hash). A recoding counts in the schooljaar of the
    absence, not of the recoding."""
    log = [
        _afwezig(AfwezigheidCode.ONBEKEND, "3"),
        _afwezig(AfwezigheidCode.LUXE, "4", n=3, datum=date(2025, 7, 14)),
        _hercodeer(2, 1, AfwezigheidCode.ONBEKEND, AfwezigheidCode.ZIEK, "3"),
        _hercodeer(4, 3, AfwezigheidCode.LUXE, AfwezigheidCode.VERLOF_GEWICHTIG, "4", "3.5",
                   datum=date(2025, 7, 14)),
        _hercodeer(5, 1, AfwezigheidCode.ZIEK, AfwezigheidCode.ONGEOORLOOFD, "3", "2.25", dag=date(2025, 10, 9)),
    ]
    await _pas_toe(pool, *[[e] for e in log])
    ander = await create_pool(await infra.adatabase_url("tlh"))
    try:
        await migrate(ander, "telling")
        await _pas_toe(ander, log)
        async with pool.acquire() as a, ander.acquire() as b:
            assert (await inhoud_hash(a))[0] == (await inhoud_hash(b))[0]
        async with ander.acquire() as conn:
            vorig = {r["indicator"]: r["waarde"] for r in await conn.fetch(
                "SELECT indicator, waarde FROM cijfer WHERE periode = '2024-2025' AND gebied = 'NL' "
                "AND uitsplitsing = ''")}
    finally:
        await ander.close()
    assert vorig["afwezigheid.uren.ongeoorloofd"] == 0
    assert vorig["afwezigheid.uren.geoorloofd"] == Decimal("3.5")
    na = await _cijfers(pool)
    assert (na[("afwezigheid.uren.ongeoorloofd", "NL")], na[("afwezigheid.uren.geoorloofd", "NL")]) == (
        Decimal("2.25"), Decimal(0))


async def _personen(pool: asyncpg.Pool) -> dict[tuple[str, str, date], int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT indicator, gebied, dag, mutatie FROM som_personen WHERE periode = $1 "
                                "AND mutatie <> 0", JAAR)
    return {(r["indicator"], r["gebied"], r["dag"]): r["mutatie"] for r in rows}


@pytest.mark.infra
async def test_the_persons_behind_a_sum_follow_the_recodings(pool: asyncpg.Pool) -> None:
    """Issue 14.6: a sum is suppressed by the pupils it rests on; hours all recoded away take the pupil
    out of the sum it left (on the recoding's registratiedag), a registration keeps it in the count."""
    await _pas_toe(pool, [_afwezig(AfwezigheidCode.ZIEK, "3")])
    await _pas_toe(pool, [_hercodeer(2, 1, AfwezigheidCode.ZIEK, AfwezigheidCode.ONGEOORLOOFD, "3")])
    d1, d2 = date(2025, 10, 6), date(2025, 10, 8)
    verwacht = {}
    for gebied in ("NL", REGIO):
        verwacht |= {("afwezigheid.registraties", gebied, d1): 1, ("afwezigheid.uren.geoorloofd", gebied, d1): 1,
                     ("afwezigheid.uren.geoorloofd", gebied, d2): -1, ("afwezigheid.uren.ongeoorloofd", gebied, d2): 1}
    assert await _personen(pool) == verwacht
    # replaying the recoding's batch under a new event id is the runner's concern; a second recoding
    # back again brings the pupil back into the geoorloofd sum
    await _pas_toe(pool, [_hercodeer(3, 1, AfwezigheidCode.ONGEOORLOOFD, AfwezigheidCode.ZIEK, "3",
                                     dag=date(2025, 10, 9))])
    na = await _personen(pool)
    assert na[("afwezigheid.uren.geoorloofd", "NL", date(2025, 10, 9))] == 1
    assert na[("afwezigheid.uren.ongeoorloofd", "NL", date(2025, 10, 9))] == -1


@pytest.mark.infra
async def test_a_later_registration_leaves_the_pupils_count_row_alone(pool: asyncpg.Pool) -> None:
    """Issue 16: the count of registrations never goes back, so a pupil's ``som_lid`` row of it only has
    to exist. A later absence of the same pupil adds to the count and the hours, keeps the pupil once
    in each (no second join), and writes no new version of the count's row (its ``xmin`` stays); the
    hours' row, which recodings can bring back to 0, is still updated."""
    await _pas_toe(pool, [_afwezig(AfwezigheidCode.ZIEK, "3")])

    async def rijen() -> dict[str, tuple[str, Decimal]]:
        async with pool.acquire() as conn:
            return {r["indicator"]: (r["xmin"], r["waarde"]) for r in await conn.fetch(
                "SELECT indicator, xmin::text AS xmin, waarde FROM som_lid WHERE gebied = 'NL' AND periode = $1",
                JAAR)}

    voor = await rijen()
    await _pas_toe(pool, [_afwezig(AfwezigheidCode.ZIEK, "2", n=2, datum=date(2025, 10, 7))])
    na = await rijen()
    assert na["afwezigheid.registraties"] == voor["afwezigheid.registraties"]
    assert na["afwezigheid.uren.geoorloofd"][0] != voor["afwezigheid.uren.geoorloofd"][0]
    assert na["afwezigheid.uren.geoorloofd"][1] == Decimal(5)
    assert await _personen(pool) == {(i, g, date(2025, 10, 6)): 1 for i in ("afwezigheid.registraties",
                                                                         "afwezigheid.uren.geoorloofd")
                                     for g in ("NL", REGIO)}
    cijfers = await _cijfers(pool)
    assert cijfers[("afwezigheid.registraties", "NL")] == 2
    assert cijfers[("afwezigheid.uren.geoorloofd", "NL")] == Decimal(5)
