"""The event types each ProjectionRunner projection declares (``handles``) cover every type its ``apply``
acts on (issue 16: the runner skips the rest, so a type left out would silently never be applied).

Real PostgreSQL with each service's migrations; ``apply`` called as the runner calls it, inside one
transaction. Two checks per projection, over every type of the event catalogue (its golden examples):

* a type not declared makes ``apply`` send no statement at all (it neither reads nor writes);
* the events a command path waits for (read-your-writes) are of types its projection handles, or it
  would wait for ever: rmc's commands wait for their own events in ``applied_event``
  (:mod:`rmc.commando`), leerplicht's for the projection to drop their ``dossier_pending`` claims
  (:mod:`leerplicht.handling`, :mod:`leerplicht.overdracht`); both publish only their own domain's events;
* the catalogue's golden log (every type, in catalogue order, as one batch and as one batch per event)
  leaves every table the same whether or not the undeclared types are filtered out first. Both runs
  happen in one transaction (rolled back to a savepoint in between), so ``now()`` is the same in both;
  columns filled from a sequence are left out of the comparison (a rollback does not return numbers),
  and so is the ``recordedtime`` of the envelopes of rmc's reactions (the wall clock).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import pytest
from leerplicht.projection import LeerplichtProjection
from registratie.projection import MeldingStatusProjection
from rmc.projection import RmcProjection
from tabellen import inhoud
from tellende_verbinding import TellendeVerbinding

from contracts.catalogue import event_classes
from contracts.golden import REGIO, golden_envelope
from leerrecht.db import create_pool, migrate
from leerrecht.projection import Delivered, Projection, behandelde_types

TOPIC = f"leerrecht.regio.{REGIO}.events"
TYPES = [c.event_type for c in event_classes()]
LOG = [Delivered(golden_envelope(t), TOPIC, 0, i) for i, t in enumerate(TYPES)]

GEVALLEN = {  # service (its migrations): the projection
    "registratie": MeldingStatusProjection(),
    "rmc": RmcProjection(REGIO),
    "leerplicht": LeerplichtProjection(REGIO),
}


async def _toegepast(conn: asyncpg.Connection, projection: Projection, batches: Sequence[Sequence[Delivered]]
                     ) -> dict[str, list[str]]:
    for batch in batches:
        if batch:
            await projection.apply(conn, batch)
    return await inhoud(conn)


@pytest.mark.infra
@pytest.mark.parametrize("service", sorted(GEVALLEN))
async def test_the_declared_types_cover_every_type_apply_acts_on(infra, service: str) -> None:  # type: ignore[no-untyped-def]
    projection = GEVALLEN[service]
    handles = behandelde_types(projection)
    assert handles is not None, f"{service} declares the types it handles"
    assert handles <= set(TYPES), f"{service} declares a type the catalogue does not know: {handles - set(TYPES)}"
    genegeerd = [d for d in LOG if d.envelope.type not in handles]
    assert genegeerd, "the benchmark's lever: most types are skipped"

    pool = await create_pool(await infra.adatabase_url(f"handles_{service}"))
    try:
        await migrate(pool, service)
        async with pool.acquire() as conn:
            for d in genegeerd:  # nothing read, nothing written
                async with conn.transaction():
                    teller = TellendeVerbinding(conn)
                    await projection.apply(teller, [d])  # type: ignore[arg-type]
                    assert teller.statements == [], f"{service} acts on {d.envelope.type}, not declared"
            gefilterd = [d for d in LOG if d.envelope.type in handles]
            tr = conn.transaction()
            await tr.start()
            try:
                for ongefilterd_batches, gefilterd_batches in (
                    ([LOG], [gefilterd]),  # one batch of every type
                    ([[d] for d in LOG], [[d] for d in gefilterd]),  # a batch per event
                ):
                    sp = conn.transaction()
                    await sp.start()
                    alles = await _toegepast(conn, projection, ongefilterd_batches)
                    await sp.rollback()
                    sp = conn.transaction()
                    await sp.start()
                    alleen = await _toegepast(conn, projection, gefilterd_batches)
                    await sp.rollback()
                    assert alleen == alles, f"{service}: the filter changed what the golden log leaves"
                    assert any(alles.values()), f"{service}: the golden log left no row at all"
            finally:
                await tr.rollback()
    finally:
        await pool.close()


@pytest.mark.parametrize(("service", "domein"), [("rmc", "rmc"), ("leerplicht", "leerplicht")])
def test_a_command_path_waits_only_for_types_its_projection_handles(service: str, domein: str) -> None:
    eigen = {c.event_type for c in event_classes() if c.domein == domein}
    handles = behandelde_types(GEVALLEN[service])
    assert eigen and handles is not None
    assert eigen <= handles, f"{service} would wait for ever for {sorted(eigen - handles)}"
