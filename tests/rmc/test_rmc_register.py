"""The coach's school lookup is DUO's register (issue 15, point 4), on a real rmc process, real Kafka and
PostgreSQL.

A school location DUO publishes on the national register topic ``leerrecht.register.scholen`` (an mbo
location: those enter only this way) shows up in rmc's lookup, by name and place: in
``GET /v1/scholen`` and on the file's page (the search on the page and the school field's choices); a
location DUO closed again does not. The placement form still takes a typed code (lower case too) and
refuses a code the register does not know with a Dutch message naming the field. In Chromium, with the
keyboard only, the coach searches the school, records the placement and sees the school's name; axe finds
no WCAG 2.1 A/AA violation on the page with the search's hits and with the refusal, at 1280 and 390 px.

Region MC04 (only leerplicht's free-text test publishes there; no other rmc). The register topic is
national and shared by the session, so the locations' codes and names are drawn per run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from browser import axe_overtredingen
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import SchoolType, Vakantieregio
from contracts.envelope import uuid7
from contracts.events import registratie
from contracts.events.base import School
from contracts.topics import REGISTER_TOPIC, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.schoolnamen import openbare_lijsten
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, start_service

pytestmark = pytest.mark.infra

REGIO = "MC04"
TOKEN = dev_token("t-rmc-mc04-register")
TAG = "".join(secrets.choice(string.ascii_uppercase) for _ in range(2))
NAAM = "Vakcollege " + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8)).capitalize()
MBO = f"97{TAG}01"       # registered by DUO's feed (no public list has mbo)
GESLOTEN = f"97{TAG}02"  # registered, then closed before today
ONBEKEND = f"96{TAG}01"  # never registered
VANDAAG = datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the service's own day
NU = datetime.now(UTC)
P_API = f"rmc-register-{TAG.lower()}{secrets.token_hex(4)}-api"
P_WEB = f"rmc-register-{TAG.lower()}{secrets.token_hex(4)}-web"
P_REST = f"rmc-register-{TAG.lower()}{secrets.token_hex(4)}-rest"
API = {"Authorization": f"Bearer {TOKEN}"}
DATABASE: list[str] = []  # rmc04's own database, for the one test that writes a bad fact into it


def _vastgelegd(code: str, naam: str, vanaf: date) -> registratie.SchoolvestigingVastgelegd:
    return registratie.SchoolvestigingVastgelegd(
        school=School(brin=code[:4], vestiging=code[4:]), naam=naam, gemeente="GM0637",  # Zoetermeer
        school_types=[SchoolType.MBO], vakantieregio=Vakantieregio.MIDDEN, geldig_vanaf=vanaf)


async def _publiceer(bootstrap: str) -> None:
    feiten = [
        _vastgelegd(MBO, NAAM, VANDAAG - timedelta(days=30)),
        _vastgelegd(GESLOTEN, NAAM + " Oost", VANDAAG - timedelta(days=60)),
        registratie.SchoolvestigingGesloten(school=School(brin=GESLOTEN[:4], vestiging=GESLOTEN[4:]),
                                            geldig_tot=VANDAAG - timedelta(days=10)),
    ]
    uit: list[OutgoingEvent] = [OutgoingEvent(REGISTER_TOPIC, to_envelope(
        f, subject=f.school.code, source="urn:nl:leerrecht:registratie", occurred_at=NU,
        correlation_id=uuid7())) for f in feiten]
    for p in (P_API, P_WEB, P_REST):
        signaal = registratie.PotentieelVsvGesignaleerd(
            lijst_maand=f"{VANDAAG.year:04d}-{VANDAAG.month:02d}", uitschrijfdatum=VANDAAG - timedelta(days=30),
            laatste_school=School(brin="00AP", vestiging="00"), school_type=SchoolType.MBO,
            woongemeente="GM0637", geboortejaar_maand="2006-05")
        uit.append(OutgoingEvent(region_events_topic(REGIO), to_envelope(
            signaal, subject=p, source="urn:nl:leerrecht:registratie", occurred_at=NU - timedelta(days=20),
            correlation_id=uuid7(), region=REGIO)))
    pub = EventPublisher(bootstrap, client_id="rmc-register-test")
    await pub.start()
    try:
        await pub.publish(uit, timeout=60)
    finally:
        await pub.stop()


def _in_traject(svc: ServiceProcess, p: str) -> None:
    """Contact, then a traject: the file is IN_TRAJECT, so its page offers the placement form."""
    eventually(lambda: httpx.get(f"{svc.url}/v1/jongeren/{p}", headers=API, timeout=10).status_code == 200)
    for pad, body in (("contactpogingen", {"datum": VANDAAG.isoformat(), "kanaal": "TELEFOON", "geslaagd": True}),
                      ("traject", {"route": "WERK", "datum": VANDAAG.isoformat()})):
        versie = httpx.get(f"{svc.url}/v1/jongeren/{p}", headers=API, timeout=10).json()["versie"]
        r = httpx.post(f"{svc.url}/v1/jongeren/{p}/{pad}", json={"expected_version": versie, **body},
                       headers=API, timeout=30)
        assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def rmc04(infra: Any) -> Iterator[ServiceProcess]:
    env = {"REGION": REGIO, "API_TOKENS": f"{API_TOKENS},{TOKEN}=coach-04:rmc:{REGIO}"}
    DATABASE.append(infra.database_url("rmc04register"))
    svc = start_service("rmc", infra.bootstrap, DATABASE[-1], **env)
    try:
        asyncio.run(_publiceer(infra.bootstrap))
        for p in (P_API, P_WEB, P_REST):
            _in_traject(svc, p)
        yield svc
    finally:
        svc.stop()


def _zoek(svc: ServiceProcess, tekst: str, **extra: str) -> httpx.Response:
    return httpx.get(f"{svc.url}/v1/scholen", params={"zoek": tekst, **extra}, headers=API, timeout=30)


@contextlib.contextmanager
def _web(svc: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKEN}).status_code == 303
        yield client


def test_a_school_published_on_the_register_topic_is_in_rmcs_lookup(rmc04: ServiceProcess) -> None:
    treffers = eventually(lambda: (r := _zoek(rmc04, NAAM)).status_code == 200 and r.json()["scholen"], timeout=60)
    assert treffers == [{"code": MBO, "naam": NAAM, "plaats": "Zoetermeer", "soort": "mbo", "regio": "MC28"}]
    assert [s["code"] for s in _zoek(rmc04, MBO).json()["scholen"]][:1] == [MBO]  # by its code, exact first
    # closed ten days ago: not today, but on a date before the closing
    assert _zoek(rmc04, GESLOTEN).json()["scholen"] == []
    eerder = _zoek(rmc04, GESLOTEN, peildatum=(VANDAAG - timedelta(days=20)).isoformat()).json()["scholen"]
    assert [s["code"] for s in eerder] == [GESLOTEN]
    # DUO's public lists are in it too, with their place: name and place words together
    po = _zoek(rmc04, "WereldWijs zoetermeer").json()["scholen"]
    assert {"code": "00AP00", "naam": "WereldWijs", "plaats": "Zoetermeer", "soort": "po", "regio": "MC28"} in po
    # only the region's coach; a search needs two characters
    partner = httpx.get(f"{rmc04.url}/v1/scholen", params={"zoek": NAAM}, timeout=10,
                        headers={"Authorization": f"Bearer {TOKENS['analist']}"})
    assert partner.status_code == 403
    kort = _zoek(rmc04, "x")
    assert kort.status_code == 422 and kort.headers["content-type"].startswith("application/problem+json")
    assert [f["veld"] for f in kort.json()["fouten"]] == ["query.zoek"]


def test_the_file_page_offers_the_register_and_refuses_an_unknown_code(rmc04: ServiceProcess) -> None:
    eventually(lambda: _zoek(rmc04, NAAM).json()["scholen"], timeout=60)
    with _web(rmc04) as web:
        def keuzes(html: str) -> str:
            m = re.search(r'<datalist id="bekende-scholen">.*?</datalist>', html, re.S)
            assert m, "geen keuzelijst bij het veld School"
            return m.group(0)

        # without a search: the region's vo, (v)so and mbo locations (MC04), not po, not other regions
        eigen = keuzes(web.get(f"/jongeren/{P_API}").text)
        regio = {v.code for v in openbare_lijsten().values() if v.rmc_regio == REGIO and v.soort != "po"}
        assert len(regio) > 10 and set(re.findall(r'value="([0-9A-Z]{6})"', eigen)) >= regio
        assert MBO not in eigen and "03DJ00" not in eigen  # MC28's mbo; a po school of MC04
        # a search offers the register's hits, any region, mbo from DUO's feed included; never a closed one
        gezocht = web.get(f"/jongeren/{P_API}", params={"school_zoek": NAAM}).text
        assert re.search(rf'<table class="utrecht-table" id="schooltreffers">.*{MBO}.*</table>', gezocht, re.S)
        assert f'value="{MBO}"' in keuzes(gezocht) and f"{NAAM}, Zoetermeer (mbo)" in keuzes(gezocht)
        assert GESLOTEN not in gezocht

        def plaats(school: str) -> httpx.Response:
            versie = httpx.get(f"{rmc04.url}/v1/jongeren/{P_API}", headers=API, timeout=10).json()["versie"]
            return web.post(f"/jongeren/{P_API}/plaatsing", data={
                "expected_version": str(versie), "bestemming": "ONDERWIJS", "niveau": "MBO_2", "school": school,
                "startdatum": VANDAAG.isoformat()})

        for code in (ONBEKEND, GESLOTEN):
            r = plaats(code)
            assert r.status_code == 422
            assert "School (BRIN + vestiging):" in r.text and "niet in het register van DUO" in r.text
            assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="pl-school"[^>]*>', r.text).group(0)  # type: ignore[union-attr]
        assert plaats(MBO.lower()).status_code == 303  # a typed code, lower case: it is the register's
    dossier = httpx.get(f"{rmc04.url}/v1/jongeren/{P_API}", headers=API, timeout=10).json()
    assert dossier["status"] == "GEPLAATST" and dossier["plaatsingen"][-1]["school"] == MBO


def test_the_api_refuses_a_placement_at_a_school_the_register_does_not_know(rmc04: ServiceProcess) -> None:
    """A system placing through the API gets what the form gets: a code of the right shape that DUO's register
    does not hold on the start date (never registered, or closed) is refused by field and rule, nothing is
    recorded, and a register school is accepted."""
    eventually(lambda: _zoek(rmc04, NAAM).json()["scholen"], timeout=60)

    def plaats(school: str) -> httpx.Response:
        versie = httpx.get(f"{rmc04.url}/v1/jongeren/{P_REST}", headers=API, timeout=10).json()["versie"]
        return httpx.post(f"{rmc04.url}/v1/jongeren/{P_REST}/plaatsing", headers=API, timeout=30, json={
            "expected_version": versie, "bestemming": "ONDERWIJS", "niveau": "MBO_2", "school": school,
            "startdatum": VANDAAG.isoformat()})

    for code in (ONBEKEND, GESLOTEN):
        r = plaats(code)
        assert r.status_code == 422, r.text
        [fout] = r.json()["fouten"]
        assert (fout["veld"], fout["regel"]) == ("school", "bekende_school")
        assert "register van DUO" in fout["melding"]
    assert httpx.get(f"{rmc04.url}/v1/jongeren/{P_REST}", headers=API, timeout=10).json()["status"] == "IN_TRAJECT"
    r = plaats(MBO)
    assert r.status_code == 201, r.text
    dossier = httpx.get(f"{rmc04.url}/v1/jongeren/{P_REST}", headers=API, timeout=10).json()
    assert dossier["status"] == "GEPLAATST" and dossier["plaatsingen"][-1]["school"] == MBO
    # a young person without a file here: that is the answer (404), whatever the school
    geen = f"rmc-register-{TAG.lower()}{secrets.token_hex(4)}-geen"
    for code in (ONBEKEND, MBO):
        r = httpx.post(f"{rmc04.url}/v1/jongeren/{geen}/plaatsing", headers=API, timeout=30, json={
            "expected_version": 1, "bestemming": "ONDERWIJS", "niveau": "MBO_2", "school": code,
            "startdatum": VANDAAG.isoformat()})
        assert r.status_code == 404, r.text


def _axe(page: Any, waar: str) -> None:
    for breedte in (1280, 390):
        page.set_viewport_size({"width": breedte, "height": 900})
        assert axe_overtredingen(page) == [], f"{waar} op {breedte} px"
        if breedte == 390:
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, f"{waar} te breed"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_coach_places_at_a_register_school_with_the_keyboard_in_the_browser(
    rmc04: ServiceProcess, page: Any
) -> None:
    from playwright.sync_api import expect

    eventually(lambda: _zoek(rmc04, NAAM).json()["scholen"], timeout=60)
    context = page.context.browser.new_context(bypass_csp=True, locale="nl-NL")  # axe is injected by the test
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{rmc04.url}/inloggen")
    page.get_by_label("Toegangscode").fill(TOKEN)
    page.get_by_label("Toegangscode").press("Enter")
    expect(page).to_have_url(re.compile(r"/werklijst$"))
    page.goto(f"{rmc04.url}/jongeren/{P_WEB}")
    _axe(page, "jongere met plaatsingsformulier")

    zoekveld = page.get_by_label("Naam, plaats of BRIN-code")
    zoekveld.focus()
    page.keyboard.type(NAAM.split()[1])
    page.keyboard.press("Enter")
    treffers = page.get_by_role("table", name="Gevonden scholen")
    expect(treffers).to_contain_text(NAAM)
    expect(treffers).to_contain_text("Zoetermeer")
    expect(page.get_by_role("status").filter(has_text="gevonden")).to_contain_text("1 school gevonden")
    _axe(page, "jongere met gevonden scholen")

    form = page.locator("#form-plaatsing")
    form.get_by_label("Bestemming").select_option("ONDERWIJS")
    form.get_by_label("Opleidingsniveau").select_option("MBO_2")
    school = form.get_by_label("School", exact=False)
    school.focus()
    page.keyboard.type(ONBEKEND)
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("alert")).to_contain_text("School (BRIN + vestiging):")
    expect(page.get_by_role("alert")).to_contain_text("niet in het register van DUO")
    form = page.locator("#form-plaatsing")
    expect(form.get_by_label("School", exact=False)).to_have_value(ONBEKEND)  # the typed input is kept
    expect(form.get_by_label("Opleidingsniveau")).to_have_value("MBO_2")
    _axe(page, "jongere met geweigerde school")

    school = form.get_by_label("School", exact=False)
    school.fill("")
    school.focus()
    page.keyboard.type(MBO)
    page.keyboard.press("Enter")
    expect(page.locator("#melding")).to_have_text("De plaatsing is vastgelegd.")
    expect(page.locator("#plaatsing")).to_contain_text(NAAM)  # the register's name, not the code
    expect(page.locator("#status")).to_have_text("Geplaatst")
    context.close()


def test_one_unreadable_fact_does_not_take_the_lookup_down(rmc04: ServiceProcess) -> None:
    """A stored fact naming a municipality the region table does not know is left out, not a 500."""
    eventually(lambda: _zoek(rmc04, NAAM).json()["scholen"], timeout=60)
    kapot = _vastgelegd(f"95{TAG}01", NAAM + " Kapot", VANDAAG).model_dump(mode="json")
    kapot["gemeente"] = "GM9999"

    async def schrijf() -> None:
        conn = await asyncpg.connect(DATABASE[-1])
        try:
            await conn.execute("INSERT INTO register_feit (event_id, code, event_type, data) "
                               "VALUES ($1, $2, $3, $4::jsonb)", uuid7(), f"95{TAG}01",
                               registratie.SchoolvestigingVastgelegd.event_type, json.dumps(kapot))
        finally:
            await conn.close()

    asyncio.run(schrijf())
    r = _zoek(rmc04, NAAM)
    assert r.status_code == 200 and [s["code"] for s in r.json()["scholen"]] == [MBO]
    with _web(rmc04) as web:
        assert web.get(f"/jongeren/{P_API}").status_code == 200
        r = web.post(f"/jongeren/{P_API}/plaatsing", data={  # the broken location typed: refused, no 500
            "expected_version": "1", "bestemming": "ONDERWIJS", "niveau": "MBO_2", "school": f"95{TAG}01",
            "startdatum": VANDAAG.isoformat()})
        assert r.status_code == 422 and "niet in het register van DUO" in r.text
