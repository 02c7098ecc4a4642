"""A potential vsv'er who enrols again is a re-enrolment (DUO's A02, domain.md A3.7).

The platform signalled the un-enrolment without SK (PotentieelVsvGesignaleerd); a later enrolment
at another school makes that signal lapse, and registratie publishes Herinschrijving, which places
the young person with the Doorstroompunt (A6). Once, and never for a signal nobody was told about.
"""

from __future__ import annotations

from datetime import date

import pytest
from reg_helpers import Reg, auth, bsn

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"


def of_type(envs: list[object], cls: type) -> list[object]:
    return [from_envelope(e) for e in envs if e.type == cls.event_type]  # type: ignore[attr-defined]


async def test_enrolling_again_after_a_potential_vsv_signal_publishes_one_herinschrijving(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 2))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", {"pgn": pgn, "geboortedatum": "2009-04-12", "woongemeente": "GM0637",
                                              "school": "00AP00", "ingangsdatum": "2026-08-24"})
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]
    r = await reg.post("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AP00", "uitschrijfdatum": "2026-11-02",
                                               "reden": "VOORTIJDIG_VERLATEN"})
    assert r.status_code == 201, r.text
    reg.zet_vandaag(date(2026, 11, 16))  # past the waiting time for late register facts
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    assert len(of_type(await reg.events(MC28, p), ev.PotentieelVsvGesignaleerd)) == 1
    assert of_type(await reg.events(MC28, p), ev.Herinschrijving) == []

    reg.zet_vandaag(date(2026, 11, 18))
    r = await reg.post("/v1/inschrijvingen", {"pgn": pgn, "geboortedatum": "2009-04-12", "woongemeente": "GM0637",
                                              "school": "00AV00", "ingangsdatum": "2026-11-18"}, who="school2")
    assert r.status_code == 201, r.text
    [h] = of_type(await reg.events(MC28, p), ev.Herinschrijving)
    assert (h.school.code, h.ingangsdatum, h.lijst_maand) == ("00AV00", date(2026, 11, 18), "2026-11")  # type: ignore[attr-defined]

    reg.zet_vandaag(date(2026, 11, 19))
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    assert len(of_type(await reg.events(MC28, p), ev.Herinschrijving)) == 1, "a lapsed signal re-enrols once"
