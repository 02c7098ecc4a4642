"""The officer's worklist at the size of a region (issue 15, points 3 and 9), on a real leerplicht process,
real Kafka and PostgreSQL: 250 open cases in one region, loaded as events in bulk (one produce call, not
250 HTTP round trips).

* Over HTTP: one row per case (a pupil with two reports is one row), with name, school name, age, soort,
  next deadline and behandelaar; search by name, BSN and pseudonym; the filters mine, unassigned,
  overdue and soort; sorting; paging in SQL; the same in the JSON list ``/v1/dossiers``.
* In headless Chromium: the officer finds one pupil among the 250 by name and handles the case (takes
  the report in behandeling, records an onderzoek); axe finds no WCAG 2.1 A/AA violation on the worklist,
  the dossier, the login page, beheer and verwerkingen, at desktop width and at 390 px.

Region MC42 is used by no other test; every pupil's surname carries this run's tag, so the counts are
exact even on a shared broker.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import secrets
import string
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
from browser import axe_overtredingen
from leerplicht.domain import nieuw_dossier_id
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import Melder, MeldingSoort, UrenEenheid
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import School
from contracts.identity import Adres, IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, start_service

pytestmark = pytest.mark.infra

REGION = "MC42"
TOKEN = dev_token("t-lp-mc42-schaal")
TOKEN_2 = dev_token("t-lp-mc42-schaal-2")
BEHEER = TOKENS["beheer"]
TOKENS_ENV = API_TOKENS + f",{TOKEN}=officer-42:leerplicht:MC42,{TOKEN_2}=officer-42b:leerplicht:MC42"
SCHOLEN = [School(brin="00AP", vestiging="00"), School(brin="00AH", vestiging="00")]
SCHOOLNAAM = "WereldWijs"  # 00AP00 in DUO's public po list
AANTAL = 250
TAG = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
VOORNAMEN = ["Sanne", "Daan", "Emma", "Liam", "Noor", "Sem", "Julia", "Finn", "Tess", "Lucas"]
ACHTERNAMEN = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters"]
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _letters(i: int) -> str:
    return "".join(string.ascii_lowercase[(i // 26 ** k) % 26] for k in range(2))


def bsn(i: int) -> str:
    """A nine-digit number passing the elfproef, different per pupil."""
    basis = 100_000_000 + i * 1_000 + 7
    while True:
        cijfers = [int(c) for c in f"{basis:09d}"]
        if (sum(c * w for c, w in zip(cijfers[:8], range(9, 1, -1), strict=True)) - cijfers[8]) % 11 == 0:
            return f"{basis:09d}"
        basis += 1


@dataclass(frozen=True)
class Leerling:
    pseudo: str
    voornaam: str
    achternaam: str
    bsn: str
    dossier_id: uuid.UUID
    melding_ids: tuple[uuid.UUID, ...]

    @property
    def naam(self) -> str:
        return f"{self.voornaam} {self.achternaam}"


def _leerlingen() -> list[Leerling]:
    out = []
    for i in range(AANTAL):
        meldingen = (uuid.uuid4(), uuid.uuid4()) if i == 0 else (uuid.uuid4(),)
        out.append(Leerling(
            pseudo=f"k1:{secrets.token_hex(20)}", voornaam=VOORNAMEN[i % 10],
            achternaam=f"{ACHTERNAMEN[(i // 10) % 10]}{TAG.capitalize()}{_letters(i)}", bsn=bsn(i),
            dossier_id=nieuw_dossier_id(meldingen[0]), melding_ids=meldingen,
        ))
    return out


LEERLINGEN = _leerlingen()


async def _laad(bootstrap: str) -> None:
    """All 250 cases in one produce call (and their identities in another)."""
    nu = datetime.now(UTC)
    events = []
    identiteiten = []
    for i, ll in enumerate(LEERLINGEN):
        geregistreerd = nu - timedelta(days=(i % 30))  # some due, some overdue
        for k, melding_id in enumerate(ll.melding_ids):
            soort = MeldingSoort.LRV if (i % 3 == 0) != (k == 1) else MeldingSoort.ZESTIEN_UUR
            ev = reg.MeldingGeregistreerd(
                melding_id=melding_id, soort=soort, melder=Melder.SCHOOL, school=SCHOLEN[i % 2],
                startdatum=date(2025, 9, 1), einddatum=None if soort is MeldingSoort.LRV else date(2025, 9, 26),
                uren=None if soort is MeldingSoort.LRV else Decimal("17"),
                eenheid=None if soort is MeldingSoort.LRV else UrenEenheid.LESUUR,
                geboortejaar_maand=f"{2010 + i % 6}-0{1 + i % 9}",
            )
            events.append(OutgoingEvent(region_events_topic(REGION), to_envelope(
                ev, subject=ll.pseudo, source="urn:nl:leerrecht:registratie", occurred_at=geregistreerd,
                correlation_id=uuid7(), region=REGION)))
        identiteiten.append(encode_identity_record(IdentiteitVastgelegd(
            pseudoniem=ll.pseudo, pgn=ll.bsn, pgn_soort="BSN", voornamen=ll.voornaam, achternaam=ll.achternaam,
            geboortedatum=date(2010 + i % 6, 1 + i % 9, 10),
            adres=Adres(straat="Dorpsstraat", huisnummer=1 + i, postcode="2711 AA", woonplaats="Zoetermeer"),
            woongemeente="GM0637", vastgelegd_op=nu,
        )))
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        await publisher.publish(events, timeout=120)
        for key, value in identiteiten:
            await publisher.publish_raw(identity_topic(REGION), value, key)
    finally:
        await publisher.stop()


@pytest.fixture(scope="module")
def lp(infra: Any) -> Iterator[ServiceProcess]:
    svc = start_service("leerplicht", infra.bootstrap, infra.database_url("lpschaal"), REGION=REGION,
                        API_TOKENS=TOKENS_ENV)
    try:
        run(_laad(infra.bootstrap))
        laatste = LEERLINGEN[-1]
        with _web(svc) as web:  # the last case and its name are in: the projection and the identity loop
            eventually(lambda: laatste.achternaam in web.get("/werklijst", params={"zoek": laatste.achternaam}).text,
                       timeout=180)
        yield svc
    finally:
        svc.stop()


@contextlib.contextmanager
def _web(svc: ServiceProcess, token: str = TOKEN) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.url, timeout=30) as client:
        r = client.post("/inloggen", data={"token": token})
        assert r.status_code == 303
        yield client


def _rijen(html: str) -> list[str]:
    tabel = re.search(r'<table[^>]*id="zaken".*?</table>', html, re.S)
    assert tabel, "de werklijst heeft geen tabel met zaken"
    return re.findall(r"<tr[^>]*>.*?</tr>", re.split(r"<tbody[^>]*>", tabel.group(0), maxsplit=1)[1], re.S)


def test_one_row_per_case_with_name_school_age_and_search_filters_sort_and_paging(lp: ServiceProcess) -> None:
    eerste = LEERLINGEN[0]  # two reports in one dossier
    with _web(lp) as web:
        html = web.get("/werklijst", params={"zoek": eerste.achternaam}).text
        assert html.count(f"/dossiers/{eerste.dossier_id}") == 1, "een zaak met twee meldingen is één regel"
        rijen = _rijen(html)
        assert len(rijen) == 1
        rij = rijen[0]
        assert eerste.naam in rij and "Langdurig relatief verzuim" in rij and "16 uur in 4 weken" in rij
        assert SCHOOLNAAM in rij and "00AP00" not in rij  # the school by name, not by code
        assert re.search(r"\b1[0-9] jaar\b", rij)

        # search by BSN and by pseudonym finds the same case; nothing else
        for zoek in (eerste.bsn, eerste.pseudo, eerste.pseudo[:14]):
            rijen = _rijen(web.get("/werklijst", params={"zoek": zoek}).text)
            assert len(rijen) == 1 and eerste.naam in rijen[0], zoek
        assert eerste.bsn not in web.get("/werklijst", params={"zoek": eerste.bsn}).text  # not echoed

        # paging: 25 a page, every case exactly once over the pages
        gezien: list[str] = []
        pagina = web.get("/werklijst", params={"zoek": TAG}).text
        assert "Pagina 1 van 10" in pagina and f"{AANTAL} zaken" in pagina
        for p in range(1, 11):
            rijen = _rijen(web.get("/werklijst", params={"zoek": TAG, "pagina": p, "sorteer": "naam"}).text)
            assert len(rijen) == 25
            gezien += re.findall(r"/dossiers/([0-9a-f-]{36})", "".join(rijen))
        assert sorted(gezien) == sorted(str(ll.dossier_id) for ll in LEERLINGEN)
        eerste_pagina = _rijen(web.get("/werklijst", params={"zoek": TAG, "sorteer": "naam"}).text)
        namen = [re.search(r">([A-Z][a-z]+ [^<]+)</a>", r).group(1).split(" ", 1)[1] for r in eerste_pagina]  # type: ignore[union-attr]
        assert namen == sorted(namen)

        # filters: soort, overdue, unassigned / mine
        lrv = web.get("/werklijst", params={"zoek": TAG, "soort": "LRV", "per_pagina": 100}).text
        assert f"{sum(1 for i in range(AANTAL) if i % 3 == 0)} zaken" in lrv  # pupil 0 has LRV and 16 uur
        te_laat = web.get("/werklijst", params={"zoek": TAG, "te_laat": "ja"}).text
        aantal_te_laat = int(re.search(r"(\d+) zaken", te_laat).group(1))  # type: ignore[union-attr]
        assert 0 < aantal_te_laat < AANTAL
        assert all("te laat" in r for r in _rijen(te_laat))
        assert f"{AANTAL} zaken" in web.get("/werklijst", params={"zoek": TAG, "behandelaar": "niemand"}).text
        assert "0 zaken" in web.get("/werklijst", params={"zoek": TAG, "behandelaar": "mij"}).text

    # the same list in the JSON API, pseudonyms only
    api = {"Authorization": f"Bearer {TOKEN}"}
    r = httpx.get(f"{lp.url}/v1/dossiers", params={"zoek": eerste.achternaam}, headers=api)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totaal"] == 1 and body["zaken"][0]["dossier_id"] == str(eerste.dossier_id)
    assert body["zaken"][0]["school"] == {"code": "00AP00", "naam": SCHOOLNAAM}
    assert sorted(body["zaken"][0]["melding_soorten"]) == ["LRV", "ZESTIEN_UUR"]
    assert eerste.achternaam not in r.text
    r = httpx.get(f"{lp.url}/v1/dossiers", params={"zoek": TAG, "pagina": 3, "perPagina": 100,
                                                    "sorteer": "-termijn"}, headers=api)
    assert r.status_code == 200 and r.json()["pagina"] == 3 and len(r.json()["zaken"]) == 50
    fout = httpx.get(f"{lp.url}/v1/dossiers", params={"sorteer": "wachtwoord"}, headers=api)
    assert fout.status_code == 422 and "wachtwoord" not in fout.text


def _zichtbaar(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))


def test_the_dossier_offers_only_the_steps_its_stage_allows_and_keeps_what_was_typed(lp: ServiceProcess) -> None:
    ll = LEERLINGEN[1]
    pad = f"/dossiers/{ll.dossier_id}"
    with _web(lp) as web:
        html = web.get(pad).text
        assert "In behandeling nemen" in html
        for stap in ("onderzoek", "route", "interventies", "afsluiten"):
            assert f'action="{pad}/{stap}"' not in html, stap
        vandaag = re.search(r'name="datum" value="([0-9-]+)"', html).group(1)  # type: ignore[union-attr]
        r = web.post(f"{pad}/meldingen/{ll.melding_ids[0]}/in-behandeling",
                     data={"expected_version": "1", "datum": vandaag}, follow_redirects=False)
        assert r.status_code == 303
        html = web.get(pad).text
        assert f'action="{pad}/onderzoek"' in html
        for stap in ("route", "interventies", "afsluiten"):
            assert f'action="{pad}/{stap}"' not in html, stap

        # a refused onderzoek keeps the date and the tick
        r = web.post(f"{pad}/onderzoek", data={"expected_version": "2", "datum": "2999-01-01", "met_leerling": "ja",
                                               "melding_id": str(ll.melding_ids[0])})
        assert r.status_code == 422 and 'value="2999-01-01"' in r.text
        assert re.search(r'id="met-leerling"[^>]*checked', r.text)
        r = web.post(f"{pad}/onderzoek", data={"expected_version": "2", "datum": vandaag, "met_leerling": "ja",
                                               "melding_id": str(ll.melding_ids[0])}, follow_redirects=False)
        assert r.status_code == 303
        html = web.get(pad).text
        for stap in ("route", "interventies", "afsluiten"):
            assert f'action="{pad}/{stap}"' in html, stap
        redenen = re.search(r'id="afsluit-reden".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
        assert 'value="HALT_POSITIEF"' not in redenen and 'value="PV_AFGEDAAN"' not in redenen  # no Halt, no PV
        assert 'value="VERZUIM_BEEINDIGD"' in redenen
        soorten = re.search(r'id="interventie-soort".*?</select>', html, re.S).group(0)  # type: ignore[union-attr]
        assert 'value="PROCES_VERBAAL"' not in soorten and 'value="GESPREK"' in soorten  # no strafrecht route yet

        # a refused route keeps the ticked routes and the typed text
        r = web.post(f"{pad}/route", data={"expected_version": "3", "datum": vandaag, "routes": "BASISROUTE",
                                           "halt_toelichting": "Getypte uitleg blijft staan"})
        assert r.status_code == 422 and "Getypte uitleg blijft staan" in r.text
        assert re.search(r'id="route-basisroute"[^>]*checked', r.text)
        tekst = _zichtbaar(r.text)
        assert "domain.md" not in tekst
        assert not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b", tekst), re.findall(r"\b[A-Z]{2,}_[A-Z_]+\b", tekst)


def _axe(page: Any, waar: str) -> None:
    for breedte in (1280, 390):
        page.set_viewport_size({"width": breedte, "height": 900})
        assert axe_overtredingen(page) == [], f"{waar} op {breedte} px"
        if breedte == 390:  # nothing wider than a phone, beyond tables that scroll in their own box
            breed = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 391)
                .map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + getComputedStyle(e).overflowX + ':'
                     + Math.round(e.getBoundingClientRect().width)).slice(0, 8)""") + page.evaluate("""() =>
                [...document.querySelectorAll('.lr-tabel-container')].map(e => getComputedStyle(e).overflowX + ':'
                 + Math.round(e.getBoundingClientRect().width) + ':' + getComputedStyle(e.parentElement).display)""")
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, f"{waar} te breed: {breed}"


def test_an_officer_finds_one_pupil_among_250_and_handles_the_case_in_the_browser(
    lp: ServiceProcess, page: Any
) -> None:
    from playwright.sync_api import expect

    ll = LEERLINGEN[123]
    page.set_default_timeout(15_000)
    page.goto(f"{lp.url}/werklijst")
    expect(page).to_have_url(re.compile(r"/inloggen$"))
    _axe(page, "inloggen")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Toegangscode").fill(TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/werklijst$"))
    expect(page.get_by_text(re.compile(r"\d+ zaken, pagina 1 van \d+"))).to_be_visible()
    _axe(page, "werklijst")

    page.get_by_label("Zoek op naam, BSN of pseudoniem").fill(ll.naam)
    page.get_by_role("button", name="Zoeken").click()
    zaken = page.get_by_role("table", name=re.compile("Open zaken"))
    expect(zaken.get_by_role("row")).to_have_count(2)  # header + the one case
    zaken.get_by_role("link", name=ll.naam).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier {ll.naam}")
    _axe(page, "dossier")
    page.set_viewport_size({"width": 1280, "height": 900})

    meldingen = page.locator("section", has=page.get_by_role("heading", name="Meldingen"))
    meldingen.get_by_role("button", name="In behandeling nemen").click()
    expect(page.get_by_role("status")).to_have_text("De melding is in behandeling genomen.")
    onderzoek = page.locator("form", has=page.get_by_role("heading", name="Onderzoek starten"))
    onderzoek.get_by_label("De leerling (12+) neemt deel").check()
    onderzoek.get_by_role("button", name="Onderzoek vastleggen").click()
    expect(page.get_by_role("status")).to_have_text("Het onderzoek is vastgelegd.")
    expect(page.get_by_role("heading", name="Route kiezen")).to_be_visible()
    _axe(page, "dossier met onderzoek")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{lp.url}/werklijst?zoek={ll.achternaam}")
    rij = page.get_by_role("table", name=re.compile("Open zaken")).get_by_role("row").filter(has_text=ll.naam)
    expect(rij).to_contain_text("Onderzoek gestart")
    expect(rij).to_contain_text("officer-42")

    # beheer and its processing log, in the same kit
    page.get_by_role("button", name="Uitloggen").click()
    page.goto(f"{lp.url}/inloggen")
    page.get_by_label("Toegangscode").fill(BEHEER)
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"{lp.url}/beheer")
    _axe(page, "beheer")
    page.goto(f"{lp.url}/beheer/verwerkingen?pseudoniem={ll.pseudo}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _axe(page, "verwerkingen")
