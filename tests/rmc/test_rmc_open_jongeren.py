"""``rmc.dossiers.open_jongeren``: the worklist's open files, parsed once per version (issue 16).

Real PostgreSQL with rmc's migrations and the projection writing the files, as in production. Why: at the
largest region's national size the worklist parsed 2,242 files' JSON on every request; the cache must never
hand out a file as it was before its last event, nor a closed one."""

from __future__ import annotations

from datetime import date

import pytest
from rmc import dossiers
from rmc.projection import RmcProjection

from contracts.catalogue import to_envelope
from contracts.codes import ContactKanaal, SchoolType
from contracts.envelope import utcnow, uuid7
from contracts.events import registratie, rmc
from contracts.events.base import Event, School
from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

pytestmark = pytest.mark.infra

PUPILS = ["k1:rmcopenjongeren00000001", "k1:rmcopenjongeren00000002"]
SCHOOL = School(brin="12AB", vestiging="01")
TOPIC = "leerrecht.regio.MC44.events"


def _delivered(ev: Event, subject: str, offset: int) -> Delivered:
    env = to_envelope(ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=utcnow(),
                      correlation_id=uuid7(), region="MC44")
    return Delivered(env, TOPIC, 0, offset)


async def test_a_new_version_is_read_anew_and_an_unchanged_file_is_reused(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("rmc_open_jongeren"))
    try:
        await migrate(pool, "rmc")
        projectie = RmcProjection("MC44")
        offset = 0

        async def apply(ev: Event, subject: str) -> None:
            nonlocal offset
            async with pool.acquire() as conn, conn.transaction():
                await projectie.apply(conn, [_delivered(ev, subject, offset)])
            offset += 1

        for p in PUPILS:
            await apply(registratie.PotentieelVsvGesignaleerd(
                lijst_maand="2026-10", uitschrijfdatum=date(2026, 10, 1), laatste_school=SCHOOL,
                school_type=SchoolType.MBO, woongemeente="GM0637", geboortejaar_maand="2008-09"), p)
        eerst = {j.pseudoniem: j for j in await dossiers.open_jongeren(pool)}
        assert set(eerst) == set(PUPILS)
        assert all(not j.dossier.contactpogingen for j in eerst.values())

        dossier_id = eerst[PUPILS[0]].dossier.dossier_id
        await apply(rmc.ContactpogingGedaan(dossier_id=dossier_id, datum=date(2026, 10, 5),
                                            kanaal=ContactKanaal.TELEFOON, geslaagd=True), PUPILS[0])
        daarna = {j.pseudoniem: j for j in await dossiers.open_jongeren(pool)}
        assert len(daarna[PUPILS[0]].dossier.contactpogingen) == 1, "the file as of its last event"
        assert daarna[PUPILS[0]].versie == eerst[PUPILS[0]].versie + 1
        assert daarna[PUPILS[1]] is eerst[PUPILS[1]], "an unchanged version is not parsed again"

        await pool.execute("UPDATE jongere SET status = 'AFGESLOTEN' WHERE pseudoniem = $1", PUPILS[1])
        assert [j.pseudoniem for j in await dossiers.open_jongeren(pool)] == [PUPILS[0]]
        assert len(dossiers._GEVOUWEN) == 1, "only the last list's files are kept"
    finally:
        await pool.close()
