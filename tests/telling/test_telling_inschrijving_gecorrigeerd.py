"""An enrolment whose school type the school corrected, through telling's projection on real PostgreSQL.

registratie publishes an enrolment again when the school corrects its details (same school, same
ingangsdatum, another school type: so and vso share locations). telling keeps the view recorded last
(``telling.domain.figures._met_inschrijving``): a pupil enrolled in vso and corrected to so is not in
the vsv startset, whatever order and batches the two events come in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from telling.tabellen import inhoud_hash
from telling_batches import pas_toe

from contracts.catalogue import to_envelope
from contracts.codes import SchoolType, Vakantieregio
from contracts.envelope import Envelope
from contracts.events.base import School
from contracts.events.registratie import LeerlingIngeschreven
from contracts.topics import region_events_topic
from leerrecht.db import create_pool, migrate

REGIO = "MC17"
AMS = "GM0363"
SCHOOL = School(brin="12AB", vestiging="00")
LEERLING, ANDER = "07" + "ab3f" * 15 + "cd", "07" + "cd3f" * 15 + "ab"


def _ingeschreven(n: int, school_type: SchoolType, vastgelegd: date, wie: str = LEERLING) -> Envelope:
    event = LeerlingIngeschreven(school=SCHOOL, school_type=school_type, ingangsdatum=date(2024, 8, 20),
                                 vakantieregio=Vakantieregio.NOORD, woongemeente=AMS, geboortejaar_maand="2009-05")
    t = datetime(vastgelegd.year, vastgelegd.month, vastgelegd.day, 10, tzinfo=UTC)
    return to_envelope(event, subject=wie, source="urn:nl:leerrecht:registratie", occurred_at=t,
                       correlation_id=UUID(int=9999), region=REGIO, event_id=UUID(int=n), recorded_at=t)


VSO = _ingeschreven(1, SchoolType.VSO, date(2024, 9, 2))
SO = _ingeschreven(2, SchoolType.SO, date(2024, 9, 22))  # the school's correction, recorded later
KLOK = _ingeschreven(3, SchoolType.PO, date(2024, 10, 2), wie=ANDER)  # the log's today passes 1 October
STARTSET = ("SELECT coalesce(sum(waarde), 0) FROM cijfer WHERE indicator = 'vsv_startset' "
            "AND periode = '2024-2025' AND uitsplitsing = '' AND gebied = $1")


@asynccontextmanager
async def _toegepast(infra: Any, *batches: Sequence[Envelope]) -> AsyncIterator[asyncpg.Connection]:
    """A fresh telling database with ``batches`` applied as the runner applies them."""
    pool = await create_pool(await infra.adatabase_url("telcorr"))
    try:
        await migrate(pool, "telling")
        await pas_toe(pool, region_events_topic(REGIO), *batches)
        async with pool.acquire() as conn:
            yield conn
    finally:
        await pool.close()


@pytest.mark.infra
@pytest.mark.parametrize("batches", [
    [[VSO], [SO], [KLOK]],
    [[SO], [VSO], [KLOK]],  # the correction read first (another partition's order, a rebuild)
    [[SO, VSO, KLOK]],
    [[VSO, SO, KLOK], [SO, VSO]],  # redelivered
], ids=["in_order", "correction_first", "one_batch", "replayed"])
async def test_a_vso_enrolment_corrected_to_so_is_not_in_the_vsv_startset(infra: Any, batches: list[Any]) -> None:
    async with _toegepast(infra, *batches) as conn:
        startset = await conn.fetchval(STARTSET, REGIO)
        leerlingen = await conn.fetchval("SELECT count(*) FROM leerling_feiten")
    assert leerlingen == 2
    assert startset == 0


@pytest.mark.infra
async def test_the_correction_gives_the_same_figures_in_any_order(infra: Any) -> None:
    hashes = []
    for batches in ([[VSO], [SO], [KLOK]], [[KLOK, SO], [VSO]]):
        async with _toegepast(infra, *batches) as conn:
            hashes.append(await inhoud_hash(conn))
    assert hashes[0] == hashes[1]
    # and a vso enrolment left as it is does count: the test above can fail
    async with _toegepast(infra, [VSO, KLOK]) as conn:
        assert await conn.fetchval(STARTSET, REGIO) == 1
