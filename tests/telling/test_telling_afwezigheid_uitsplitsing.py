"""Issue 12.8: on the demo every school-type and age-band column of the pupils with unauthorised
absence was 0 while the total was 41. Fed like the demo (deploy/local/demo_feed.py: po pupils
enrolled, then a term of absence) through the real projection on PostgreSQL, batch by batch as the
runner applies them, the breakdown columns add up to the total; one batch or many, same content hash.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from telling.tabellen import inhoud_hash
from telling_batches import pas_toe

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, SchoolType, UrenEenheid, Vakantieregio
from contracts.envelope import Envelope
from contracts.events.base import School
from contracts.events.registratie import AfwezigheidGeregistreerd, LeerlingIngeschreven
from leerrecht.db import create_pool, migrate

pytestmark = pytest.mark.infra
JAAR = "2025-2026"
REGIO = "MC28"
SCHOOL = School(brin="00AP", vestiging="00")
IND = "leerlingen.met_ongeoorloofde_afwezigheid"


def _id(n: int) -> UUID:
    return UUID(int=0x0199_CCCC_0000_7000_8000_0000_0000_0000 + n)


def _leerling(k: int) -> str:
    return f"{k:02d}" + "cd3f" * 15 + "ab"


def _env(event: Any, subject: str, n: int, dag: date) -> Envelope:
    return to_envelope(
        event, subject=subject, source="urn:nl:leerrecht:registratie",
        occurred_at=datetime(dag.year, dag.month, dag.day, 10, tzinfo=UTC), correlation_id=_id(99999),
        region=REGIO, event_id=_id(n), recorded_at=datetime(dag.year, dag.month, dag.day, 10, 5, tzinfo=UTC),
    )


def _demo_log() -> list[Envelope]:
    """Six po pupils born 2014-2019 enrolled on 24 August; every school day a few absences, pupils 1
    and 4 often unauthorised, the others ill now and then, pupil 2 once late."""
    log: list[Envelope] = []
    n = 0
    for k in range(6):
        n += 1
        log.append(_env(LeerlingIngeschreven(
            school=SCHOOL, school_type=SchoolType.PO, ingangsdatum=date(2025, 8, 24),
            vakantieregio=Vakantieregio.MIDDEN, woongemeente="GM0637", geboortejaar_maand=f"{2014 + k}-0{1 + k}"),
            _leerling(k), n, date(2025, 8, 24)))
    dag = date(2025, 9, 1)
    while dag < date(2025, 11, 1):
        if dag.weekday() < 5:
            for k in range(6):
                code = None
                if k in (1, 4) and dag.day % 3 == 0:
                    code, uren = AfwezigheidCode.ONGEOORLOOFD, "2"
                elif k == 2 and dag == date(2025, 10, 14):
                    code, uren = AfwezigheidCode.TE_LAAT, "0.25"
                elif dag.day % 7 == k:
                    code, uren = AfwezigheidCode.ZIEK, "5.5"
                if code is not None:
                    n += 1
                    log.append(_env(AfwezigheidGeregistreerd(
                        afwezigheid_id=_id(10_000 + n), school=SCHOOL, datum=dag, uren=Decimal(uren),
                        eenheid=UrenEenheid.KLOKUUR, code=code), _leerling(k), n, dag))
        dag += timedelta(days=1)
    return log


@pytest.fixture
async def pools(infra: Any) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Pool]]:
    a = await create_pool(await infra.adatabase_url("tlu"))
    b = await create_pool(await infra.adatabase_url("tlu"))
    try:
        for p in (a, b):
            await migrate(p, "telling")
        yield a, b
    finally:
        await a.close()
        await b.close()


async def _pas_toe(pool: asyncpg.Pool, batches: Sequence[Sequence[Envelope]]) -> None:
    await pas_toe(pool, f"leerrecht.regio.{REGIO}.events", *batches)


async def test_demo_like_facts_give_non_zero_school_type_and_age_band_columns(
        pools: tuple[asyncpg.Pool, asyncpg.Pool]) -> None:
    log = _demo_log()
    per_batch, in_een = pools
    await _pas_toe(per_batch, [log[i:i + 7] for i in range(0, len(log), 7)])
    async with per_batch.acquire() as conn:
        rows = await conn.fetch("SELECT gebied, uitsplitsing, waarde FROM cijfer WHERE indicator = $1 "
                                "AND periode = $2 AND waarde <> 0", IND, JAAR)
    cijfers = {(r["gebied"], r["uitsplitsing"]): int(r["waarde"]) for r in rows}
    for gebied in ("NL", REGIO):
        assert cijfers[(gebied, "")] == 3  # pupils 1, 4 (ONGEOORLOOFD) and 2 (TE_LAAT)
        assert cijfers[(gebied, "schooltype:po")] == 3
        assert sum(v for (g, u), v in cijfers.items() if g == gebied and u.startswith("leeftijd:")) == 3
        # born 2015-02 / 2016-03: 10 and 9 (0-11); born 2018-05: 7 (0-11)
        assert cijfers[(gebied, "leeftijd:0-11")] == 3
    await _pas_toe(in_een, [log])
    async with per_batch.acquire() as a, in_een.acquire() as b:
        assert (await inhoud_hash(a))[0] == (await inhoud_hash(b))[0]
