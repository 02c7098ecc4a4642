"""Poison on the real topic, for the projection of every service (reliability matrix F9 and B3).

Each service runs as its own process, wired by its own ``app.py``. Straight onto its region's real
topic go, one after the other:

(a) a corrupt record (not JSON at all);
(b) an envelope of a type the projection reads, in schema version 99 (no consumer knows it);
(c) an envelope of that type whose data is invalid for it;
(d) an envelope of a type no catalogue knows (a tolerant reader skips it: no dead letter);

and then a valid event. Asserted: (a), (b) and (c) are on ``<topic>.dlq`` with their origin in the
headers, dead-lettered at once (a record that can never be read is not retried with backoff, F9);
no table of the service changed by (a)–(d); the valid event after them is applied; the process is
still running and ready.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from leerplicht.projection import LeerplichtProjection
from service_projections import (
    Producer,
    afwezigheid,
    dead_letters,
    end_offsets,
    envelope,
    headers,
    ingeschreven,
    log_events,
    passed,
    pseudoniem,
    quiet_fingerprint,
)
from wachten import wait_until

from contracts.catalogue import schema_uri
from contracts.envelope import Envelope, uuid7
from contracts.events import leerplicht as lp
from contracts.events import registratie
from contracts.events.base import Event
from contracts.topics import all_topic_specs, region_events_topic
from leerrecht.kafka import ensure_topics
from leerrecht.synthetic import synthetic_bsns
from services import ServiceProcess, auth, start_service


@dataclass
class Ctx:
    """What a case prepared through the service itself (registratie: a report it registered)."""

    subject: str = field(default_factory=pseudoniem)
    melding_id: str | None = None


@dataclass(frozen=True)
class Case:
    module: str
    region: str
    projection: str
    env: Callable[[str], dict[str, str]]
    valid: Callable[[Ctx], Event]
    invalid: dict[str, Any]  # overrides that make the valid event's data invalid for its type
    effect: Callable[[asyncpg.Connection, Ctx, Event], Awaitable[bool]]
    prepare: Callable[[ServiceProcess, Ctx], Awaitable[None]] | None = None


async def _afwezigheid_opgeslagen(conn: asyncpg.Connection, ctx: Ctx, ev: Event) -> bool:
    assert isinstance(ev, registratie.AfwezigheidGeregistreerd)
    return bool(await conn.fetchval("SELECT count(*) FROM afwezigheid WHERE afwezigheid_id = $1 AND pseudoniem = $2",
                                    ev.afwezigheid_id, ctx.subject))


async def _kenmerken(conn: asyncpg.Connection, ctx: Ctx, ev: Event) -> bool:
    return bool(await conn.fetchval("SELECT woongemeente FROM kenmerken WHERE pseudoniem = $1", ctx.subject)
                == "GM0687")


async def _geteld(conn: asyncpg.Connection, ctx: Ctx, ev: Event) -> bool:
    return bool(await conn.fetchval(
        "SELECT waarde FROM cijfer WHERE indicator = 'afwezigheid.registraties' AND gebied = 'MC33' "
        "AND periode = '2025-2026' AND uitsplitsing = ''") == 1)


async def _in_behandeling(conn: asyncpg.Connection, ctx: Ctx, ev: Event) -> bool:
    return bool(await conn.fetchval("SELECT status FROM melding WHERE melding_id = $1::uuid", ctx.melding_id)
                == "IN_BEHANDELING")


async def _melding_via_intake(svc: ServiceProcess, ctx: Ctx) -> None:
    """registratie's projection only moves reports registratie registered: register one."""
    pgn = synthetic_bsns(1, start=7400)[0]
    async with httpx.AsyncClient(base_url=svc.url, timeout=30) as client:
        r = await client.post("/v1/inschrijvingen", headers={**auth("school"), "Idempotency-Key": f"p-{uuid.uuid4()}"},
                              json={"pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0758",  # Breda
                                    "school": "00AP00", "ingangsdatum": "2026-08-24"})
        assert r.status_code == 201, r.text
        ctx.subject = r.json()["pseudoniem"]
        r = await client.post("/v1/meldingen", headers={**auth("school"), "Idempotency-Key": f"p-{uuid.uuid4()}"},
                              json={"pgn": pgn, "soort": "LUXE", "startdatum": "2026-11-02",
                                    "einddatum": "2026-11-06"})
        assert r.status_code == 201, r.text
        ctx.melding_id = r.json()["melding_id"]


def _in_behandeling_event(ctx: Ctx) -> Event:
    assert ctx.melding_id is not None
    return lp.MeldingInBehandeling(melding_id=uuid.UUID(ctx.melding_id), dossier_id=uuid.uuid4(),
                                   datum=date(2026, 11, 27), nieuw_dossier=True)


EIGEN = {"leerplicht": LeerplichtProjection.eigen_sleutel}
"""Per projection: the types its runner records no id for (``leerrecht.projection.EIGEN_SLEUTEL``)."""

CASES = {
    "leerplicht": Case("leerplicht", "MC31", "leerplicht", lambda r: {"REGION": r},
                       lambda ctx: afwezigheid(), {"uren": -3}, _afwezigheid_opgeslagen),
    "rmc": Case("rmc", "MC32", "rmc", lambda r: {"REGION": r},
                lambda ctx: ingeschreven("GM0687"), {"woongemeente": "Middelburg"}, _kenmerken),
    "telling": Case("telling", "MC33", "telling",
                    lambda r: {"TELLING_EVENT_PATTERN": rf"^leerrecht\.regio\.{r}\.events$",
                               "TELLING_COUNT_TOPIC": f"p{uuid.uuid4().hex[:8]}.telling.cijfers",
                               "TELLING_CONSUMER_GROUP": f"p{uuid.uuid4().hex[:8]}.telling"},
                    lambda ctx: afwezigheid(), {"datum": "2025-02-30"}, _geteld),
    "registratie": Case("registratie", "MC34", "registratie-meldingstatus",
                        lambda r: {"REGIONS": r, "DAGTAAK_INTERVAL_S": "0", "REGISTRATIE_VANDAAG": "2026-11-27"},
                        _in_behandeling_event, {"melding_id": "geen-uuid"}, _in_behandeling,
                        prepare=_melding_via_intake),
}


def bad_records(valid: Envelope, invalid: dict[str, Any]) -> dict[str, bytes]:
    version_99 = valid.model_copy(update={"id": uuid7(), "schema_version": 99,
                                          "dataschema": schema_uri(valid.type, 99)})
    invalid_data = valid.model_copy(update={"id": uuid7(), "data": {**valid.data, **invalid}})
    unknown_type = valid.model_copy(update={"id": uuid7(), "type": "nl.leerrecht.registratie.onbekend_feit",
                                            "dataschema": None})
    return {
        "corrupt": b"\x00{dit is geen json",
        "version_99": version_99.to_json(),
        "invalid_data": invalid_data.to_json(),
        "unknown_type": unknown_type.to_json(),
    }


@pytest.mark.infra
@pytest.mark.parametrize("name", sorted(CASES))
async def test_poison_on_the_real_topic_is_dead_lettered_and_the_service_goes_on(infra, name: str) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]
    topic = region_events_topic(case.region)
    await ensure_topics(infra.bootstrap, all_topic_specs([case.region]))  # type: ignore[arg-type]
    db = await infra.adatabase_url(f"poison_{name}")
    svc = await asyncio.to_thread(start_service, case.module, infra.bootstrap, db, **case.env(case.region))
    ctx = Ctx()
    try:
        if case.prepare is not None:
            await case.prepare(svc, ctx)
        conn = await asyncpg.connect(db)
        try:
            ends = await end_offsets(infra.bootstrap, topic)
            await wait_until(lambda: passed(conn, case.projection, topic, ends), 30, "caught up before the test")
            before = await quiet_fingerprint(db)

            valid_event = case.valid(ctx)
            valid = envelope(valid_event, ctx.subject, case.region)
            bad = bad_records(valid, case.invalid)
            where: dict[str, tuple[int, int]] = {}
            async with Producer(infra.bootstrap) as producer:
                for what, value in bad.items():
                    where[what] = await producer.send(topic, value, key=ctx.subject)
                last_bad = {p: o + 1 for p, o in where.values()}
                await wait_until(lambda: passed(conn, case.projection, topic, last_bad), 30, "past the bad records")
                after_bad = await quiet_fingerprint(db)
                assert after_bad == before, "the bad records changed the projection's state"
                assert svc.proc.poll() is None, svc.logs()[-3000:]

                partition, offset = await producer.send(topic, valid.to_json(), key=ctx.subject)
            await wait_until(lambda: passed(conn, case.projection, topic, {partition: offset + 1}), 30,
                             "past the valid event")
            assert await case.effect(conn, ctx, valid_event), "the valid event after the bad ones was not applied"
            # recorded once; a type idempotent by its own key (leerplicht's absence) is not recorded at all
            eigen = valid.type in EIGEN.get(case.projection, frozenset())
            assert await conn.fetchval("SELECT count(*) FROM applied_event WHERE projection = $1 AND event_id = $2",
                                       case.projection, valid.id) == (0 if eigen else 1)
            bad_ids = [Envelope.from_json(bad[k]).id for k in ("version_99", "invalid_data")]
            assert await conn.fetchval("SELECT count(*) FROM applied_event WHERE event_id = ANY($1::uuid[])",
                                       bad_ids) == 0
            if await conn.fetchval("SELECT to_regclass('aandacht') IS NOT NULL"):
                # leerplicht and rmc show every dead-lettered event to beheer (issue 11): exactly these two
                rows = await conn.fetch("SELECT event_id FROM aandacht WHERE status = 'OPEN'")
                marked = {r["event_id"] for r in rows}
                assert marked == set(bad_ids), marked
        finally:
            await conn.close()

        letters = await dead_letters(infra.bootstrap, topic, case.projection, want=3)
        by_offset = {int(headers(r)["dlq.origin.offset"]): r for r in letters}
        for what in ("corrupt", "version_99", "invalid_data"):
            p, o = where[what]
            assert o in by_offset, f"{what} is not on {topic}.dlq: {sorted(by_offset)}"
            h = headers(by_offset[o])
            assert h["dlq.origin.partition"] == str(p)
            assert h["dlq.reason"]
        assert by_offset[where["corrupt"][1]].value == bad["corrupt"]
        for what, reason in (("version_99", "UnsupportedSchemaVersion"), ("invalid_data", "InvalidEventPayload")):
            letter = by_offset[where[what][1]]
            assert Envelope.from_json(letter.value).id == Envelope.from_json(bad[what]).id
            assert reason in headers(letter)["dlq.reason"], headers(letter)["dlq.reason"]
        assert where["unknown_type"][1] not in by_offset, "a type nobody reads is skipped, not dead-lettered"
        assert len(letters) == 3, [headers(r) for r in letters]

        logs = log_events(svc.logs())
        retries = [e for e in logs if e.get("event") == "batch_retry" and e.get("projection") == case.projection]
        assert retries == [], f"a record that can never be read must be dead-lettered at once, not retried: {retries}"
        assert svc.proc.poll() is None, svc.logs()[-3000:]
        r = await asyncio.to_thread(httpx.get, f"{svc.url}/ready", timeout=5)
        assert r.status_code == 200, r.text
    finally:
        await asyncio.to_thread(svc.stop)
