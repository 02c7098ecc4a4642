"""Intake endpoints at the service level: batch and CSV, recoding, leave, moves, DUO, identity, school view.

Real Kafka and PostgreSQL, the real app in-process (see conftest.py). School 00AP00 (Zoetermeer, po).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from reg_helpers import TOKENS, Reg, auth, bsn, sleutel

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev
from contracts.identity import decode_identity_record

pytestmark = pytest.mark.infra
MC28, MC29 = "leerrecht.regio.MC28.events", "leerrecht.regio.MC29.events"
D = date


async def enrol(reg: Reg, pgn: str, *, gemeente: str = "GM0637", klas: str = "8A", **extra: Any) -> str:
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": gemeente, "school": "00AP00",
        "ingangsdatum": "2026-08-24", "klas": klas, **extra,
    })
    assert r.status_code == 201, r.text
    return str(r.json()["pseudoniem"])


def of_type(envs: list[Any], cls: type) -> list[Any]:
    return [from_envelope(e) for e in envs if e.type == cls.event_type]


async def test_batch_accepts_the_valid_rows_and_reports_each_rejected_row(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a, b, stranger = bsn(), bsn(), bsn()
    pa, pb = await enrol(reg, a), await enrol(reg, b)
    bad_pgn = a[:-1] + str((int(a[-1]) + 1) % 10)  # fails the elfproef
    rows = [
        {"pgn": a, "datum": "2026-11-23", "uren": 2, "code": "ONGEOORLOOFD"},
        {"pgn": bad_pgn, "datum": "2026-11-23", "uren": 2, "code": "ZIEK"},
        {"pgn": b, "datum": "2026-11-24", "uren": 1.5, "code": "TE_LAAT"},
        {"pgn": b, "datum": "2026-11-24", "uren": 2, "code": "SPIJBELEN"},
        {"pgn": stranger, "datum": "2026-11-24", "uren": 2, "code": "ZIEK"},
        {"pgn": a, "datum": "2099-01-05", "uren": 2, "code": "ZIEK"},
    ]
    key = sleutel()
    r = await reg.post("/v1/afwezigheden/batch", {"rijen": rows}, key=key)
    assert r.status_code == 207, r.text
    body = r.json()
    assert (body["geaccepteerd"], body["geweigerd"]) == (2, 4)
    res = body["resultaten"]
    assert [x["status"] for x in res] == [201, 422, 201, 422, 422, 422]
    assert [x["rij"] for x in res] == [1, 2, 3, 4, 5, 6]
    assert (res[1]["fouten"][0]["veld"], res[1]["fouten"][0]["regel"]) == ("pgn", "elfproef")
    assert res[3]["fouten"][0]["veld"] == "code"
    assert res[4]["fouten"][0]["regel"] == "ingeschreven_op_school"
    assert res[5]["fouten"][0]["veld"] == "datum"
    assert bad_pgn not in r.text and stranger not in r.text, "a PGN is never echoed"

    ga = of_type(await reg.events(MC28, pa), ev.AfwezigheidGeregistreerd)
    gb = of_type(await reg.events(MC28, pb), ev.AfwezigheidGeregistreerd)
    assert [(x.datum, float(x.uren), x.code.value) for x in ga] == [(D(2026, 11, 23), 2.0, "ONGEOORLOOFD")]
    assert [(x.datum, float(x.uren), x.code.value) for x in gb] == [(D(2026, 11, 24), 1.5, "TE_LAAT")]
    assert str(ga[0].afwezigheid_id) == res[0]["afwezigheid_id"]

    # replay: the stored per-row answer, nothing new on the log
    again = await reg.post("/v1/afwezigheden/batch", {"rijen": rows}, key=key)
    assert again.status_code == 207 and again.json() == body
    assert again.headers.get("Idempotent-Replay") == "true"
    assert len(of_type(await reg.events(MC28, pa), ev.AfwezigheidGeregistreerd)) == 1
    assert len(of_type(await reg.events(MC28, pb), ev.AfwezigheidGeregistreerd)) == 1
    # the same key for other content is refused
    other = await reg.post("/v1/afwezigheden/batch", {"rijen": rows[:1]}, key=key)
    assert other.status_code == 422


async def test_csv_upload_reports_errors_per_line_and_the_template_parses(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    pa = await enrol(reg, a)
    tpl = await reg.client.get("/v1/afwezigheden/csv-sjabloon", headers=auth("school"))
    assert tpl.status_code == 200 and tpl.text.splitlines()[0] == "pgn;datum;uren;code"
    csv_text = tpl.text + f"{a};2026-11-20;2,5;ZIEK\n{a};2026-11-20;;ZIEK\n{a};20-11-2026;1;ZIEK\n"
    r = await reg.client.post("/v1/afwezigheden/csv", headers=auth("school", sleutel()),
                              files={"bestand": ("afw.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 207, r.text
    res = r.json()["resultaten"]
    assert [(x["regel"], x["status"]) for x in res] == [(3, 201), (4, 422), (5, 422)]
    assert res[1]["fouten"][0]["veld"] == "uren" and res[2]["fouten"][0]["veld"] == "datum"
    [g] = of_type(await reg.events(MC28, pa), ev.AfwezigheidGeregistreerd)
    assert float(g.uren) == 2.5


async def test_a_move_to_another_region_reroutes_later_events(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)  # Zoetermeer, MC28
    r = await reg.post("/v1/duo/verhuizingen", {"pgn": pgn, "verhuisdatum": "2026-11-16",
                                                "nieuwe_gemeente": "GM1930"}, who="duo")  # Nissewaard, MC29
    assert r.status_code == 201, r.text
    assert r.json()["regio"] == "MC29" and r.json()["vorige_regio"] == "MC28"
    [old] = [e for e in await reg.events(MC28, p) if e.type == ev.Verhuisd.event_type]
    [new] = [e for e in await reg.events(MC29, p) if e.type == ev.Verhuisd.event_type]
    assert old.id == new.id and (old.region, new.region) == ("MC28", "MC29"), "one event, both regions"
    v = from_envelope(new)
    assert (v.oude_regio, v.nieuwe_regio, v.oude_gemeente, v.nieuwe_gemeente) == ("MC28", "MC29", "GM0637", "GM1930")

    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-23", "uren": 5, "code": "LUXE"})
    assert r.status_code == 201
    later = await reg.events(MC29, p)
    assert [e.type for e in later if e.type != ev.Verhuisd.event_type] == [
        ev.AfwezigheidGeregistreerd.event_type, ev.MeldplichtBereikt.event_type]
    assert not [e for e in await reg.events(MC28, p) if e.type == ev.AfwezigheidGeregistreerd.event_type]


async def test_identity_goes_to_the_home_region_only_and_is_forgotten_with_a_tombstone(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn, gemeente="GM1930", identiteit={
        "voornamen": "Sanne Marije", "achternaam": "Vermeulen",
        "adres": {"straat": "Dorpsstraat", "huisnummer": 4, "postcode": "3201 AB", "woonplaats": "Spijkenisse"},
    })
    key = p.encode()
    [value] = await reg.records("leerrecht.regio.MC29.identiteit", key)
    rec = decode_identity_record(key, value)
    assert rec.pgn == pgn and rec.achternaam == "Vermeulen" and rec.woongemeente == "GM1930"
    assert await reg.records("leerrecht.regio.MC28.identiteit", key) == []
    for env in await reg.events(MC29, p):
        assert "Vermeulen" not in env.model_dump_json() and pgn not in env.model_dump_json()
    async with reg.app.state.intake.pool.acquire() as conn:  # registratie stores no names
        dump = json.dumps([dict(r) for r in await conn.fetch("SELECT * FROM intake_verzoek")], default=str)
    assert "Vermeulen" not in dump and pgn not in dump

    assert (await reg.client.delete(f"/v1/leerlingen/{p}/identiteit", headers=auth("school"))).status_code == 403
    r = await reg.client.delete(f"/v1/leerlingen/{p}/identiteit", headers=auth("beheer"))
    assert r.status_code == 200 and r.json() == {"gewist_in": ["MC29"]}
    assert await reg.records("leerrecht.regio.MC29.identiteit", key) == [value, None], "a tombstone follows"
    r = await reg.post("/v1/identiteit/vergeten", {"pgn": pgn}, who="duo")
    assert r.status_code == 200


async def test_leave_rules_and_uitschrijving(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    base = {"pgn": pgn, "soort": "VAKANTIE", "beslisser": "DIRECTEUR", "verleend": True}
    first_weeks = await reg.post("/v1/verlof", {**base, "van": "2026-08-31", "tot_en_met": "2026-09-02",
                                                "schooldagen": 3})
    assert first_weeks.status_code == 422
    assert first_weeks.json()["fouten"][0]["regel"] == "niet_eerste_twee_lesweken"
    ok = await reg.post("/v1/verlof", {**base, "van": "2026-11-30", "tot_en_met": "2026-12-04", "schooldagen": 5})
    assert ok.status_code == 201, ok.text
    twice = await reg.post("/v1/verlof", {**base, "van": "2027-03-01", "tot_en_met": "2027-03-02", "schooldagen": 2})
    assert twice.json()["fouten"][0]["regel"] == "eenmaal_per_schooljaar"
    refused = await reg.post("/v1/verlof", {**base, "verleend": False, "soort": "GEWICHTIGE_OMSTANDIGHEDEN",
                                            "van": "2027-03-01", "tot_en_met": "2027-03-19", "schooldagen": 15,
                                            "beslisser": "LEERPLICHTAMBTENAAR"})
    assert refused.status_code == 201, refused.text
    envs = await reg.events(MC28, p)
    assert len(of_type(envs, ev.VerlofVerleend)) == 1 and len(of_type(envs, ev.VerlofGeweigerd)) == 1

    other = await reg.post("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AV00", "uitschrijfdatum": "2026-11-27",
                                                   "reden": "OVERSTAP"})
    assert other.status_code == 403
    r = await reg.post("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AP00", "uitschrijfdatum": "2026-11-27",
                                               "reden": "OVERSTAP", "naar_school": "00AV00"})
    assert r.status_code == 201, r.text
    [u] = of_type(await reg.events(MC28, p), ev.LeerlingUitgeschreven)
    assert u.naar_school is not None and u.naar_school.code == "00AV00"
    late = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-30", "uren": 1, "code": "ZIEK"})
    assert late.status_code == 422


async def test_not_enrolled_after_leaving_becomes_absoluut_verzuim_after_the_waiting_time(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 20))
    pgn = bsn()
    p = await enrol(reg, pgn)
    r = await reg.post("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AP00", "uitschrijfdatum": "2026-11-20",
                                               "reason": "x"})
    assert r.status_code == 422 and r.json()["fouten"][0]["veld"] in ("reason", "reden")
    r = await reg.post("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AP00", "uitschrijfdatum": "2026-11-20",
                                               "reden": "VERWIJDERD"})
    assert r.status_code == 201
    assert of_type(await reg.events(MC28, p), ev.AbsoluutVerzuimGesignaleerd) == [], "register facts may lag"
    reg.zet_vandaag(D(2026, 11, 30))
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    [a] = of_type(await reg.events(MC28, p), ev.AbsoluutVerzuimGesignaleerd)
    assert (a.bron.value, a.plicht.value, a.sinds) == ("PLATFORM", "LEERPLICHT", D(2026, 11, 21))

    # DUO's candidate list (A3.6) is checked per row: a pupil registratie knows as enrolled is refused
    enrolled = bsn()
    await enrol(reg, enrolled)
    r = await reg.post("/v1/duo/absoluut-verzuim-kandidaten", {"kandidaten": [
        {"pgn": enrolled, "sinds": "2026-11-02"},
        {"pgn": (new := bsn()), "sinds": "2026-09-01", "geboortedatum": "2015-02-01", "woongemeente": "GM0363"},
        {"pgn": bsn(), "sinds": "2026-09-01"},
    ]}, who="duo")
    assert r.status_code == 207, r.text
    res = r.json()["resultaten"]
    assert [x["status"] for x in res] == [422, 201, 422]
    assert res[0]["fouten"][0]["regel"] == "niet_ingeschreven"
    assert res[2]["fouten"][0]["regel"] == "nodig_voor_nieuwe_persoon"
    envs = await reg.events("leerrecht.regio.MC21.events")  # Amsterdam
    duo = [e for e in envs if e.type == ev.AbsoluutVerzuimGesignaleerd.event_type
           and from_envelope(e).bron.value == "DUO" and from_envelope(e).sinds == D(2026, 9, 1)]
    assert duo, "DUO's candidate is published in the region of residence"
    subject = duo[-1].subject
    await reg.client.post("/v1/beheer/dagtaak", headers=auth("beheer"))
    assert len([e for e in await reg.events("leerrecht.regio.MC21.events", subject)
                if e.type == ev.AbsoluutVerzuimGesignaleerd.event_type]) == 1, "the platform adds no second one"
    assert new not in r.text


async def test_school_view_attendance_per_class_from_scheduled_hours(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a, b = bsn(), bsn()
    klas = f"K{bsn()[:4]}"
    await enrol(reg, a, klas=klas)
    await enrol(reg, b, klas=klas)
    r = await reg.post("/v1/lesuren", {"klas": klas, "week": "2026-W48", "uren": 25})
    assert r.status_code == 201, r.text
    school = await reg.events("leerrecht.school.events", "00AP00")
    assert any(e.type == ev.LesurenGepland.event_type and from_envelope(e).klas == klas for e in school)
    await reg.post("/v1/afwezigheden", {"pgn": a, "datum": "2026-11-23", "uren": 4, "code": "ZIEK"})
    afw = await reg.post("/v1/afwezigheden", {"pgn": b, "datum": "2026-11-24", "uren": 2, "code": "ONBEKEND"})
    await reg.post("/v1/hercoderingen", {"afwezigheid_id": afw.json()["afwezigheid_id"], "nieuwe_code": "ZIEK",
                                         "nieuwe_uren": 1})
    r = await reg.client.get("/v1/school/aanwezigheid", params={"week": "2026-W48"}, headers=auth("school"))
    assert r.status_code == 200, r.text
    [row] = [w for w in r.json()["weken"] if w["klas"] == klas]
    assert (row["leerlingen"], row["geplande_uren"], row["afwezige_uren"]) == (2, 50.0, 5.0)
    assert row["aanwezigheid_pct"] == 90.0
    other = await reg.client.get("/v1/school/aanwezigheid", params={"week": "2026-W48"}, headers=auth("school2"))
    assert all(w["klas"] != klas for w in other.json()["weken"]), "a school sees only its own classes"


async def test_recoding_is_only_for_the_own_school_and_must_change_something(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    await enrol(reg, pgn)
    afw = (await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-24", "uren": 2,
                                               "code": "ONBEKEND"})).json()["afwezigheid_id"]
    r = await reg.post("/v1/hercoderingen", {"afwezigheid_id": afw, "nieuwe_code": "ZIEK"}, who="school2")
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "eigen_afwezigheid"
    r = await reg.post("/v1/hercoderingen", {"afwezigheid_id": afw, "nieuwe_code": "ONBEKEND"})
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "iets_gewijzigd"
    assert (await reg.post("/v1/hercoderingen", {"afwezigheid_id": afw, "nieuwe_code": "ZIEK"})).status_code == 201
    r = await reg.post("/v1/hercoderingen", {"afwezigheid_id": afw, "nieuwe_code": "ZIEK"})
    assert r.status_code == 422, "the code in force is ZIEK now"


async def test_the_school_page_needs_a_school_session_and_shows_the_schools_own_overview(reg: Reg) -> None:
    """No token in the address any more (issue 14): the page needs a session of the school role."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-20", "uren": 5, "code": "LUXE"})
    r = await reg.client.get("/school", params={"token": TOKENS["school"]})
    assert r.status_code == 303 and r.headers["location"] == "/inloggen", "a token in the address opens nothing"
    assert (await reg.client.post("/inloggen", data={"token": "te-kort"})).status_code == 401
    reg.client.cookies.clear()
    await reg.client.post("/inloggen", data={"token": TOKENS["duo"]})
    assert (await reg.client.get("/school")).status_code == 403, "DUO is no school"
    reg.client.cookies.clear()
    r = await reg.client.post("/inloggen", data={"token": TOKENS["school"]})
    assert r.status_code == 303 and r.headers["location"] == "/school"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = await reg.client.get("/school")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Meldingen die u moet doen" in page.text and p in page.text and "Luxeverzuim" in page.text
    assert pgn not in page.text
    reg.client.cookies.clear()
    assert (await reg.client.get("/school")).status_code == 303


async def test_an_enrolment_does_not_move_a_known_pupil(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn)
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM1930", "school": "00AV00",
        "ingangsdatum": "2026-09-01"}, who="school2")
    # accepted (a refusal would tell the school where the pupil lives) and flagged; the pupil stays in MC28
    assert r.status_code == 201, r.text
    ins = of_type(await reg.events(MC28, p), ev.LeerlingIngeschreven)
    assert [(i.school.code, i.woongemeente) for i in ins] == [("00AP00", "GM0637"), ("00AV00", "GM0637")]
    # DUO, the register itself, is refused: a move is a Verhuizing
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM1930", "school": "00AV00",
        "ingangsdatum": "2026-09-01"}, who="duo")
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "gelijk_aan_registratie"
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "1901-05-17", "woongemeente": "GM0637", "school": "00AV00",
        "ingangsdatum": "2026-09-01"}, who="school2")
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "plausibele_leeftijd"
