"""issue 16.5: rmc's school lookup at the register's national size.

Measured with 10,000 of DUO's facts in ``register_feit`` (mbo and every other location a national feed
brings): folding the whole register cost ~190 ms of CPU (340 ms wall under load) on every file page and
every ``GET /v1/scholen``, against a p95 target of 200 ms for the whole page. The facts change a few times
a year, so rmc keeps the folded register per day and version of the facts; a new fact, or a fact committed
late by a slower transaction with a lower number, shows at once. Real PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from rmc import scholen

from contracts.codes import SchoolType, Vakantieregio
from contracts.events import registratie
from contracts.events.base import School
from leerrecht.db import create_pool, migrate
from leerrecht.register import bewaar
from leerrecht.schoolnamen import openbare_lijsten

DAG = date(2026, 12, 2)


def _vrije_codes() -> list[str]:
    """BRIN6 codes no public list has (the test's locations must come from DUO's facts alone)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    bekend = openbare_lijsten()
    return [c for c in (f"{d:02d}{a}{b}00" for d in range(100) for a in letters for b in letters) if c not in bekend]


CODES = _vrije_codes()


def _feit(i: int, naam: str) -> tuple[uuid.UUID, registratie.SchoolvestigingVastgelegd]:
    code = CODES[i]
    return uuid.uuid4(), registratie.SchoolvestigingVastgelegd(
        school=School(brin=code[:4], vestiging=code[4:]), naam=naam, gemeente="GM0637",
        school_types=[SchoolType.MBO], vakantieregio=Vakantieregio.MIDDEN, geldig_vanaf=date(2025, 8, 1))


class _Telt:
    """A connection that counts the times the facts themselves are read."""

    def __init__(self, conn: object) -> None:
        self.conn = conn
        self.feiten_gelezen = 0

    async def fetch(self, sql: str, *args: object) -> object:
        if "event_type, data" in sql:
            self.feiten_gelezen += 1
        return await self.conn.fetch(sql, *args)  # type: ignore[attr-defined]

    async def fetchrow(self, sql: str, *args: object) -> object:
        return await self.conn.fetchrow(sql, *args)  # type: ignore[attr-defined]


@pytest.mark.infra
async def test_the_register_is_folded_once_per_day_and_version_of_the_facts(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("rmcregcache"))
    try:
        await migrate(pool, "rmc")
        async with pool.acquire() as conn:
            await bewaar(conn, [_feit(i, f"Vakschool {i}") for i in range(2_000)])
            telt = _Telt(conn)
            eerste = await scholen.register(telt, DAG)  # type: ignore[arg-type]
            assert eerste[CODES[0]].naam == "Vakschool 0"
            for _ in range(5):
                assert await scholen.register(telt, DAG) is eerste  # type: ignore[arg-type]
            assert telt.feiten_gelezen == 1
            # another day folds again (a location can open or close on it)
            await scholen.register(telt, date(2026, 12, 3))  # type: ignore[arg-type]
            assert telt.feiten_gelezen == 2
            # a new fact shows at once
            nieuw_id, nieuw = _feit(2_600, "Vakschool nieuw")
            await bewaar(conn, [(nieuw_id, nieuw)])
            assert (await scholen.register(telt, DAG))[nieuw.school.code].naam == "Vakschool nieuw"  # type: ignore[arg-type]
            # a fact committed after a later-numbered one (a slower transaction): the count names it
            laat = conn  # the number is taken now, the row committed after another's
            tr = laat.transaction()
            await tr.start()
            laat_id, laat_feit = _feit(2_700, "Vakschool laat")
            await bewaar(laat, [(laat_id, laat_feit)])
            async with pool.acquire() as ander:
                await bewaar(ander, [_feit(2_800, "Vakschool eerder klaar")])
                zonder = await scholen.register(_Telt(ander), DAG)  # type: ignore[arg-type]
                assert laat_feit.school.code not in zonder
                await tr.commit()
                met = await scholen.register(_Telt(ander), DAG)  # type: ignore[arg-type]
                assert met[laat_feit.school.code].naam == "Vakschool laat"
    finally:
        await pool.close()
