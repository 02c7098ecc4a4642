"""rmc end to end on real Kafka and PostgreSQL (domain.md A6): intake from registratie's signals, a coach
working a file over HTTP (contact → in beeld → traject → plaatsing → afsluiten) with optimistic
concurrency, a partner's weekly report, automatic placement by re-enrolment, and a replay from offset 0
into an empty database that rebuilds the same files without publishing anything twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import (
    Melder,
    MeldingSoort,
    Opleidingsniveau,
    SchoolType,
    Vakantieregio,
)
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie
from contracts.events.base import Event, School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, auth, dev_token, start_service

REGIO = "MC28"
TOPIC = region_events_topic(REGIO)
A = "rmc-flow-jongere-a-0001"  # potential vsv: the coach's full path
B = "rmc-flow-jongere-b-0002"  # potential vsv, then re-enrolled: placed automatically
C = "rmc-flow-jongere-c-0003"  # 18+ report of an enrolled student
D = "rmc-flow-jongere-d-0004"  # above the Doorstroompunt age limit: not taken in
SCHOOL = School(brin="34CD", vestiging="01")
NU = datetime.now(UTC)
VANDAAG = NU.date()
INTAKE = NU - timedelta(days=200)
PARTNER_TOKENS = {"werkstart": dev_token("t-partner-werkstart"), "ander": dev_token("t-partner-ander")}
TOKENS_ENV = ",".join(
    [
        API_TOKENS,
        f"{PARTNER_TOKENS['werkstart']}=werkstart-1:partner:{REGIO}:werkstart",
        f"{PARTNER_TOKENS['ander']}=ander-1:partner:{REGIO}:anderpartner",
    ]
)


def partner(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {PARTNER_TOKENS[name]}"}



def publish(bootstrap: str, *items: tuple[str, Event, datetime]) -> list[UUID]:
    async def go() -> list[UUID]:
        pub = EventPublisher(bootstrap, client_id="rmc-test")
        await pub.start()
        try:
            envs = [
                to_envelope(
                    ev,
                    subject=subject,
                    source="urn:nl:leerrecht:registratie",
                    occurred_at=at,
                    correlation_id=uuid7(),
                    region=REGIO,
                )
                for subject, ev, at in items
            ]
            await pub.publish([OutgoingEvent(TOPIC, env) for env in envs])
            return [env.id for env in envs]
        finally:
            await pub.stop()

    return asyncio.run(go())


def log_of_topic(bootstrap: str) -> list[Envelope]:
    async def go() -> list[Envelope]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            parts = [TopicPartition(TOPIC, p) for p in (consumer.partitions_for_topic(TOPIC) or set())]
            if not parts:
                parts = [TopicPartition(TOPIC, p) for p in range(3)]
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            end = await consumer.end_offsets(parts)
            out: list[Envelope] = []
            async def behind() -> bool:
                return any([await consumer.position(tp) < end[tp] for tp in parts])

            while await behind():
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    out += [Envelope.from_json(r.value) for r in records]
            return out
        finally:
            await consumer.stop()

    return asyncio.run(go())


def vsv(gjm: str) -> registratie.PotentieelVsvGesignaleerd:
    return registratie.PotentieelVsvGesignaleerd(
        lijst_maand=f"{INTAKE.year:04d}-{INTAKE.month:02d}",
        uitschrijfdatum=INTAKE.date() - timedelta(days=20),
        laatste_school=SCHOOL,
        school_type=SchoolType.MBO,
        woongemeente="GM0637",
        geboortejaar_maand=gjm,
    )


@pytest.fixture(scope="module")
def rmc(infra) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    env = {"REGION": REGIO, "API_TOKENS": TOKENS_ENV, "RMC_UITGAAND_WACHT_S": "0.2"}
    svc = start_service("rmc", infra.bootstrap, infra.database_url("rmc"), **env)  # creates the topic
    state: dict[str, Any] = {"svc": svc, "infra": infra, "env": env}
    try:
        yield state
    finally:
        svc.stop()
        if "replay" in state:
            state["replay"].stop()


def get(svc: ServiceProcess, pseudo: str) -> httpx.Response:
    return httpx.get(f"{svc.url}/v1/jongeren/{pseudo}", headers=auth("rmc_MC28"), timeout=10)


def post(
    svc: ServiceProcess, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.post(f"{svc.url}/v1/{path}", json=body, headers=headers or auth("rmc_MC28"), timeout=30)


@pytest.mark.infra
def test_intake_and_the_coachs_path_to_a_lasting_placement(rmc: dict[str, Any]) -> None:
    svc, bootstrap = rmc["svc"], rmc["infra"].bootstrap
    d0 = INTAKE.date()
    [signaal_a, _] = publish(bootstrap, (A, vsv("2006-03"), INTAKE), (D, vsv("1990-01"), INTAKE))

    dossier = eventually(lambda: (r := get(svc, A)).status_code == 200 and r.json())
    assert (dossier["status"], dossier["versie"], dossier["bron"], dossier["coach"]) == (
        "NIEUW",
        1,
        "POTENTIEEL_VSV",
        None,
    )
    assert abs((date.fromisoformat(dossier["aangemeld_op"]) - d0).days) <= 1  # intake date in NL time
    lijst = httpx.get(f"{svc.url}/v1/werklijst", headers=auth("rmc_MC28")).json()
    assert A in [w["pseudoniem"] for w in lijst["nieuw"]]
    assert A in [w["pseudoniem"] for w in lijst["niet_loslaten"]], "200 days without any contact"

    # the reaction went onto the log exactly once, caused by the signal
    aangemeld = eventually(
        lambda: [
            e
            for e in log_of_topic(bootstrap)
            if e.type == "nl.leerrecht.rmc.jongere_aangemeld" and e.subject == A
        ]
    )
    assert len(aangemeld) == 1 and aangemeld[0].causation_id == signaal_a
    assert get(svc, D).status_code == 404, "above the age limit on the intake date: not taken in"

    start = date.fromisoformat(dossier["aangemeld_op"])
    r = post(
        svc,
        f"jongeren/{A}/contactpogingen",
        {"expected_version": 1, "datum": str(start + timedelta(days=1)), "kanaal": "SMS", "geslaagd": True},
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"versie": 3, "events": ["ContactpogingGedaan", "InBeeld"], "verwerkt": True}

    stale = post(
        svc,
        f"jongeren/{A}/contactpogingen",
        {
            "expected_version": 1,
            "datum": str(start + timedelta(days=2)),
            "kanaal": "TELEFOON",
            "geslaagd": False,
        },
    )
    assert stale.status_code == 409 and stale.json()["huidige_versie"] == 3

    too_early = post(
        svc,
        f"jongeren/{A}/plaatsing",
        {"expected_version": 3, "bestemming": "WERK", "startdatum": str(start + timedelta(days=3))},
    )
    assert too_early.status_code == 422
    assert too_early.json()["fouten"][0] | {"melding": ""} == {
        "veld": "status",
        "regel": "eerst_traject",
        "melding": "",
    }

    r = post(
        svc,
        f"jongeren/{A}/traject",
        {
            "expected_version": 3,
            "route": "TRAJECT",
            "datum": str(start + timedelta(days=7)),
            "partner": "werkstart",
        },
    )
    assert r.status_code == 201 and r.json()["versie"] == 4, r.text
    traject_id = get(svc, A).json()["traject"]["traject_id"]

    week = (start + timedelta(days=14)).isocalendar()
    report = {
        "pseudoniem": A,
        "traject_id": traject_id,
        "week": f"{week[0]}-W{week[1]:02d}",
        "aanwezigheid_pct": 75,
        "voortgang": "VOLDOENDE",
    }
    assert post(svc, "partners/voortgang", report, partner("ander")).status_code == 403, (
        "not their participant"
    )
    assert post(svc, "partners/voortgang", report).status_code == 403, "a coach is not a partner"
    assert (
        post(svc, "partners/voortgang", {**report, "pseudoniem": D}, partner("werkstart")).status_code == 403
    )
    r = post(svc, "partners/voortgang", report, partner("werkstart"))
    assert r.status_code == 201 and r.json()["events"] == ["TrajectVoortgang"], r.text
    again = post(svc, "partners/voortgang", report, partner("werkstart"))
    assert again.status_code == 200 and again.json()["events"] == [], "a retried report adds nothing"

    r = post(
        svc,
        f"jongeren/{A}/plaatsing",
        {
            "expected_version": 5,
            "bestemming": "ONDERWIJS",
            "niveau": "HAVO",
            "startdatum": str(start + timedelta(days=21)),
            "school": "00PJ00",  # a location of DUO's register (Erasmuscollege, Zoetermeer)
        },
    )
    assert r.status_code == 201 and r.json()["versie"] == 6, r.text
    lijst = httpx.get(f"{svc.url}/v1/werklijst", headers=auth("rmc_MC28")).json()
    assert A in [w["pseudoniem"] for w in lijst["plaatsing_controleren"]], "placed > 3 months ago"
    assert {"coach": "coach-28", "open_dossiers": 1} in lijst["caseload"]

    r = post(
        svc,
        f"jongeren/{A}/afsluiten",
        {"expected_version": 6, "reden": "GEPLAATST_DUURZAAM", "datum": str(VANDAAG)},
    )
    assert r.status_code == 201, r.text
    final = get(svc, A).json()
    assert (final["status"], final["sluitreden"], final["versie"], final["coach"]) == (
        "AFGESLOTEN",
        "GEPLAATST_DUURZAAM",
        7,
        "coach-28",
    )
    assert [(c["kanaal"], c["geslaagd"]) for c in final["contactpogingen"]] == [("SMS", True)]
    assert [(p["bestemming"], p["niveau"], p["school"], p["automatisch"]) for p in final["plaatsingen"]] == [
        ("ONDERWIJS", "HAVO", "00PJ00", False)
    ]
    assert [(w["partner"], w["aanwezigheid_pct"]) for w in final["voortgang"]] == [("werkstart", 75)]
    closed = post(
        svc,
        f"jongeren/{A}/contactpogingen",
        {"expected_version": 7, "datum": str(VANDAAG), "kanaal": "SMS", "geslaagd": False},
    )
    assert closed.status_code == 422 and closed.json()["fouten"][0]["regel"] == "dossier_gesloten"


@pytest.mark.infra
def test_re_enrolment_places_automatically_and_18_plus_reports_are_taken_in(rmc: dict[str, Any]) -> None:
    svc, bootstrap = rmc["svc"], rmc["infra"].bootstrap
    ingang = VANDAAG - timedelta(days=3)
    enrolled = registratie.LeerlingIngeschreven(
        school=SCHOOL,
        school_type=SchoolType.MBO,
        ingangsdatum=VANDAAG - timedelta(days=60),
        vakantieregio=Vakantieregio.MIDDEN,
        woongemeente="GM0637",
        geboortejaar_maand="2005-09",
    )
    melding = registratie.MeldingGeregistreerd(
        melding_id=uuid7(),
        soort=MeldingSoort.ACHTTIEN_PLUS,
        melder=next(iter(Melder)),
        school=SCHOOL,
        startdatum=VANDAAG - timedelta(days=20),
    )
    publish(
        bootstrap,
        (B, vsv("2007-02"), NU - timedelta(days=10)),
        (
            B,
            registratie.Herinschrijving(
                lijst_maand=f"{VANDAAG.year:04d}-{VANDAAG.month:02d}",
                school=SCHOOL,
                school_type=SchoolType.MBO,
                ingangsdatum=ingang,
                niveau=Opleidingsniveau.MBO_3,
            ),
            NU,
        ),
        (C, enrolled, NU - timedelta(days=60)),
        (C, melding, NU),
    )

    b = eventually(
        lambda: (r := get(svc, B)).status_code == 200 and r.json()["status"] == "GEPLAATST" and r.json()
    )
    assert b["versie"] == 4  # JongereAangemeld, Herinschrijving, TrajectGestart, JongereGeplaatst
    assert b["traject"]["route"] == "ONDERWIJS"
    assert b["plaatsingen"] == [
        {
            "bestemming": "ONDERWIJS",
            "niveau": "MBO_3",
            "startdatum": str(ingang),
            "school": "34CD01",
            "automatisch": True,
        }
    ]
    c = eventually(lambda: (r := get(svc, C)).status_code == 200 and r.json())
    assert (c["bron"], c["geboortejaar_maand"], c["status"]) == ("ACHTTIEN_PLUS_MELDING", "2005-09", "NIEUW")

    def reactions() -> list[str]:
        return sorted(
            e.type.rsplit(".", 1)[1]
            for e in log_of_topic(bootstrap)
            if e.subject == B and e.source == f"urn:nl:leerrecht:rmc:{REGIO}"
        )

    assert eventually(lambda: len(r := reactions()) == 3 and r) == [
        "jongere_aangemeld",
        "jongere_geplaatst",
        "traject_gestart",
    ]
    time.sleep(1.0)
    assert get(svc, B).json()["versie"] == 4, "the echoes of the reactions are not counted twice"


@pytest.mark.infra
def test_a_replay_from_offset_0_rebuilds_the_same_files_and_publishes_nothing_new(
    rmc: dict[str, Any],
) -> None:
    svc, infra = rmc["svc"], rmc["infra"]
    before = {p: get(svc, p).json() for p in (A, B, C)}
    log_before = len(log_of_topic(infra.bootstrap))
    svc.stop()
    fresh = start_service("rmc", infra.bootstrap, infra.database_url("rmcreplay"), **rmc["env"])
    rmc["replay"] = fresh
    for p, expected in before.items():
        eventually(
            lambda p=p, expected=expected: (
                get(fresh, p).status_code == 200  # type: ignore[misc]
                and get(fresh, p).json()["versie"] == expected["versie"]
            )
        )
        assert get(fresh, p).json() == expected
    assert get(fresh, D).status_code == 404
    time.sleep(2.0)  # longer than the outbox wait: anything re-decided would have been published by now
    assert len(log_of_topic(infra.bootstrap)) == log_before


@pytest.mark.infra
def test_credentials_and_unknown_young_people(rmc: dict[str, Any]) -> None:
    svc = rmc.get("replay") or rmc["svc"]
    assert httpx.get(f"{svc.url}/v1/werklijst").status_code == 401
    assert httpx.get(f"{svc.url}/v1/werklijst", headers=auth("lp_MC28")).status_code == 403
    assert httpx.get(f"{svc.url}/v1/werklijst", headers=partner("werkstart")).status_code == 403
    unknown = post(
        svc,
        "jongeren/rmc-flow-onbekend-0099/afsluiten",
        {"expected_version": 0, "reden": "OVERLEDEN", "datum": str(VANDAAG)},
    )
    assert unknown.status_code == 404
    bad = post(
        svc, f"jongeren/{C}/afsluiten", {"expected_version": 1, "reden": "VERVEELD", "datum": str(VANDAAG)}
    )
    assert bad.status_code == 422 and bad.json()["fouten"][0]["veld"] == "reden"


@pytest.mark.infra
def test_logs_show_no_errors_and_no_dead_letters(rmc: dict[str, Any]) -> None:
    for svc in (rmc["svc"], rmc.get("replay")):
        assert svc is not None
        text = svc.logs()
        assert "rmc_reactie" in text or svc is rmc.get("replay")
        for bad in ('"level": "error"', "event_dead_lettered", "uitgaand_retry", "Traceback"):
            assert bad not in text, bad
