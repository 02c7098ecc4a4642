"""telling on real Kafka and PostgreSQL: the scripted scenario through the projection, the API, the
count stream, a rebuild from offset 0 (hash equal to live) and a replay after a group reset (F5).

Topics get a per-run prefix and the runner reads them by pattern, so other suites on the same broker
(the walking skeleton's MC28/MC29) do not leak into the hand-computed figures.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI
from telling.api import build_router
from telling.config import TellingSettings
from telling.domain.figures import lidmaatschappen
from telling.domain.historie import stand
from telling.projection import DAGEN
from telling.rebuild import rebuild
from telling.runner import TellingRunner
from telling.tabellen import beveilig, inhoud_hash, lees_tabellen, positie
from tl_omgeving import geisoleerde_telling
from tl_omgeving import wacht as _wacht
from tl_scenario import AMS, LEERPLICHTTELLING_GM0363, OVERIG_VERWACHT, PERSONEN, SCENARIO, Stap, p, uid

from contracts.catalogue import decode
from contracts.codes import IntrekkingsReden
from contracts.events import registratie
from contracts.events.telling import CijferBijgewerkt
from leerrecht.db import create_pool, migrate
from leerrecht.http import parse_tokens, principal_dependency, require_role
from leerrecht.kafka import EventPublisher, OutgoingEvent

JAAR = "2025-2026"
T = {n: f"t-{n}-{secrets.token_urlsafe(32)}" for n in ("analist", "beheer", "school")}
TOKENS = f"{T['analist']}=analist-1:analist,{T['beheer']}=beheer-1:beheer,{T['school']}=00AP00:school"


@dataclass
class Omgeving:
    settings: TellingSettings
    pool: asyncpg.Pool
    publisher: EventPublisher
    runner: TellingRunner
    task: asyncio.Task[None]
    topics: dict[str, str]
    env: dict[str, str]




async def _gelezen(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT coalesce(sum(next_offset), 0) FROM checkpoint WHERE projection = 'telling'"))


def _start(pool: asyncpg.Pool, settings: TellingSettings, publisher: EventPublisher,
           **kwargs: Any) -> tuple[TellingRunner, asyncio.Task[None]]:
    runner = TellingRunner(pool, settings, publisher, **kwargs)
    return runner, asyncio.create_task(runner.run())


@pytest.fixture(scope="module")
async def omgeving(infra) -> AsyncIterator[Omgeving]:  # type: ignore[no-untyped-def]
    g = await geisoleerde_telling(infra, "t", "tel", ("MC21", "MC29"), batch=7)
    topics, env, settings = g.topics, g.env, g.settings
    publisher = EventPublisher(infra.bootstrap, client_id="telling-test")
    await publisher.start()
    await publisher.publish([OutgoingEvent(topics[s.region], s.envelope()) for s in SCENARIO])
    pool = await create_pool(settings.database_url)
    await migrate(pool, "telling")
    runner, task = _start(pool, settings, publisher)
    await _wacht(lambda: _at_least(pool, len(SCENARIO)))
    try:
        yield Omgeving(settings, pool, publisher, runner, task, topics, env)
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=30)
        await publisher.stop()
        await pool.close()


async def _at_least(pool: asyncpg.Pool, n: int) -> bool:
    return await _gelezen(pool) >= n


async def _cijfers(pool: asyncpg.Pool) -> dict[tuple[str, str, str], int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT indicator, gebied, periode, waarde FROM cijfer WHERE uitsplitsing = ''")
    return {(r["indicator"], r["gebied"], r["periode"]): int(r["waarde"]) for r in rows}


@pytest.mark.infra
async def test_leerplichttelling_from_kafka_into_postgres_matches_the_hand_count(omgeving: Omgeving) -> None:
    cijfers = await _cijfers(omgeving.pool)
    got = {ind: cijfers.get((ind, AMS, JAAR), 0) for ind in LEERPLICHTTELLING_GM0363}
    assert got == LEERPLICHTTELLING_GM0363
    for (ind, gebied), verwacht in OVERIG_VERWACHT.items():
        assert cijfers.get((ind, gebied, JAAR), 0) == verwacht, (ind, gebied)
    assert omgeving.runner.stats.batches > 3, "small batches: the fold must hold across batch boundaries"


def _app(pool: asyncpg.Pool) -> FastAPI:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(pool=pool)
    current = principal_dependency(parse_tokens(TOKENS))
    app.include_router(build_router(require_role(current, "analist", "beheer")))
    return app


async def _get(pool: asyncpg.Pool, path: str, token: str, **params: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(pool))
    async with httpx.AsyncClient(transport=transport, base_url="http://telling") as client:
        return await client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.infra
async def test_api_analysts_see_suppressed_figures_beheer_the_real_ones(omgeving: Omgeving) -> None:
    pool = omgeving.pool
    r = await _get(pool, f"/v1/leerplichttelling/{AMS}/{JAAR}", T["beheer"])
    assert r.status_code == 200, r.text
    form = r.json()
    assert form["gemeentenaam"] == "Amsterdam" and form["regio"] == "MC21"
    assert form["telling"]["relatief_verzuim"]["leerlingen"] == {"waarde": 3, "weergave": "3", "onderdrukt": True}
    assert form["telling"]["langdurig_relatief_verzuim"]["verhuisd"]["waarde"] == 1
    assert form["telling"]["vrijstellingen"]["5a"]["waarde"] == 2  # P9 and P13, who is enrolled nowhere
    assert form["telling"]["thuiszitters"]["waarde"] == 4
    assert form["positie"] == {k: v for k, v in form["positie"].items() if v >= 0} and form["positie"]

    r = await _get(pool, f"/v1/leerplichttelling/{AMS}/{JAAR}", T["analist"])
    t = r.json()["telling"]
    assert t["relatief_verzuim"]["leerlingen"] == {"waarde": None, "weergave": "<10", "onderdrukt": True}
    assert t["thuiszitters"]["waarde"] is None
    assert t["vrijstellingen"]["5b"] == {"waarde": 0, "weergave": "0", "onderdrukt": False}
    assert all(v != 1 for v in _leaves(t)), "no count 1-9 reaches an analyst"

    r = await _get(pool, "/v1/cijfers", T["analist"], gebied=AMS, indicator="relatief_verzuim", periode=JAAR)
    [c] = r.json()["cijfers"]
    assert c["waarde"] is None and c["weergave"] == "<10" and c["definitie_id"] == "relatief_verzuim/v1"
    assert "16 uur" in c["definitie"] and r.json()["positie"]
    r = await _get(pool, "/v1/cijfers", T["beheer"], gebied=AMS, indicator="relatief_verzuim", periode=JAAR)
    assert r.json()["cijfers"][0]["waarde"] == 3

    csv = await _get(pool, "/v1/cijfers.csv", T["analist"], gebied=AMS, tabel="leerplichttelling")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("indicator;definitie_id;gebied_type;gebied")
    assert f"relatief_verzuim;relatief_verzuim/v1;GEMEENTE;{AMS};schooljaar;{JAAR};<10;ja" in lines
    assert csv.headers["x-leerrecht-positie"]

    assert (await _get(pool, f"/v1/leerplichttelling/GM9999/{JAAR}", T["analist"])).status_code == 404
    assert (await _get(pool, f"/v1/leerplichttelling/{AMS}/2025-2027", T["analist"])).status_code == 422
    assert (await _get(pool, "/v1/cijfers", T["analist"], indicator="bestaat_niet")).status_code == 404
    assert (await _get(pool, "/v1/cijfers", T["school"])).status_code == 403
    definities = (await _get(pool, "/v1/definities", T["analist"])).json()["indicatoren"]
    lrv = next(d for d in definities if d["indicator"] == "lrv")
    assert "nl.leerrecht.registratie.melding_geregistreerd" in lrv["bronnen"] and lrv["definitie_id"] == "lrv/v3"
    absoluut = next(d for d in definities if d["indicator"] == "absoluut_verzuim")
    assert absoluut["uitgesteld"]


@pytest.mark.infra
async def test_breakdowns_and_rates_are_published_under_disclosure_control(omgeving: Omgeving) -> None:
    """P5 and P6 (LRV, both in vo, born 2011) in the school-type and age breakdowns; the Halt recidive
    and MAS route shares computed for beheer, not published for analysts (denominator < 100)."""
    pool = omgeving.pool
    beheer = (await _get(pool, "/v1/uitsplitsingen", T["beheer"], indicator="lrv", periode=JAAR)).json()
    nl = next(r for r in beheer["uitsplitsingen"]["schooltype"] if r["gebied"] == "NL")
    assert nl["totaal"]["waarde"] == 2 and nl["categorieen"]["vo"]["waarde"] == 2
    assert nl["categorieen"]["po"]["waarde"] == 0
    leeftijd = next(r for r in beheer["uitsplitsingen"]["leeftijd"] if r["gebied"] == "NL")
    assert leeftijd["categorieen"]["12-15"]["waarde"] == 2
    analist = (await _get(pool, "/v1/uitsplitsingen", T["analist"], indicator="lrv", periode=JAAR)).json()
    nl = next(r for r in analist["uitsplitsingen"]["schooltype"] if r["gebied"] == "NL")
    assert nl["categorieen"]["vo"] == {"waarde": None, "onderdrukt": True, "weergave": "<10"}
    assert (await _get(pool, "/v1/uitsplitsingen", T["analist"], indicator="bestaat_niet",
                       periode=JAAR)).status_code == 404
    r = await _get(pool, "/v1/uitsplitsingen.csv", T["analist"], indicator="lrv", periode=JAAR)
    regels = r.text.splitlines()
    assert regels[0].startswith("indicator;definitie_id;periode;uitsplitsing;")
    assert f"lrv;lrv/v3;{JAAR};schooltype;LAND;NL;vo;<10;ja" in regels
    assert f"lrv;lrv/v3;{JAAR};leeftijd;LAND;NL;po;" not in r.text
    assert "X-Leerrecht-Positie" in r.headers

    pct = {(r["aandeel"], r["periode"]): r for r in
           (await _get(pool, "/v1/percentages", T["beheer"], periode=JAAR)).json()["percentages"]}
    assert pct[("halt_recidive_percentage", JAAR)]["percentage"] == 0.0  # P10 was not reported again
    assert pct[("mas_aandeel_halt", JAAR)]["percentage"] == 100.0
    assert not pct[("mas_aandeel_halt", JAAR)]["gepubliceerd"]
    analist_pct = (await _get(pool, "/v1/percentages", T["analist"], periode=JAAR)).json()["percentages"]
    assert analist_pct and all(r["percentage"] is None and not r["gepubliceerd"] for r in analist_pct)


@pytest.mark.infra
async def test_as_of_a_peildatum_the_figures_are_those_of_the_events_recorded_up_to_that_day(
        omgeving: Omgeving) -> None:
    """Event time picks the period, recorded time the peildatum (telling.domain.historie). P1, P2, P3 and
    P10 were reported on 27 October, P3's report withdrawn on 29 October; P5's LRV recorded 22 September,
    P6's on 1 December."""
    pool = omgeving.pool

    async def waarde(token: str, peildatum: str, indicator: str, gebied: str = AMS) -> Any:
        r = await _get(pool, "/v1/cijfers", token, gebied=gebied, indicator=indicator, periode=JAAR,
                       peildatum=peildatum)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["peildatum"] == peildatum and "recordedtime" in body["peildatum_betekenis"]
        return body["cijfers"][0]["waarde"] if body["cijfers"] else 0

    assert await waarde(T["beheer"], "2025-10-26", "relatief_verzuim") == 0
    assert await waarde(T["beheer"], "2025-10-28", "relatief_verzuim") == 4
    assert await waarde(T["beheer"], "2025-10-29", "relatief_verzuim") == 3
    assert await waarde(T["beheer"], "2025-10-28", "relatief_verzuim", "NL") == 5  # + P11 in Diemen
    assert await waarde(T["beheer"], "2025-11-30", "lrv") == 1
    assert await waarde(T["beheer"], "2025-12-01", "lrv") == 2
    assert await waarde(T["analist"], "2025-10-28", "relatief_verzuim") is None  # still suppressed
    # the leerplichttelling form as of a date, too
    r = await _get(pool, f"/v1/leerplichttelling/{AMS}/{JAAR}", T["beheer"], peildatum="2025-11-30")
    assert r.json()["telling"]["langdurig_relatief_verzuim"]["totaal"]["waarde"] == 1
    assert (await _get(pool, "/v1/cijfers", T["beheer"], peildatum="28-10-2025")).status_code == 422
    async with pool.acquire() as conn:  # the history adds up to the live figures, cell by cell
        verschil = await conn.fetch(
            "SELECT c.indicator, c.gebied, c.periode, c.waarde, coalesce(h.som, 0) AS som FROM cijfer c "
            "LEFT JOIN (SELECT indicator, gebied, periode, uitsplitsing, sum(mutatie) AS som FROM cel_historie "
            "GROUP BY 1, 2, 3, 4) h USING (indicator, gebied, periode, uitsplitsing) "
            "WHERE c.waarde <> coalesce(h.som, 0)")
    assert verschil == []


@pytest.mark.infra
async def test_parquet_export_has_a_row_per_cell_and_definitions_and_position_in_its_metadata(
        omgeving: Omgeving) -> None:
    import json

    import pyarrow.parquet as pq

    r = await _get(omgeving.pool, "/v1/cijfers.parquet", T["analist"], tabel="leerplichttelling")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(r.content))
    meta = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    api = (await _get(omgeving.pool, "/v1/cijfers", T["analist"])).json()
    assert json.loads(meta["leerrecht.positie"]) == api["positie"]
    definities = json.loads(meta["leerrecht.definities"])
    assert definities["relatief_verzuim"]["definitie_id"] == "relatief_verzuim/v1"
    assert "16 uur" in definities["relatief_verzuim"]["definitie"] and "<10" in meta["leerrecht.onderdrukking"]
    rows = table.to_pylist()
    assert {x["gebied"] for x in rows} >= {"NL", "MC21", AMS, "GM0384", "MC29"}
    assert {x["tabel"] for x in rows} == {"leerplichttelling"}
    cel = next(x for x in rows if x["indicator"] == "relatief_verzuim" and x["gebied"] == AMS)
    assert cel["waarde"] is None and cel["weergave"] == "<10" and cel["onderdrukt"]
    assert cel["definitie_id"] == "relatief_verzuim/v1" and "16 uur" in cel["definitie"]
    assert all(x["waarde"] is None or x["waarde"] == 0 or x["waarde"] >= 10 for x in rows)
    beheer = pq.read_table(io.BytesIO((await _get(omgeving.pool, "/v1/cijfers.parquet", T["beheer"],
                                                  indicator="relatief_verzuim", peildatum="2025-10-28")).content))
    assert beheer.schema.metadata[b"leerrecht.peildatum"] == b"2025-10-28"
    assert {(x["gebied"], x["waarde"]) for x in beheer.to_pylist()} >= {(AMS, 4.0), ("NL", 5.0)}


@pytest.mark.infra
async def test_leerplichttelling_csv_is_the_annual_form_line_by_line(omgeving: Omgeving) -> None:
    r = await _get(omgeving.pool, f"/v1/leerplichttelling/{AMS}/{JAAR}.csv", T["analist"])
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith(f'leerplichttelling-{AMS}-{JAAR}.csv"')
    lines = r.text.splitlines()
    assert lines[0].split(";")[:8] == ["gemeente", "gemeentenaam", "schooljaar", "sectie", "onderdeel",
                                       "omschrijving", "waarde", "onderdrukt"]
    assert len(lines) == 1 + 19  # every field of the form, once
    assert any(line.startswith(f"{AMS};Amsterdam;{JAAR};relatief_verzuim;leerlingen;Relatief verzuim "
                               "(16 uur in 4 weken) – Leerlingen;<10;ja;relatief_verzuim;relatief_verzuim/v1;")
               for line in lines)
    assert any(";vrijstellingen;5b;Vrijstellingen – Artikel 5b;0;nee;vrijstellingen_5b;" in line for line in lines)
    form = (await _get(omgeving.pool, f"/v1/leerplichttelling/{AMS}/{JAAR}", T["analist"])).json()
    assert form["toelichting_onderdrukt"] and r.headers["x-leerrecht-positie"]


def _leaves(t: dict[str, Any]) -> list[Any]:
    out = []
    for v in t.values():
        if "waarde" in v:
            out.append(v["waarde"])
        else:
            out.extend(x["waarde"] for x in v.values())
    return out


async def _lees_stroom(topic: str, bootstrap: str) -> list[tuple[bytes, bytes]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[tuple[bytes, bytes]] = []
        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in tps])

        while await behind():
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out += [(r.key, r.value) for r in records]
        return out
    finally:
        await consumer.stop()


async def _outbox_leeg(pool: asyncpg.Pool) -> bool:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM cijfer_gewijzigd")) == 0


@pytest.mark.infra
async def test_count_stream_carries_suppressed_cells_with_position_and_no_pseudonym(omgeving: Omgeving) -> None:
    await _wacht(lambda: _outbox_leeg(omgeving.pool))
    records = await _lees_stroom(omgeving.settings.count_topic, omgeving.settings.kafka_bootstrap_servers)
    assert records
    laatste: dict[str, CijferBijgewerkt] = {}
    for key, value in records:
        for persoon in PERSONEN:
            assert persoon.encode() not in value and persoon.encode() not in key, "a pseudonym on the stream"
        env, event = decode(value)
        assert isinstance(event, CijferBijgewerkt)
        assert key.decode() == env.subject == event.cel_sleutel()
        assert event.waarde is None or event.waarde == 0 or event.waarde >= 10
        laatste[env.subject] = event

    cel = laatste[f"relatief_verzuim|schooljaar:{JAAR}|{AMS}|*|*"]
    assert cel.onderdrukt and cel.waarde is None and cel.gebied_type.value == "GEMEENTE"
    async with omgeving.pool.acquire() as conn:
        pos = await positie(conn)
        tabel = (await lees_tabellen(conn, [("relatief_verzuim", JAAR)]))[("relatief_verzuim", JAAR)]
    assert set(cel.positie) <= set(pos) and all(cel.positie[k] <= pos[k] for k in cel.positie)
    # the stream's latest value per cell is what the API shows the public
    for gebied, shown in beveilig(tabel).items():
        ev = laatste[f"relatief_verzuim|schooljaar:{JAAR}|{gebied}|*|*"]
        assert (ev.waarde, ev.onderdrukt) == (shown.waarde, shown.onderdrukt)
    # the breakdowns travel on the stream too, NL and regions only, under the same control
    vo = laatste[f"relatief_verzuim|schooljaar:{JAAR}|NL|vo|*"]
    assert vo.school_type is not None and vo.school_type.value == "vo" and vo.onderdrukt
    band = laatste[f"relatief_verzuim|schooljaar:{JAAR}|MC21|*|12-15"]
    assert band.leeftijdsband == "12-15" and band.onderdrukt
    assert not any(e.gebied_type.value == "GEMEENTE" and (e.school_type or e.leeftijdsband)
                   for e in laatste.values())
    assert omgeving.runner.stroom.published == len(records)


@pytest.mark.infra
async def test_rebuild_from_offset_zero_gives_the_live_hash(omgeving: Omgeving) -> None:
    async with omgeving.pool.acquire() as conn:
        live, n = await inhoud_hash(conn)
    assert n > 50
    schema = f"rb_{uuid.uuid4().hex[:8]}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "telling", "rebuild", "--schema", schema, "--timeout", "60",
        env={**os.environ, **omgeving.env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=90)
    text = out.decode()
    assert proc.returncode == 0, text
    assert f"voortgang {len(SCENARIO)}/{len(SCENARIO)} (100.0%)" in text
    assert f"inhoudshash {live}" in text, text
    assert f"klaar: {n} cellen" in text
    live_cli = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "telling", "hash", env={**os.environ, **omgeving.env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert f"live: {n} cellen, inhoudshash {live}" in (await live_cli.communicate())[0].decode()
    for persoon in PERSONEN:
        assert persoon not in text
    conn = await asyncpg.connect(omgeving.settings.database_url)
    try:
        rebuilt = await conn.fetchval(f'SELECT count(*) FROM "{schema}".cijfer WHERE waarde <> 0')
        live_cells = await conn.fetchval("SELECT count(*) FROM public.cijfer WHERE waarde <> 0")
    finally:
        await conn.close()
    assert rebuilt == live_cells == n


@pytest.mark.infra
async def test_replay_after_group_reset_leaves_the_figures_unchanged(omgeving: Omgeving) -> None:
    """F5: the consumer group's Kafka offsets are reset to 0. PostgreSQL is the truth: the runner seeks
    to its stored checkpoints. Then the harsher case: checkpoints gone and event-id dedupe off, so every
    event is folded in a second time; the facts are a set union and counts are recounted, so still
    nothing changes (the sums of absences, absent here, rely on the runner's dedupe)."""
    o = omgeving
    async with o.pool.acquire() as conn:
        before, _ = await inhoud_hash(conn)
    o.runner.stop()
    await asyncio.wait({o.task}, timeout=30)

    reset = AIOKafkaConsumer(bootstrap_servers=o.settings.kafka_bootstrap_servers,
                             group_id=o.settings.consumer_group, enable_auto_commit=False)
    await reset.start()
    try:
        tps = [TopicPartition(t, p) for t in o.topics.values() for p in range(3)]
        reset.assign(tps)
        await reset.commit({tp: 0 for tp in tps})
    finally:
        await reset.stop()
    runner, task = _start(o.pool, o.settings, o.publisher)
    try:
        await _wacht(lambda: _ready(runner))
        await asyncio.sleep(3)
        async with o.pool.acquire() as conn:
            assert (await inhoud_hash(conn))[0] == before
            await conn.execute("DELETE FROM checkpoint WHERE projection = 'telling'")
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=30)
    assert runner.stats.applied == 0

    again, task = _start(o.pool, o.settings, o.publisher, dedupe_event_ids=False)
    try:
        await _wacht(lambda: _at_least(o.pool, len(SCENARIO)))
        assert again.stats.applied == len(SCENARIO)
        async with o.pool.acquire() as conn:
            assert (await inhoud_hash(conn))[0] == before
    finally:
        again.stop()
        await asyncio.wait({task}, timeout=30)


async def _ready(runner: TellingRunner) -> bool:
    return runner.ready


@pytest.mark.infra
async def test_a_later_withdrawal_lowers_the_figures_and_the_rebuild_agrees(omgeving: Omgeving) -> None:
    """A report withdrawn in a later batch (A4, A3.10) takes the person out of the cells again; the live
    run deleted memberships, a rebuild never creates them: same hash."""
    o = omgeving
    intrekking = Stap(p(1), "MC21", date(2025, 11, 3), registratie.MeldingIngetrokken(
        melding_id=uid(101), reden=IntrekkingsReden.ONTERECHT_GEMELD), uid(90_001))
    await o.publisher.publish([OutgoingEvent(o.topics["MC21"], intrekking.envelope())])
    runner, task = _start(o.pool, o.settings, o.publisher)
    try:
        await _wacht(lambda: _at_least(o.pool, len(SCENARIO) + 1))
        cijfers = await _cijfers(o.pool)
        assert cijfers[("relatief_verzuim", AMS, JAAR)] == 2
        assert cijfers[("relatief_verzuim", "NL", JAAR)] == 3
        await _wacht(lambda: _outbox_leeg(o.pool))
    finally:
        runner.stop()
        await asyncio.wait({task}, timeout=30)
    async with o.pool.acquire() as conn:
        # only the vsv startset (enrolled in vo on 1 October) remains of person 1 (memberships are derived
        # from the person's stored facts, at the klok they were computed at)
        feiten = await conn.fetchrow("SELECT dagen::text, klok FROM leerling_feiten WHERE pseudoniem = $1", p(1))
        leden = lidmaatschappen(stand(DAGEN.validate_json(feiten["dagen"])), p(1), feiten["klok"])
        assert {m.cell.indicator for m in leden} == {"vsv_startset"}
        live, _ = await inhoud_hash(conn)
    _, rebuilt, _ = await rebuild(o.settings, f"rb_{uuid.uuid4().hex[:8]}", timeout=60, meld=lambda _: None)
    assert rebuilt == live
