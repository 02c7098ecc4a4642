"""The processing log in rmc (domain.md B, Decision; issue 14 point 3): a coach reading and changing a
young person's file, another region's coach refused, each leave one record that beheer shows for the
pseudonym (API and page, AVG art. 15). Real rmc process, Kafka and PostgreSQL; region MC25 is this file's own.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from rmc.commando import vandaag
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import SchoolType
from contracts.envelope import uuid7
from contracts.events import registratie
from contracts.events.base import School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, TOKENS, ServiceProcess, auth, dev_token, start_service

REGIO = "MC25"
TOKEN = dev_token("t-rmc-mc25")
COACH = {"Authorization": f"Bearer {TOKEN}"}
PARTNER = dev_token("t-partner-mc25")
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def rmc(infra: Any) -> Iterator[ServiceProcess]:
    tokens = API_TOKENS + f",{TOKEN}=coach-25:rmc:{REGIO},{PARTNER}=werkstart-25:partner:{REGIO}:werkstart"
    rollen = infra.rollen_database("rmcverw")  # as in production: the processing log has an owner role
    svc = start_service("rmc", infra.bootstrap, rollen.dienst, REGION=REGIO, API_TOKENS=tokens,
                        RMC_UITGAAND_WACHT_S="0.2", DATABASE_OWNER_URL=rollen.eigenaar)
    try:
        yield svc
    finally:
        svc.stop()


def nieuwe_jongere(bootstrap: str) -> str:
    jongere = "rmc-verw-" + secrets.token_hex(12)
    intake = datetime.now(UTC) - timedelta(days=30)
    ev = registratie.PotentieelVsvGesignaleerd(
        lijst_maand=f"{intake.year:04d}-{intake.month:02d}", uitschrijfdatum=intake.date() - timedelta(days=20),
        laatste_school=School(brin="34CD", vestiging="01"), school_type=SchoolType.MBO, woongemeente="GM0637",
        geboortejaar_maand="2006-03",
    )

    async def go() -> None:
        pub = EventPublisher(bootstrap, client_id="rmc-test")
        await pub.start()
        try:
            await pub.publish([OutgoingEvent(region_events_topic(REGIO), to_envelope(
                ev, subject=jongere, source="urn:nl:leerrecht:registratie", occurred_at=intake,
                correlation_id=uuid7(), region=REGIO))])
        finally:
            await pub.stop()

    asyncio.run(go())
    return jongere


def verwerkingen(svc: ServiceProcess, jongere: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{svc.url}/v1/beheer/verwerkingen", params={"pseudoniem": jongere}, headers=auth("beheer"),
                  timeout=30)
    assert r.status_code == 200, r.text
    return [v for v in r.json()["verwerkingen"] if v["operatie"] != "Inzageverzoek beantwoorden"]


def test_a_coachs_read_and_change_and_a_refused_read_are_each_recorded_once(rmc: ServiceProcess, infra: Any) -> None:
    jongere = nieuwe_jongere(infra.bootstrap)
    # wait for the intake on the worklist: a read of an unknown file would be a recorded 404 (status error)
    eventually(lambda: httpx.get(f"{rmc.url}/v1/werklijst", headers=COACH, timeout=30).json()["nieuw"])
    dossier = eventually(lambda: (r := httpx.get(f"{rmc.url}/v1/jongeren/{jongere}", headers=COACH,
                                                 timeout=30)).status_code == 200 and r.json())
    trace_id = secrets.token_hex(16)
    r = httpx.post(f"{rmc.url}/v1/jongeren/{jongere}/contactpogingen",
                   json={"expected_version": dossier["versie"], "datum": vandaag().isoformat(),
                         "kanaal": "SMS", "geslaagd": True},
                   headers={**COACH, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}, timeout=30)
    assert r.status_code == 201, r.text
    assert httpx.get(f"{rmc.url}/v1/jongeren/{jongere}", headers=auth("rmc_MC28"), timeout=30).status_code == 403
    rapport = {"pseudoniem": jongere, "traject_id": str(uuid7()), "week": "2025-W10", "aanwezigheid_pct": 80,
               "voortgang": "OP_SCHEMA"}
    assert httpx.post(f"{rmc.url}/v1/partners/voortgang", json=rapport,
                      headers={"Authorization": f"Bearer {PARTNER}"}, timeout=30).status_code in (403, 422)

    records = verwerkingen(rmc, jongere)
    gelezen = [v for v in records if v["operatie"] == "Dossier van een jongere inzien"]
    assert [(v["status"], v["actor"]["id"]) for v in gelezen] == [("ok", "coach-25"), ("refused", "coach-28")]
    [gewijzigd] = [v for v in records if v["operatie"] == "Dossier van een jongere bijwerken"]
    assert (gewijzigd["status"], gewijzigd["http_status"], gewijzigd["trace_id"]) == ("ok", 201, trace_id)
    assert gewijzigd["actor"] == {"id": "coach-25", "rol": "rmc", "organisatie": f"rmc:{REGIO}"}
    [partner] = [v for v in records if v["operatie"] == "Voortgang van een traject melden"]
    assert partner["status"] in ("refused", "error") and partner["actor"]["id"] == "werkstart-25"

    with httpx.Client(base_url=rmc.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKENS["beheer"]}).status_code == 303
        page = client.get("/beheer/verwerkingen", params={"pseudoniem": jongere})
        assert page.status_code == 200 and "Dossier van een jongere bijwerken" in page.text and "coach-28" in page.text


def test_worklist_and_list_reads_record_every_young_person_they_show(rmc: ServiceProcess, infra: Any) -> None:
    """Before: the coach's worklist, the list of young people and the worklist page left no record."""
    jongere = nieuwe_jongere(infra.bootstrap)
    eventually(lambda: jongere in {i["pseudoniem"] for i in httpx.get(
        f"{rmc.url}/v1/werklijst", headers=COACH, timeout=30).json()["nieuw"]})
    lijst = httpx.get(f"{rmc.url}/v1/jongeren", headers=COACH, timeout=30)
    assert lijst.status_code == 200 and jongere in {j["pseudoniem"] for j in lijst.json()["jongeren"]}
    with httpx.Client(base_url=rmc.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKEN}).status_code == 303
        assert client.get("/werklijst").status_code == 200

    gezien = [v for v in verwerkingen(rmc, jongere) if v["operatie"] == "Werklijst van het Doorstroompunt inzien"]
    assert len(gezien) >= 3, "each worklist poll, the list and the page: one record each"
    assert {(v["status"], v["actor"]["id"]) for v in gezien} == {("ok", "coach-25")}
    assert len({v["span_id"] for v in gezien}) == len(gezien), "one record per person per read"
