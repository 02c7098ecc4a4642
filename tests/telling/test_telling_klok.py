"""The klok on real Kafka and PostgreSQL: a later event anywhere on the log moves the figures of a
person who had no event since (an LRV report open for 3 months, the vsv startset on 1 October), the
history records the change on the day it happened, and a rebuild from offset 0 reaches the same hash.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from telling import projection
from telling.rebuild import rebuild
from telling.runner import TellingRunner
from telling.tabellen import inhoud_hash
from tl_omgeving import geisoleerde_telling
from tl_omgeving import wacht as _wacht
from tl_scenario import AMS, SCHOOL, Stap, p, uid

from contracts.codes import Melder, MeldingSoort, SchoolType, StartkwalificatieNiveau, Vakantieregio
from contracts.events import registratie
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, OutgoingEvent

REGIO = "MC21"


def _ingeschreven(d: date, geboren: str) -> registratie.LeerlingIngeschreven:
    return registratie.LeerlingIngeschreven(
        school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=d, vakantieregio=Vakantieregio.NOORD,
        woongemeente=AMS, geboortejaar_maand=geboren)




@pytest.mark.infra
async def test_a_later_event_elsewhere_moves_an_open_report_past_3_months_and_the_rebuild_agrees(
        infra, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # one woken person per batch: the other two are brought up to date by the runner's catch-up loop
    monkeypatch.setattr(projection, "WEKKERS_PER_BATCH", 1)
    g = await geisoleerde_telling(infra, "k", "klok", (REGIO,), batch=5)
    topic, settings = g.topic(REGIO), g.settings
    publisher = EventPublisher(infra.bootstrap, client_id="telling-klok-test")
    await publisher.start()
    pool = await create_pool(settings.database_url)
    await migrate(pool, "telling")
    runner = TellingRunner(pool, settings, publisher)
    task = asyncio.create_task(runner.run())
    gepubliceerd = 0

    async def publiceer(*stappen: Stap) -> None:
        nonlocal gepubliceerd
        await publisher.publish([OutgoingEvent(topic, s.envelope()) for s in stappen])
        gepubliceerd += len(stappen)

        async def gelezen() -> bool:
            async with pool.acquire() as conn:
                n = await conn.fetchval(
                    "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = 'telling'")
            return int(n) >= gepubliceerd
        await _wacht(gelezen)

    async def waarde(indicator: str, periode: str, gebied: str = "NL", tot: date | None = None) -> int:
        async with pool.acquire() as conn:
            if tot is None:
                v = await conn.fetchval("SELECT waarde FROM cijfer WHERE indicator = $1 AND gebied = $2 "
                                        "AND periode = $3 AND uitsplitsing = ''", indicator, gebied, periode)
            else:
                v = await conn.fetchval("SELECT sum(mutatie) FROM cel_historie WHERE indicator = $1 AND "
                                        "gebied = $2 AND periode = $3 AND dag <= $4 AND uitsplitsing = ''",
                                        indicator, gebied, periode, tot)
        return int(v or 0)

    try:
        a, b, c, d = p(41), p(42), p(43), p(44)

        def lrv(n: int) -> registratie.MeldingGeregistreerd:
            return registratie.MeldingGeregistreerd(melding_id=uid(n), soort=MeldingSoort.LRV, melder=Melder.SCHOOL,
                                                    school=SCHOOL, startdatum=date(2025, 9, 15))
        await publiceer(Stap(a, REGIO, date(2025, 8, 25), _ingeschreven(date(2025, 8, 25), "2010-04"), uid(80_001)),
                        Stap(a, REGIO, date(2025, 9, 16), lrv(4101), uid(80_002)),
                        Stap(c, REGIO, date(2025, 9, 16), lrv(4301), uid(80_005)),
                        Stap(d, REGIO, date(2025, 9, 16), lrv(4401), uid(80_006)))
        assert await waarde("lrv", "2025-2026") == 3
        assert await waarde("lrv_langer_dan_3_maanden", "2025-2026") == 0
        assert await waarde("vsv_startset", "2025-2026") == 0  # 1 October not yet passed on the log

        # person B's enrolment, recorded 17 Dec: the klok reaches 16 Dec, the three reports are open
        # > 3 months; one is brought up to date in B's batch, the others by the catch-up loop
        await publiceer(Stap(b, REGIO, date(2025, 12, 17), _ingeschreven(date(2025, 12, 17), "2011-02"),
                             uid(80_003)))

        async def bij() -> bool:
            async with pool.acquire() as conn:
                return await projection.achterstand(conn) == 0
        await _wacht(bij)
        assert await waarde("lrv_langer_dan_3_maanden", "2025-2026") == 3
        assert await waarde("lrv_langer_dan_3_maanden", "2025-2026", tot=date(2025, 12, 15)) == 0
        assert await waarde("lrv_langer_dan_3_maanden", "2025-2026", tot=date(2025, 12, 16)) == 3
        assert await waarde("vsv_startset", "2025-2026", AMS) == 1  # A was in vo on 1 Oct 2025
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT datum FROM telling_klok") == date(2025, 12, 16)
            assert await conn.fetchval("SELECT wekker FROM leerling_feiten WHERE pseudoniem = $1", a) == \
                date(2026, 8, 1)

        # a year on: A's report is still open in 2026-2027 and on its 1 September; both in the startset
        await publiceer(Stap(b, REGIO, date(2026, 10, 2), registratie.StartkwalificatieBehaald(
            datum=date(2026, 7, 1), niveau=StartkwalificatieNiveau.HAVO), uid(80_004)))
        await _wacht(bij)
        assert await waarde("lrv", "2026-2027") == 3
        assert await waarde("lrv_op_1_september", "2026-2027") == 3
        assert await waarde("vsv_startset", "2026-2027", AMS) == 1  # A only: B has an SK since July
        assert await waarde("vsv_startset", "2025-2026", AMS) == 1  # B enrolled after 1 Oct 2025

        async with pool.acquire() as conn:
            live, _ = await inhoud_hash(conn)
        _, herbouwd, _ = await rebuild(settings, f"rk_{uuid.uuid4().hex[:8]}", timeout=60, meld=lambda _: None)
        assert herbouwd == live
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=30)
        await publisher.stop()
        await pool.close()
