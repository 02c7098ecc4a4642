"""Issue 11: an officer's free text is refused at the edge, never dead-lettered behind it.

Before: closing a dossier with a toelichting holding a NUL put ``DossierGesloten`` on the log (telling
counted the dossier as closed), the leerplicht projection dead-lettered it (PostgreSQL cannot store
U+0000), the dossier stayed open at its old version and every later command answered 503. Now the
JSON API and the web form answer 422 in Dutch, naming the field and the rule; the dossier keeps its
version, nothing reaches the log, and a clean close afterwards works.

A real leerplicht process (region MC04, used by no other test) on real Kafka and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from leerplicht.api import vandaag
from leerplicht.domain import nieuw_dossier_id
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import Melder, MeldingSoort, UrenEenheid
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, start_service

pytestmark = pytest.mark.infra

REGION = "MC04"
TOKEN = dev_token("t-lp-mc04-tekst")
TOPIC = region_events_topic(REGION)


@pytest.fixture(scope="module")
def lp(infra: Any) -> Iterator[ServiceProcess]:
    svc = start_service("leerplicht", infra.bootstrap, infra.database_url("lptekst"), REGION=REGION,
                        API_TOKENS=API_TOKENS + f",{TOKEN}=officer-04:leerplicht:{REGION}")
    try:
        yield svc
    finally:
        svc.stop()



async def _publish_melding(bootstrap: str, pseudo: str) -> reg.MeldingGeregistreerd:
    melding = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.OVERIG, melder=Melder.SCHOOL,
        school=School(brin="00AP", vestiging="00"), startdatum=date(2025, 6, 2), einddatum=date(2025, 6, 20),
        uren=Decimal("4"), eenheid=UrenEenheid.LESUUR,
    )
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        await publisher.publish([OutgoingEvent(TOPIC, to_envelope(
            melding, subject=pseudo, source="urn:nl:leerrecht:registratie", occurred_at=datetime.now(UTC),
            correlation_id=uuid7(), region=REGION))])
    finally:
        await publisher.stop()
    return melding


async def _types_on_log(bootstrap: str, pseudo: str) -> list[str]:
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        records = []
        for _ in range(6):
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs if r.key == pseudo.encode()]
    finally:
        await consumer.stop()
    return [str(json.loads(r.value)["type"]) for r in records if r.value]


def _api(svc: ServiceProcess) -> httpx.Client:
    return httpx.Client(base_url=svc.url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"})


@contextlib.contextmanager
def ingelogd(svc: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.url, timeout=30) as client:
        assert client.post("/inloggen", data={"token": TOKEN}).status_code == 303
        yield client


def _dossier_in_behandeling(svc: ServiceProcess, infra: Any) -> tuple[str, uuid.UUID]:
    """A dossier at version 2: its report taken in behandeling, ready to be closed with OVERIG."""
    pseudo = secrets.token_hex(32)
    melding = asyncio.run(_publish_melding(infra.bootstrap, pseudo))
    dossier_id = nieuw_dossier_id(melding.melding_id)
    with _api(svc) as api:
        eventually(lambda: api.get(f"/v1/dossiers/{dossier_id}").status_code == 200)
        r = api.post(f"/v1/dossiers/{dossier_id}/meldingen/{melding.melding_id}/in-behandeling",
                     json={"expected_version": 1, "datum": vandaag().isoformat()})
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
    return pseudo, dossier_id


def _versie(svc: ServiceProcess, dossier_id: uuid.UUID) -> tuple[int, str]:
    with _api(svc) as api:
        d = api.get(f"/v1/dossiers/{dossier_id}").json()
    return int(d["version"]), str(d["fase"])


def test_api_close_with_a_nul_in_the_toelichting_is_a_422_and_changes_nothing(
    lp: ServiceProcess, infra: Any
) -> None:
    pseudo, dossier_id = _dossier_in_behandeling(lp, infra)
    with _api(lp) as api:
        r = api.post(f"/v1/dossiers/{dossier_id}/afsluiten", json={
            "expected_version": 2, "datum": vandaag().isoformat(), "reden": "OVERIG",
            "toelichting": "Verhuisd naar\u0000 het buitenland"})
        assert r.status_code == 422, r.text
        fout = r.json()["fouten"][0]
        assert (fout["veld"], fout["regel"]) == ("toelichting", "tekst_tekens")
        assert "buitenland" not in r.text, "the rejected value is never echoed"
        omgekeerd = api.post(f"/v1/dossiers/{dossier_id}/afsluiten", json={
            "expected_version": 2, "datum": vandaag().isoformat(), "reden": "OVERIG",
            "toelichting": "\u202eVerhuisd"})
        assert omgekeerd.status_code == 422 and omgekeerd.json()["fouten"][0]["regel"] == "tekst_tekens"

    time.sleep(1.0)  # give a (wrongly) published event the time to be applied
    assert _versie(lp, dossier_id) == (2, "OPEN")
    assert "nl.leerrecht.leerplicht.dossier_gesloten" not in asyncio.run(_types_on_log(infra.bootstrap, pseudo))

    # the dossier is not jammed: a clean close (with a multi-line toelichting) goes through
    with _api(lp) as api:
        r = api.post(f"/v1/dossiers/{dossier_id}/afsluiten", json={
            "expected_version": 2, "datum": vandaag().isoformat(), "reden": "OVERIG",
            "toelichting": "  Verhuisd naar België\r\nzie brief  "})
        assert r.status_code == 200 and r.json()["verwerkt"] is True, r.text
    assert _versie(lp, dossier_id)[1] == "GESLOTEN"


def test_web_form_close_with_a_nul_is_refused_in_dutch_and_keeps_what_was_typed(
    lp: ServiceProcess, infra: Any
) -> None:
    pseudo, dossier_id = _dossier_in_behandeling(lp, infra)
    with _api(lp) as api:  # the page offers closing only once an onderzoek has started (MAS order)
        melding_id = api.get(f"/v1/dossiers/{dossier_id}").json()["meldingen"][0]["melding_id"]
        r = api.post(f"/v1/dossiers/{dossier_id}/onderzoek", json={
            "expected_version": 2, "datum": vandaag().isoformat(), "melding_id": melding_id, "met_leerling": False})
        assert r.status_code == 200 and r.json()["version"] == 3, r.text
    with ingelogd(lp) as web:
        r = web.post(f"/dossiers/{dossier_id}/afsluiten", data={
            "expected_version": "3", "datum": vandaag().isoformat(), "reden": "OVERIG",
            "toelichting": "Verhuisd naar\u0000 het buitenland"})
        assert r.status_code == 422, r.text[-2000:]
        assert 'role="alert"' in r.text and "Toelichting: De tekst bevat een teken dat niet is toegestaan" in r.text
        assert 'name="toelichting"' in r.text and 'aria-invalid="true"' in r.text
        assert ">Verhuisd naar het buitenland</textarea>" in r.text, "what was typed stays, minus the NUL"
        assert "\u0000" not in r.text
        te_lang = web.post(f"/dossiers/{dossier_id}/afsluiten", data={
            "expected_version": "3", "datum": vandaag().isoformat(), "reden": "OVERIG", "toelichting": "x" * 501})
        assert te_lang.status_code == 422
        assert "Toelichting: De tekst is te lang: ten hoogste 500 tekens." in te_lang.text

    time.sleep(1.0)
    assert _versie(lp, dossier_id) == (3, "OPEN")
    assert "nl.leerrecht.leerplicht.dossier_gesloten" not in asyncio.run(_types_on_log(infra.bootstrap, pseudo))
