"""The processing log in leerplicht (domain.md B, Decision; reliability row A6; issue 14 point 3).

An officer opening a dossier leaves exactly one processing record, which beheer shows for the pupil's
pseudonym (API and page, AVG art. 15); another region's officer's refused read is recorded too; the
service's own database role can neither update, delete nor empty the log; the ``traceparent`` of an
officer's command is on the Kafka records it published and in its processing record; when the log
cannot be written the read fails (503). The request log names client and role, never the token.

A real leerplicht process on real Kafka and PostgreSQL, region MC35, whose topic
``tests/e2e/test_leerplichttelling_schooljaar.py`` writes to as well: assertions name this file's pupils.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from leerplicht.domain import nieuw_dossier_id
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import LeerplichtSluitreden, Melder, MeldingSoort, UrenEenheid
from contracts.envelope import uuid7
from contracts.events import leerplicht as lpe
from contracts.events import registratie as reg
from contracts.events.base import School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.verwerkingslog import register
from services import API_TOKENS, TOKENS, ServiceProcess, auth, dev_token, start_service

REGION = "MC35"
TOPIC = region_events_topic(REGION)
TOKEN = dev_token("t-lp-mc35")
OFFICER = {"Authorization": f"Bearer {TOKEN}"}
TOKENS_ENV = API_TOKENS + f",{TOKEN}=officer-35:leerplicht:MC35"
BEHEER = auth("beheer")
INZIEN = register()["verzuimdossier-inzien"].uri
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def rollen(infra: Any) -> Any:
    """As in production: an owner role owns the database and the processing log; the service runs
    as a role of its own without superuser rights."""
    return infra.rollen_database("lpverw")


@pytest.fixture(scope="module")
def db_url(rollen: Any) -> str:
    """The test's own view of the database (superuser): to look at it and to break it on purpose."""
    return str(rollen.beheer)


@pytest.fixture(scope="module")
def lp(infra: Any, rollen: Any) -> Iterator[ServiceProcess]:
    svc = start_service("leerplicht", infra.bootstrap, rollen.dienst, REGION=REGION, API_TOKENS=TOKENS_ENV,
                        LOG_JSON="true", DATABASE_OWNER_URL=rollen.eigenaar)
    try:
        yield svc
    finally:
        svc.stop()


def sql(db_url: str, query: str, *args: Any) -> Any:
    async def go() -> Any:
        conn = await asyncpg.connect(db_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


def nieuw_dossier(bootstrap: str, db_url: str) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A pupil with a report: the projection opens a dossier (no HTTP read involved)."""
    pupil = secrets.token_hex(32)
    melding = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL,
        school=School(brin="00AP", vestiging="00"), startdatum=date(2025, 3, 3), einddatum=date(2025, 3, 24),
        uren=Decimal("17"), eenheid=UrenEenheid.KLOKUUR,
    )

    async def go() -> None:
        publisher = EventPublisher(bootstrap, client_id="test-registratie")
        await publisher.start()
        try:
            await publisher.publish([OutgoingEvent(TOPIC, to_envelope(
                melding, subject=pupil, source="urn:nl:leerrecht:registratie", occurred_at=datetime.now(UTC),
                correlation_id=uuid7(), region=REGION))])
        finally:
            await publisher.stop()

    asyncio.run(go())
    dossier_id = nieuw_dossier_id(melding.melding_id)
    eventually(lambda: sql(db_url, "SELECT 1 FROM dossier WHERE dossier_id = $1", dossier_id))
    return pupil, dossier_id, melding.melding_id


def verwerkingen(lp: ServiceProcess, pupil: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{lp.url}/v1/beheer/verwerkingen", params={"pseudoniem": pupil}, headers=BEHEER, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["pseudoniem"] == pupil
    return list(r.json()["verwerkingen"])


def test_an_officer_opening_a_dossier_leaves_exactly_one_record_that_beheer_can_show(
    lp: ServiceProcess, infra: Any, db_url: str,
) -> None:
    pupil, dossier_id, _ = nieuw_dossier(infra.bootstrap, db_url)
    assert verwerkingen(lp, pupil) == [], "nothing read yet"

    r = httpx.get(f"{lp.url}/v1/dossiers/{dossier_id}", headers=OFFICER, timeout=30)
    assert r.status_code == 200, r.text

    records = [v for v in verwerkingen(lp, pupil) if v["verwerkingsactiviteit"] == INZIEN]
    assert len(records) == 1, records
    [rec] = records
    assert rec["status"] == "ok" and rec["http_status"] == 200
    assert rec["actor"] == {"id": "officer-35", "rol": "leerplicht", "organisatie": "leerplicht:MC35"}
    assert rec["operatie"] == "Verzuimdossier inzien" and "21a Lpw" in rec["grondslag"] and rec["doel"]
    assert rec["begin"] <= rec["einde"]
    assert len(rec["trace_id"]) == 32 and len(rec["span_id"]) == 16
    # beheer's own look-ups are processings as well, each recorded after the answer it gave
    assert [v["operatie"] for v in verwerkingen(lp, pupil)] == [
        "Inzageverzoek beantwoorden", "Verzuimdossier inzien", "Inzageverzoek beantwoorden"]
    rows = sql(db_url, "SELECT betrokkene, betrokkene_type FROM verwerking WHERE betrokkene = $1", pupil)
    assert {(x["betrokkene"], x["betrokkene_type"]) for x in rows} == {(pupil, "pseudoniem")}

    # the page: beheer logs in and looks the pupil up
    with httpx.Client(base_url=lp.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKENS["beheer"]}).status_code == 303
        page = client.get("/beheer/verwerkingen", params={"pseudoniem": pupil})
        assert page.status_code == 200, page.text
        assert "Verwerkingen van een persoon" in page.text and "Verzuimdossier inzien" in page.text
        assert "officer-35" in page.text and "Uitgevoerd" in page.text and rec["trace_id"] in page.text
        assert client.get("/beheer/verwerkingen", params={"pseudoniem": "123456789"}).status_code == 422
        assert "/beheer/verwerkingen" in client.get("/beheer").text

    # an officer may not answer the request
    assert httpx.get(f"{lp.url}/v1/beheer/verwerkingen", params={"pseudoniem": pupil}, headers=OFFICER,
                     timeout=30).status_code == 403
    # the request log names client and role, never the token
    logs = lp.logs()
    lines = [json.loads(x) for x in logs.splitlines() if x.startswith("{") and '"http_request"' in x]
    gelezen = [x for x in lines if x.get("path") == f"/v1/dossiers/{dossier_id}"]
    assert gelezen and all((x["client"], x["role"]) == ("officer-35", "leerplicht:MC35") for x in gelezen)
    assert TOKEN not in logs


def test_a_refused_read_by_another_regions_officer_is_recorded(lp: ServiceProcess, infra: Any, db_url: str) -> None:
    pupil, dossier_id, _ = nieuw_dossier(infra.bootstrap, db_url)
    r = httpx.get(f"{lp.url}/v1/dossiers/{dossier_id}", headers=auth("lp_MC28"), timeout=30)
    assert r.status_code == 403
    r = httpx.get(f"{lp.url}/v1/leerlingen/{pupil}/afwezigheid", headers=auth("lp_MC28"), timeout=30)
    assert r.status_code == 403

    records = [v for v in verwerkingen(lp, pupil) if v["verwerkingsactiviteit"] == INZIEN]
    assert [(v["status"], v["http_status"], v["actor"]["id"], v["actor"]["organisatie"]) for v in records] == [
        ("refused", 403, "officer-28", "leerplicht:MC28")] * 2
    # no token at all: no actor, nothing to record; an unknown dossier names no pupil
    assert httpx.get(f"{lp.url}/v1/dossiers/{dossier_id}", timeout=30).status_code == 401
    assert httpx.get(f"{lp.url}/v1/dossiers/{uuid.uuid4()}", headers=OFFICER, timeout=30).status_code == 404
    assert len([v for v in verwerkingen(lp, pupil) if v["verwerkingsactiviteit"] == INZIEN]) == 2


def test_the_services_own_role_cannot_update_delete_or_empty_the_log(lp: ServiceProcess, infra: Any,
                                                                     db_url: str, rollen: Any) -> None:
    """The table belongs to the owner role: the service's own role has INSERT and SELECT only, so it
    gets a permission error on UPDATE, DELETE and TRUNCATE, and cannot drop the triggers (or the
    table) that would let it do so."""
    pupil, dossier_id, _ = nieuw_dossier(infra.bootstrap, db_url)
    assert httpx.get(f"{lp.url}/v1/dossiers/{dossier_id}", headers=OFFICER, timeout=30).status_code == 200
    voor = sql(db_url, "SELECT * FROM verwerking ORDER BY id")
    assert voor
    assert lp.env["DATABASE_URL"] == rollen.dienst
    eigenaar = sql(db_url, "SELECT tableowner FROM pg_tables WHERE tablename = 'verwerking'")[0][0]
    dienst = sql(rollen.dienst, "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")[0]
    assert eigenaar != dienst[0] and dienst[1] is False, "a role of its own, no superuser, not the owner"
    rechten = sql(db_url, "SELECT privilege_type FROM information_schema.role_table_grants "
                          "WHERE table_name = 'verwerking' AND grantee = $1 ORDER BY 1", dienst[0])
    assert [r[0] for r in rechten] == ["INSERT", "SELECT"]

    async def probeer() -> list[str]:
        conn = await asyncpg.connect(rollen.dienst)  # the very URL (role) the service runs with
        geweigerd = []
        try:
            for stmt in ("UPDATE verwerking SET actor_id = 'iemand-anders' WHERE betrokkene = $1",
                         "DELETE FROM verwerking WHERE betrokkene = $1"):
                try:
                    await conn.execute(stmt, pupil)
                except asyncpg.InsufficientPrivilegeError as exc:
                    geweigerd.append(str(exc))
            for stmt in ("TRUNCATE verwerking", "DROP TRIGGER verwerking_geen_wijziging ON verwerking",
                         "ALTER TABLE verwerking DISABLE TRIGGER USER", "DROP TABLE verwerking"):
                try:
                    await conn.execute(stmt)
                except asyncpg.InsufficientPrivilegeError as exc:
                    geweigerd.append(str(exc))
        finally:
            await conn.close()
        return geweigerd

    geweigerd = asyncio.run(probeer())
    assert len(geweigerd) == 6, geweigerd
    assert all("permission denied" in g or "must be owner" in g for g in geweigerd), geweigerd
    assert sql(db_url, "SELECT * FROM verwerking ORDER BY id")[: len(voor)] == voor

    # the triggers still hold for everyone else, the owner included
    async def als_eigenaar() -> str:
        conn = await asyncpg.connect(rollen.eigenaar)
        try:
            await conn.execute("DELETE FROM verwerking WHERE betrokkene = $1", pupil)
        except asyncpg.InsufficientPrivilegeError as exc:
            return str(exc)
        finally:
            await conn.close()
        return ""

    assert "alleen aan te vullen" in asyncio.run(als_eigenaar())


def test_an_audit_failure_fails_the_read(lp: ServiceProcess, infra: Any, db_url: str) -> None:
    pupil, dossier_id, _ = nieuw_dossier(infra.bootstrap, db_url)
    sql(db_url, "ALTER TABLE verwerking RENAME TO verwerking_weg")
    try:
        r = httpx.get(f"{lp.url}/v1/dossiers/{dossier_id}", headers=OFFICER, timeout=30)
    finally:
        sql(db_url, "ALTER TABLE verwerking_weg RENAME TO verwerking")
    assert r.status_code == 503 and "verwerkingslogboek" in r.text
    assert pupil not in r.text


def test_traceparent_of_a_command_is_on_its_kafka_records_and_in_its_processing_record(
    lp: ServiceProcess, infra: Any, db_url: str,
) -> None:
    pupil, dossier_id, melding_id = nieuw_dossier(infra.bootstrap, db_url)
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    pad = f"{lp.url}/v1/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling"
    # a step the MAS refuses (a date before the dossier was opened) is a processing that failed: recorded
    r = httpx.post(pad, json={"expected_version": 1, "datum": "2000-01-03"}, headers=OFFICER, timeout=30)
    assert r.status_code == 422, r.text
    vandaag = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    r = httpx.post(pad, json={"expected_version": 1, "datum": vandaag},
                   headers={**OFFICER, "traceparent": f"00-{trace_id}-{parent}-01"}, timeout=30)
    assert r.status_code in (200, 202), r.text

    fout, rec = [v for v in verwerkingen(lp, pupil) if v["operatie"] == "Verzuimmelding behandelen"]
    assert (fout["status"], fout["http_status"]) == ("error", 422) and fout["trace_id"] != trace_id
    assert rec["status"] == "ok" and rec["trace_id"] == trace_id and rec["span_id"] != parent
    assert rec["actor"]["id"] == "officer-35"
    [rij] = sql(db_url, "SELECT parent_span_id FROM verwerking WHERE betrokkene = $1 AND span_id = $2",
                pupil, rec["span_id"])
    assert rij["parent_span_id"] == parent

    headers = asyncio.run(record_headers(infra.bootstrap, pupil))
    assert len(headers) >= 2, "the report and the officer's event(s)"
    assert "traceparent" not in headers[0], "published outside any request"
    assert {h.get("traceparent") for h in headers[1:]} == {f"00-{trace_id}-{rec['span_id']}-01"}


async def record_headers(bootstrap: str, pupil: str) -> list[dict[str, str]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        parts = [TopicPartition(TOPIC, p) for p in (consumer.partitions_for_topic(TOPIC) or set())]
        if not parts:
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(TOPIC, p) for p in (consumer.partitions_for_topic(TOPIC) or set())]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        end = await consumer.end_offsets(parts)
        out = []
        while any([await consumer.position(tp) < end[tp] for tp in parts]):
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                out += [{k: v.decode() for k, v in r.headers} for r in records if r.key == pupil.encode()]
        return out
    finally:
        await consumer.stop()


WERKLIJST = register()["werklijst-inzien"].uri
HERSTELLEN = register()["dossier-herstellen"].uri


def test_a_worklist_read_records_every_pupil_it_shows_once_per_read(
    lp: ServiceProcess, infra: Any, db_url: str,
) -> None:
    """Before: the officer's worklist (API and page) showed every new report's pupil and left no record."""
    eerste, _, _ = nieuw_dossier(infra.bootstrap, db_url)
    tweede, _, _ = nieuw_dossier(infra.bootstrap, db_url)
    r = httpx.get(f"{lp.url}/v1/werklijst", headers=OFFICER, timeout=30)
    assert r.status_code == 200, r.text
    antwoord = r.json()
    assert {eerste, tweede} <= {i["pseudoniem"] for i in antwoord["nieuwe_meldingen"]}
    # every pupil the answer shows, in any of its lists: the region's topic is shared with
    # tests/e2e/test_leerplichttelling_schooljaar.py, whose pupils can be shown without a new report (a
    # school's missed report term is a signal); counting only the new reports' pupils failed in a full run
    # (12 recorded, 11 new reports)
    getoond = {i["pseudoniem"] for lijst in ("nieuwe_meldingen", "te_laat", "aandacht_nodig", "signalen")
               for i in antwoord[lijst] if i.get("pseudoniem")}

    per_persoon = {p: [v for v in verwerkingen(lp, p) if v["verwerkingsactiviteit"] == WERKLIJST]
                   for p in (eerste, tweede)}
    assert [len(v) for v in per_persoon.values()] == [1, 1], per_persoon
    a, b = per_persoon[eerste][0], per_persoon[tweede][0]
    assert a["status"] == "ok" and a["actor"]["id"] == "officer-35" and "Werklijst" in a["operatie"]
    assert (a["trace_id"], a["span_id"]) == (b["trace_id"], b["span_id"]), "one read, one span, a record per pupil"
    [n] = sql(db_url, "SELECT count(DISTINCT betrokkene) AS n FROM verwerking WHERE span_id = $1", a["span_id"])
    assert n["n"] == len(getoond)

    # the page shows them too (with names): the same, one record per pupil per view
    with httpx.Client(base_url=lp.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKEN}).status_code == 303
        assert client.get("/werklijst").status_code == 200
    assert len([v for v in verwerkingen(lp, eerste) if v["verwerkingsactiviteit"] == WERKLIJST]) == 2


def test_beheer_actions_on_a_marked_dossier_are_recorded_refusals_included(
    lp: ServiceProcess, infra: Any, db_url: str,
) -> None:
    """Before: re-applying or resolving a dead-lettered event of a pupil's dossier left no record."""
    pupil, dossier_id, _ = nieuw_dossier(infra.bootstrap, db_url)
    gesloten = lpe.DossierGesloten(dossier_id=dossier_id, datum=date.today(), reden=LeerplichtSluitreden.OVERIG,
                                   toelichting="x")
    env = to_envelope(gesloten, subject=pupil, source="urn:nl:leerrecht:leerplicht", occurred_at=datetime.now(UTC),
                      correlation_id=uuid7(), region=REGION)
    poison = env.model_copy(update={"data": {**env.data, "toelichting": "x\u0000"}})  # PostgreSQL refuses NUL

    async def go() -> None:
        publisher = EventPublisher(infra.bootstrap, client_id="test-verwerkingslog")
        await publisher.start()
        try:
            await publisher.publish([OutgoingEvent(TOPIC, poison)])
        finally:
            await publisher.stop()

    asyncio.run(go())
    eventually(lambda: sql(db_url, "SELECT 1 FROM aandacht WHERE event_id = $1", poison.id), timeout=90)

    pad = f"{lp.url}/v1/beheer/aandacht/{poison.id}"
    assert httpx.post(f"{pad}/opgelost", headers=OFFICER, timeout=30).status_code == 403
    opnieuw = httpx.post(f"{pad}/opnieuw", headers=BEHEER, timeout=30)  # still NUL: it fails again
    assert opnieuw.status_code >= 400, opnieuw.text
    assert httpx.post(f"{pad}/opgelost", headers=BEHEER, timeout=30).status_code == 200
    with httpx.Client(base_url=lp.url, timeout=30) as client:  # the page's form: already resolved
        assert client.post("/inloggen", data={"token": TOKENS["beheer"]}).status_code == 303
        assert client.post(f"/beheer/aandacht/{poison.id}/opgelost").status_code >= 400

    records = [(v["status"], v["http_status"], v["actor"]["rol"]) for v in verwerkingen(lp, pupil)
               if v["verwerkingsactiviteit"] == HERSTELLEN]
    assert records[0] == ("refused", 403, "leerplicht")
    assert records[1][0] == "error" and records[1][2] == "beheer"
    assert records[2] == ("ok", 200, "beheer")
    assert records[3][0] == "error" and records[3][2] == "beheer"
    assert len(records) == 4
    # and the inzage itself is a recorded processing, shown in the next answer
    assert [v["operatie"] for v in verwerkingen(lp, pupil)][-1] == "Inzageverzoek beantwoorden"


def test_an_officers_command_and_its_record_commit_together(lp: ServiceProcess, infra: Any, db_url: str) -> None:
    """Before: the record was written after the command had published and claimed, so a log that could not be
    written answered 503 for a step that had happened anyway, without a record. Now the record is written in
    the command's own transaction, before anything is published: both or neither."""
    pupil, dossier_id, melding_id = nieuw_dossier(infra.bootstrap, db_url)
    pad = f"{lp.url}/v1/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling"
    vandaag = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    sql(db_url, "CREATE OR REPLACE FUNCTION test_weiger_verwerking() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'logboek onbeschikbaar (test)'; END $$")
    sql(db_url, f"CREATE TRIGGER test_weiger_{pupil[:12]} BEFORE INSERT ON verwerking FOR EACH ROW "
                f"WHEN (NEW.betrokkene = '{pupil}') EXECUTE FUNCTION test_weiger_verwerking()")
    try:
        r = httpx.post(pad, json={"expected_version": 1, "datum": vandaag}, headers=OFFICER, timeout=30)
    finally:
        sql(db_url, f"DROP TRIGGER test_weiger_{pupil[:12]} ON verwerking")
    assert r.status_code == 503, r.text
    assert len(asyncio.run(record_headers(infra.bootstrap, pupil))) == 1, "only the report: no step published"
    assert sql(db_url, "SELECT count(*) AS n FROM dossier_pending WHERE dossier_id = $1", dossier_id)[0]["n"] == 0

    # now it can be written: the step succeeds and leaves exactly one record, in its own span
    r = httpx.post(pad, json={"expected_version": 1, "datum": vandaag}, headers=OFFICER, timeout=30)
    assert r.status_code == 200, r.text
    # a failed command (a stale version) leaves exactly one record too, status error
    r = httpx.post(pad, json={"expected_version": 1, "datum": vandaag}, headers=OFFICER, timeout=30)
    assert r.status_code == 409, r.text
    behandeld = [v for v in verwerkingen(lp, pupil) if v["operatie"] == "Verzuimmelding behandelen"]
    assert [(v["status"], v["http_status"]) for v in behandeld] == [("ok", 200), ("error", 409)]
    assert len({v["span_id"] for v in behandeld}) == 2


def test_the_consumer_continues_the_trace_of_the_request_that_published_the_event(
    lp: ServiceProcess, infra: Any, db_url: str,
) -> None:
    """Before: producers put ``traceparent`` on the records but no consumer read it, so what the projection
    logged while applying an officer's step could not be tied to the request. The runner runs in its own
    task: the trace id can only reach it through the record's header."""
    _, dossier_id, melding_id = nieuw_dossier(infra.bootstrap, db_url)
    trace_id = secrets.token_hex(16)
    r = httpx.post(f"{lp.url}/v1/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling",
                   json={"expected_version": 1, "datum": datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()},
                   headers={**OFFICER, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}, timeout=30)
    assert r.status_code == 200, r.text  # 200: the projection applied the step before the answer

    def toegepast() -> list[dict[str, Any]]:
        regels = [json.loads(x) for x in lp.logs().splitlines() if x.startswith("{") and "events_toegepast" in x]
        return [x for x in regels if trace_id in x.get("trace_ids", [])]

    regels = eventually(toegepast)
    assert all(x["projection"] == "leerplicht" and x["aantal"] >= 1 for x in regels)
    assert all(x.get("path") is None for x in regels), "written by the consumer, not by the HTTP request"
