"""Enrolments in bulk (``POST /v1/inschrijvingen/batch``), as schools' systems and DUO send them at the
start of a school year: per row the answer a single enrolment would give, the valid rows published
together, refused rows named by field and rule without holding the others back.

Real Kafka and PostgreSQL, the real app in-process (see conftest.py). School 00AP00 (Zoetermeer, po),
school2 00AV00; 00AW00 is a (v)so location (Rotterdam) that offers both so and vso.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from reg_helpers import Reg, auth, bsn, sleutel

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev
from contracts.identity import decode_identity_record

pytestmark = pytest.mark.infra
D = date
MC28, MC29 = "leerrecht.regio.MC28.events", "leerrecht.regio.MC29.events"
MC28_ID, MC29_ID = "leerrecht.regio.MC28.identiteit", "leerrecht.regio.MC29.identiteit"
PAD = "/v1/inschrijvingen/batch"


def rij(pgn: str, *, school: str = "00AP00", gemeente: str = "GM0637", **extra: Any) -> dict[str, Any]:
    return {"pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": gemeente, "school": school,
            "ingangsdatum": "2026-08-24", "klas": "8A", **extra}


def ingeschreven(envs: list[Any]) -> list[Any]:
    return [from_envelope(e) for e in envs if e.type == ev.LeerlingIngeschreven.event_type]


async def test_valid_rows_are_published_and_each_refused_row_names_its_field_and_rule(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a, b, c = bsn(), bsn(), bsn()
    rows = [
        rij(a, leerlingnummer="LN-1"),
        rij("123456789"),                                  # fails the elfproef
        rij(b, gemeente="GM1930", identiteit={"voornamen": "Sanne", "achternaam": "Vermeulen"}),
        rij(bsn(), school="00AV00"),                       # another school's enrolment
        rij(bsn(), school_type="vo"),                      # 00AP00 is a primary school
        rij(bsn(), gemeente="GM9999"),                     # no such municipality
        rij(bsn(), ingangsdatum="2027-01-04"),             # in the future
        rij(bsn(), identiteit={"voornamen": "A\u0000na", "achternaam": "Jansen"}),  # a NUL in a name
        rij(c, klas="8B", onbekend="x"),                   # a field the contract does not have
    ]
    key = sleutel()
    r = await reg.post(PAD, {"rijen": rows}, key=key)
    assert r.status_code == 207, r.text
    body = r.json()
    assert (body["geaccepteerd"], body["geweigerd"]) == (2, 7)
    res = body["resultaten"]
    assert [x["rij"] for x in res] == list(range(1, 10))
    # each row's status is the single POST's: another school's enrolment is forbidden (403), not invalid
    assert [x["status"] for x in res] == [201, 422, 201, 403, 422, 422, 422, 422, 422]
    fouten = [(x["fouten"][0]["veld"], x["fouten"][0]["regel"]) if x["status"] >= 400 else None for x in res]
    assert fouten[1] == ("pgn", "elfproef")
    assert fouten[3] == ("school", "eigen_school")
    assert fouten[4] == ("school_type", "school_type")
    assert fouten[5] == ("woongemeente", "bekende_gemeente")
    assert fouten[6] == ("ingangsdatum", "niet_in_toekomst")
    assert fouten[7] is not None and fouten[7][0] == "identiteit.voornamen"
    assert fouten[8] is not None and fouten[8][0] == "onbekend"
    assert (res[0]["regio"], res[2]["regio"]) == ("MC28", "MC29")
    assert a not in r.text and b not in r.text and "Vermeulen" not in r.text, "no PGN, no name is echoed"

    pa, pb = res[0]["pseudoniem"], res[2]["pseudoniem"]
    [ia] = ingeschreven(await reg.events(MC28, pa))
    assert (ia.school.code, ia.woongemeente, ia.klas, ia.geboortejaar_maand) == ("00AP00", "GM0637", "8A", "2014-05")
    [ib] = ingeschreven(await reg.events(MC29, pb))
    assert ib.woongemeente == "GM1930"
    # the name only on the identity topic of the home region
    [value] = await reg.records(MC29_ID, pb.encode())
    assert decode_identity_record(pb.encode(), value).achternaam == "Vermeulen"
    assert await reg.records(MC28_ID, pb.encode()) == []
    async with reg.app.state.intake.pool.acquire() as conn:
        gb = await conn.fetchval("SELECT geboortedatum FROM leerling WHERE pseudoniem = $1", pa)
        eigen = await conn.fetchrow("SELECT leerlingnummer, achternaam FROM school_leerling "
                                    "WHERE school = '00AP00' AND pseudoniem = $1", pb)
        nummer = await conn.fetchval("SELECT leerlingnummer FROM school_leerling "
                                     "WHERE school = '00AP00' AND pseudoniem = $1", pa)
        opgeslagen = json.dumps([dict(x) for x in await conn.fetch("SELECT * FROM intake_verzoek")], default=str)
    assert gb == D(2014, 5, 17), "the full birth date stays in registratie for the age rules"
    assert (eigen["leerlingnummer"], eigen["achternaam"]) == (None, "Vermeulen")
    assert nummer == "LN-1"
    assert "Vermeulen" not in opgeslagen and a not in opgeslagen, "no name or PGN kept with the submission"

    # an enrolled pupil of the batch can be reported absent at once
    afw = await reg.post("/v1/afwezigheden", {"pgn": a, "datum": "2026-11-23", "uren": 2, "code": "ZIEK"})
    assert afw.status_code == 201, afw.text

    # replay: the stored answer, nothing new on the log
    again = await reg.post(PAD, {"rijen": rows}, key=key)
    assert again.status_code == 207 and again.json() == body
    assert again.headers.get("Idempotent-Replay") == "true"
    assert len(ingeschreven(await reg.events(MC28, pa))) == 1
    assert await reg.records(MC29_ID, pb.encode()) == [value]
    # the same key for other content is refused
    other = await reg.post(PAD, {"rijen": rows[:1]}, key=key)
    assert other.status_code == 422 and "Idempotency-Key" in other.text


async def test_a_row_answers_as_a_single_enrolment_would(reg: Reg) -> None:
    """The batch and the single POST decide alike, so a school learns nothing more from either: a
    wrong woongemeente for a pupil registratie knows is accepted with the known one and flagged, and
    answered as the enrolment of a pupil nobody knew (domain.md B)."""
    reg.zet_vandaag(D(2026, 11, 27))
    bekend, nieuw = bsn(), bsn()
    r = await reg.post("/v1/inschrijvingen", rij(bekend, school="00AV00"), who="school2")
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]

    r = await reg.post(PAD, {"rijen": [rij(bekend, gemeente="GM0363"), rij(nieuw, gemeente="GM0363")]})
    assert r.status_code == 207, r.text
    gok, onbekend = r.json()["resultaten"]
    assert (gok["status"], onbekend["status"]) == (201, 201)
    assert {k: v for k, v in gok.items() if k not in ("rij", "pseudoniem")} == \
        {k: v for k, v in onbekend.items() if k not in ("rij", "pseudoniem")}
    assert gok["pseudoniem"] == p
    assert {(i.school.code, i.woongemeente) for i in ingeschreven(await reg.events(MC28, p))} == {
        ("00AV00", "GM0637"), ("00AP00", "GM0637")}
    lijst = await reg.client.get("/v1/beheer/woongemeente-afwijkingen", headers=auth("beheer"))
    assert [x["school"] for x in lijst.json()["afwijkingen"] if x["pseudoniem"] == p] == ["00AP00"]
    assert onbekend["pseudoniem"] not in lijst.text

    # DUO states a fact: another woongemeente than registratie knows is refused, by field and rule
    r = await reg.post(PAD, {"rijen": [rij(bekend, school="00AV00", gemeente="GM0363")]}, who="duo")
    [x] = r.json()["resultaten"]
    assert (x["status"], x["fouten"][0]["veld"], x["fouten"][0]["regel"]) == (
        422, "woongemeente", "gelijk_aan_registratie")
    # a (v)so location offering both: which one, by field; a location the register does not know
    r = await reg.post(PAD, {"rijen": [rij(bsn(), school="00AW00", gemeente="GM0599"),
                                       rij(bsn(), school="99ZZ99")]}, who="duo")
    vso, onbekende_school = r.json()["resultaten"]
    assert (vso["status"], vso["fouten"][0]["veld"]) == (422, "school_type")
    assert (onbekende_school["status"], onbekende_school["fouten"][0]["regel"]) == (422, "bekende_school")


async def test_rows_of_one_pupil_are_decided_in_order(reg: Reg) -> None:
    """The second row of a pupil is decided against what the first left: for DUO the first row's
    woongemeente is then the known one, so a second that differs is refused as it would be a minute
    later; a school's is accepted with the first's and flagged."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    r = await reg.post(PAD, {"rijen": [
        rij(pgn, school="00AV00"),
        rij(pgn, school="02UV00", gemeente="GM0363", ingangsdatum="2026-09-01"),
    ]}, who="duo")
    assert r.status_code == 207, r.text
    eerste, tweede = r.json()["resultaten"]
    assert eerste["status"] == 201
    assert (tweede["status"], tweede["fouten"][0]["regel"]) == (422, "gelijk_aan_registratie")

    andere = bsn()
    r = await reg.post(PAD, {"rijen": [
        rij(andere, klas="8A", leerlingnummer="LN-7"),
        rij(andere, klas="8B", gemeente="GM0363", identiteit={"voornamen": "Bo", "achternaam": "de Wit"}),
    ]})
    eerste, tweede = r.json()["resultaten"]
    assert (eerste["status"], tweede["status"]) == (201, 201)
    p = eerste["pseudoniem"]
    assert [(i.klas, i.woongemeente) for i in ingeschreven(await reg.events(MC28, p))] == [
        ("8A", "GM0637"), ("8B", "GM0637")]
    lijst = await reg.client.get("/v1/beheer/woongemeente-afwijkingen", headers=auth("beheer"))
    assert [x["school"] for x in lijst.json()["afwijkingen"] if x["pseudoniem"] == p] == ["00AP00"]
    # the school's own view keeps both rows' parts: the number of the first, the name of the second
    async with reg.app.state.intake.pool.acquire() as conn:
        eigen = await conn.fetchrow("SELECT leerlingnummer, voornamen, achternaam FROM school_leerling "
                                    "WHERE school = '00AP00' AND pseudoniem = $1", p)
    assert tuple(eigen) == ("LN-7", "Bo", "de Wit")


async def test_the_batch_is_bounded_and_checked_as_a_whole(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    leeg = await reg.post(PAD, {"rijen": []})
    assert leeg.status_code == 422 and leeg.json()["fouten"][0]["veld"] == "rijen"
    te_veel = await reg.post(PAD, {"rijen": [rij(bsn()) for _ in range(1001)]})
    assert te_veel.status_code == 422 and te_veel.json()["fouten"][0]["veld"] == "rijen"
    assert (await reg.post(PAD, {"rijen": [rij(bsn())]}, who="beheer")).status_code == 403
    geen_lijst = await reg.post(PAD, {"rijen": [["niet", "een", "object"]]})
    assert geen_lijst.status_code == 422


async def test_an_enrolment_held_already_is_acknowledged_and_not_published_again(reg: Reg) -> None:
    """A start-of-year file sent again under a new key, or DUO's register stating the enrolment a school
    fed, is not a second enrolment (domain.md A2's rule for a re-uploaded file): 200 ``duplicaat``,
    nothing new on the log, and what the school supplies beside it (its number, a name) still recorded.
    Another class is a correction: published, and registratie then holds that class."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn, nieuw = bsn(), bsn()
    eerste = await reg.post("/v1/inschrijvingen", rij(pgn, isk=True))  # the school says: ISK
    assert eerste.status_code == 201, eerste.text
    p = eerste.json()["pseudoniem"]

    nog_eens = await reg.post("/v1/inschrijvingen", rij(pgn, leerlingnummer="LN-9"))
    assert nog_eens.status_code == 200, nog_eens.text
    assert nog_eens.json() == {"pseudoniem": p, "regio": "MC28", "duplicaat": True}
    assert nog_eens.headers.get("Idempotent-Replay") is None, "a new key: decided, not replayed"

    bestand = await reg.post(PAD, {"rijen": [rij(pgn, identiteit={"voornamen": "Ida", "achternaam": "Smit"}),
                                             rij(nieuw)]})
    assert bestand.status_code == 207, bestand.text
    oud, nieuwe = bestand.json()["resultaten"]
    assert (oud["status"], oud.get("duplicaat"), nieuwe["status"], nieuwe.get("duplicaat")) == (200, True, 201, None)
    assert bestand.json()["geaccepteerd"] == 2
    duo = await reg.post(PAD, {"rijen": [{k: v for k, v in rij(pgn).items() if k != "klas"}]}, who="duo")
    assert duo.json()["resultaten"][0]["status"] == 200, "DUO states no class and no ISK: the school's stay"

    assert [i.klas for i in ingeschreven(await reg.events(MC28, p))] == ["8A"]
    [identiteit] = await reg.records(MC28_ID, p.encode())
    assert identiteit is not None and decode_identity_record(p.encode(), identiteit).achternaam == "Smit"
    async with reg.app.state.intake.pool.acquire() as conn:
        eigen = await conn.fetchrow("SELECT leerlingnummer, achternaam FROM school_leerling "
                                    "WHERE school = '00AP00' AND pseudoniem = $1", p)
    assert tuple(eigen) == ("LN-9", "Smit")

    klas = await reg.post("/v1/inschrijvingen", rij(pgn, klas="8B"))
    assert klas.status_code == 201, klas.text
    assert [i.klas for i in ingeschreven(await reg.events(MC28, p))] == ["8A", "8B"]
    async with reg.app.state.intake.pool.acquire() as conn:
        gehouden = await conn.fetch("SELECT klas, isk FROM inschrijving WHERE pseudoniem = $1", p)
    assert [(r["klas"], r["isk"]) for r in gehouden] == [("8B", True)]
    assert (await reg.post("/v1/inschrijvingen", rij(pgn, klas="8B"))).status_code == 200
    assert len(ingeschreven(await reg.events(MC28, p))) == 2


async def test_two_schools_that_disagree_on_the_birth_month_upload_again_without_publishing(reg: Reg) -> None:
    """A pupil at two schools whose records state other birth months: each school's file sent again is
    its own enrolment stated again (200, nothing on the log). Before, each upload was compared with the
    month the other school stated last and both were published again on every upload, back and forth."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    a = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2014-05-17")]})
    b = await reg.post(PAD, {"rijen": [rij(pgn, school="00AV00", geboortedatum="2014-06-02")]}, who="school2")
    assert [a.json()["resultaten"][0]["status"], b.json()["resultaten"][0]["status"]] == [201, 201], (a.text, b.text)
    p = a.json()["resultaten"][0]["pseudoniem"]
    for _ in range(2):
        for who, school, geboren in (("school", "00AP00", "2014-05-17"), ("school2", "00AV00", "2014-06-02")):
            r = await reg.post(PAD, {"rijen": [rij(pgn, school=school, geboortedatum=geboren)]}, who=who)
            assert r.json()["resultaten"][0]["status"] == 200, (who, r.text)
    assert [(i.school.code, i.geboortejaar_maand) for i in ingeschreven(await reg.events(MC28, p))] == [
        ("00AP00", "2014-05"), ("00AV00", "2014-06")]
    # a school correcting its own month is still published
    c = await reg.post("/v1/inschrijvingen", rij(pgn, geboortedatum="2014-07-01"))
    assert c.status_code == 201, c.text
    assert [i.geboortejaar_maand for i in ingeschreven(await reg.events(MC28, p))][-1] == "2014-07"


async def test_a_school_that_states_another_birth_month_than_duo_is_accepted_with_duos_and_flagged(reg: Reg) -> None:
    """DUO's register (the BRP) and a school's administration disagree on the birth month of the same
    enrolment. Before, each upload published the enrolment again with its own month, back and forth, and
    the age rules followed whichever came last. Now the school's row is accepted with DUO's date (its own
    month is not refused, which would tell it what DUO holds), flagged for DUO/beheer, and nothing is
    published again; a school's month within DUO's month changes nothing; DUO's own correction is."""
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    duo = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2014-05-17")]}, who="duo")
    assert duo.json()["resultaten"][0]["status"] == 201, duo.text
    p = duo.json()["resultaten"][0]["pseudoniem"]
    for _ in range(2):
        school = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2014-06-02")]})
        assert school.json()["resultaten"][0]["status"] == 200, school.text
        weer = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2014-05-17")]}, who="duo")
        assert weer.json()["resultaten"][0]["status"] == 200, weer.text
    assert [i.geboortejaar_maand for i in ingeschreven(await reg.events(MC28, p))] == ["2014-05"]
    async with reg.app.state.intake.pool.acquire() as conn:
        assert await conn.fetchval("SELECT geboortedatum FROM leerling WHERE pseudoniem = $1", p) == D(2014, 5, 17)
    lijst = (await reg.client.get("/v1/beheer/geboortedatum-afwijkingen", headers=auth("beheer"))).json()
    assert [(a["pseudoniem"], a["school"]) for a in lijst["afwijkingen"] if a["pseudoniem"] == p] == [(p, "00AP00")]
    woon = (await reg.client.get("/v1/beheer/woongemeente-afwijkingen", headers=auth("beheer"))).json()
    assert p not in [a["pseudoniem"] for a in woon["afwijkingen"]]

    # another day in DUO's month: the same enrolment, not flagged; a school's invalid date is still refused
    binnen = await reg.post(PAD, {"rijen": [rij(pgn, school="00AV00", geboortedatum="2014-05-01")]}, who="school2")
    assert binnen.json()["resultaten"][0]["status"] == 201, binnen.text
    fout = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2027-01-01")]})
    assert fout.json()["resultaten"][0]["status"] == 422, fout.text
    assert fout.json()["resultaten"][0]["fouten"][0]["veld"] == "geboortedatum"
    lijst = (await reg.client.get("/v1/beheer/geboortedatum-afwijkingen", headers=auth("beheer"))).json()
    assert [a["school"] for a in lijst["afwijkingen"] if a["pseudoniem"] == p] == ["00AP00"]

    # DUO correcting its own month is published, and a school's row is then decided with the new one
    correctie = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2014-06-02")]}, who="duo")
    assert correctie.json()["resultaten"][0]["status"] == 201, correctie.text
    assert [i.geboortejaar_maand for i in ingeschreven(await reg.events(MC28, p))][-1] == "2014-06"
    school = await reg.post(PAD, {"rijen": [rij(pgn, geboortedatum="2014-06-02")]})
    assert school.json()["resultaten"][0]["status"] == 200, school.text

    # "vergeet leerling" takes the flag with it
    r = await reg.client.post("/v1/identiteit/vergeten", json={"pgn": pgn}, headers=auth("beheer"))
    assert r.status_code == 200, r.text
    lijst = (await reg.client.get("/v1/beheer/geboortedatum-afwijkingen", headers=auth("beheer"))).json()
    assert p not in [a["pseudoniem"] for a in lijst["afwijkingen"]]


async def test_the_flag_lists_page_newest_first_and_filter_by_school(reg: Reg) -> None:
    """At national size a year of flags is more than a page: both lists give a page, newest first, for one
    school or all, with the total; a bad parameter is refused naming it."""
    reg.zet_vandaag(D(2026, 11, 27))
    pad = "/v1/beheer/woongemeente-afwijkingen"

    async def lijst(**params: Any) -> dict[str, Any]:
        r = await reg.client.get(pad, params=params, headers=auth("beheer"))
        assert r.status_code == 200, r.text
        return dict(r.json())

    voor = (await lijst(school="00AP00"))["totaal"]
    gemarkeerd = []
    for _ in range(3):  # registratie knows Zoetermeer; school 00AP00 states Amsterdam
        pgn = bsn()
        eerst = await reg.post(PAD, {"rijen": [rij(pgn, school="00AV00")]}, who="school2")
        assert eerst.json()["resultaten"][0]["status"] == 201, eerst.text
        r = await reg.post(PAD, {"rijen": [rij(pgn, gemeente="GM0363")]})
        assert r.json()["resultaten"][0]["status"] == 201, r.text
        gemarkeerd.append(r.json()["resultaten"][0]["pseudoniem"])
    van_school = await lijst(school="00AP00", perPagina=1)
    assert van_school["totaal"] == voor + 3 and van_school["paginas"] == voor + 3
    assert [a["pseudoniem"] for a in van_school["afwijkingen"]] == [gemarkeerd[-1]], "newest first"
    tweede = await lijst(school="00AP00", perPagina=1, pagina=2)
    assert [a["pseudoniem"] for a in tweede["afwijkingen"]] == [gemarkeerd[-2]]
    assert all(a["school"] == "00AP00" for a in (await lijst(school="00AP00", perPagina=500))["afwijkingen"])
    assert (await lijst(school="00AV00"))["totaal"] < (await lijst())["totaal"]
    leeg = await lijst(school="00AP00", pagina=10_000)
    assert leeg["afwijkingen"] == [] and leeg["totaal"] == voor + 3
    for params, veld in (({"perPagina": 0}, "perPagina"), ({"perPagina": 501}, "perPagina"),
                         ({"school": "00ap00"}, "school"), ({"pagina": "x"}, "pagina")):
        for lijstpad in (pad, "/v1/beheer/geboortedatum-afwijkingen"):
            fout = await reg.client.get(lijstpad, params=params, headers=auth("beheer"))
            assert fout.status_code in (400, 422), fout.text
            assert veld in fout.text, fout.text
