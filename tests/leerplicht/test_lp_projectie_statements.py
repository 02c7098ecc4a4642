"""leerplicht's projection: the statements of a batch (issue 16, the projections' fourth round).

Real PostgreSQL with leerplicht's migrations; ``apply`` is called as the runner calls it, inside one
transaction, on a connection that counts what is sent. Why: each statement is a round trip inside the
runner's transaction, per partition batch. An ``executemany`` of no rows still prepares and syncs, and
the dossier rows were locked and then read again in a second statement, and the known reports and
the open dossiers were looked up in two. The rows written stay the same.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from leerplicht.domain.dossier import nieuw_dossier_id
from leerplicht.projection import LeerplichtProjection
from tellende_verbinding import TellendeVerbinding

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, Melder, MeldingSoort, UrenEenheid
from contracts.envelope import utcnow, uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

pytestmark = pytest.mark.infra

PUPIL = "k1:statementtest00000000000"
SCHOOL = School(brin="12AB", vestiging="01")


def _delivered(ev: Event, offset: int) -> Delivered:
    env = to_envelope(ev, subject=PUPIL, source="urn:nl:leerrecht:registratie", occurred_at=utcnow(),
                      correlation_id=uuid7(), region="MC43")
    return Delivered(env, "leerrecht.regio.MC43.events", 0, offset)


async def test_a_batch_sends_no_empty_statement_and_reads_the_dossiers_with_their_lock(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("lp_statements"))
    try:
        await migrate(pool, "leerplicht")
        projectie = LeerplichtProjection("MC43")
        melding = reg.MeldingGeregistreerd(
            melding_id=uuid.uuid4(), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=SCHOOL,
            startdatum=date(2026, 11, 2), einddatum=date(2026, 11, 23), uren=Decimal("17"),
            eenheid=UrenEenheid.KLOKUUR,
        )
        afwezig = reg.AfwezigheidGeregistreerd(afwezigheid_id=uuid.uuid4(), school=SCHOOL, datum=date(2026, 11, 2),
                                               uren=Decimal("2"), eenheid=UrenEenheid.LESUUR,
                                               code=AfwezigheidCode.ONGEOORLOOFD)
        async with pool.acquire() as conn, conn.transaction():
            teller = TellendeVerbinding(conn)
            await projectie.apply(teller, [_delivered(afwezig, 0), _delivered(melding, 1)])  # type: ignore[arg-type]
        dossier_id = nieuw_dossier_id(melding.melding_id)
        dossier = await pool.fetchrow("SELECT pseudoniem, fase, version FROM dossier WHERE dossier_id = $1",
                                      dossier_id)
        tijdlijn = await pool.fetchval("SELECT count(*) FROM dossier_event WHERE dossier_id = $1", dossier_id)
        gekoppeld = await pool.fetchval("SELECT dossier_id FROM dossier_melding WHERE melding_id = $1",
                                        melding.melding_id)
        afwezigheden = await pool.fetchval("SELECT count(*) FROM afwezigheid WHERE pseudoniem = $1", PUPIL)
    finally:
        await pool.close()

    assert dict(dossier) == {"pseudoniem": PUPIL, "fase": "OPEN", "version": 1}
    assert (tijdlijn, gekoppeld, afwezigheden) == (1, dossier_id, 1)
    leeg = [sql for soort, sql, rijen in teller.statements if soort == "executemany" and rijen == 0]
    assert leeg == [], "an executemany of no rows is a round trip for nothing"
    opgezocht = [sql for _, sql, _ in teller.statements if "FROM dossier_melding" in sql or "fase = 'OPEN'" in sql]
    assert len(opgezocht) == 1, "the known reports and the open dossiers are looked up in one statement"
    dossier_gelezen = [sql for _, sql, _ in teller.statements
                       if "FROM dossier WHERE dossier_id = ANY" in sql]
    assert len(dossier_gelezen) == 1 and "FOR UPDATE" in dossier_gelezen[0] and "stand" in dossier_gelezen[0]
