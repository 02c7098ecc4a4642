"""The beheer page of a leerplicht instance (issue 11, part 2: "a line on the beheer page"), over HTTP on
real Kafka and PostgreSQL through a real leerplicht process. The browser adds nothing here (plain
forms, no script); the rmc suite clicks the same buttons in Chromium (``tests/rmc/test_rmc_beheer.py``).

Poison goes straight onto the region's real topics, as in ``test_lp_aandacht.py``: an identity record
with NUL in a name (quarantined) and a dossier close with NUL in its toelichting (dead-lettered, the
dossier is marked). Beheer sees both on ``/beheer`` without any name, a re-apply that still fails
answers with a Dutch message (no JSON), and "Markeren als opgelost" removes the mark.
Region MC23 (no other test publishes there)."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from leerplicht.projection import AMSTERDAM

from contracts.catalogue import to_envelope
from contracts.codes import LeerplichtSluitreden
from contracts.envelope import Envelope, uuid7
from contracts.events import leerplicht as lpe
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.golden import golden_event
from contracts.identity import IdentiteitVastgelegd, encode_identity_record
from contracts.topics import identity_topic, region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, TOKENS, ServiceProcess, dev_token, start_service

REGION = "MC23"  # no other suite publishes here
OFFICER_TOKEN = dev_token("t-lp-mc23")
TOKENS_ENV = API_TOKENS + f",{OFFICER_TOKEN}=officer-23:leerplicht:{REGION}"
BEHEER = {"Cookie": f"leerrecht_sessie={TOKENS['beheer']}"}
OFFICER = {"Cookie": f"leerrecht_sessie={OFFICER_TOKEN}"}
pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def lp(infra) -> Iterator[tuple[ServiceProcess, str]]:  # type: ignore[no-untyped-def]
    url = infra.database_url("lpbeheer")
    svc = start_service("leerplicht", infra.bootstrap, url, REGION=REGION, API_TOKENS=TOKENS_ENV)
    try:
        yield svc, url
    finally:
        svc.stop()


def envelope(subject: str, ev: Event, source: str) -> Envelope:
    return to_envelope(ev, subject=subject, source=source, occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=REGION)


def persoon(pseudoniem: str, voornaam: str, achternaam: str) -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(pseudoniem=pseudoniem, pgn="999993653", pgn_soort="BSN", voornamen=voornaam,
                                achternaam=achternaam, geboortedatum=date(2012, 1, 1), woongemeente="GM0441",
                                vastgelegd_op=datetime.now(UTC))


async def wait_for(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if last := await check():
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"condition not reached in {timeout}s; last value: {last!r}")


async def test_beheer_sees_quarantine_and_marks_and_resolves_a_mark(
    lp: tuple[ServiceProcess, str], infra: Any
) -> None:
    svc, db_url = lp
    pupil, femke = secrets.token_hex(24), secrets.token_hex(24)
    melding = golden_event(reg.MeldingGeregistreerd).model_copy(update={
        "melding_id": uuid.uuid4(), "school": School(brin="03CV", vestiging="00"),
        "startdatum": datetime.now(AMSTERDAM).date() - timedelta(days=30),
        "einddatum": datetime.now(AMSTERDAM).date() - timedelta(days=10),
    })
    dossier_id = nieuw_dossier_id(melding.melding_id)
    valid = envelope(pupil, lpe.DossierGesloten(
        dossier_id=dossier_id, datum=datetime.now(AMSTERDAM).date(), reden=LeerplichtSluitreden.OVERIG,
        toelichting="Sanne"), "urn:nl:leerrecht:leerplicht")
    poison = valid.model_copy(update={"data": {**valid.data, "toelichting": "Sanne\u0000"}})

    pub = EventPublisher(infra.bootstrap, client_id="test-beheer")
    await pub.start()
    try:
        key, value = encode_identity_record(persoon(femke, "Femke", "Bakker"))
        await pub.publish_raw(identity_topic(REGION), value.replace(b'"Femke"', b'"Femke\\u0000"'), key)
        await pub.publish_raw(identity_topic(REGION), *reversed(encode_identity_record(
            persoon(pupil, "Sanne", "Visser"))))
        await pub.publish([OutgoingEvent(region_events_topic(REGION), envelope(
            pupil, melding, "urn:nl:leerrecht:registratie"))])
        await pub.publish([OutgoingEvent(region_events_topic(REGION), poison)])
    finally:
        await pub.stop()

    conn = await asyncpg.connect(db_url)
    try:
        async def gemarkeerd() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM aandacht WHERE event_id = $1", poison.id))

        async def naam_bekend() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = $1", pupil))

        await wait_for(gemarkeerd)
        await wait_for(naam_bekend)
    finally:
        await conn.close()

    async with httpx.AsyncClient(base_url=svc.url, timeout=30) as http:
        # who may see it: no session → the login page; an officer → 403; the login of beheer lands here
        r = await http.get("/beheer")
        assert r.status_code == 303 and r.headers["location"] == "/inloggen"
        assert (await http.get("/beheer", headers=OFFICER)).status_code == 403
        assert (await http.post(f"/beheer/aandacht/{poison.id}/opgelost", headers=OFFICER)).status_code == 403
        r = await http.post("/inloggen", data={"token": TOKENS["beheer"]})
        assert r.status_code == 303 and r.headers["location"] == "/beheer"

        r = await http.get("/beheer", headers=BEHEER)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        pagina = r.text
        assert re.search(r"<h1[^>]*>Beheer</h1>", pagina)
        quarantaine = _sectie(pagina, "quarantaine")
        assert "1 identiteitsrecord" in quarantaine
        assert f"{identity_topic(REGION)}" in quarantaine and "Sinds" in quarantaine
        dead = _sectie(pagina, "dead-letters")
        assert re.search(r"leerplicht</td>\s*<td[^>]*>1</td>", dead), dead
        aandacht = _sectie(pagina, "aandacht")
        assert str(dossier_id) in aandacht and "dossier_gesloten" in aandacht
        assert f'action="/beheer/aandacht/{poison.id}/opnieuw"' in aandacht
        assert f'action="/beheer/aandacht/{poison.id}/opgelost"' in aandacht
        assert "Opnieuw verwerken" in aandacht and "Markeren als opgelost" in aandacht
        for naam in ("Sanne", "Visser", "Femke", "Bakker", femke):
            assert naam not in pagina, naam

        # the officer's worklist page shows the mark as well (the dossier page already did)
        werklijst = (await http.get("/werklijst", headers=OFFICER)).text
        assert "aandacht nodig" in werklijst and f"/dossiers/{dossier_id}" in werklijst

        # a re-apply that still fails: a Dutch message on the page, no JSON, the mark stays
        r = await http.post(f"/beheer/aandacht/{poison.id}/opnieuw", headers=BEHEER)
        assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
        assert "kan nog steeds niet worden verwerkt" in r.text and '"fouten"' not in r.text
        assert "Sanne" not in r.text
        assert f'action="/beheer/aandacht/{poison.id}/opgelost"' in r.text

        # resolve: back to the page with a confirmation, the mark is gone (page and API)
        r = await http.post(f"/beheer/aandacht/{poison.id}/opgelost", headers=BEHEER)
        assert r.status_code == 303 and r.headers["location"].startswith("/beheer")
        pagina = (await http.get(r.headers["location"], headers=BEHEER)).text
        assert "De markering is afgesloten" in pagina
        assert str(poison.id) not in _sectie(pagina, "aandacht")
        assert "Geen dossiers die aandacht nodig hebben" in pagina
        d = (await http.get(f"/v1/dossiers/{dossier_id}", headers={"Authorization": f"Bearer {OFFICER_TOKEN}"}))
        assert d.json()["aandacht_nodig"] is None

        # the same button again (a second tab): a Dutch refusal, not a JSON 404
        r = await http.post(f"/beheer/aandacht/{poison.id}/opgelost", headers=BEHEER)
        assert r.status_code == 404 and "Er is geen openstaande markering" in r.text
        r = await http.post("/beheer/aandacht/geen-nummer/opgelost", headers=BEHEER)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def _sectie(pagina: str, id_: str) -> str:
    """The HTML of ``<section id="…">`` up to its end."""
    m = re.search(rf'<section[^>]*id="{id_}"[^>]*>(.*?)</section>', pagina, re.S)
    assert m, f"section {id_} missing"
    return m.group(1)
