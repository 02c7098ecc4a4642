"""Signals addressed to the Doorstroompunt reach the coach (domain.md A3.5, A3.9, A6; issue 12).

registratie publishes ``SignaalGegeven`` with recipient ``DOORSTROOMPUNT`` (a protocol rule for young
people 18+ without a startkwalificatie). The rmc process stores it and shows it in the worklist (API
and web) as an item for that young person, and on their page when they have a file. A signal for
leerplicht only is not the Doorstroompunt's. Real Kafka and PostgreSQL; region MC40 is this file's own.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import MeldingSoort, SchoolType, SignaalOntvanger, SignaalSoort
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, start_service

REGION = "MC40"
TOKEN = dev_token("t-rmc-mc40")
COACH = {"Authorization": f"Bearer {TOKEN}"}
TOKENS_ENV = API_TOKENS + f",{TOKEN}=coach-40:rmc:MC40"
SCHOOL = School(brin="00AV", vestiging="00")
pytestmark = pytest.mark.infra



@pytest.fixture(scope="module")
def svc(infra: Any) -> Iterator[ServiceProcess]:
    s = start_service("rmc", infra.bootstrap, infra.database_url("rmcsignaal"), REGION=REGION,
                      API_TOKENS=TOKENS_ENV)
    try:
        yield s
    finally:
        s.stop()


def publish(bootstrap: str, subject: str, *events: Event) -> None:
    async def go() -> None:
        publisher = EventPublisher(bootstrap, client_id="test-registratie")
        await publisher.start()
        try:
            await publisher.publish([
                OutgoingEvent(region_events_topic(REGION), to_envelope(
                    ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=datetime.now(UTC),
                    correlation_id=uuid7(), region=REGION))
                for ev in events
            ])
        finally:
            await publisher.stop()

    asyncio.run(go())


def signaal(*ontvangers: SignaalOntvanger) -> reg.SignaalGegeven:
    return reg.SignaalGegeven(
        signaal_id=uuid.uuid4(), soort=SignaalSoort.LOKAAL_PROTOCOL, regel_id="18plus-3x-afwezig",
        regel_geldig_vanaf=date(2025, 8, 1), omschrijving="3x ongeoorloofd afwezig (18+ zonder startkwalificatie)",
        school=SCHOOL, peildatum=date(2026, 11, 20), ontvangers=list(ontvangers),
    )


def werklijst(svc: ServiceProcess) -> dict[str, Any]:
    r = httpx.get(f"{svc.url}/v1/werklijst", headers=COACH, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_doorstroompunt_signal_shows_up_in_the_coachs_worklist(svc: ServiceProcess, infra: Any) -> None:
    jongere, alleen_lp = secrets.token_hex(32), secrets.token_hex(32)
    s = signaal(SignaalOntvanger.DOORSTROOMPUNT)
    publish(infra.bootstrap, alleen_lp, signaal(SignaalOntvanger.LEERPLICHT))
    publish(infra.bootstrap, jongere, s)

    [item] = eventually(lambda: [x for x in werklijst(svc).get("signalen", []) if x["pseudoniem"] == jongere])
    assert (item["signaal_id"], item["soort"], item["peildatum"], item["school"]) == (
        str(s.signaal_id), "LOKAAL_PROTOCOL", "2026-11-20", "00AV00")
    assert item["omschrijving"] == s.omschrijving and item["dossier"] is False
    assert [x for x in werklijst(svc)["signalen"] if x["pseudoniem"] == alleen_lp] == [], "leerplicht's only"

    with httpx.Client(base_url=svc.url, timeout=30) as client:
        r = client.post("/inloggen", data={"token": TOKEN})
        assert r.status_code == 303
        page = client.get("/werklijst")
        assert page.status_code == 200 and 'id="kop-signalen"' in page.text
        assert s.omschrijving is not None and s.omschrijving in page.text


def test_a_signal_for_a_young_person_with_a_file_is_on_their_page(svc: ServiceProcess, infra: Any) -> None:
    jongere = secrets.token_hex(32)
    aanmelding = reg.PotentieelVsvGesignaleerd(
        lijst_maand="2026-11", uitschrijfdatum=date(2026, 10, 30), laatste_school=SCHOOL,
        school_type=SchoolType.MBO, woongemeente="GM0268", geboortejaar_maand="2007-03",
    )
    s = signaal(SignaalOntvanger.DOORSTROOMPUNT)
    publish(infra.bootstrap, jongere, aanmelding, s)

    [item] = eventually(lambda: [x for x in werklijst(svc).get("signalen", []) if x["pseudoniem"] == jongere])
    assert item["dossier"] is True
    r = httpx.get(f"{svc.url}/v1/jongeren/{jongere}", headers=COACH, timeout=30)
    assert r.status_code == 200, r.text
    assert [x["signaal_id"] for x in r.json()["signalen"]] == [str(s.signaal_id)]
    with httpx.Client(base_url=svc.url, timeout=30) as client:
        client.post("/inloggen", data={"token": TOKEN})
        page = client.get(f"/jongeren/{jongere}")
        assert page.status_code == 200 and 'id="signalen-kop"' in page.text


def test_a_school_that_missed_an_18_plus_report_term_shows_up_in_the_coachs_worklist(
        svc: ServiceProcess, infra: Any) -> None:
    """``MeldtermijnVerstreken`` of an 18+ report (A3.5: reported to the Doorstroompunt) is the Doorstroompunt's
    signal; a missed leerplicht report term (LRV) is not."""
    jongere, lrv = secrets.token_hex(32), secrets.token_hex(32)
    achttien = reg.MeldtermijnVerstreken(meldplicht_id=uuid7(), soort=MeldingSoort.ACHTTIEN_PLUS, school=SCHOOL,
                                         uiterlijk_melden_op=date(2026, 11, 20))
    publish(infra.bootstrap, lrv, reg.MeldtermijnVerstreken(
        meldplicht_id=uuid7(), soort=MeldingSoort.LRV, school=SCHOOL, uiterlijk_melden_op=date(2026, 11, 20)))
    publish(infra.bootstrap, jongere, achttien)

    [item] = eventually(lambda: [x for x in werklijst(svc).get("signalen", []) if x["pseudoniem"] == jongere])
    assert (item["signaal_id"], item["soort"], item["peildatum"], item["school"]) == (
        str(achttien.meldplicht_id), "MELDTERMIJN_VERSTREKEN", "2026-11-20", "00AV00")
    assert "18+" in item["omschrijving"]
    assert [x for x in werklijst(svc)["signalen"] if x["pseudoniem"] == lrv] == [], "leerplicht's only"
