"""The coach's web pages in real headless Chromium (domain.md A6): log in, open a new young person from
the worklist, and record contact → in beeld → traject → placement → closure, checking what the page
shows at each step, including a rule refusal (422) and a stale form (409). Region MC09 (no other test)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.catalogue import to_envelope
from contracts.codes import SchoolType
from contracts.envelope import uuid7
from contracts.events import registratie
from contracts.events.base import School
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, start_service

REGIO = "MC09"
TOKEN = dev_token("t-rmc-mc09-web")
P = f"rmc-web-{uuid.uuid4().hex[:12]}-0001"


@pytest.fixture(scope="module")
def rmc09(infra) -> Iterator[ServiceProcess]:  # type: ignore[no-untyped-def]
    env = {"REGION": REGIO, "API_TOKENS": f"{API_TOKENS},{TOKEN}=coach-09:rmc:{REGIO}"}
    svc = start_service("rmc", infra.bootstrap, infra.database_url("rmc09"), **env)
    signaal = registratie.PotentieelVsvGesignaleerd(
        lijst_maand="2025-02", uitschrijfdatum=date(2025, 2, 14), laatste_school=School(brin="34CD", vestiging="01"),
        school_type=SchoolType.MBO, woongemeente="GM0200", geboortejaar_maand="2006-09",
    )
    env_ = to_envelope(signaal, subject=P, source="urn:nl:leerrecht:registratie",
                       occurred_at=datetime(2025, 3, 3, 9, tzinfo=UTC), correlation_id=uuid7(), region=REGIO)
    ident = IdentiteitVastgelegd(
        pseudoniem=P, pgn="736120038", pgn_soort="BSN", voornamen="Daan", achternaam="Jansen",
        geboortedatum=date(2006, 9, 3), woongemeente="GM0200", telefoon="06 9876 5432",
        email="daan@example.nl", vastgelegd_op=datetime(2025, 3, 1, tzinfo=UTC),
    )

    async def go() -> None:
        pub = EventPublisher(infra.bootstrap, client_id="rmc-web-test")
        await pub.start()
        try:
            await pub.publish([OutgoingEvent(region_events_topic(REGIO), env_)])
            key, value = encode_identity_record(ident)
            await pub.publish_raw(identity_topic(REGIO), value, key)
        finally:
            await pub.stop()

    asyncio.run(go())
    try:
        yield svc
    finally:
        svc.stop()


def _versie(svc: ServiceProcess) -> int:
    r = httpx.get(f"{svc.url}/v1/jongeren/{P}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    return int(r.json()["versie"]) if r.status_code == 200 else -1


@pytest.mark.infra
def test_a_coach_works_a_file_from_worklist_to_closure_in_the_browser(
    rmc09: ServiceProcess, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    base = rmc09.url
    page.set_default_timeout(15_000)
    page.goto(f"{base}/werklijst")
    expect(page).to_have_url(re.compile(r"/inloggen$"))  # no session: to the login page
    page.get_by_label("Toegangscode").fill("verkeerd")
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_have_text("Onbekende toegangscode.")
    page.get_by_label("Toegangscode").fill(TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/werklijst$"))
    expect(page.get_by_role("heading", name="Werklijst")).to_be_visible()

    # the new young person appears under "Nieuwe jongeren" once the intake is projected
    nieuw = page.locator("section", has=page.locator("#nieuw"))
    for _ in range(50):
        if nieuw.get_by_role("link").count():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(nieuw.get_by_role("link")).to_have_count(1)
    # the sections name nobody; the list of all open files does (the coach searches it by name, issue 15)
    assert "Daan" not in nieuw.inner_text()
    expect(page.get_by_role("table", name="Alle open dossiers")).to_contain_text("Daan Jansen")
    caseload = page.locator("section", has=page.locator("#caseload"))
    expect(caseload.get_by_role("row", name="Nog niet opgepakt 1")).to_be_visible()
    nieuw.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/jongeren/{P}$"))

    status = page.locator("#status")
    expect(status).to_have_text("Nieuw")
    expect(page.locator("#naam")).to_have_text("Daan Jansen")  # contact data for the coach only
    expect(page.locator("#telefoon")).to_have_text("06 9876 5432")
    expect(page.locator("#email")).to_have_text("daan@example.nl")
    expect(page.locator("#form-traject")).to_have_count(0)  # a route only once in beeld

    # contact attempt by text message, answered → in beeld
    form = page.locator("#form-contactpoging")
    form.get_by_label("Datum").fill("2025-03-04")
    form.get_by_label("Kanaal").select_option("SMS")
    form.get_by_label("Ja, contact gehad").check()
    form.get_by_role("button", name="Contactpoging vastleggen").click()
    expect(page.locator("#melding")).to_have_text("De contactpoging is vastgelegd.")
    expect(status).to_have_text("In beeld")
    expect(page.locator("#tijdlijn li").first).to_contain_text("04-03-2025")
    expect(page.locator("#tijdlijn")).to_contain_text("Contactpoging via sms / chatbericht: bereikt — coach-09")

    # a rule refusal in Dutch: route TRAJECT needs the partner
    form = page.locator("#form-traject")
    form.get_by_label("Route", exact=True).select_option("TRAJECT")
    form.get_by_label("Startdatum traject").fill("2025-03-10")
    form.get_by_role("button", name="Traject starten").click()
    expect(page.get_by_role("alert")).to_contain_text("vraagt de partner die het programma uitvoert")
    expect(status).to_have_text("In beeld")
    form = page.locator("#form-traject")
    expect(form.get_by_label("Route", exact=True)).to_have_value("TRAJECT")  # the coach's input is kept
    form.get_by_label("Route", exact=True).select_option("WERK")
    form.get_by_role("button", name="Traject starten").click()
    expect(page.locator("#melding")).to_have_text("Het traject is gestart.")
    expect(status).to_have_text("In traject")
    expect(page.locator("#traject")).to_contain_text("Werk sinds 10-03-2025")

    # a colleague records a contact meanwhile: the open form is stale → 409 with the current file
    versie = _versie(rmc09)
    r = httpx.post(
        f"{base}/v1/jongeren/{P}/contactpogingen",
        json={"expected_version": versie, "datum": "2025-03-12", "kanaal": "TELEFOON", "geslaagd": True},
        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30,
    )
    assert r.status_code == 201, r.text
    form = page.locator("#form-plaatsing")
    form.get_by_label("Bestemming").select_option("WERK")
    form.get_by_label("Startdatum", exact=True).fill("2025-03-20")
    form.get_by_role("button", name="Plaatsing vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Het dossier is intussen gewijzigd")
    expect(page.locator("#tijdlijn")).to_contain_text("Contactpoging via telefoon: bereikt")
    form = page.locator("#form-plaatsing")
    form.get_by_label("Bestemming").select_option("WERK")
    form.get_by_label("Startdatum", exact=True).fill("2025-03-20")
    form.get_by_role("button", name="Plaatsing vastleggen").click()
    expect(page.locator("#melding")).to_have_text("De plaatsing is vastgelegd.")
    expect(status).to_have_text("Geplaatst")
    expect(page.locator("#plaatsing")).to_have_text("Werk, per 20-03-2025")

    # close: still placed after 3 months
    form = page.locator("#form-afsluiten")
    form.get_by_label("Reden").select_option("GEPLAATST_DUURZAAM")
    form.get_by_role("button", name="Dossier afsluiten").click()
    expect(page.locator("#melding")).to_have_text("Het dossier is afgesloten.")
    expect(status).to_have_text("Afgesloten")
    expect(page.locator("#sluiting")).to_contain_text("Duurzaam geplaatst")
    expect(page.locator("form")).to_have_count(1)  # only the logout form: nothing to record any more
    expect(page.locator("#tijdlijn li").first).to_contain_text("Afgesloten: duurzaam geplaatst")
    labels = page.locator("#tijdlijn li").all_inner_texts()
    assert any("Aangemeld: Potentiële voortijdig schoolverlater" in t for t in labels)
    assert any("Traject gestart: route werk" in t for t in labels)
    assert any("Status: in beeld" in t for t in labels)
    page.screenshot(path=str(tmp_path / "rmc-dossier.png"), full_page=True)
    assert (tmp_path / "rmc-dossier.png").stat().st_size > 10_000

    page.goto(f"{base}/werklijst")
    expect(page.locator("section", has=page.locator("#nieuw")).get_by_role("link")).to_have_count(0)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/inloggen$"))
    page.goto(f"{base}/jongeren/{P}")
    expect(page).to_have_url(re.compile(r"/inloggen$"))
