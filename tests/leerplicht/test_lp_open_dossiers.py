"""``leerplicht.zaken.open_dossiers``: the deprecated unpaged worklist's open cases, parsed once per version
(issue 16).

Real PostgreSQL with leerplicht's migrations and the projection writing the dossiers, as in production.
Why: at the largest region's national size that list parsed ~4,500 snapshots on every request; the cache
must never hand out a dossier as it was before its last event, nor a closed one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from leerplicht import zaken
from leerplicht.projection import LeerplichtProjection

from contracts.catalogue import to_envelope
from contracts.codes import Melder, MeldingSoort, UrenEenheid
from contracts.envelope import utcnow, uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

pytestmark = pytest.mark.infra

PUPILS = ["k1:lpopendossiers000000001", "k1:lpopendossiers000000002"]
SCHOOL = School(brin="00AP", vestiging="00")
REGION = "MC43"
TOPIC = f"leerrecht.regio.{REGION}.events"


def _melding(soort: MeldingSoort = MeldingSoort.ZESTIEN_UUR) -> reg.MeldingGeregistreerd:
    return reg.MeldingGeregistreerd(
        melding_id=uuid7(), soort=soort, melder=Melder.SCHOOL, school=SCHOOL, startdatum=date(2026, 9, 1),
        einddatum=date(2026, 9, 26), uren=Decimal("17"), eenheid=UrenEenheid.LESUUR, geboortejaar_maand="2012-03")


async def test_a_new_version_is_read_anew_and_an_unchanged_dossier_is_reused(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("lp_open_dossiers"))
    try:
        await migrate(pool, "leerplicht")
        projectie = LeerplichtProjection(REGION)
        offset = 0

        async def apply(ev: Event, subject: str) -> None:
            nonlocal offset
            env = to_envelope(ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=utcnow(),
                              correlation_id=uuid7(), region=REGION)
            async with pool.acquire() as conn, conn.transaction():
                await projectie.apply(conn, [Delivered(env, TOPIC, 0, offset)])
            offset += 1

        for p in PUPILS:
            await apply(_melding(), p)
        eerst = {d.pseudoniem: (d, b) for d, b in await zaken.open_dossiers(pool)}
        assert set(eerst) == set(PUPILS)
        assert all(len(d.meldingen) == 1 and b is None for d, b in eerst.values())

        await apply(_melding(MeldingSoort.OVERIG), PUPILS[0])  # a second report joins the open dossier
        daarna = {d.pseudoniem: d for d, _ in await zaken.open_dossiers(pool)}
        assert len(daarna[PUPILS[0]].meldingen) == 2, "the dossier as of its last event"
        assert daarna[PUPILS[1]] is eerst[PUPILS[1]][0], "an unchanged version is not parsed again"

        await pool.execute("UPDATE dossier SET fase = 'GESLOTEN' WHERE pseudoniem = $1", PUPILS[1])
        assert [d.pseudoniem for d, _ in await zaken.open_dossiers(pool)] == [PUPILS[0]]
        assert len(zaken._GEVOUWEN) == 1, "only the last list's dossiers are kept"
    finally:
        await pool.close()
