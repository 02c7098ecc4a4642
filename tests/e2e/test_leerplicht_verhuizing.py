"""Moving house (domain.md A5) between two real leerplicht processes on real Kafka and PostgreSQL.

A pupil with an open dossier at MC17 (a report in behandeling with onderzoek, route and intervention;
an LRV report still Geregistreerd) moves to MC06. registratie's ``Verhuisd`` is on both topics (one
event id); an end date for the LRV report is routed to MC06 *before* the transfer arrives there. The
old office publishes ``DossierOvergedragen`` on both topics and keeps a closed, transferred case; the
new office opens the dossier with its whole history (timeline, report statuses, absence pattern),
applies the parked end date and continues the MAS. Redelivery of the transfer and of the move
changes nothing; both offices rebuild the same dossiers from offset 0 into empty databases.

Regions MC17 and MC06 and absence dates in June 2025: no other suite counts them.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from leerplicht.domain import nieuw_dossier_id
from leerplicht.overdracht import overdracht_event_id
from leerplicht.projection import AMSTERDAM
from wachten import eventually

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, Melder, MeldingSoort, SchoolType, UrenEenheid, Vakantieregio
from contracts.envelope import Envelope, uuid7
from contracts.events import leerplicht as lp
from contracts.events import registratie as reg
from contracts.events.base import Event, School
from contracts.topics import region_events_topic
from leerrecht.kafka import EventPublisher, OutgoingEvent
from services import API_TOKENS, ServiceProcess, dev_token, launch, wait_ready

pytestmark = pytest.mark.infra

OUD, NIEUW = "MC17", "MC06"
SCHOOL = School(brin="00AP", vestiging="00")
_T = {t: dev_token(t) for t in ("t-lp-mc17", "t-mc06-dienst", "t-lp-mc06")}  # static dev tokens
TOKENS_OUD = API_TOKENS + f",{_T['t-lp-mc17']}=officer-17:leerplicht:MC17,{_T['t-mc06-dienst']}=lp-MC06:leerplicht:MC06"
TOKENS_NIEUW = API_TOKENS + f",{_T['t-lp-mc06']}=officer-06:leerplicht:MC06"
OFFICER_OUD = {"Authorization": f"Bearer {_T['t-lp-mc17']}"}
OFFICER_NIEUW = {"Authorization": f"Bearer {_T['t-lp-mc06']}"}



def start_oud(infra: Any, db: str) -> ServiceProcess:
    return launch("leerplicht", infra.bootstrap, db, REGION=OUD, API_TOKENS=TOKENS_OUD)


def start_nieuw(infra: Any, db: str) -> ServiceProcess:
    return launch("leerplicht", infra.bootstrap, db, REGION=NIEUW, API_TOKENS=TOKENS_NIEUW)


@pytest.fixture(scope="module")
def offices(infra: Any) -> Iterator[dict[str, ServiceProcess]]:
    procs: dict[str, ServiceProcess] = {}
    try:
        procs["oud"] = start_oud(infra, infra.database_url("lpoud"))
        procs["nieuw"] = start_nieuw(infra, infra.database_url("lpnieuw"))
        for p in procs.values():
            wait_ready(p)
        yield procs
    finally:
        for p in procs.values():
            p.stop()


async def publish(bootstrap: str, envelopes: list[Envelope]) -> None:
    publisher = EventPublisher(bootstrap, client_id="test-registratie")
    await publisher.start()
    try:
        await publisher.publish([OutgoingEvent(region_events_topic(e.region or ""), e) for e in envelopes])
    finally:
        await publisher.stop()


def env(ev: Event, subject: str, region: str, event_id: uuid.UUID | None = None) -> Envelope:
    return to_envelope(ev, subject=subject, source="urn:nl:leerrecht:registratie", occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=region, event_id=event_id)


def get(svc: ServiceProcess, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{svc.url}{path}", headers=headers, timeout=10)


def post(svc: ServiceProcess, path: str, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{svc.url}{path}", headers=headers, json=body, timeout=30)


def dossier_met(svc: ServiceProcess, dossier_id: uuid.UUID, headers: dict[str, str],
                ok: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    def check() -> Any:
        r = get(svc, f"/v1/dossiers/{dossier_id}", headers)
        return r.status_code == 200 and ok(r.json()) and r.json()
    return dict(eventually(check))


def test_an_open_dossier_moves_with_its_history_and_every_step_is_idempotent(
    offices: dict[str, ServiceProcess], infra: Any
) -> None:
    oud, nieuw = offices["oud"], offices["nieuw"]
    pseudo = secrets.token_hex(32)
    vandaag = datetime.now(AMSTERDAM).date()
    zestien = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.ZESTIEN_UUR, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2025, 6, 2), einddatum=date(2025, 6, 20), uren=Decimal("17"), eenheid=UrenEenheid.LESUUR,
    )
    lrv = reg.MeldingGeregistreerd(
        melding_id=uuid.uuid4(), soort=MeldingSoort.LRV, melder=Melder.SCHOOL, school=SCHOOL,
        startdatum=date(2025, 5, 1),
    )
    history: list[Event] = [
        reg.LeerlingIngeschreven(
            school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=date(2024, 8, 26),
            vakantieregio=Vakantieregio.MIDDEN, woongemeente="GM0363", geboortejaar_maand="2012-03",
        ),
        *[
            reg.AfwezigheidGeregistreerd(
                afwezigheid_id=uuid.uuid4(), school=SCHOOL, datum=date(2025, 6, d), uren=Decimal(u),
                eenheid=UrenEenheid.LESUUR, code=c,
            )
            for d, u, c in [(2, "6", AfwezigheidCode.ONGEOORLOOFD), (3, "6", AfwezigheidCode.ONGEOORLOOFD),
                            (10, "5", AfwezigheidCode.ZIEK), (16, "1", AfwezigheidCode.TE_LAAT)]
        ],
        zestien,
        lrv,
    ]
    asyncio.run(publish(infra.bootstrap, [env(ev, pseudo, OUD) for ev in history]))
    dossier_id = nieuw_dossier_id(zestien.melding_id)
    d = dossier_met(oud, dossier_id, OFFICER_OUD, lambda j: j["version"] == 2)  # both reports in one dossier

    # the old office works the case: pick up, onderzoek, route, intervention (the LRV report waits)
    datum = vandaag.isoformat()
    base = f"/v1/dossiers/{dossier_id}"
    for path, body in [
        (f"/meldingen/{zestien.melding_id}/in-behandeling", {}),
        ("/onderzoek", {"melding_id": str(zestien.melding_id), "met_leerling": True}),
        ("/route", {"routes": ["BASISROUTE"]}),
        ("/interventies", {"soort": "KENNISGEVINGSBRIEF"}),
    ]:
        r = post(oud, base + path, OFFICER_OUD, {"expected_version": d["version"], "datum": datum, **body})
        assert r.status_code == 200, r.text
        d["version"] = r.json()["version"]
    assert d["version"] == 6

    # After the move registratie routes the LRV end date to MC06, here before the transfer is there.
    einde = env(reg.MeldingEinddatumVastgesteld(melding_id=lrv.melding_id, einddatum=date(2025, 6, 27)), pseudo, NIEUW)
    move = env(reg.Verhuisd(verhuisdatum=date(2025, 6, 30), oude_gemeente="GM0363", nieuwe_gemeente="GM0014",
                            oude_regio=OUD, nieuwe_regio=NIEUW), pseudo, OUD)
    asyncio.run(publish(infra.bootstrap, [einde, move, move.model_copy(update={"region": NIEUW})]))

    # the old office: a closed, transferred case (A5), the transfer last on its timeline
    old = dossier_met(oud, dossier_id, OFFICER_OUD, lambda j: j["fase"] == "OVERGEDRAGEN")
    assert old["version"] == 7
    assert old["sluiting"] == {"reden": "VERHUISD", "datum": vandaag.isoformat(), "toelichting": None,
                               "naar_regio": NIEUW}
    transfer = old["tijdlijn"][-1]
    assert transfer["type"] == "nl.leerrecht.leerplicht.dossier_overgedragen"
    assert transfer["event_id"] == str(overdracht_event_id(move.id, dossier_id))  # deterministic: replay-safe
    assert transfer["data"]["open_meldingen"] == [str(zestien.melding_id), str(lrv.melding_id)]
    assert post(oud, base + "/afsluiten", OFFICER_OUD,
                {"expected_version": 7, "datum": datum, "reden": "VERZUIM_BEEINDIGD"}).json()["fouten"][0]["regel"] \
        == "dossier_open"

    # the new office: the dossier with its whole history, then the parked end date applied on top
    new = dossier_met(nieuw, dossier_id, OFFICER_NIEUW, lambda j: j["version"] == 8)
    assert new["fase"] == "OPEN" and new["overgenomen_van"] == OUD and new["overgenomen_op"] == datum
    assert [t["event_id"] for t in new["tijdlijn"][:7]] == [t["event_id"] for t in old["tijdlijn"]]
    assert new["tijdlijn"][7]["event_id"] == str(einde.id)
    assert [t["versie"] for t in new["tijdlijn"]] == list(range(1, 9))
    assert [(m["melding_id"], m["status_duo"], m["einddatum"]) for m in new["meldingen"]] == [
        (str(zestien.melding_id), "In behandeling", "2025-06-20"),
        (str(lrv.melding_id), "Geregistreerd", "2025-06-27"),
    ]
    assert new["routes"] == ["BASISROUTE"] and [i["soort"] for i in new["interventies"]] == ["KENNISGEVINGSBRIEF"]
    assert new["meldingen"][0]["onderzoek_gestart_op"] == datum
    assert [a["code"] for a in new["afwezigheid"]] == ["ONGEOORLOOFD", "ONGEOORLOOFD", "ZIEK", "TE_LAAT"]
    assert new["halt_advies"]["uren_verzuim"] == 13.0  # the birth month came along too (12+: eligible)
    assert new["halt_advies"]["advies"] == "GESCHIKT"
    werk = get(nieuw, "/v1/werklijst", OFFICER_NIEUW).json()
    assert [i["melding_id"] for i in werk["nieuwe_meldingen"] if i["dossier_id"] == str(dossier_id)] == [
        str(lrv.melding_id)
    ]
    # the history travels in the event: no office answers for another region's dossiers
    dienst = {"Authorization": f"Bearer {_T['t-mc06-dienst']}"}
    assert get(oud, f"/v1/overdrachten/{dossier_id}", dienst).status_code == 404
    assert get(oud, f"/v1/dossiers/{dossier_id}", dienst).status_code == 403

    # the new office continues the MAS
    r = post(nieuw, base + f"/meldingen/{lrv.melding_id}/in-behandeling", OFFICER_NIEUW,
             {"expected_version": 8, "datum": datum})
    assert r.status_code == 200 and r.json()["version"] == 9, r.text

    # redelivery: the transfer and the move once more (same ids) change nothing anywhere
    raw = old["tijdlijn"][-1]
    transfer_env = env_from_timeline(raw, pseudo)
    asyncio.run(publish(infra.bootstrap, [transfer_env, transfer_env.model_copy(update={"region": NIEUW}),
                                          move, move.model_copy(update={"region": NIEUW})]))
    marker = env(reg.MeldingEinddatumVastgesteld(melding_id=lrv.melding_id, einddatum=date(2025, 6, 28)), pseudo, NIEUW)
    asyncio.run(publish(infra.bootstrap, [marker]))  # after the duplicates on MC06's partition: once it is in, they are
    after = dossier_met(nieuw, dossier_id, OFFICER_NIEUW, lambda j: j["version"] == 10)
    assert [t["type"].rsplit(".", 1)[1] for t in after["tijdlijn"]].count("dossier_overgedragen") == 1
    assert get(oud, f"/v1/dossiers/{dossier_id}", OFFICER_OUD).json()["version"] == 7
    final_old = get(oud, f"/v1/dossiers/{dossier_id}", OFFICER_OUD).json()

    # replay: both offices from offset 0 into empty databases rebuild the same dossiers
    oud.stop()
    fresh_oud = start_oud(infra, infra.database_url("lpoudreplay"))
    offices["oud_replay"] = fresh_oud
    wait_ready(fresh_oud)
    again_old = dossier_met(fresh_oud, dossier_id, OFFICER_OUD, lambda j: j["fase"] == "OVERGEDRAGEN")
    assert [t["event_id"] for t in again_old["tijdlijn"]] == [t["event_id"] for t in final_old["tijdlijn"]]
    assert again_old["sluiting"] == final_old["sluiting"] and again_old["version"] == 7
    nieuw.stop()
    fresh_nieuw = start_nieuw(infra, infra.database_url("lpnieuwreplay"))
    offices["nieuw_replay"] = fresh_nieuw
    wait_ready(fresh_nieuw)
    again_new = dossier_met(fresh_nieuw, dossier_id, OFFICER_NIEUW, lambda j: j["version"] == 10)
    assert [t["event_id"] for t in again_new["tijdlijn"]] == [t["event_id"] for t in after["tijdlijn"]]
    assert again_new["meldingen"] == after["meldingen"] and again_new["afwezigheid"] == after["afwezigheid"]
    time.sleep(1.5)  # the old office's transfer loop had its rounds: still one transfer, same id
    assert get(fresh_oud, f"/v1/dossiers/{dossier_id}", OFFICER_OUD).json()["version"] == 7


def env_from_timeline(entry: dict[str, Any], pseudo: str) -> Envelope:
    """The transfer once more (same event id) from the old office's timeline entry, to publish it again."""
    event = lp.DossierOvergedragen.from_data(entry["data"])
    return to_envelope(event, subject=pseudo, source="urn:nl:leerrecht:leerplicht", occurred_at=datetime.now(UTC),
                       correlation_id=uuid7(), region=OUD, event_id=uuid.UUID(entry["event_id"]))
