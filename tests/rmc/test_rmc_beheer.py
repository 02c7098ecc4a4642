"""The beheer page of an rmc instance and the coach's attention line (issue 11, part 2), in real headless
Chromium on real Kafka and PostgreSQL through a real rmc process (the page's CSP must let its forms post).

Poison goes straight onto the region's real topics, as in ``test_rmc_aandacht.py``: an identity record
with NUL in a name (quarantined) and a coach's contact attempt whose payload breaks the contract
(dead-lettered, the file is marked). The coach sees the mark on the worklist and the file page; beheer
sees the quarantine, the dead letter and the mark on ``/beheer`` without a name, gets a Dutch message
when the re-apply fails again, and removes the mark with "Markeren als opgelost".
Region MC24 (no other test publishes there)."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from rmc.commando import vandaag

from contracts.catalogue import to_envelope
from contracts.codes import ContactKanaal, SchoolType
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie
from contracts.events import rmc as rmce
from contracts.events.base import Event, School
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, start_service

REGIO = "MC24"
COACH_TOKEN = dev_token("t-rmc-mc24")
P = secrets.token_hex(24)
FEMKE = secrets.token_hex(24)
pytestmark = pytest.mark.infra


def envelope(subject: str, ev: Event, source: str) -> Envelope:
    return to_envelope(ev, subject=subject, source=source, occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=REGIO)


def persoon(pseudoniem: str, voornaam: str) -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(pseudoniem=pseudoniem, pgn="736120038", pgn_soort="BSN", voornamen=voornaam,
                                achternaam="Brouwer", geboortedatum=date(2006, 1, 2), woongemeente="GM0373",
                                telefoon="06 1234 0024", vastgelegd_op=datetime.now(UTC))


def wait_for(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError(f"condition not reached in {timeout}s")


@pytest.fixture(scope="module")
def rmc24(infra) -> Iterator[tuple[ServiceProcess, UUID]]:  # type: ignore[no-untyped-def]
    env = {"REGION": REGIO, "API_TOKENS": f"{API_TOKENS},{COACH_TOKEN}=coach-24:rmc:{REGIO}"}
    svc = start_service("rmc", infra.bootstrap, infra.database_url("rmcbeheer"), **env)
    coach = {"Authorization": f"Bearer {COACH_TOKEN}"}
    beheer = {"Authorization": f"Bearer {TOKENS['beheer']}"}
    intake = datetime.now(UTC) - timedelta(days=60)
    signaal = registratie.PotentieelVsvGesignaleerd(
        lijst_maand=f"{intake.year:04d}-{intake.month:02d}", uitschrijfdatum=intake.date() - timedelta(days=20),
        laatste_school=School(brin="03TM", vestiging="00"), school_type=SchoolType.MBO,
        woongemeente="GM0373", geboortejaar_maand="2006-01",
    )

    async def publish(*envs: Envelope, identiteit: bool = False) -> None:
        pub = EventPublisher(infra.bootstrap, client_id="test-rmc-beheer")
        await pub.start()
        try:
            if identiteit:
                key, value = encode_identity_record(persoon(FEMKE, "Femke"))
                await pub.publish_raw(identity_topic(REGIO), value.replace(b'"Femke"', b'"Femke\\u0000"'), key)
                await pub.publish_raw(identity_topic(REGIO), *reversed(encode_identity_record(persoon(P, "Noor"))))
            await pub.publish([OutgoingEvent(region_events_topic(REGIO), e) for e in envs])
        finally:
            await pub.stop()

    try:
        asyncio.run(publish(envelope(P, signaal, "urn:nl:leerrecht:registratie"), identiteit=True))

        def dossier_id() -> str | None:
            r = httpx.get(f"{svc.url}/v1/jongeren/{P}", headers=coach, timeout=10)
            return r.json()["dossier_id"] if r.status_code == 200 else None

        did = UUID(wait_for(dossier_id))
        valid = envelope(P, rmce.ContactpogingGedaan(
            dossier_id=did, datum=vandaag(), kanaal=ContactKanaal.SMS, geslaagd=False,
        ), f"urn:nl:leerrecht:rmc:{REGIO}:coach:coach-24")
        poison = valid.model_copy(update={"data": {**valid.data, "kanaal": "SMS\u0000"}})
        asyncio.run(publish(poison))

        def klaar() -> bool:
            marks = httpx.get(f"{svc.url}/v1/beheer/aandacht", headers=beheer, timeout=10).json()["aandacht"]
            q = httpx.get(f"{svc.url}/v1/beheer/quarantaine", headers=beheer, timeout=10).json()
            dossier = httpx.get(f"{svc.url}/jongeren/{P}", headers={"Cookie": f"leerrecht_sessie={COACH_TOKEN}"},
                                timeout=10).text  # the name is stored: the coach sees it
            return [m["event_id"] for m in marks] == [str(poison.id)] and q["aantal"] == 1 and "Noor" in dossier

        wait_for(klaar)
        yield svc, poison.id
    finally:
        svc.stop()


def test_beheer_sees_and_resolves_a_mark_in_the_browser(rmc24: tuple[ServiceProcess, UUID], page: Any) -> None:
    from playwright.sync_api import expect

    svc, event_id = rmc24
    base = svc.url
    page.set_default_timeout(15_000)

    # no session: to the login page; the coach logs in and sees the mark on the worklist and the file
    page.goto(f"{base}/beheer")
    expect(page).to_have_url(re.compile(r"/inloggen$"))
    page.get_by_label("Toegangscode").fill(COACH_TOKEN)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/werklijst$"))
    aandacht = page.locator("section", has=page.locator("#aandacht"))
    expect(aandacht).to_contain_text("stap niet worden verwerkt")
    aandacht.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/jongeren/{P}$"))
    expect(page.locator("#aandacht")).to_contain_text("Dit dossier heeft aandacht nodig")
    expect(page.locator("#aandacht")).to_contain_text("(een contactpoging)")
    expect(page.locator("#aandacht")).not_to_contain_text("contactpoging_gedaan")  # no event code to a coach
    # a coach may not open the beheer page
    response = page.goto(f"{base}/beheer")
    assert response is not None and response.status == 403

    # beheer logs in and lands on /beheer
    page.goto(f"{base}/werklijst")
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_label("Toegangscode").fill(TOKENS["beheer"])
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/beheer$"))
    expect(page.get_by_role("heading", name="Beheer", exact=True)).to_be_visible()
    quarantaine = page.locator("#quarantaine")
    expect(quarantaine).to_contain_text("1 identiteitsrecord kon niet worden opgeslagen")
    expect(quarantaine).to_contain_text(identity_topic(REGIO))
    expect(page.locator("#dead-letters").get_by_role("row", name="rmc 1 0")).to_be_visible()
    rij = page.locator(f"#markering-{event_id}")
    expect(rij).to_contain_text(P)
    expect(rij).to_contain_text("contactpoging_gedaan")
    html = page.content()
    for naam in ("Noor", "Femke", "Brouwer", "06 1234 0024", FEMKE):
        assert naam not in html, naam

    # the re-apply still fails (the payload breaks the contract): a Dutch message, the mark stays
    rij.get_by_role("button", name="Opnieuw verwerken").click()
    expect(page.get_by_role("alert")).to_contain_text("kan nog steeds niet worden verwerkt")
    expect(page.get_by_role("alert")).to_contain_text("de markering blijft staan")
    expect(rij).to_be_visible()

    # resolve: the mark is gone here and on the coach's file
    rij.get_by_role("button", name="Markeren als opgelost").click()
    expect(page.locator("#melding")).to_have_text("De markering is afgesloten; de gebeurtenis blijft onverwerkt.")
    expect(rij).to_have_count(0)
    expect(page.locator("#aandacht")).to_contain_text("Geen dossiers die aandacht nodig hebben.")
    r = httpx.get(f"{base}/jongeren/{P}", headers={"Cookie": f"leerrecht_sessie={COACH_TOKEN}"}, timeout=10)
    assert r.status_code == 200 and 'id="aandacht"' not in r.text
    r = httpx.get(f"{base}/werklijst", headers={"Cookie": f"leerrecht_sessie={COACH_TOKEN}"}, timeout=10)
    assert r.status_code == 200 and 'id="aandacht"' not in r.text
