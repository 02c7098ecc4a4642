"""A transferred dossier is self-contained on the new region's topic (``DossierOvergedragen`` v2, A5).

A pupil with an open dossier at MC27 (a report in behandeling, an onderzoek; an absence pattern)
moves to MC30. The old office publishes the transfer with the dossier's history in the event. The old
office is then STOPPED, and stays stopped: the new office opens the dossier with its whole timeline,
report statuses and absence pattern, from its own topic alone; a fresh MC30 instance on an empty
database replays the topic from offset 0 into the same dossier. The MC30 officer's assignment
(``DossierToegewezen``) survives that replay too.

Regions MC27 and MC30 and absences in May 2025: no other suite uses them.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from leerplicht.projection import AMSTERDAM
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, Melder, MeldingSoort, SchoolType, UrenEenheid, Vakantieregio
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, launch, wait_ready

pytestmark = pytest.mark.infra

OUD, NIEUW = "MC27", "MC30"
SCHOOL = School(brin="00AP", vestiging="00")
_T = {t: dev_token(t) for t in ("t-lp-mc27", "t-lp-mc30")}  # static dev tokens
TOKENS = API_TOKENS + f",{_T['t-lp-mc27']}=officer-27:leerplicht:MC27,{_T['t-lp-mc30']}=officer-30:leerplicht:MC30"
OFFICER_OUD = {"Authorization": f"Bearer {_T['t-lp-mc27']}"}
OFFICER_NIEUW = {"Authorization": f"Bearer {_T['t-lp-mc30']}"}



def start(infra: Any, region: str, db: str) -> ServiceProcess:
    svc = launch("leerplicht", infra.bootstrap, infra.database_url(db), REGION=region, API_TOKENS=TOKENS)
    wait_ready(svc)
    return svc


@pytest.fixture()
def procs() -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    try:
        yield started
    finally:
        for p in started:
            p.stop()


async def publish(bootstrap: str, envelopes: list[Envelope]) -> None:
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        await publisher.publish([OutgoingEvent(region_events_topic(e.region or ""), e) for e in envelopes])
    finally:
        await publisher.stop()


def env(ev: Event, subject: str, region: str) -> Envelope:
    return to_envelope(ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=region)


def dossier_met(svc: ServiceProcess, dossier_id: uuid.UUID, headers: dict[str, str],
                ok: Callable[[dict[str, Any]], bool], timeout: float = 45.0) -> dict[str, Any]:
    def check() -> Any:
        r = httpx.get(f"{svc.url}/v1/dossiers/{dossier_id}", headers=headers, timeout=10)
        return r.status_code == 200 and ok(r.json()) and r.json()
    return dict(eventually(check, timeout))


def post(svc: ServiceProcess, path: str, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{svc.url}{path}", headers=headers, json=body, timeout=30)


def test_a_transfer_replays_from_offset_0_with_the_old_office_stopped(
    infra: Any, procs: list[ServiceProcess]
) -> None:
    oud = start(infra, OUD, "lpzelfoud")
    procs.append(oud)
    nieuw = start(infra, NIEUW, "lpzelfnieuw")
    procs.append(nieuw)
    pseudo = secrets.token_hex(32)
    datum = datetime.now(AMSTERDAM).date().isoformat()
    melding = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2025, 5, 5), einddatum=date(2025, 5, 23), uren=Decimal("17"), eenheid=UrenEenheid.LESUUR,
    )
    history: list[Event] = [
        reg.LeerlingIngeschreven(
            school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=date(2024, 8, 26),
            vakantieregio=Vakantieregio.MIDDEN, woongemeente="GM0363", geboortejaar_maand="2012-04",
        ),
        *[
            reg.AfwezigheidGeregistreerd(
                afwezigheid_id=uuid.uuid4(), school=SCHOOL, datum=date(2025, 5, d), uren=Decimal(u),
                eenheid=UrenEenheid.LESUUR, code=c,
            )
            for d, u, c in [(6, "6", AfwezigheidCode.ONGEOORLOOFD), (7, "6", AfwezigheidCode.ONGEOORLOOFD),
                            (13, "5", AfwezigheidCode.ZIEK)]
        ],
        melding,
    ]
    asyncio.run(publish(infra.bootstrap, [env(ev, pseudo, OUD) for ev in history]))
    dossier_id = nieuw_dossier_id(melding.melding_id)
    d = dossier_met(oud, dossier_id, OFFICER_OUD, lambda j: j["version"] == 1)
    base = f"/v1/dossiers/{dossier_id}"
    for path, body in [
        (f"/meldingen/{melding.melding_id}/in-behandeling", {}),
        ("/onderzoek", {"melding_id": str(melding.melding_id), "met_leerling": True}),
    ]:
        r = post(oud, base + path, OFFICER_OUD, {"expected_version": d["version"], "datum": datum, **body})
        assert r.status_code == 200, r.text
        d["version"] = r.json()["version"]
    assert d["version"] == 3

    move = env(reg.Verhuisd(verhuisdatum=date(2025, 5, 26), oude_gemeente="GM0363", nieuwe_gemeente="GM0014",
                            oude_regio=OUD, nieuwe_regio=NIEUW), pseudo, OUD)
    asyncio.run(publish(infra.bootstrap, [move, move.model_copy(update={"region": NIEUW})]))
    old = dossier_met(oud, dossier_id, OFFICER_OUD, lambda j: j["fase"] == "OVERGEDRAGEN")
    assert old["version"] == 4
    transfer = old["tijdlijn"][-1]
    assert transfer["type"] == "nl.leerrecht.leerplicht.dossier_overgedragen"
    assert [s["event_id"] for s in transfer["data"]["geschiedenis"]["tijdlijn"]] == [
        t["event_id"] for t in old["tijdlijn"][:3]
    ]

    # The old office is stopped before the new one has to rebuild anything from it.
    oud.stop()

    def zelfde_geschiedenis(new: dict[str, Any]) -> None:
        assert new["fase"] == "OPEN" and new["overgenomen_van"] == OUD
        assert [t["event_id"] for t in new["tijdlijn"]] == [t["event_id"] for t in old["tijdlijn"]]
        assert [t["versie"] for t in new["tijdlijn"]] == [1, 2, 3, 4]
        assert [(m["melding_id"], m["status_duo"]) for m in new["meldingen"]] == [
            (str(melding.melding_id), "In behandeling")
        ]
        assert new["meldingen"][0]["onderzoek_gestart_op"] == datum
        assert [a["code"] for a in new["afwezigheid"]] == ["ONGEOORLOOFD", "ONGEOORLOOFD", "ZIEK"]
        assert new["halt_advies"]["uren_verzuim"] == 12.0  # absences and birth month came along

    new = dossier_met(nieuw, dossier_id, OFFICER_NIEUW, lambda j: j["version"] == 4)
    zelfde_geschiedenis(new)
    assert new["behandelaar"] is None  # the old office's officer is not this office's

    # the new office's officer takes the case: assigned on the log
    r = post(nieuw, base + "/route", OFFICER_NIEUW, {"expected_version": 4, "datum": datum, "routes": ["BASISROUTE"]})
    assert r.status_code == 200 and r.json()["version"] == 5, r.text
    after = dossier_met(nieuw, dossier_id, OFFICER_NIEUW, lambda j: j["behandelaar"] == "officer-30")

    # replay: a fresh MC30 instance on an empty database, the old office still stopped
    nieuw.stop()
    fresh = start(infra, NIEUW, "lpzelfnieuwreplay")
    procs.append(fresh)
    again = dossier_met(fresh, dossier_id, OFFICER_NIEUW, lambda j: j["version"] == 5)
    zelfde_geschiedenis({**again, "tijdlijn": again["tijdlijn"][:4]})
    assert [t["event_id"] for t in again["tijdlijn"]] == [t["event_id"] for t in after["tijdlijn"]]
    assert again["routes"] == ["BASISROUTE"]
    assert again["behandelaar"] == "officer-30"
