"""The coach's worklist with every open file (issue 15, points 4 and 9), on a real rmc process, real Kafka
and PostgreSQL: 60 young people in one region, loaded as events in bulk, one of them placed by a
re-enrolment.

* Over HTTP: all open files with search (name, pseudonym), a status filter and paging, the placed young
  person included (before, a placed one was on no list for three months); the close reason has no
  default (an empty first choice, required); partner and school fields offer what the service has seen.
* In headless Chromium: the coach finds the placed young person by name and opens the file; axe finds no
  WCAG 2.1 A/AA violation on the worklist, the file, beheer and verwerkingen, also at 390 px.

Region MC43 is used by no other test.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from browser import axe_overtredingen
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import Opleidingsniveau, SchoolType
from contracts.envelope import uuid7
from contracts.events import registratie
from contracts.events.base import School
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, start_service

pytestmark = pytest.mark.infra

REGIO = "MC43"
TOKEN = dev_token("t-rmc-mc43-schaal")
AANTAL = 60
TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
SCHOOL = School(brin="00AP", vestiging="00")  # WereldWijs in DUO's public po list
NU = datetime.now(UTC)
VANDAAG = NU.date()


def _naam(i: int) -> tuple[str, str]:
    return (["Sanne", "Daan", "Emma", "Liam", "Noor", "Sem"][i % 6],
            f"Jongere{TAG.capitalize()}{string.ascii_lowercase[i // 26]}{string.ascii_lowercase[i % 26]}")


PSEUDO = [f"rmc-schaal-{TAG}-{i:04d}" for i in range(AANTAL)]
GEPLAATST = 7  # this one re-enrols: placed automatically


async def _laad(bootstrap: str) -> None:
    events = []
    for i, p in enumerate(PSEUDO):
        signaal = registratie.PotentieelVsvGesignaleerd(
            lijst_maand=f"{VANDAAG.year:04d}-{VANDAAG.month:02d}", uitschrijfdatum=VANDAAG - timedelta(days=30),
            laatste_school=SCHOOL, school_type=SchoolType.MBO, woongemeente="GM0637",
            geboortejaar_maand=f"{2005 + i % 3}-0{1 + i % 9}",
        )
        events.append(OutgoingEvent(region_events_topic(REGIO), to_envelope(
            signaal, subject=p, source="urn:nl:leerrecht:registratie", occurred_at=NU - timedelta(days=20),
            correlation_id=uuid7(), region=REGIO)))
    her = registratie.Herinschrijving(
        lijst_maand=f"{VANDAAG.year:04d}-{VANDAAG.month:02d}", school=SCHOOL, school_type=SchoolType.MBO,
        ingangsdatum=VANDAAG - timedelta(days=3), niveau=Opleidingsniveau.MBO_3,
    )
    events.append(OutgoingEvent(region_events_topic(REGIO), to_envelope(
        her, subject=PSEUDO[GEPLAATST], source="urn:nl:leerrecht:registratie", occurred_at=NU - timedelta(days=3),
        correlation_id=uuid7(), region=REGIO)))
    pub = EventPublisher(bootstrap, client_id="rmc-schaal-test")
    await pub.start()
    try:
        await pub.publish(events, timeout=60)
        for i, p in enumerate(PSEUDO):
            voornaam, achternaam = _naam(i)
            key, value = encode_identity_record(IdentiteitVastgelegd(
                pseudoniem=p, pgn="736120038", pgn_soort="BSN", voornamen=voornaam, achternaam=achternaam,
                geboortedatum=date(2005 + i % 3, 1 + i % 9, 3), woongemeente="GM0637",
                vastgelegd_op=NU))
            await pub.publish_raw(identity_topic(REGIO), value, key)
    finally:
        await pub.stop()


@contextlib.contextmanager
def _web(svc: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.url, timeout=30) as client:
        r = client.post("/inloggen", data={"token": TOKEN})
        assert r.status_code == 303
        yield client


@pytest.fixture(scope="module")
def rmc43(infra: Any) -> Iterator[ServiceProcess]:
    env = {"REGION": REGIO, "API_TOKENS": f"{API_TOKENS},{TOKEN}=coach-43:rmc:{REGIO}"}
    svc = start_service("rmc", infra.bootstrap, infra.database_url("rmc43"), **env)
    try:
        asyncio.run(_laad(infra.bootstrap))
        api = {"Authorization": f"Bearer {TOKEN}"}

        def geplaatst() -> bool:
            r = httpx.get(f"{svc.url}/v1/jongeren/{PSEUDO[GEPLAATST]}", headers=api, timeout=10)
            return r.status_code == 200 and "GEPLAATST" in r.text

        eventually(geplaatst, timeout=120)
        eventually(lambda: httpx.get(f"{svc.url}/v1/jongeren/{PSEUDO[-1]}", headers=api).status_code == 200)
        yield svc
    finally:
        svc.stop()


def _tabel(html: str) -> str:
    m = re.search(r'<table[^>]*id="alle-dossiers".*?</table>', html, re.S)
    assert m, "de werklijst heeft geen lijst met alle open dossiers"
    return m.group(0)


def test_all_open_files_with_search_filter_and_paging_include_the_placed_one(rmc43: ServiceProcess) -> None:
    voornaam, achternaam = _naam(GEPLAATST)
    with _web(rmc43) as web:
        html = eventually(lambda: (t := web.get("/werklijst", params={"zoek": achternaam}).text)
                          and f"/jongeren/{PSEUDO[GEPLAATST]}" in t and t, timeout=30)
        tabel = _tabel(html)
        assert f"{voornaam} {achternaam}" in tabel and "Geplaatst" in tabel
        assert len(re.findall(r"/jongeren/", tabel)) == 1
        # by pseudonym too
        assert f"/jongeren/{PSEUDO[3]}" in _tabel(web.get("/werklijst", params={"zoek": PSEUDO[3]}).text)
        # every open file of the tag over the pages, 25 a page
        eventually(lambda: f"{AANTAL} open dossiers" in web.get("/werklijst", params={"zoek": TAG}).text)
        gezien: list[str] = []
        for p in (1, 2, 3):
            t = _tabel(web.get("/werklijst", params={"zoek": TAG, "pagina": p}).text)
            gezien += re.findall(r"/jongeren/([A-Za-z0-9_:-]+)", t)
        assert sorted(gezien) == sorted(PSEUDO)
        # the status filter
        geplaatst = _tabel(web.get("/werklijst", params={"zoek": TAG, "status": "GEPLAATST"}).text)
        assert re.findall(r"/jongeren/([A-Za-z0-9_:-]+)", geplaatst) == [PSEUDO[GEPLAATST]]

        dossier = web.get(f"/jongeren/{PSEUDO[GEPLAATST]}").text
        reden = re.search(r'<select[^>]*id="af-reden".*?</select>', dossier, re.S).group(0)  # type: ignore[union-attr]
        assert re.search(r'<option value="">[^<]+</option>', reden) and "selected" not in reden
        assert "WereldWijs" in dossier  # the placement's school by name
        assert re.search(r'id="tr-partner"[^>]*list="', dossier)


def test_a_section_shows_the_longest_waiting_fifty_with_its_total(rmc43: ServiceProcess) -> None:
    """issue 16.5: at national size a section holds thousands of files (the whole region's "niet loslaten");
    every row rendered, and entered in the processing log, made the coach's page grow with the region.
    Here 59 new files (the placed one is not new): the section counts 59, shows the 50 oldest and points to
    the paged list for the rest."""
    with _web(rmc43) as web:
        html = eventually(lambda: (t := web.get("/werklijst").text) and "Nieuwe jongeren <span>(59)</span>" in t
                          and t, timeout=60)
    sectie = re.search(r'<section aria-labelledby="nieuw">.*?</section>', html, re.S)
    assert sectie, "geen sectie Nieuwe jongeren"
    rijen = re.findall(r'href="/jongeren/([A-Za-z0-9_:-]+)"', sectie.group(0))
    assert len(rijen) == 50 and len(set(rijen)) == 50
    assert PSEUDO[GEPLAATST] not in rijen
    assert "U ziet de 50 die het langst wachten. De andere 9 vindt u onder" in sectie.group(0)
    assert 'href="#kop-alle"' in sectie.group(0)


def _axe(page: Any, waar: str) -> None:
    for breedte in (1280, 390):
        page.set_viewport_size({"width": breedte, "height": 900})
        assert axe_overtredingen(page) == [], f"{waar} op {breedte} px"
        if breedte == 390:
            breed = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391)
                .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, f"{waar} te breed: {breed}"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_coach_finds_a_placed_young_person_by_name_in_the_browser(rmc43: ServiceProcess, page: Any) -> None:
    from playwright.sync_api import expect

    # rmc's pages forbid every script (CSP default-src 'none'); axe is injected by the test, so the test's
    # own browser context bypasses the policy (the pages themselves run no script)
    context = page.context.browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    voornaam, achternaam = _naam(GEPLAATST)
    page.set_default_timeout(15_000)
    page.goto(f"{rmc43.url}/inloggen")
    _axe(page, "inloggen")
    page.get_by_label("Toegangscode").fill(TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/werklijst$"))
    _axe(page, "werklijst")
    page.get_by_label("Zoek op naam of pseudoniem").fill(achternaam)
    page.get_by_role("button", name="Zoeken").click()
    alle = page.get_by_role("table", name="Alle open dossiers")
    expect(alle.get_by_role("row")).to_have_count(2)
    expect(alle).to_contain_text("Geplaatst")
    alle.get_by_role("link", name=f"{voornaam} {achternaam}").click()
    expect(page).to_have_url(re.compile(f"/jongeren/{PSEUDO[GEPLAATST]}$"))
    expect(page.locator("#plaatsing")).to_contain_text("WereldWijs")
    _axe(page, "jongere")

    page.get_by_role("button", name="Uitloggen").click()
    page.goto(f"{rmc43.url}/inloggen")
    page.get_by_label("Toegangscode").fill(TOKENS["beheer"])
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"{rmc43.url}/beheer")
    _axe(page, "beheer")
    page.goto(f"{rmc43.url}/beheer/verwerkingen?pseudoniem={PSEUDO[GEPLAATST]}")
    _axe(page, "verwerkingen")
