"""DUO's monthly vsv lists (domain.md A3.7): A01 → PotentieelVsvGesignaleerd, A02 → Herinschrijving.

Per row a status (207); nobody is told the same fact twice (the platform's own signal, a replayed
list, the same re-enrolment again), and a refused row does not hold back the valid ones.
"""

from __future__ import annotations

from datetime import date

import pytest
from reg_helpers import Reg, auth, bsn, sleutel

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"  # Zoetermeer, GM0637


def of_type(envs: list[object], cls: type) -> list[object]:
    return [from_envelope(e) for e in envs if e.type == cls.event_type]  # type: ignore[attr-defined]


async def test_a01_publishes_once_and_a_bad_row_does_not_block(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 20))
    pgn = bsn()
    lijst = {"lijst": "A01", "maand": "2026-11", "rijen": [
        {"pgn": "123456789", "uitschrijfdatum": "2026-10-01"},  # fails the elfproef
        {"pgn": pgn, "uitschrijfdatum": "2026-10-01", "laatste_school": "00AP00", "school_type": "vo",
         "geboortedatum": "2009-04-12", "woongemeente": "GM0637"},
    ]}
    key = sleutel()
    r = await reg.post("/v1/duo/vsv-lijsten", lijst, who="duo", key=key)
    assert r.status_code == 207, r.text
    res = r.json()["resultaten"]
    assert [x["status"] for x in res] == [422, 201], res
    assert res[0]["fouten"][0] == {"veld": "pgn", "regel": "elfproef", "melding": res[0]["fouten"][0]["melding"]}
    assert pgn not in r.text and "123456789" not in r.text, "never echo a PGN"
    p = res[1]["pseudoniem"]
    [s] = of_type(await reg.events(MC28, p), ev.PotentieelVsvGesignaleerd)
    assert (s.lijst_maand, s.uitschrijfdatum, s.laatste_school.code, s.woongemeente,  # type: ignore[attr-defined]
            s.geboortejaar_maand) == ("2026-11", date(2026, 10, 1), "00AP00", "GM0637", "2009-04")  # type: ignore[attr-defined]

    r2 = await reg.post("/v1/duo/vsv-lijsten", lijst, who="duo", key=key)  # the same list replayed
    assert r2.status_code == 207 and r2.json() == r.json()
    r3 = await reg.post("/v1/duo/vsv-lijsten", lijst, who="duo")  # ... and sent again under a new key
    assert [x["status"] for x in r3.json()["resultaten"]] == [422, 200]
    assert r3.json()["resultaten"][1]["melding"] == "al gesignaleerd"
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    assert len(of_type(await reg.events(MC28, p), ev.PotentieelVsvGesignaleerd)) == 1


async def test_a01_for_a_person_the_platform_already_signalled_publishes_nothing(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 2))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", {"pgn": pgn, "geboortedatum": "2009-04-12", "woongemeente": "GM0637",
                                              "school": "00AP00", "ingangsdatum": "2026-08-24"})
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]
    r = await reg.post("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AP00", "uitschrijfdatum": "2026-11-02",
                                               "reden": "VOORTIJDIG_VERLATEN"})
    assert r.status_code == 201, r.text
    reg.zet_vandaag(date(2026, 11, 16))
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    assert len(of_type(await reg.events(MC28, p), ev.PotentieelVsvGesignaleerd)) == 1

    r = await reg.post("/v1/duo/vsv-lijsten", {"lijst": "A01", "maand": "2026-11", "rijen": [
        {"pgn": pgn, "uitschrijfdatum": "2026-11-02", "laatste_school": "00AP00"}]}, who="duo")
    assert r.status_code == 207, r.text
    assert r.json()["resultaten"] == [{"rij": 1, "status": 200, "melding": "al gesignaleerd"}]
    assert len(of_type(await reg.events(MC28, p), ev.PotentieelVsvGesignaleerd)) == 1


async def test_a02_publishes_herinschrijving_once_and_needs_a_known_person(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 12, 10))
    pgn = bsn()
    r = await reg.post("/v1/duo/vsv-lijsten", {"lijst": "A01", "maand": "2026-11", "rijen": [
        {"pgn": pgn, "uitschrijfdatum": "2026-10-01", "geboortedatum": "2009-04-12", "woongemeente": "GM0637"}]},
        who="duo")
    p = r.json()["resultaten"][0]["pseudoniem"]
    a02 = {"pgn": pgn, "school": "00AV00", "school_type": "mbo", "ingangsdatum": "2026-12-01"}
    r = await reg.post("/v1/duo/vsv-lijsten", {"lijst": "A02", "maand": "2026-12", "rijen": [
        a02, {**a02, "pgn": bsn()}, {**a02, "school": "0AV00"}]}, who="duo")
    assert r.status_code == 207, r.text
    res = r.json()["resultaten"]
    assert [x["status"] for x in res] == [201, 422, 422]
    assert res[1]["fouten"][0]["regel"] == "bekende_leerling"
    assert res[2]["fouten"][0]["veld"] == "school"
    [h] = of_type(await reg.events(MC28, p), ev.Herinschrijving)
    assert (h.school.code, h.ingangsdatum, h.lijst_maand) == ("00AV00", date(2026, 12, 1), "2026-12")  # type: ignore[attr-defined]

    r = await reg.post("/v1/duo/vsv-lijsten", {"lijst": "A02", "maand": "2026-12", "rijen": [a02]}, who="duo")
    assert r.json()["resultaten"] == [{"rij": 1, "status": 200, "melding": "al gesignaleerd"}]
    assert len(of_type(await reg.events(MC28, p), ev.Herinschrijving)) == 1


async def test_only_duo_may_send_vsv_lists(reg: Reg) -> None:
    r = await reg.post("/v1/duo/vsv-lijsten", {"lijst": "A01", "maand": "2026-11", "rijen": [
        {"pgn": bsn(), "uitschrijfdatum": "2026-10-01"}]}, who="school")
    assert r.status_code == 403
