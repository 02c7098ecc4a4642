"""The school sees leerplicht's decisions on its reports: DUO's five statuses (domain.md A4).

registratie's projection reads leerplicht's events from the region's topic. Statuses only move
forward, so a late or replayed pick-up does not reopen a closed report.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from reg_helpers import Reg, auth, bsn

from contracts.catalogue import to_envelope
from contracts.envelope import utcnow, uuid7
from contracts.events import leerplicht as lp
from leerrecht.kafka import EventPublisher, OutgoingEvent

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"


async def leerplicht_says(bootstrap: str, pseudo: str, *events: lp.LeerplichtEvent) -> None:
    pub = EventPublisher(bootstrap, client_id="leerplicht-test")
    await pub.start()
    try:
        await pub.publish([
            OutgoingEvent(MC28, to_envelope(e, subject=pseudo, source="urn:nl:leerrecht:leerplicht:MC28",
                                            occurred_at=utcnow(), correlation_id=uuid7(), region="MC28"))
            for e in events
        ])
    finally:
        await pub.stop()


async def status_of(reg: Reg, melding_id: str, want: str) -> str:
    status = ""
    for _ in range(100):
        r = await reg.client.get("/v1/school/signalen", headers=auth("school"))
        status = next(m["status"] for m in r.json()["meldingen"] if m["melding_id"] == melding_id)
        if status == want:
            return status
        await asyncio.sleep(0.2)
    return status


async def test_pick_up_and_closing_reach_the_schools_view_and_never_go_back(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 27))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", {"pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637",
                                              "school": "00AP00", "ingangsdatum": "2026-08-24"})
    assert r.status_code == 201, r.text
    pseudo = r.json()["pseudoniem"]
    r = await reg.post("/v1/meldingen", {"pgn": pgn, "soort": "LUXE", "startdatum": "2026-11-02",
                                         "einddatum": "2026-11-06"})
    assert r.status_code == 201, r.text
    melding_id = r.json()["melding_id"]
    assert await status_of(reg, melding_id, "GEREGISTREERD") == "GEREGISTREERD"

    dossier = uuid.uuid4()
    pick_up = lp.MeldingInBehandeling(melding_id=uuid.UUID(melding_id), dossier_id=dossier,
                                      datum=date(2026, 11, 9), nieuw_dossier=True)
    await leerplicht_says(reg.bootstrap, pseudo, pick_up)
    assert await status_of(reg, melding_id, "IN_BEHANDELING") == "IN_BEHANDELING"

    await leerplicht_says(reg.bootstrap, pseudo,
                          lp.MeldingAfgesloten(melding_id=uuid.UUID(melding_id), dossier_id=dossier,
                                               datum=date(2026, 11, 20)))
    assert await status_of(reg, melding_id, "AFGESLOTEN") == "AFGESLOTEN"
    r = await reg.client.get("/v1/school/signalen", headers=auth("school"))
    [m] = [m for m in r.json()["meldingen"] if m["melding_id"] == melding_id]
    assert m["status_label"]

    await leerplicht_says(reg.bootstrap, pseudo, pick_up)  # late duplicate (a new event id, same decision)
    await asyncio.sleep(2)
    assert await status_of(reg, melding_id, "AFGESLOTEN") == "AFGESLOTEN"
