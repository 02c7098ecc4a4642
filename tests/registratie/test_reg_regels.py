"""The legal rules at work in the service (domain.md A3): decided events reach the region topic once.

Real Kafka and PostgreSQL; "today" is pinned so the edge cases hold on any day. The school 00AP00 is a
primary school in Zoetermeer (vakantieregio midden, clock hours); the pupils live in Zoetermeer
(GM0637, region MC28). Midden's herfstvakantie 2026 is 17–25 October.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import pytest
from reg_helpers import TOKENS, Reg, auth, bsn

from contracts.catalogue import from_envelope
from contracts.codes import MeldingSoort, SignaalOntvanger, SignaalSoort
from contracts.events import registratie as ev
from leerrecht.kalender import Vakantieregio as KalenderRegio
from leerrecht.kalender import standaard_kalender

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"
D = date


async def enrol(reg: Reg, pgn: str, *, gemeente: str = "GM0637", klas: str = "8A", **extra: Any) -> str:
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": gemeente, "school": "00AP00",
        "ingangsdatum": "2026-08-24", "klas": klas, **extra,
    })
    assert r.status_code == 201, r.text
    return str(r.json()["pseudoniem"])


async def absent(reg: Reg, pgn: str, datum: str, uren: float, code: str = "ONGEOORLOOFD") -> str:
    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": datum, "uren": uren, "code": code})
    assert r.status_code == 201, r.text
    return str(r.json()["afwezigheid_id"])


def of_type(envs: list[Any], cls: type) -> list[Any]:
    return [from_envelope(e) for e in envs if e.type == cls.event_type]


async def test_exactly_16_hours_in_4_lesweken_publishes_meldplicht_once_and_then_the_overdue_term(
    reg: Reg,
) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    for datum in ("2026-11-02", "2026-11-09", "2026-11-16"):
        await absent(reg, pgn, datum, 4)
    assert of_type(await reg.events(MC28, p), ev.MeldplichtBereikt) == [], "12 hours: no duty yet"
    await absent(reg, pgn, "2026-11-23", 4)  # 16.00 hours in 4 consecutive lesweken: exactly the threshold

    envs = await reg.events(MC28, p)
    [m] = of_type(envs, ev.MeldplichtBereikt)
    assert (m.soort, m.vanaf, m.bereikt_op, m.uren) == (MeldingSoort.ZESTIEN_UUR, D(2026, 11, 2), D(2026, 11, 23), 16)
    assert m.uiterlijk_melden_op == D(2026, 11, 30), "onverwijld: 5 working days"
    assert {e.region for e in envs} == {"MC28"}

    # evaluated again (another absence, the daily run): nothing is published twice
    await absent(reg, pgn, "2026-11-25", 1, "ZIEK")
    r = await reg.client.post("/v1/beheer/dagtaak", headers={"Authorization": f"Bearer {TOKENS['beheer']}"})
    assert r.status_code == 200, r.text
    assert len(of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)) == 1

    signalen = (await reg.client.get("/v1/school/signalen", headers=auth("school"))).json()
    [open_] = [s for s in signalen["te_melden"] if s["pseudoniem"] == p]
    assert open_["status"] == "te_doen" and open_["uiterlijk_melden_op"] == "2026-11-30"

    # the school did not report within the term: MeldtermijnVerstreken, once
    reg.zet_vandaag(D(2026, 12, 1))
    await reg.client.post("/v1/beheer/dagtaak", headers={"Authorization": f"Bearer {TOKENS['beheer']}"})
    await reg.client.post("/v1/beheer/dagtaak", headers={"Authorization": f"Bearer {TOKENS['beheer']}"})
    [v] = of_type(await reg.events(MC28, p), ev.MeldtermijnVerstreken)
    assert v.meldplicht_id == m.meldplicht_id and v.uiterlijk_melden_op == D(2026, 11, 30)
    signalen = (await reg.client.get("/v1/school/signalen", headers=auth("school"))).json()
    assert [s["status"] for s in signalen["te_melden"] if s["pseudoniem"] == p] == ["te_laat"]


async def test_just_under_16_hours_or_spread_over_5_lesweken_is_no_duty(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    under, spread = bsn(), bsn()
    pu, ps = await enrol(reg, under), await enrol(reg, spread)
    for datum in ("2026-11-02", "2026-11-09", "2026-11-16"):
        await absent(reg, under, datum, 4)
    await absent(reg, under, "2026-11-23", 3.99)
    for datum in ("2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"):
        await absent(reg, spread, datum, 3.5)  # 17.5 hours, but at most 14 in any 4 lesweken
    assert of_type(await reg.events(MC28, pu), ev.MeldplichtBereikt) == []
    assert of_type(await reg.events(MC28, ps), ev.MeldplichtBereikt) == []


async def test_the_holiday_week_is_skipped_not_counted(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    for datum in ("2026-10-12", "2026-10-26", "2026-11-02", "2026-11-09"):  # herfstvakantie in between
        await absent(reg, pgn, datum, 4)
    [m] = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)
    assert (m.vanaf, m.bereikt_op) == (D(2026, 10, 12), D(2026, 11, 9))


async def test_onbekend_recoded_to_ziek_before_the_report_gives_no_duty(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    recoded, kept = bsn(), bsn()
    pr, pk = await enrol(reg, recoded), await enrol(reg, kept)
    ids = {}
    for pgn in (recoded, kept):
        for datum in ("2026-11-02", "2026-11-09", "2026-11-16"):
            await absent(reg, pgn, datum, 4)
        ids[pgn] = await absent(reg, pgn, "2026-11-26", 4, "ONBEKEND")  # 16 h, but still recodable
    # provisional: the school may recode within 2 school days, so nothing is published yet
    assert of_type(await reg.events(MC28, pr), ev.MeldplichtBereikt) == []
    assert of_type(await reg.events(MC28, pk), ev.MeldplichtBereikt) == []

    r = await reg.post("/v1/hercoderingen", {"afwezigheid_id": ids[recoded], "nieuwe_code": "ZIEK"})
    assert r.status_code == 201, r.text
    [c] = of_type(await reg.events(MC28, pr), ev.AfwezigheidGecorrigeerd)
    assert (c.oude_code.value, c.nieuwe_code.value) == ("ONBEKEND", "ZIEK")
    # schema v2: the absence's day and the hours in force before, for telling's hour sums
    assert (c.datum, c.oude_uren, c.nieuwe_uren) == (D(2026, 11, 26), 4, None)
    assert [e.schema_version for e in await reg.events(MC28, pr)
            if e.type == ev.AfwezigheidGecorrigeerd.event_type] == [2]

    reg.zet_vandaag(D(2026, 12, 2))  # the recoding window of 26 Nov has passed
    await reg.client.post("/v1/beheer/dagtaak", headers={"Authorization": f"Bearer {TOKENS['beheer']}"})
    assert of_type(await reg.events(MC28, pr), ev.MeldplichtBereikt) == [], "recoded to ZIEK: no report"
    [m] = of_type(await reg.events(MC28, pk), ev.MeldplichtBereikt)
    assert (m.bereikt_op, m.uiterlijk_melden_op) == (D(2026, 11, 26), D(2026, 12, 3))


async def test_filed_report_stops_the_term_and_a_vrijstelling_withdraws_it(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    for datum in ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"):
        await absent(reg, pgn, datum, 4)
    r = await reg.post("/v1/meldingen", {"pgn": pgn, "soort": "ZESTIEN_UUR", "startdatum": "2026-11-02",
                                         "einddatum": "2026-11-23", "uren": 16})
    assert r.status_code == 201, r.text
    melding_id = r.json()["melding_id"]
    [g] = of_type(await reg.events(MC28, p), ev.MeldingGeregistreerd)
    assert str(g.melding_id) == melding_id and g.herhaling == 0
    # schema v2: the office's municipality and the birth month (never the birth date) travel along
    assert (g.woongemeente, g.geboortejaar_maand) == ("GM0637", "2014-05")

    reg.zet_vandaag(D(2026, 12, 4))  # past the due date, but the school reported
    await reg.client.post("/v1/beheer/dagtaak", headers={"Authorization": f"Bearer {TOKENS['beheer']}"})
    assert of_type(await reg.events(MC28, p), ev.MeldtermijnVerstreken) == []

    r = await reg.post("/v1/duo/vrijstellingen", {"pgn": pgn, "artikel": "5a", "van": "2026-11-20"}, who="duo")
    assert r.status_code == 201, r.text
    [w] = of_type(await reg.events(MC28, p), ev.MeldingIngetrokken)
    assert str(w.melding_id) == melding_id and w.reden.value == "VRIJSTELLING"
    assert str(w.vrijstelling_id) == r.json()["vrijstelling_id"]
    [v] = of_type(await reg.events(MC28, p), ev.VrijstellingGeregistreerd)
    assert v.woongemeente == "GM0637", "schema v2: the woongemeente registratie holds for a known person"
    # the school cannot withdraw it again
    r = await reg.post(f"/v1/meldingen/{melding_id}/intrekking", {"reden": "ONTERECHT_GEMELD"})
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "niet_afgehandeld"
    reg.zet_vandaag(D(2026, 11, 27))


async def test_a_vrijstelling_of_a_person_enrolled_nowhere_carries_the_woongemeente_duo_gave(reg: Reg) -> None:
    """The normal 5a case: a child never enrolled. DUO gives birth date and woongemeente for a new
    person; the event carries that woongemeente (schema v2, C) on the topic of its region."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    r = await reg.post("/v1/duo/vrijstellingen", {
        "pgn": pgn, "artikel": "5a", "van": "2026-11-01", "geboortedatum": "2019-03-02",
        "woongemeente": "GM1930"}, who="duo")
    assert r.status_code == 201, r.text
    envs = [e for e in await reg.events("leerrecht.regio.MC29.events")
            if e.data.get("vrijstelling_id") == r.json()["vrijstelling_id"]]
    [v] = of_type(envs, ev.VrijstellingGeregistreerd)
    assert (v.woongemeente, str(v.vrijstelling_id)) == ("GM1930", r.json()["vrijstelling_id"])


async def test_luxe_is_reported_without_threshold(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    await absent(reg, pgn, "2026-11-20", 5, "LUXE")
    [m] = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)
    assert m.soort is MeldingSoort.LUXE and m.uren == 5 and m.regel_versie == "luxe.v2"


async def test_lrv_report_gets_its_end_date_when_the_pupil_is_back(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    days = list(standaard_kalender().schooldagen(KalenderRegio.MIDDEN, D(2026, 10, 26), D(2026, 11, 24)))
    rows = [{"pgn": pgn, "datum": d.isoformat(), "uren": 6, "code": "ONGEOORLOOFD"} for d in days]
    r = await reg.post("/v1/afwezigheden/batch", {"rijen": rows})
    assert r.status_code == 207 and r.json()["geaccepteerd"] == len(days) == 22
    lrv = [m for m in of_type(await reg.events(MC28, p), ev.MeldplichtBereikt) if m.soort is MeldingSoort.LRV]
    assert [(m.vanaf, m.bereikt_op) for m in lrv] == [(D(2026, 10, 26), D(2026, 11, 23))], "more than 4 lesweken"
    assert of_type(await reg.events(MC28, p), ev.MeldingEinddatumVastgesteld) == []

    r = await reg.post("/v1/meldingen", {"pgn": pgn, "soort": "LRV", "startdatum": "2026-10-26"})
    assert r.status_code == 201, r.text
    [e] = of_type(await reg.events(MC28, p), ev.MeldingEinddatumVastgesteld)
    assert str(e.melding_id) == r.json()["melding_id"] and e.einddatum == D(2026, 11, 24), "back on 25 Nov"


async def test_one_batch_evaluates_every_pupil_on_its_own_facts(reg: Reg) -> None:
    """A batch's pupils are read and evaluated together (registratie.regels.beoordeel_alle); each
    pupil's duties still follow from its own facts only, once, on its own subject (A3.3, A3.1)."""
    reg.zet_vandaag(D(2026, 11, 27))
    a, b, c = bsn(), bsn(), bsn()
    pa, pb, pc = await enrol(reg, a), await enrol(reg, b), await enrol(reg, c)
    eerder = await absent(reg, c, "2026-11-16", 1, "ZIEK")  # c: an id already stored
    rows = [
        {"pgn": a, "datum": "2026-11-20", "uren": 5, "code": "LUXE"},
        {"pgn": b, "datum": "2026-11-19", "uren": 3, "code": "LUXE"},
        {"pgn": c, "datum": "2026-11-18", "uren": 1, "code": "ZIEK"},
        {"pgn": c, "datum": "2026-11-17", "uren": 1, "code": "ZIEK", "afwezigheid_id": eerder},
    ]
    key = f"batch-regels-{pa[:8]}"
    r = await reg.post("/v1/afwezigheden/batch", {"rijen": rows}, key=key)
    assert r.status_code == 207, r.text
    assert [x["status"] for x in r.json()["resultaten"]] == [201, 201, 201, 422]
    assert r.json()["resultaten"][3]["fouten"][0]["regel"] == "uniek"
    [ma] = of_type(await reg.events(MC28, pa), ev.MeldplichtBereikt)
    [mb] = of_type(await reg.events(MC28, pb), ev.MeldplichtBereikt)
    assert (ma.soort, ma.uren, ma.vanaf) == (MeldingSoort.LUXE, 5, D(2026, 11, 20))
    assert (mb.soort, mb.uren, mb.vanaf) == (MeldingSoort.LUXE, 3, D(2026, 11, 19))
    assert of_type(await reg.events(MC28, pc), ev.MeldplichtBereikt) == []
    assert len(of_type(await reg.events(MC28, pc), ev.AfwezigheidGeregistreerd)) == 2
    # the replay publishes nothing new; a later absence of a does not publish a's duty again
    again = await reg.post("/v1/afwezigheden/batch", {"rijen": rows}, key=key)
    assert again.status_code == 207 and again.json() == r.json()
    await absent(reg, a, "2026-11-23", 1, "ZIEK")
    assert len(of_type(await reg.events(MC28, pa), ev.MeldplichtBereikt)) == 1
    assert len(of_type(await reg.events(MC28, pb), ev.MeldplichtBereikt)) == 1


async def test_a_late_recoding_that_removes_a_due_duty_is_a_signal_for_leerplicht(reg: Reg) -> None:
    """A2 Decision (late recoding): the recoding stands, the removed duty is shown to the office."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    ids = [await absent(reg, pgn, datum, 4, "ONBEKEND")
           for datum in ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23")]
    [m] = of_type(await reg.events(MC28, p), ev.MeldplichtBereikt)  # every recoding window has passed
    assert m.bereikt_op == D(2026, 11, 23)

    r = await reg.post("/v1/hercoderingen", {"afwezigheid_id": ids[0], "nieuwe_code": "ZIEK"})
    assert r.status_code == 201, r.text
    [s] = [x for x in of_type(await reg.events(MC28, p), ev.SignaalGegeven)
           if x.soort is SignaalSoort.LATE_HERCODERING]
    assert (s.ontvangers, s.peildatum) == ([SignaalOntvanger.LEERPLICHT], D(2026, 11, 27))
    await reg.client.post("/v1/beheer/dagtaak", headers={"Authorization": f"Bearer {TOKENS['beheer']}"})
    assert len([x for x in of_type(await reg.events(MC28, p), ev.SignaalGegeven)
                if x.soort is SignaalSoort.LATE_HERCODERING]) == 1, "evaluated again: published once"
    assert of_type(await reg.events(MC28, p), ev.MeldtermijnVerstreken) == []


async def test_four_weeks_of_authorised_absence_is_a_langdurig_geoorloofd_signal(reg: Reg) -> None:
    """A3.11: every lesdag of 4 consecutive lesweken absent, authorised → a signal to the school."""
    reg.zet_vandaag(D(2026, 10, 2))
    pgn = bsn()
    p = await enrol(reg, pgn)
    kal = standaard_kalender()
    for d in kal.schooldagen(KalenderRegio.MIDDEN, D(2026, 9, 7), D(2026, 10, 2)):
        await absent(reg, pgn, d.isoformat(), 6, "VERLOF_GEWICHTIG")
    [s] = of_type(await reg.events(MC28, p), ev.SignaalGegeven)
    assert (s.soort, s.ontvangers, s.peildatum) == (
        SignaalSoort.LANGDURIG_GEOORLOOFD, [SignaalOntvanger.SCHOOL], D(2026, 10, 2))


async def test_an_evaluation_that_changes_no_decision_rewrites_no_decision_row(reg: Reg) -> None:
    """Issue 16 (sixth intake round): every evaluation upserted every current decision of the pupil,
    also when nothing changed (the 7th sick day's MAZL signal again at every next sick day). A row
    equal in every column, ``bijgewerkt_op`` included, is left alone: same row version (``xmin``),
    and still exactly one signal on the log."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    kal = standaard_kalender()
    dagen = list(kal.schooldagen(KalenderRegio.MIDDEN, D(2026, 11, 2), D(2026, 11, 12)))
    for d in dagen[:7]:
        await absent(reg, pgn, d.isoformat(), 0.5, "ZIEK")
    conn = await asyncpg.connect(reg.app.state.runtime.settings.database_url)
    try:
        sql = "SELECT sleutel, xmin::text AS versie FROM beslissing WHERE pseudoniem = $1 ORDER BY sleutel"
        voor = [tuple(r) for r in await conn.fetch(sql, p)]
        assert [s for s, _ in voor] == [f"mazl|ZEVENDE_ZIEKTEDAG|00AP00|{dagen[6].isoformat()}"]
        for d in dagen[7:]:
            await absent(reg, pgn, d.isoformat(), 0.5, "ZIEK")
        assert [tuple(r) for r in await conn.fetch(sql, p)] == voor
    finally:
        await conn.close()
    [s] = of_type(await reg.events(MC28, p), ev.SignaalGegeven)
    assert (s.soort, s.peildatum) == (SignaalSoort.ZORGWEKKEND_ZIEKTEVERZUIM, dagen[6])
