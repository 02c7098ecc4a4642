"""A report's MAS flow on real Kafka and PostgreSQL, through a real regional leerplicht process.

registratie's ``MeldingGeregistreerd`` is published to the region's topic; the leerplicht process opens a
dossier; the officer picks the report up, starts the onderzoek, chooses a route, records an
intervention and closes, each over HTTP and each visible in ``GET /v1/dossiers/{id}``. Two concurrent
commands with the same expected version give exactly one success and one 409. A fresh process on an
empty database replays the topic from offset 0 into the same dossier.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from leerplicht.projection import AMSTERDAM
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, Melder, MeldingSoort, SchoolType, UrenEenheid, Vakantieregio
from contracts.envelope import uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.golden import golden_event
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, auth, dev_token, start_service

# A region no other suite publishes to: the session's Kafka is shared, and other suites count what
# is on MC28/MC29 (e.g. every absence row of a leerplicht instance).
REGION = "MC17"
_T = {t: dev_token(t) for t in ("t-lp-mc17",)}  # static dev tokens
OFFICER = {"Authorization": f"Bearer {_T['t-lp-mc17']}"}
# Absences in a schooljaar no other suite counts (2024-2025), for the same reason.
VERZUIM = date(2025, 6, 30)
TOKENS_ENV = API_TOKENS + f",{_T['t-lp-mc17']}=officer-17:leerplicht:MC17"
SCHOOL = School(brin="00AP", vestiging="00")
pytestmark = pytest.mark.infra



@pytest.fixture(scope="module")
def lp(infra) -> Iterator[ServiceProcess]:  # type: ignore[no-untyped-def]
    svc = start_service(
        "leerplicht", infra.bootstrap, infra.database_url("lpflow"), REGION=REGION, API_TOKENS=TOKENS_ENV
    )
    try:
        yield svc
    finally:
        svc.stop()


async def publish(bootstrap: str, subject: str, *events: Event) -> None:
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        now = datetime.now(UTC)
        out = [
            OutgoingEvent(
                region_events_topic(REGION),
                to_envelope(
                    ev,
                    subject=subject,
                    source="urn:nl:leerrecht:registratie",
                    occurred_at=now,
                    correlation_id=uuid7(),
                    region=REGION,
                ),
            )
            for ev in events
        ]
        await publisher.publish(out)
    finally:
        await publisher.stop()


def report_and_history(today: Any) -> tuple[reg.MeldingGeregistreerd, list[Event]]:
    melding = golden_event(reg.MeldingGeregistreerd).model_copy(
        update={
            "melding_id": uuid.uuid4(),
            "school": SCHOOL,
            "startdatum": VERZUIM - timedelta(days=25),
            "einddatum": VERZUIM - timedelta(days=6),
        }
    )
    enrolment = reg.LeerlingIngeschreven(
        school=SCHOOL,
        school_type=SchoolType.VO,
        ingangsdatum=VERZUIM - timedelta(days=200),
        vakantieregio=Vakantieregio.ZUID,
        woongemeente="GM0637",
        geboortejaar_maand="2012-02",
    )
    absences: list[Event] = [
        reg.AfwezigheidGeregistreerd(
            afwezigheid_id=uuid.uuid4(),
            school=SCHOOL,
            datum=VERZUIM - timedelta(days=d),
            uren=Decimal(u),
            eenheid=UrenEenheid.LESUUR,
            code=c,
        )
        for d, u, c in [
            (20, "6", AfwezigheidCode.ONGEOORLOOFD),
            (19, "6", AfwezigheidCode.ONGEOORLOOFD),
            (12, "5", AfwezigheidCode.ZIEK),
            (8, "1", AfwezigheidCode.TE_LAAT),
        ]
    ]
    return melding, [enrolment, *absences, melding]


async def test_report_to_closed_dossier_over_http_with_one_winner_under_concurrency(
    lp: ServiceProcess, infra: Any
) -> None:
    today = datetime.now(AMSTERDAM).date()
    pseudo = secrets.token_hex(32)
    melding, events = report_and_history(today)
    assert melding.soort is MeldingSoort.ZESTIEN_UUR and melding.melder is Melder.SCHOOL
    await publish(infra.bootstrap, pseudo, *events)
    officer = OFFICER
    dossier_id = nieuw_dossier_id(melding.melding_id)

    async with httpx.AsyncClient(base_url=lp.url, headers=officer, timeout=30) as http:

        async def get_dossier() -> dict[str, Any]:
            r = await http.get(f"/v1/dossiers/{dossier_id}")
            assert r.status_code == 200, r.text
            return dict(r.json())

        async def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if value := await check():
                    return value
                await asyncio.sleep(0.2)
            raise AssertionError("condition not reached")

        async def picked_up_in_worklist() -> Any:
            w = (await http.get("/v1/werklijst")).json()
            return [i for i in w["nieuwe_meldingen"] if i["melding_id"] == str(melding.melding_id)]

        (item,) = await wait_for(picked_up_in_worklist)
        assert item["dossier_id"] == str(dossier_id) and item["pseudoniem"] == pseudo
        assert item["soort"] == "OPPAKKEN" and item["te_laat"] is False

        d = await get_dossier()
        assert d["version"] == 1 and d["fase"] == "OPEN"
        assert [(m["melding_id"], m["status"], m["status_duo"]) for m in d["meldingen"]] == [
            (str(melding.melding_id), "GEREGISTREERD", "Geregistreerd")
        ]
        # the whole absence pattern, all codes, and the Halt advice from it (A5)
        assert [a["code"] for a in d["afwezigheid"]] == ["ONGEOORLOOFD", "ONGEOORLOOFD", "ZIEK", "TE_LAAT"]
        assert d["afwezigheid_uren_per_code"] == {"ONGEOORLOOFD": 12.0, "TE_LAAT": 1.0, "ZIEK": 5.0}
        assert d["halt_advies"]["advies"] == "GESCHIKT" and d["halt_advies"]["uren_verzuim"] == 13.0

        async def post(path: str, body: dict[str, Any]) -> httpx.Response:
            return await http.post(f"/v1/dossiers/{dossier_id}{path}", json={"datum": today.isoformat(), **body})

        # a route before the onderzoek breaks the MAS order: 422 naming field and rule
        r = await post("/route", {"expected_version": 1, "routes": ["BASISROUTE"]})
        assert r.status_code == 422, r.text
        assert r.json()["fouten"][0]["veld"] == "routes" and r.json()["fouten"][0]["regel"] == "onderzoek_vereist"

        r = await post(f"/meldingen/{melding.melding_id}/in-behandeling", {"expected_version": 1})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 2 and r.json()["events"] == ["nl.leerrecht.leerplicht.melding_in_behandeling"]
        d = await get_dossier()
        assert d["meldingen"][0]["status_duo"] == "In behandeling" and d["behandelaar"] == "officer-17"

        r = await post(
            "/onderzoek", {"expected_version": 2, "melding_id": str(melding.melding_id), "met_leerling": True}
        )
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 3
        assert (await get_dossier())["meldingen"][0]["onderzoek_gestart_op"] == today.isoformat()

        # two officers choose a route at the same moment on version 3: exactly one wins
        first, second = await asyncio.gather(
            post("/route", {"expected_version": 3, "routes": ["BASISROUTE"]}),
            post("/route", {"expected_version": 3, "routes": ["VRIJWILLIGE_HULP", "STRAFRECHT"]}),
        )
        codes = sorted([first.status_code, second.status_code])
        assert codes == [200, 409], (first.text, second.text)
        winner, loser = (first, second) if first.status_code == 200 else (second, first)
        assert loser.json()["fouten"][0]["regel"] == "versie_actueel" and loser.json()["huidige_versie"] == 4
        assert winner.json()["version"] == 4
        d = await get_dossier()
        assert d["version"] == 4 and len(d["routekeuzes"]) == 1
        won_basis = first.status_code == 200
        assert d["routes"] == (["BASISROUTE"] if won_basis else ["VRIJWILLIGE_HULP", "STRAFRECHT"])

        soort = "KENNISGEVINGSBRIEF" if won_basis else "ZORGOVERLEG"
        r = await post("/interventies", {"expected_version": 4, "soort": soort})
        assert r.status_code == 200, r.text
        d = await get_dossier()
        assert d["version"] == 5 and [i["soort"] for i in d["interventies"]] == [soort]

        r = await post("/afsluiten", {"expected_version": 5, "reden": "VERZUIM_BEEINDIGD"})
        assert r.status_code == 200, r.text
        assert r.json()["events"] == [
            "nl.leerrecht.leerplicht.melding_afgesloten",
            "nl.leerrecht.leerplicht.dossier_gesloten",
        ]
        d = await get_dossier()
        assert d["version"] == 7 and d["fase"] == "GESLOTEN"
        assert d["sluiting"]["reden"] == "VERZUIM_BEEINDIGD"
        assert d["meldingen"][0]["status_duo"] == "Afgesloten"
        assert [t["type"].rsplit(".", 1)[1] for t in d["tijdlijn"]] == [
            "melding_geregistreerd",
            "melding_in_behandeling",
            "onderzoek_gestart",
            "route_gekozen",
            "interventie_uitgevoerd",
            "melding_afgesloten",
            "dossier_gesloten",
        ]
        assert [t["versie"] for t in d["tijdlijn"]] == list(range(1, 8))

        # stale version → 409; current version but closed → 422; never closed twice
        r = await post("/afsluiten", {"expected_version": 5, "reden": "VERZUIM_BEEINDIGD"})
        assert r.status_code == 409
        r = await post("/afsluiten", {"expected_version": 7, "reden": "VERZUIM_BEEINDIGD"})
        assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "dossier_open"
        # a date in the future is refused before anything happens
        r = await http.post(
            f"/v1/dossiers/{dossier_id}/onderzoek",
            json={
                "expected_version": 7,
                "datum": (today + timedelta(days=1)).isoformat(),
                "melding_id": str(melding.melding_id),
                "met_leerling": False,
            },
        )
        assert r.status_code == 422 and r.json()["fouten"][0]["veld"] == "datum"

        r = await http.get("/v1/werklijst")
        w = r.json()
        assert all(i["dossier_id"] != str(dossier_id) for i in w["nieuwe_meldingen"] + w["te_laat"])
        # unpaged, it folds every open case per request (issue 16): deprecated for the paged /v1/dossiers
        assert r.headers["Deprecation"] == "@1796169600"  # RFC 9745: 2026-12-02T00:00:00Z
        assert r.headers["Link"] == '</v1/dossiers>; rel="successor-version"'
        assert (await http.get("/openapi.json")).json()["paths"]["/v1/werklijst"]["get"]["deprecated"] is True
        assert (await http.get(f"/v1/dossiers/{uuid.uuid4()}")).status_code == 404
        r = await http.post(
            f"/v1/dossiers/{uuid.uuid4()}/afsluiten",
            json={"expected_version": 1, "datum": today.isoformat(), "reden": "VERHUISD"},
        )
        assert r.status_code == 404
        assert (await http.get(f"/v1/dossiers/{dossier_id}", headers=auth("lp_MC28"))).status_code == 403
        assert (await http.get("/v1/werklijst", headers=auth("analist"))).status_code == 403
        pupils = (await http.get(f"/v1/leerlingen/{pseudo}/dossiers")).json()["dossiers"]
        assert [(p["dossier_id"], p["fase"], p["version"]) for p in pupils] == [(str(dossier_id), "GESLOTEN", 7)]
        final = d

    # replay: a fresh instance on an empty database rebuilds the same dossier from offset 0
    lp.stop()
    fresh = start_service(
        "leerplicht", infra.bootstrap, await infra.adatabase_url("lpreplay"), REGION=REGION, API_TOKENS=TOKENS_ENV
    )
    try:

        def rebuilt() -> Any:
            r = httpx.get(f"{fresh.url}/v1/dossiers/{dossier_id}", headers=officer)
            return r.status_code == 200 and r.json()["version"] == 7 and r.json()

        again = eventually(rebuilt, timeout=45)
        assert [t["event_id"] for t in again["tijdlijn"]] == [t["event_id"] for t in final["tijdlijn"]]
        assert again["meldingen"] == final["meldingen"] and again["interventies"] == final["interventies"]
        assert again["sluiting"] == final["sluiting"]
        # the officer's assignment is on the log (DossierToegewezen), so a replay keeps it
        assert again["behandelaar"] == final["behandelaar"] == "officer-17"
    finally:
        fresh.stop()
