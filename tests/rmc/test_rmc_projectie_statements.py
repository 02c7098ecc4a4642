"""rmc's projection: the reads of a batch (issue 16, the projections' fourth round).

Real PostgreSQL with rmc's migrations; ``apply`` is called as the runner calls it, inside one
transaction, on a connection that counts what is sent. Why: every statement is a round trip inside the
runner's transaction, per partition batch; the files and the pupil facts of a batch's pseudonyms were
read in two. What is stored stays the same: the facts of an enrolment, the file of a vsv signal, and
the facts moved along by a move.
"""

from __future__ import annotations

from datetime import date

import pytest
from rmc.projection import RmcProjection
from tellende_verbinding import TellendeVerbinding

from contracts.catalogue import to_envelope
from contracts.codes import SchoolType, Vakantieregio
from contracts.envelope import utcnow, uuid7
from contracts.events import registratie
from contracts.events.base import Event, School
from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered

pytestmark = pytest.mark.infra

PUPIL = "k1:rmcstatementtest0000000"
SCHOOL = School(brin="12AB", vestiging="01")


def _delivered(ev: Event, offset: int) -> Delivered:
    env = to_envelope(ev, subject=PUPIL, source="urn:nl:leerrecht:registratie", occurred_at=utcnow(),
                      correlation_id=uuid7(), region="MC44")
    return Delivered(env, "leerrecht.regio.MC44.events", 0, offset)


async def test_a_batch_reads_the_files_and_the_pupil_facts_in_one_statement(infra) -> None:  # type: ignore[no-untyped-def]
    pool = await create_pool(await infra.adatabase_url("rmc_statements"))
    try:
        await migrate(pool, "rmc")
        projectie = RmcProjection("MC44")
        batches = [
            [registratie.LeerlingIngeschreven(
                school=SCHOOL, school_type=SchoolType.MBO, ingangsdatum=date(2025, 9, 1),
                vakantieregio=Vakantieregio.MIDDEN, woongemeente="GM0637", geboortejaar_maand="2008-09")],
            [registratie.PotentieelVsvGesignaleerd(
                lijst_maand="2026-10", uitschrijfdatum=date(2026, 10, 1), laatste_school=SCHOOL,
                school_type=SchoolType.MBO, woongemeente="GM0637", geboortejaar_maand="2008-09")],
            [registratie.Verhuisd(verhuisdatum=date(2026, 11, 1), oude_gemeente="GM0637", nieuwe_gemeente="GM0363",
                                  oude_regio="MC44", nieuwe_regio="MC44")],
        ]
        lezingen: list[int] = []
        for n, batch in enumerate(batches):
            async with pool.acquire() as conn, conn.transaction():
                teller = TellendeVerbinding(conn)
                await projectie.apply(teller, [_delivered(ev, n) for ev in batch])  # type: ignore[arg-type]
            lezingen.append(sum(1 for _, sql, _ in teller.statements if sql.lstrip().upper().startswith("SELECT")
                                and ("jongere" in sql or "kenmerken" in sql)))
        kenmerken = await pool.fetchrow("SELECT woongemeente, geboortejaar_maand FROM kenmerken WHERE pseudoniem = $1",
                                        PUPIL)
        jongere = await pool.fetchrow("SELECT status, versie FROM jongere WHERE pseudoniem = $1", PUPIL)
    finally:
        await pool.close()

    assert dict(kenmerken) == {"woongemeente": "GM0363", "geboortejaar_maand": "2008-09"}
    assert jongere is not None and jongere["versie"] >= 1
    assert lezingen == [1, 1, 1], "the files and the pupil facts of a batch are read in one statement"
