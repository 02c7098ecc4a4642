"""The officer's web pages on a real leerplicht process (MC17), real Kafka and PostgreSQL.

* Over HTTP: login and roles, name and address from the identity topic on the dossier page only,
  the Dutch error of ``decide``, the 409 text on a stale version, and erasure by a tombstone.
* In real headless Chromium: one case from new report to closed, clicking through the pages.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import secrets
import uuid
from collections.abc import Coroutine, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, Melder, MeldingSoort, UrenEenheid
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.identity import Adres, IdentiteitGewist, IdentiteitRecord, IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, start_service

pytestmark = pytest.mark.infra

REGION = "MC17"
TOKEN = dev_token("t-lp-mc17-web")
TOKENS_ENV = API_TOKENS + f",{TOKEN}=officer-17w:leerplicht:MC17"
SCHOOL = School(brin="00AP", vestiging="00")
T = TypeVar("T")
CONFLICT = "Het dossier is intussen gewijzigd, ververs de pagina."


@pytest.fixture(scope="module")
def lp(infra: Any) -> Iterator[tuple[ServiceProcess, str]]:
    db = infra.database_url("lpweb")
    svc = start_service("leerplicht", infra.bootstrap, db, REGION=REGION, API_TOKENS=TOKENS_ENV)
    try:
        yield svc, db
    finally:
        svc.stop()



def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a loop of its own in another thread: Playwright's sync API keeps a loop
    running in this one while a ``page`` is open."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def persoon(pseudo: str, achternaam: str) -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(
        pseudoniem=pseudo, pgn="999993653", pgn_soort="BSN", voornamen="Fenna", tussenvoegsel="van",
        achternaam=achternaam, geboortedatum=date(2012, 3, 14),
        adres=Adres(straat="Lange Voorhout", huisnummer=9, huisnummer_toevoeging="A", postcode="2514 ED",
                    woonplaats="Den Haag"),
        woongemeente="GM0518", vastgelegd_op=datetime.now(UTC),
    )


async def _publish(bootstrap: str, pseudo: str, events: list[Event], identity: list[IdentiteitRecord]) -> None:
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        await publisher.publish([
            OutgoingEvent(region_events_topic(REGION), to_envelope(
                ev, subject=pseudo, source="urn:nl:leerrecht:registratie", occurred_at=datetime.now(UTC),
                correlation_id=uuid7(), region=REGION))
            for ev in events
        ])
        for rec in identity:
            key, value = encode_identity_record(rec)
            await publisher.publish_raw(identity_topic(REGION), value, key)
    finally:
        await publisher.stop()


def nieuwe_leerling(infra: Any, achternaam: str) -> tuple[str, uuid.UUID, reg.MeldingGeregistreerd]:
    """A pupil with a 16-uur report, absences in June 2025 and an identity in the region."""
    pseudo = secrets.token_hex(32)
    melding = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2025, 6, 2), einddatum=date(2025, 6, 20), uren=Decimal("17"), eenheid=UrenEenheid.LESUUR,
    )
    absences: list[Event] = [
        reg.AfwezigheidGeregistreerd(
            afwezigheid_id=uuid.uuid4(), school=SCHOOL, datum=date(2025, 6, d), uren=Decimal(u),
            eenheid=UrenEenheid.LESUUR, code=c,
        )
        for d, u, c in [(2, "6", AfwezigheidCode.ONGEOORLOOFD), (3, "6", AfwezigheidCode.LUXE),
                        (10, "5", AfwezigheidCode.ZIEK), (16, "1", AfwezigheidCode.TE_LAAT)]
    ]
    run(_publish(infra.bootstrap, pseudo, [*absences, melding], [persoon(pseudo, achternaam)]))
    return pseudo, nieuw_dossier_id(melding.melding_id), melding


@contextlib.contextmanager
def ingelogd(svc: ServiceProcess, token: str = TOKEN) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.url, timeout=30) as client:
        r = client.post("/inloggen", data={"token": token})
        assert r.status_code == 303 and r.headers["location"] == "/werklijst"
        yield client


def test_pages_need_the_region_role_and_show_identity_only_to_the_officer(
    lp: tuple[ServiceProcess, str], infra: Any
) -> None:
    svc, db = lp
    achternaam = f"Webtest{secrets.token_hex(3)}"
    pseudo, dossier_id, melding = nieuwe_leerling(infra, achternaam)

    anoniem = httpx.get(f"{svc.url}/werklijst")
    assert anoniem.status_code == 303 and anoniem.headers["location"] == "/inloggen"
    fout = httpx.post(f"{svc.url}/inloggen", data={"token": "verkeerd"})
    assert fout.status_code == 401 and "Onbekende toegangscode" in fout.text
    with ingelogd(svc, TOKENS["lp_MC28"]) as mc28:  # an officer of another region
        assert mc28.get("/werklijst").status_code == 403

    with ingelogd(svc) as web:
        def pagina() -> Any:
            r = web.get(f"/dossiers/{dossier_id}")
            return r.status_code == 200 and achternaam in r.text and r
        page = eventually(pagina).text
        assert f"Dossier Fenna van {achternaam}" in page
        assert "Lange Voorhout 9A, 2514 ED Den Haag" in page and "14-03-2012" in page
        assert "999993653" not in page  # the PGN is not shown (nor stored)
        werk = eventually(lambda: achternaam in (t := web.get("/werklijst").text) and t)
        assert "Open zaken" in werk and "16 uur in 4 weken" in werk and "Melding oppakken" in werk
        # the JSON API keeps to pseudonyms
        api = httpx.get(f"{svc.url}/v1/dossiers/{dossier_id}", headers={"Authorization": f"Bearer {TOKEN}"})
        assert api.status_code == 200 and achternaam not in api.text and "Lange Voorhout" not in api.text

        vandaag = re.search(r'name="datum" value="([0-9-]+)"', page).group(1)  # type: ignore[union-attr]
        # decide's Dutch message: a route before the onderzoek breaks the MAS order (422)
        r = web.post(f"/dossiers/{dossier_id}/route",
                     data={"expected_version": "1", "datum": vandaag, "routes": "BASISROUTE"})
        assert r.status_code == 422 and 'role="alert"' in r.text
        assert "Een route kiezen kan pas na de start van een onderzoek" in r.text
        # a stale version (another officer was quicker): 409 with the page's own words
        r = web.post(f"/dossiers/{dossier_id}/meldingen/{melding.melding_id}/in-behandeling",
                     data={"expected_version": "1", "datum": vandaag}, follow_redirects=False)
        assert r.status_code == 303
        r = web.post(f"/dossiers/{dossier_id}/meldingen/{melding.melding_id}/in-behandeling",
                     data={"expected_version": "1", "datum": vandaag})
        assert r.status_code == 409 and CONFLICT in r.text
        # a date in the future is refused in Dutch before anything happens
        r = web.post(f"/dossiers/{dossier_id}/onderzoek",
                     data={"expected_version": "2", "datum": "2999-01-01", "melding_id": str(melding.melding_id)})
        assert r.status_code == 422 and "De datum ligt in de toekomst." in r.text

        # erasure: a tombstone on the identity topic removes name and address, from the page and the DB
        run(_publish(infra.bootstrap, pseudo, [], [IdentiteitGewist(pseudoniem=pseudo)]))
        eventually(lambda: "Geen naam en adres bekend" in web.get(f"/dossiers/{dossier_id}").text)
        after = web.get(f"/dossiers/{dossier_id}").text
        assert achternaam not in after and "Lange Voorhout" not in after
        assert achternaam not in web.get("/werklijst").text
    assert run(_count_identity(db, pseudo)) == 0


async def _count_identity(db: str, pseudo: str) -> int:
    conn = await asyncpg.connect(db)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = $1", pseudo))
    finally:
        await conn.close()


def test_an_officer_clicks_a_case_from_new_report_to_closed(
    lp: tuple[ServiceProcess, str], infra: Any, page: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    svc, _ = lp
    achternaam = f"Klik{secrets.token_hex(3)}"
    naam = f"Fenna van {achternaam}"
    _, dossier_id, _ = nieuwe_leerling(infra, achternaam)
    with ingelogd(svc) as web:  # wait until the projection and the identity loop have both
        eventually(lambda: achternaam in web.get("/werklijst").text)

    page.set_default_timeout(15_000)
    page.goto(f"{svc.url}/werklijst")
    expect(page).to_have_url(re.compile(r"/inloggen$"))
    page.get_by_label("Toegangscode").fill(TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/werklijst$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Werklijst")

    page.get_by_label("Zoek op naam, BSN of pseudoniem").fill(achternaam)
    page.get_by_role("button", name="Zoeken").click()
    rij = page.get_by_role("table", name=re.compile("Open zaken")).get_by_role("row").filter(has_text=naam)
    expect(rij).to_contain_text("16 uur in 4 weken")
    rij.get_by_role("link", name=naam).click()

    expect(page).to_have_url(re.compile(f"/dossiers/{dossier_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier {naam}")
    expect(page.locator(".gegevens")).to_contain_text("Lange Voorhout 9A, 2514 ED Den Haag")
    meldingen = page.locator("section", has=page.get_by_role("heading", name="Meldingen"))
    expect(meldingen.locator(".status")).to_have_text("Geregistreerd")
    patroon = page.locator("section", has=page.get_by_role("heading", name="Afwezigheidspatroon"))
    expect(patroon.get_by_role("table", name="Per dag").get_by_role("row")).to_have_count(5)  # header + 4 days
    expect(patroon).to_contain_text("Luxeverzuim")
    expect(patroon).to_contain_text("Ziek")
    expect(page.locator(".tijdlijn li")).to_have_count(1)
    expect(page.locator(".tijdlijn")).to_contain_text("Melding geregistreerd: 16 uur in 4 weken")

    meldingen.get_by_role("button", name="In behandeling nemen").click()
    expect(page.get_by_role("status")).to_have_text("De melding is in behandeling genomen.")
    expect(meldingen.locator(".status")).to_have_text("In behandeling")

    onderzoek = page.locator("form", has=page.get_by_role("heading", name="Onderzoek starten"))
    onderzoek.get_by_label("De leerling (12+) neemt deel").check()
    onderzoek.get_by_role("button", name="Onderzoek vastleggen").click()
    expect(page.get_by_role("status")).to_have_text("Het onderzoek is vastgelegd.")
    expect(page.locator(".tijdlijn")).to_contain_text("Onderzoek gestart met de leerling")

    route = page.locator("form", has=page.get_by_role("heading", name="Route kiezen"))
    route.get_by_label("Basisroute").check()
    route.get_by_role("button", name="Route vastleggen").click()
    expect(page.get_by_role("status")).to_have_text("De route is vastgelegd.")
    mas = page.locator("section", has=page.get_by_role("heading", name="Routes en interventies"))
    expect(mas).to_contain_text("Huidige route: Basisroute.")

    interventie = page.locator("form", has=page.get_by_role("heading", name="Interventie vastleggen"))
    interventie.get_by_label("Soort interventie").select_option(label="Kennisgevingsbrief")
    interventie.get_by_role("button", name="Interventie vastleggen").click()
    expect(page.get_by_role("status")).to_have_text("De interventie is vastgelegd.")
    expect(mas.get_by_role("row").filter(has_text="Kennisgevingsbrief")).to_contain_text("Basisroute")
    page.screenshot(path=str(tmp_path / "dossier.png"), full_page=True)

    afsluiten = page.locator("form", has=page.get_by_role("heading", name="Dossier sluiten"))
    afsluiten.get_by_label("Reden", exact=True).select_option("VERZUIM_BEEINDIGD")
    afsluiten.get_by_role("button", name="Dossier sluiten").click()
    expect(page.get_by_role("status")).to_have_text("Het dossier is gesloten.")
    expect(page.locator(".fase")).to_have_text("Gesloten")
    expect(meldingen.locator(".status")).to_have_text("Afgesloten")
    expect(page.get_by_role("heading", name="Volgende stap vastleggen")).to_have_count(0)
    expect(page.locator(".tijdlijn li")).to_have_count(7)
    expect(page.locator(".tijdlijn li").last).to_contain_text("Dossier gesloten: Verzuim beëindigd")

    page.get_by_role("link", name="Werklijst").first.click()
    expect(page.locator("body")).not_to_contain_text(naam)  # closed: off the worklist
    print(f"screenshot: {tmp_path / 'dossier.png'}")
