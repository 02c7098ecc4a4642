"""Signals addressed to leerplicht reach the officer (domain.md A2 Decision "late recoding": shown to
the region's leerplicht office for that pupil; A3.8/A3.9: signals to leerplicht by agreement).

registratie publishes ``SignaalGegeven`` with its recipients on the region's topic. The leerplicht
process stores those addressed to ``LEERPLICHT`` and shows them in the worklist (API and web) as an
item for that pupil, and on the dossier page when the pupil has a dossier. A signal only for the
school is not the office's. Real Kafka and PostgreSQL; region MC39 is this file's own.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import Melder, MeldingSoort, SignaalOntvanger, SignaalSoort, UrenEenheid
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, start_service

REGION = "MC39"
TOKEN = dev_token("t-lp-mc39")
OFFICER = {"Authorization": f"Bearer {TOKEN}"}
TOKENS_ENV = API_TOKENS + f",{TOKEN}=officer-39:leerplicht:MC39"
SCHOOL = School(brin="00AP", vestiging="00")
pytestmark = pytest.mark.infra



@pytest.fixture(scope="module")
def lp(infra: Any) -> Iterator[ServiceProcess]:
    svc = start_service("leerplicht", infra.bootstrap, infra.database_url("lpsignaal"), REGION=REGION,
                        API_TOKENS=TOKENS_ENV)
    try:
        yield svc
    finally:
        svc.stop()


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


def signaal(soort: SignaalSoort, *ontvangers: SignaalOntvanger) -> reg.SignaalGegeven:
    return reg.SignaalGegeven(
        signaal_id=uuid.uuid4(), soort=soort, regel_id="hercodering.na-termijn", regel_geldig_vanaf=date(2025, 8, 1),
        omschrijving="ONBEKEND na 2 schooldagen gehercodeerd; meldplicht 16 uur in 4 weken vervallen",
        school=SCHOOL, peildatum=date(2026, 11, 27), ontvangers=list(ontvangers),
    )


def werklijst(svc: ServiceProcess) -> dict[str, Any]:
    r = httpx.get(f"{svc.url}/v1/werklijst", headers=OFFICER, timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_late_recoding_signal_shows_up_in_the_officers_worklist(lp: ServiceProcess, infra: Any) -> None:
    pupil, school_only = secrets.token_hex(32), secrets.token_hex(32)
    late = signaal(SignaalSoort.LATE_HERCODERING, SignaalOntvanger.LEERPLICHT)
    publish(infra.bootstrap, school_only, signaal(SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM, SignaalOntvanger.SCHOOL))
    publish(infra.bootstrap, pupil, late)

    items = eventually(lambda: [s for s in werklijst(lp).get("signalen", []) if s["pseudoniem"] == pupil])
    [s] = items
    assert (s["signaal_id"], s["soort"], s["peildatum"], s["school"]) == (
        str(late.signaal_id), "LATE_HERCODERING", "2026-11-27", "00AP00")
    assert s["omschrijving"] == late.omschrijving and s["dossier_id"] is None
    assert [x for x in werklijst(lp)["signalen"] if x["pseudoniem"] == school_only] == [], "the school's only"

    publish(infra.bootstrap, pupil, late)  # the same event again: one item
    assert len([x for x in werklijst(lp)["signalen"] if x["pseudoniem"] == pupil]) == 1

    with httpx.Client(base_url=lp.url, timeout=30) as client:
        r = client.post("/inloggen", data={"token": TOKEN})
        assert r.status_code == 303
        page = client.get("/werklijst")
        assert page.status_code == 200 and "Signalen" in page.text
        assert "Late hercodering" in page.text and late.omschrijving is not None
        assert late.omschrijving in page.text


def test_a_signal_for_a_pupil_with_a_dossier_is_on_the_dossier_page(lp: ServiceProcess, infra: Any) -> None:
    pupil = secrets.token_hex(32)
    melding = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2026, 11, 2), einddatum=date(2026, 11, 23), uren=Decimal("17"),
        eenheid=UrenEenheid.KLOKUUR,
    )
    dossier_id = nieuw_dossier_id(melding.melding_id)
    s = signaal(SignaalSoort.LOKAAL_PROTOCOL, SignaalOntvanger.SCHOOL, SignaalOntvanger.LEERPLICHT)
    publish(infra.bootstrap, pupil, melding, s)

    [item] = eventually(lambda: [x for x in werklijst(lp).get("signalen", []) if x["pseudoniem"] == pupil])
    assert item["dossier_id"] == str(dossier_id)
    r = httpx.get(f"{lp.url}/v1/dossiers/{dossier_id}", headers=OFFICER, timeout=30)
    assert r.status_code == 200, r.text
    assert [x["signaal_id"] for x in r.json()["signalen"]] == [str(s.signaal_id)]
    with httpx.Client(base_url=lp.url, timeout=30) as client:
        client.post("/inloggen", data={"token": TOKEN})
        page = client.get(f"/dossiers/{dossier_id}")
        assert page.status_code == 200 and 'id="kop-signalen"' in page.text and "Lokaal protocol" in page.text


def test_the_worklist_page_shows_signals_a_page_at_a_time_with_their_total(lp: ServiceProcess, infra: Any) -> None:
    """At national size a region holds hundreds of signals; the page showed every one (up to 500) on
    every worklist request, each with a name lookup and a processing-log record (issue 16.5)."""
    import re

    from leerrecht.signalen import PER_PAGINA

    voor = len(werklijst(lp)["signalen"])
    for _ in range(PER_PAGINA + 5):
        s = signaal(SignaalSoort.LOKAAL_PROTOCOL, SignaalOntvanger.LEERPLICHT)
        publish(infra.bootstrap, secrets.token_hex(32), s)
    totaal = eventually(lambda: n if (n := len(werklijst(lp)["signalen"])) == voor + PER_PAGINA + 5 else None)
    with httpx.Client(base_url=lp.url, timeout=30) as client:
        client.post("/inloggen", data={"token": TOKEN})
        eerste = client.get("/werklijst").text
        sectie = eerste[eerste.index('id="signalen"'):]
        sectie = sectie[:sectie.index("</section>")]
        assert f"Signalen ({totaal})" in sectie
        assert sectie.count("<tr class=\"utrecht-table__row\">") - 1 == PER_PAGINA
        assert 'aria-label="Paginering signalen"' in sectie and "signalen_pagina=2" in sectie
        laatste_nr = -(-totaal // PER_PAGINA)
        laatste = client.get(f"/werklijst?signalen_pagina={laatste_nr}").text
        sectie = laatste[laatste.index('id="signalen"'):]
        sectie = sectie[:sectie.index("</section>")]
        assert sectie.count("<tr class=\"utrecht-table__row\">") - 1 == totaal - (laatste_nr - 1) * PER_PAGINA
        assert re.search(rf"Pagina {laatste_nr} van {laatste_nr}", sectie)
        for onzin in ("0", "-1", "abc", "99999999"):
            assert client.get(f"/werklijst?signalen_pagina={onzin}").status_code == 200


def verstreken(soort: MeldingSoort) -> reg.MeldtermijnVerstreken:
    # the newest date of this file's signals: on the worklist page's first page of signals
    return reg.MeldtermijnVerstreken(meldplicht_id=uuid7(), soort=soort, school=SCHOOL,
                                     uiterlijk_melden_op=date(2026, 11, 30))


def test_a_school_that_missed_its_report_term_shows_up_in_the_officers_worklist(
        lp: ServiceProcess, infra: Any) -> None:
    """``MeldtermijnVerstreken`` (A3.1: onverwijld, within 5 working days) surfaces in the worklist, as its
    contract says; before, leerplicht skipped it and no office ever saw that a school did not report. An
    18+ report's term is the Doorstroompunt's (A3.5), not this office's."""
    pupil, achttien = secrets.token_hex(32), secrets.token_hex(32)
    lrv = verstreken(MeldingSoort.LRV)
    publish(infra.bootstrap, achttien, verstreken(MeldingSoort.ACHTTIEN_PLUS))
    publish(infra.bootstrap, pupil, lrv)

    [s] = eventually(lambda: [s for s in werklijst(lp).get("signalen", []) if s["pseudoniem"] == pupil])
    assert (s["signaal_id"], s["soort"], s["soort_label"], s["peildatum"], s["school"]) == (
        str(lrv.meldplicht_id), "MELDTERMIJN_VERSTREKEN", "Melding niet op tijd", "2026-11-30", "00AP00")
    assert "langdurig relatief verzuim" in s["omschrijving"] and "30-11-2026" in s["omschrijving"]
    assert pupil not in s["omschrijving"]
    assert [x for x in werklijst(lp)["signalen"] if x["pseudoniem"] == achttien] == [], "the Doorstroompunt's"

    publish(infra.bootstrap, pupil, lrv)  # published again (a redelivery): one item
    assert len([x for x in werklijst(lp)["signalen"] if x["pseudoniem"] == pupil]) == 1
    with httpx.Client(base_url=lp.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKEN}).status_code == 303
        page = client.get("/werklijst")
        assert page.status_code == 200 and "Melding niet op tijd" in page.text
