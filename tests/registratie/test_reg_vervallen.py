"""A published report duty that lapses, and a filed report to review, are events on the log (issue 12).

Before: a lapsed duty (recoded to authorised, a vrijstelling) was only marked ``actueel = false`` in
registratie's ``beslissing`` table, and a filed report to review existed only in the school's view.
Now: ``MeldplichtVervallen`` for a published ``MeldplichtBereikt`` that lapses without being met, and
``MeldingHerbeoordelingGevraagd`` for a filed report that no longer meets its threshold (domain.md
A2 recoding, A3.1, A3.10, A4: only the school withdraws a report).

Real Kafka and PostgreSQL; "today" is pinned. School 00AP00 is a primary school in Zoetermeer
(vakantieregio midden, clock hours); the pupils live in Zoetermeer (GM0637, region MC28).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reg_helpers import TOKENS, Reg, bsn

from contracts.catalogue import from_envelope
from contracts.codes import SignaalSoort
from contracts.events import registratie as ev

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"
D = date
VERVALLEN = "nl.leerrecht.registratie.meldplicht_vervallen"
HERBEOORDELING = "nl.leerrecht.registratie.melding_herbeoordeling_gevraagd"
SCHOOL = {"Authorization": f"Bearer {TOKENS['school']}"}
BEHEER = {"Authorization": f"Bearer {TOKENS['beheer']}"}


async def enrol(reg: Reg, pgn: str) -> str:
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
        "ingangsdatum": "2026-08-24", "klas": "8A",
    })
    assert r.status_code == 201, r.text
    return str(r.json()["pseudoniem"])


async def absent(reg: Reg, pgn: str, datum: str, uren: float, code: str = "ONGEOORLOOFD") -> str:
    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": datum, "uren": uren, "code": code})
    assert r.status_code == 201, r.text
    return str(r.json()["afwezigheid_id"])


async def recode(reg: Reg, afwezigheid_id: str, code: str) -> None:
    r = await reg.post("/v1/hercoderingen", {"afwezigheid_id": afwezigheid_id, "nieuwe_code": code})
    assert r.status_code == 201, r.text


def of_type(envs: list[Any], cls: type) -> list[Any]:
    return [from_envelope(e) for e in envs if e.type == cls.event_type]


def data_of(envs: list[Any], event_type: str) -> list[dict[str, Any]]:
    return [e.data for e in envs if e.type == event_type]


async def sixteen_hours(reg: Reg, pgn: str, code: str = "ONGEOORLOOFD") -> list[str]:
    return [await absent(reg, pgn, datum, 4, code) for datum in ("2026-11-02", "2026-11-09", "2026-11-16",
                                                                 "2026-11-23")]


async def test_a_published_duty_that_a_recoding_removes_is_meldplicht_vervallen_once(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    ids = await sixteen_hours(reg, pgn)
    [m] = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)

    await recode(reg, ids[0], "ZIEK")  # 12 hours left: the duty no longer holds
    [v] = data_of(await reg.events(MC28, p), VERVALLEN)
    assert v["meldplicht_id"] == str(m.meldplicht_id) and v["soort"] == "ZESTIEN_UUR"
    assert (v["vervallen_op"], v["reden"]) == ("2026-11-27", "HERCODERING")
    signalen = (await reg.client.get("/v1/school/signalen", headers=SCHOOL)).json()
    assert [s for s in signalen["te_melden"] if s["pseudoniem"] == p] == []

    reg.zet_vandaag(D(2026, 12, 4))  # past the old due date: the lapsed duty is not overdue
    await reg.client.post("/v1/beheer/dagtaak", headers=BEHEER)
    envs = await reg.events(MC28, p)
    assert len(data_of(envs, VERVALLEN)) == 1, "evaluated again: published once"
    assert of_type(envs, ev.MeldtermijnVerstreken) == []

    # recoded back: the duty holds again, as a new duty (the lapsed one stays lapsed)
    await recode(reg, ids[0], "ONGEOORLOOFD")
    bereikt = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)
    assert len(bereikt) == 2 and bereikt[1].meldplicht_id != m.meldplicht_id
    reg.zet_vandaag(D(2026, 11, 27))


async def test_a_late_recoding_publishes_the_lapse_and_the_signal_for_leerplicht(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    ids = await sixteen_hours(reg, pgn, "ONBEKEND")
    [m] = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)
    await recode(reg, ids[0], "ZIEK")
    envs = await reg.events(MC28, p)
    [v] = data_of(envs, VERVALLEN)
    assert v["meldplicht_id"] == str(m.meldplicht_id) and v["reden"] == "LATE_HERCODERING"
    assert [s.soort for s in of_type(envs, ev.SignaalGegeven)] == [SignaalSoort.LATE_HERCODERING]


async def test_a_duty_met_by_the_filed_report_does_not_lapse(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    await sixteen_hours(reg, pgn)
    r = await reg.post("/v1/meldingen", {"pgn": pgn, "soort": "ZESTIEN_UUR", "startdatum": "2026-11-02",
                                         "einddatum": "2026-11-23", "uren": 16})
    assert r.status_code == 201, r.text
    await reg.client.post("/v1/beheer/dagtaak", headers=BEHEER)
    assert data_of(await reg.events(MC28, p), VERVALLEN) == []


async def test_a_vrijstelling_before_the_report_lapses_the_duty(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    await sixteen_hours(reg, pgn)
    [m] = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)
    r = await reg.post("/v1/duo/vrijstellingen", {"pgn": pgn, "artikel": "5a", "van": "2026-11-01"}, who="duo")
    assert r.status_code == 201, r.text
    [v] = data_of(await reg.events(MC28, p), VERVALLEN)
    assert v["meldplicht_id"] == str(m.meldplicht_id) and v["reden"] == "VRIJSTELLING"


async def test_a_filed_report_below_its_threshold_after_a_recoding_asks_the_school_to_review(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    ids = await sixteen_hours(reg, pgn)
    r = await reg.post("/v1/meldingen", {"pgn": pgn, "soort": "ZESTIEN_UUR", "startdatum": "2026-11-02",
                                         "einddatum": "2026-11-23", "uren": 16})
    assert r.status_code == 201, r.text
    melding_id = r.json()["melding_id"]
    await recode(reg, ids[1], "ZIEK")

    envs = await reg.events(MC28, p)
    [h] = data_of(envs, HERBEOORDELING)
    assert (h["melding_id"], h["soort"], h["uren_nu"], h["reden"]) == (melding_id, "ZESTIEN_UUR", 12,
                                                                       "ONDER_DREMPEL")
    assert data_of(envs, VERVALLEN) == [], "a filed report is the school's to withdraw (A4)"
    await reg.client.post("/v1/beheer/dagtaak", headers=BEHEER)
    assert len(data_of(await reg.events(MC28, p), HERBEOORDELING)) == 1, "evaluated again: published once"
    signalen = (await reg.client.get("/v1/school/signalen", headers=SCHOOL)).json()
    [s] = [s for s in signalen["herbeoordelen"] if s["pseudoniem"] == p]
    assert s["melding_id"] == melding_id and s["uren_nu"] == 12
