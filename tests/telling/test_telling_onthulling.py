"""Disclosure control on EVERY published figure (domain.md C **Decision**; issue 14.6), on real Kafka
and PostgreSQL: the scripted scenario plus absences, through the runner, then a walk over every
indicator ``/v1/definities`` lists, in the API (cells, CSV, series, breakdowns) and on the count stream.

No published cell may rest on 1–9 persons: a count of persons (or cases) is its own number of persons;
a sum of hours or a count of registrations rests on the pupils whose absences it adds up, which this
test knows from the events it wrote (a pupil whose hours were all recoded away no longer rests on it).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from telling.api import build_router
from telling.domain.figures import INDICATOREN, afwezigheid_soort, schooljaar
from telling.runner import TellingRunner
from tl_omgeving import geisoleerde_telling, wacht
from tl_scenario import AMS, DIEMEN, RDAM, SCENARIO, SCHOOL

from contracts.catalogue import decode, to_envelope
from contracts.codes import AfwezigheidCode, UrenEenheid
from contracts.envelope import Envelope
from contracts.events.registratie import AfwezigheidGecorrigeerd, AfwezigheidGeregistreerd
from contracts.events.telling import CijferBijgewerkt
from leerrecht.db import create_pool, migrate
from leerrecht.http import parse_tokens, principal_dependency, require_role
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import dev_token

pytestmark = pytest.mark.infra
ANALIST, BEHEER = dev_token("t-analist"), dev_token("t-beheer")
TOKENS = f"{ANALIST}=analist-1:analist,{BEHEER}=beheer-1:beheer"
MIN = 10
GEBIEDEN = ("NL", "MC21", "MC29", AMS, DIEMEN, RDAM)
DAG = date(2025, 10, 6)


def _id(n: int) -> UUID:
    return UUID(int=0x0199_CCCC_0000_7000_8000_0000_0000_0000 + n)


def _leerling(n: int) -> str:
    return f"{n:02d}" + "c0de" * 15 + "ff"


def _env(event: Any, subject: str, regio: str, n: int, dag: date) -> Envelope:
    return to_envelope(event, subject=subject, source="urn:nl:leerrecht:registratie",
                       occurred_at=datetime(dag.year, dag.month, dag.day, 10, tzinfo=UTC), correlation_id=_id(0),
                       region=regio, event_id=_id(n), recorded_at=datetime(dag.year, dag.month, dag.day, 10, 5,
                                                                           tzinfo=UTC))


def _absences() -> tuple[list[tuple[str, Envelope]], dict[tuple[str, str], set[str]]]:
    """MC21: 11 pupils with an ongeoorloofde and 10 with a geoorloofde absence, of whom one sees all
    its geoorloofde hours recoded away (so the geoorloofde sum rests on 9); MC29: 2 pupils. Returns the
    envelopes (with their region) and per (indicator, gebied) the pupils the published sum rests on."""
    uit: list[tuple[str, Envelope]] = []
    bijdrage: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)  # (indicator, gebied, pupil)
    n = 0

    def afwezig(pupil: str, regio: str, code: AfwezigheidCode, uren: str) -> UUID:
        nonlocal n
        n += 1
        aid = _id(1000 + n)
        uit.append((regio, _env(AfwezigheidGeregistreerd(afwezigheid_id=aid, school=SCHOOL, datum=DAG,
                                                         uren=Decimal(uren), eenheid=UrenEenheid.LESUUR, code=code),
                                pupil, regio, n, DAG)))
        for gebied in ("NL", regio):
            bijdrage[("afwezigheid.registraties", gebied, pupil)] += 1
            bijdrage[(f"afwezigheid.uren.{afwezigheid_soort(code)}", gebied, pupil)] += Decimal(uren)
        return aid

    for i in range(11):
        pupil = _leerling(i)
        afwezig(pupil, "MC21", AfwezigheidCode.ONGEOORLOOFD, "2")
        if i < 10:
            aid = afwezig(pupil, "MC21", AfwezigheidCode.ZIEK, "3")
            if i == 0:  # all of pupil 0's geoorloofde hours move to ongeoorloofd
                n += 1
                dag = date(2025, 10, 8)
                uit.append(("MC21", _env(AfwezigheidGecorrigeerd(
                    afwezigheid_id=aid, datum=DAG, oude_code=AfwezigheidCode.ZIEK,
                    nieuwe_code=AfwezigheidCode.ONGEOORLOOFD, oude_uren=Decimal(3), nieuwe_uren=None),
                    pupil, "MC21", n, dag)))
                for gebied in ("NL", "MC21"):
                    bijdrage[("afwezigheid.uren.geoorloofd", gebied, pupil)] -= 3
                    bijdrage[("afwezigheid.uren.ongeoorloofd", gebied, pupil)] += 3
    for i in range(20, 22):
        afwezig(_leerling(i), "MC29", AfwezigheidCode.TE_LAAT, "1")
        afwezig(_leerling(i), "MC29", AfwezigheidCode.ZIEK, "1.5")
    rust: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (indicator, gebied, pupil), w in bijdrage.items():
        if w != 0:
            rust[(indicator, gebied)].add(pupil)
    return uit, rust


ABSENCES, RUST_OP = _absences()
JAAR = schooljaar(DAG)


def personen(indicator: str, gebied: str, periode: str, waarde: float) -> int:
    """The persons a published cell rests on."""
    if INDICATOREN[indicator].telt_leden:
        return int(waarde)
    assert periode == JAAR, (indicator, periode)
    return len(RUST_OP.get((indicator, gebied), set()))


def _app(pool: asyncpg.Pool) -> FastAPI:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(pool=pool)
    app.include_router(build_router(require_role(principal_dependency(parse_tokens(TOKENS)), "analist", "beheer")))
    return app


@pytest.fixture(scope="module")
async def omgeving(infra) -> AsyncIterator[tuple[asyncpg.Pool, str]]:  # type: ignore[no-untyped-def]
    g = await geisoleerde_telling(infra, "o", "telo", ("MC21", "MC29"), batch=9)
    publisher = EventPublisher(infra.bootstrap, client_id="telling-onthulling-test")
    await publisher.start()
    await publisher.publish([OutgoingEvent(g.topic(s.region), s.envelope()) for s in SCENARIO]
                            + [OutgoingEvent(g.topic(r), e) for r, e in ABSENCES])
    pool = await create_pool(g.settings.database_url)
    await migrate(pool, "telling")
    runner = TellingRunner(pool, g.settings, publisher)
    task = asyncio.create_task(runner.run())
    totaal = len(SCENARIO) + len(ABSENCES)

    async def klaar() -> bool:
        async with pool.acquire() as conn:
            gelezen = await conn.fetchval("SELECT coalesce(sum(next_offset), 0) FROM checkpoint "
                                          "WHERE projection = 'telling'")
            open_ = await conn.fetchval("SELECT count(*) FROM cijfer_gewijzigd")
        return bool(gelezen >= totaal and open_ == 0)

    try:
        await wacht(klaar, timeout=120)
        yield pool, g.env["TELLING_COUNT_TOPIC"]
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=30)
        await publisher.stop()
        await pool.close()


async def _stroom(bootstrap: str, topic: str) -> list[CijferBijgewerkt]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        laatste: dict[bytes, CijferBijgewerkt] = {}
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    if r.value is not None:
                        _, ev = decode(r.value)
                        assert isinstance(ev, CijferBijgewerkt)
                        laatste[r.key or b""] = ev  # compacted: the latest value per cell is what stands
        return list(laatste.values())
    finally:
        await consumer.stop()


def _stroom_indicator(stroom_id: str) -> str:
    return next(i.id for i in INDICATOREN.values() if i.stroom_id == stroom_id)


async def test_no_published_cell_rests_on_1_to_9_persons(omgeving: tuple[asyncpg.Pool, str], infra: Any) -> None:
    pool, count_topic = omgeving
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(pool)), base_url="http://telling",
                               headers={"Authorization": f"Bearer {ANALIST}"})
    async with client:
        definities = (await client.get("/v1/definities")).json()["indicatoren"]
        assert {d["indicator"] for d in definities} == set(INDICATOREN)
        gezien: set[str] = set()
        getoond: list[tuple[str, str]] = []
        fouten: list[str] = []

        def controleer(bron: str, indicator: str, gebied: str, periode: str, waarde: Any) -> None:
            if waarde in (None, 0):
                return
            n = personen(indicator, gebied, periode, float(waarde))
            if n < MIN:
                fouten.append(f"{bron}: {indicator} {gebied} {periode} = {waarde} rests on {n} persons")
            else:
                getoond.append((indicator, gebied))

        for d in definities:
            ind = d["indicator"]
            for gebied in GEBIEDEN:
                r = await client.get("/v1/cijfers", params={"gebied": gebied, "indicator": ind})
                assert r.status_code == 200, r.text
                for c in r.json()["cijfers"]:
                    gezien.add(ind)
                    controleer("cijfers", ind, gebied, c["periode"], c["waarde"])
                r = await client.get("/v1/cijfers.csv", params={"gebied": gebied, "indicator": ind})
                for rij in csv.DictReader(io.StringIO(r.text), delimiter=";"):
                    if rij["waarde"] != "<10":
                        controleer("cijfers.csv", ind, gebied, rij["periode"], Decimal(rij["waarde"]))
            if not d["gepubliceerd_op_stroom"]:
                assert (await client.get("/v1/reeksen", params={"indicator": ind})).status_code == 404
                continue
            reeks = (await client.get("/v1/reeksen", params={"indicator": ind, "regio": "MC21"})).json()
            for blok in (reeks["landelijk"], *reeks["regios"], *reeks["gemeenten"]):
                for w in blok["waarden"]:
                    controleer("reeksen", ind, blok["gebied"], w["periode"], w["waarde"])
            for gebied in ("NL", "MC21"):  # the monthly trend: every month's table is protected on its own
                maand = (await client.get("/v1/maandreeksen", params={"indicator": ind, "gebied": gebied})).json()
                for jaar in maand["jaren"]:
                    for w in jaar["waarden"]:
                        if w is not None and w["waarde"] not in (None, 0):  # counts of persons or cases
                            assert w["waarde"] >= MIN, (ind, gebied, jaar["periode"], w)
            for periode in reeks["periodes"]:
                u = (await client.get("/v1/uitsplitsingen", params={"indicator": ind, "periode": periode})).json()
                for rijen in u["uitsplitsingen"].values():
                    for rij in rijen:
                        for cel in (rij["totaal"], *rij["categorieen"].values()):
                            if cel["waarde"] not in (None, 0):  # breakdown cells are counts of persons
                                assert cel["waarde"] >= MIN, (ind, periode, rij["gebied"], cel)

        stroom = await _stroom(infra.bootstrap, count_topic)
        assert stroom, "the count stream published nothing"
        for ev in stroom:
            ind = _stroom_indicator(ev.indicator_id)
            assert INDICATOREN[ind].gepubliceerd, f"{ind} on the count stream"
            controleer("stroom", ind, ev.gebied_code, ev.periode.partition(":")[2], ev.waarde)

    assert {"afwezigheid.registraties", "afwezigheid.uren.geoorloofd", "afwezigheid.uren.ongeoorloofd",
            "thuiszitters", "lrv"} <= gezien
    assert not fouten, "\n".join(fouten)
    # not vacuous: the sums resting on 10 or more pupils are shown
    assert ("afwezigheid.registraties", "NL") in getoond and ("afwezigheid.uren.ongeoorloofd", "NL") in getoond
