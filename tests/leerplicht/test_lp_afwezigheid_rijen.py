"""leerplicht's absence rows (issue 16): a plain insert, and the first of an id seen twice still wins.

Real PostgreSQL with leerplicht's migrations; the projection's ``apply`` is called as the runner calls
it, inside one transaction. An absence id that arrives in two events (in one batch, or one already
stored) keeps the first one's values, as the ``ON CONFLICT DO NOTHING`` insert did; the fast path
(text rows, no conflict) stores exactly the values the full decode gives.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from leerplicht.projection import LeerplichtProjection

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import utcnow, uuid7
from contracts.events import registratie as reg
from contracts.events.base import School
from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

pytestmark = pytest.mark.infra


def _afwezig(ident: uuid.UUID, uren: str, code: AfwezigheidCode, offset: int) -> Delivered:
    ev = reg.AfwezigheidGeregistreerd(afwezigheid_id=ident, school=School(brin="12AB", vestiging="01"),
                                      datum=date(2026, 10, 5), uren=Decimal(uren), eenheid=UrenEenheid.LESUUR,
                                      code=code)
    env = to_envelope(ev, subject="k1:rijentest0000000000000", source="urn:nl:leerrecht:registratie",
                      occurred_at=utcnow(), correlation_id=uuid7(), region="MC41")
    return Delivered(env, "leerrecht.regio.MC41.events", 0, offset)


async def test_first_of_a_repeated_absence_id_wins(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("lp_rijen"))
    try:
        await migrate(pool, "leerplicht")
        projectie = LeerplichtProjection("MC41")
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        async with pool.acquire() as conn, conn.transaction():
            await projectie.apply(conn, [_afwezig(a, "2.5", AfwezigheidCode.ZIEK, 0)])
        async with pool.acquire() as conn, conn.transaction():
            await projectie.apply(conn, [
                _afwezig(b, "3", AfwezigheidCode.ZIEK, 1),
                _afwezig(a, "4", AfwezigheidCode.ONGEOORLOOFD, 2),  # stored before: stays as it was
                _afwezig(b, "1.25", AfwezigheidCode.ONGEOORLOOFD, 3),  # twice in this batch: the first wins
                _afwezig(c, "24", AfwezigheidCode.ONGEOORLOOFD, 4),
            ])
        rijen = {r["afwezigheid_id"]: (r["pseudoniem"], r["school"], r["datum"], str(r["uren"]), r["eenheid"],
                                       r["code"], r["oorspronkelijke_code"])
                 for r in await pool.fetch("SELECT * FROM afwezigheid")}
    finally:
        await pool.close()
    p, s, d = "k1:rijentest0000000000000", "12AB01", date(2026, 10, 5)
    assert rijen == {
        a: (p, s, d, "2.50", "LESUUR", "ZIEK", "ZIEK"),
        b: (p, s, d, "3.00", "LESUUR", "ZIEK", "ZIEK"),
        c: (p, s, d, "24.00", "LESUUR", "ONGEOORLOOFD", "ONGEOORLOOFD"),
    }


async def test_an_absence_republished_after_its_correction_leaves_the_correction(infra) -> None:  # type: ignore[no-untyped-def]
    """The runner does not record an absence's event id (``eigen_sleutel``): a re-published absence reaches
    ``apply`` again. Arriving after its correction, it must not undo it."""
    assert reg.AfwezigheidGeregistreerd.event_type in LeerplichtProjection.eigen_sleutel
    pool = await create_pool(await infra.adatabase_url("lp_rijen_herhaald"))
    try:
        await migrate(pool, "leerplicht")
        projectie = LeerplichtProjection("MC41")
        a = uuid.uuid4()
        eerst = _afwezig(a, "2.5", AfwezigheidCode.ONBEKEND, 0)
        correctie = reg.AfwezigheidGecorrigeerd(afwezigheid_id=a, datum=date(2026, 10, 5),
                                                oude_code=AfwezigheidCode.ONBEKEND, nieuwe_code=AfwezigheidCode.ZIEK,
                                                oude_uren=Decimal("2.5"), nieuwe_uren=Decimal("1"))
        env = to_envelope(correctie, subject="k1:rijentest0000000000000", source="urn:nl:leerrecht:registratie",
                          occurred_at=utcnow(), correlation_id=uuid7(), region="MC41")
        for batch in ([eerst], [Delivered(env, "leerrecht.regio.MC41.events", 0, 1)],
                      [Delivered(eerst.envelope, "leerrecht.regio.MC41.events", 0, 2)]):
            async with pool.acquire() as conn, conn.transaction():
                await projectie.apply(conn, batch)
        rij = await pool.fetchrow(
            "SELECT uren, code, oorspronkelijke_code FROM afwezigheid WHERE afwezigheid_id = $1", a)
    finally:
        await pool.close()
    assert (str(rij["uren"]), rij["code"], rij["oorspronkelijke_code"]) == ("1.00", "ZIEK", "ONBEKEND")
