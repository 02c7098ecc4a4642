"""PostgreSQL paused under the projections of the real services (reliability matrix F13).

leerplicht, rmc, telling and registratie run as processes and consume one region's topic. Events are
put on it before, during and after a pause of the whole database server (SIGSTOP ~10 s, then SIGCONT).
Afterwards no consumer is stuck: within a bounded time every service's checkpoint reaches the end of
the topic, every event is applied exactly once (absences in leerplicht and in telling's sums, which
count each registration, enrolments in rmc, in every service's ``applied_event`` the id of every
event of a type its projection handles and of no other: issue 16, the runner skips the rest), and every
process is still running and ready.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest
from leerplicht.projection import LeerplichtProjection
from registratie.projection import MeldingStatusProjection
from rmc.projection import RmcProjection
from service_projections import (
    Producer,
    afwezigheid,
    end_offsets,
    envelope,
    ingeschreven,
    passed,
    pseudoniem,
)
from telling.projection import TellingProjection
from wachten import wait_until

from contracts.envelope import Envelope
from contracts.topics import all_topic_specs, region_events_topic
from leerrecht.kafka import ensure_topics
from leerrecht.projection import eigen_sleutel_types
from services import launch, wait_ready

REGION = "MC37"  # Zuidoost-Brabant: no other test uses it
GEMEENTE = "GM0772"  # Eindhoven
TOPIC = region_events_topic(REGION)
PER_PHASE_ABSENCES, PER_PHASE_ENROLMENTS = 120, 30
PAUSE_S = 10.0
CATCH_UP_S = 45.0

SERVICES = {  # module: (projection name, its environment)
    "leerplicht": ("leerplicht", {"REGION": REGION}),
    "rmc": ("rmc", {"REGION": REGION}),
    "telling": ("telling", {"TELLING_EVENT_PATTERN": rf"^leerrecht\.regio\.{REGION}\.events$",
                            "TELLING_COUNT_TOPIC": "pause.telling.cijfers", "TELLING_CONSUMER_GROUP": "pause.telling"}),
    "registratie": ("registratie-meldingstatus", {"REGIONS": REGION, "DAGTAAK_INTERVAL_S": "0"}),
}
HANDLES: dict[str, frozenset[str] | None] = {  # module: the types its projection handles (None: all)
    "leerplicht": LeerplichtProjection.handles,
    "rmc": RmcProjection.handles,
    "telling": None,
    "registratie": MeldingStatusProjection.handles,
}
EIGEN: dict[str, frozenset[str]] = {  # module: the types whose ids its runner does not record (own key)
    m: eigen_sleutel_types(p) for m, p in (("leerplicht", LeerplichtProjection), ("rmc", RmcProjection),
                                           ("telling", TellingProjection), ("registratie", MeldingStatusProjection))}


def phase() -> tuple[list[Envelope], list[Envelope]]:
    absences = [envelope(afwezigheid(), pseudoniem(), REGION) for _ in range(PER_PHASE_ABSENCES)]
    enrolments = [envelope(ingeschreven(GEMEENTE), pseudoniem(), REGION) for _ in range(PER_PHASE_ENROLMENTS)]
    return absences, enrolments


@pytest.mark.infra
async def test_no_projection_is_stuck_after_a_database_pause(infra) -> None:  # type: ignore[no-untyped-def]
    if infra.postgres is None:
        pytest.skip("needs a PostgreSQL server that this test run started and may pause")
    await ensure_topics(infra.bootstrap, all_topic_specs([REGION]))  # type: ignore[arg-type]
    dbs = {m: await infra.adatabase_url(f"pause_{m}") for m in SERVICES}
    procs = {m: launch(m, infra.bootstrap, dbs[m], **env) for m, (_, env) in SERVICES.items()}
    absences: list[Envelope] = []
    enrolments: list[Envelope] = []

    async def all_passed() -> bool:
        ends = await end_offsets(infra.bootstrap, TOPIC)
        for m, (projection, _) in SERVICES.items():
            conn = await asyncpg.connect(dbs[m])
            try:
                if not await passed(conn, projection, TOPIC, ends):
                    return False
            finally:
                await conn.close()
        return True

    try:
        for svc in procs.values():
            await asyncio.to_thread(wait_ready, svc)
        async with Producer(infra.bootstrap) as producer:
            async def put(batch: tuple[list[Envelope], list[Envelope]]) -> None:
                absences.extend(batch[0])
                enrolments.extend(batch[1])
                await producer.send_many(TOPIC, [(e.to_json(), e.subject) for e in batch[0] + batch[1]])

            await put(phase())
            await wait_until(all_passed, 60, "every projection caught up before the pause")
            infra.postgres.pause()
            try:
                t0 = time.monotonic()
                await put(phase())  # fetched by every runner while its database does not answer
                await asyncio.sleep(max(0.0, PAUSE_S - (time.monotonic() - t0)))
            finally:
                infra.postgres.resume()
            resumed = time.monotonic()
            await put(phase())
        await wait_until(all_passed, CATCH_UP_S, "every projection past every event after the pause")
        caught_up_s = time.monotonic() - resumed
        assert caught_up_s < CATCH_UP_S
        await asyncio.sleep(1.0)  # a double application would show now

        for m, (projection, _) in SERVICES.items():
            handles = HANDLES[m]
            ids = [e.id for e in absences + enrolments
                   if (handles is None or e.type in handles) and e.type not in EIGEN[m]]
            # not handled, or idempotent by their own key (leerplicht's absences: the rows are checked below)
            skipped = [e.id for e in absences + enrolments
                       if (handles is not None and e.type not in handles) or e.type in EIGEN[m]]
            assert procs[m].proc.poll() is None, f"{m} exited:\n{procs[m].logs()[-3000:]}"
            r = await asyncio.to_thread(httpx.get, f"{procs[m].url}/ready", timeout=5)
            assert r.status_code == 200, f"{m}: {r.text}"
            conn = await asyncpg.connect(dbs[m])
            try:
                n = await conn.fetchval("SELECT count(*) FROM applied_event WHERE projection = $1 "
                                        "AND event_id = ANY($2::uuid[])", projection, ids)
                assert n == len(ids), f"{m}: {n} of {len(ids)} events applied"
                n = await conn.fetchval("SELECT count(*) FROM applied_event WHERE event_id = ANY($1::uuid[])", skipped)
                assert n == 0, f"{m}: {n} ids recorded of types not handled or idempotent by their own key"
                if m == "leerplicht":
                    rows = await conn.fetchval(
                        "SELECT count(*) FROM afwezigheid WHERE afwezigheid_id = ANY($1::uuid[])",
                        [e.data["afwezigheid_id"] for e in absences])
                    assert rows == len(absences)
                elif m == "telling":  # a sum: an absence applied twice would count twice
                    counted = await conn.fetchval(
                        "SELECT waarde FROM cijfer WHERE indicator = 'afwezigheid.registraties' AND gebied = $1 "
                        "AND periode = '2025-2026' AND uitsplitsing = ''", REGION)
                    assert counted == len(absences)
                elif m == "rmc":
                    known = await conn.fetchval("SELECT count(*) FROM kenmerken WHERE pseudoniem = ANY($1::text[])",
                                                [e.subject for e in enrolments])
                    assert known == len(enrolments)
            finally:
                await conn.close()
    finally:
        for svc in procs.values():
            await asyncio.to_thread(svc.stop)
