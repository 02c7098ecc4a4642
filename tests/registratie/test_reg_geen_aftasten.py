"""No probing of the register (domain.md B; issue 14.4), with two schools: 00AP00 ("school") and
00AV00 ("school2").

A school learns nothing about a pupil enrolled elsewhere: every school-facing answer about such a
pupil is the answer for a pupil registratie does not know at all (status and body), and an enrolment
with a woongemeente that differs from registratie's is accepted and flagged for DUO/beheer, not
refused (a refusal would let a school guess where a pupil lives).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from reg_helpers import Reg, auth, bsn

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev
from contracts.identity import decode_identity_record

pytestmark = pytest.mark.infra
D = date
MC28_EVENTS, MC28_ID = "leerrecht.regio.MC28.events", "leerrecht.regio.MC28.identiteit"


async def enrol(reg: Reg, pgn: str, *, who: str = "school", gemeente: str = "GM0637", status: int = 201,
                **extra: Any) -> httpx.Response:
    school = "00AP00" if who == "school" else "00AV00"
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": gemeente, "school": school,
        "ingangsdatum": "2026-08-24", "klas": "8A", **extra}, who=who)
    assert r.status_code == status, r.text
    return r


def antwoord(r: httpx.Response) -> tuple[int, Any]:
    """Status and body, without ``instance``: that is this request's own reference for the helpdesk."""
    return r.status_code, {k: v for k, v in r.json().items() if k != "instance"}


async def test_an_unknown_pupil_and_another_schools_pupil_get_the_same_answer(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    elders, onbekend = bsn(), bsn()
    await enrol(reg, elders, who="school2")  # enrolled with 00AV00 only; 00AP00 asks about it
    afw = await reg.post("/v1/afwezigheden", {"pgn": elders, "datum": "2026-11-23", "uren": 2,
                                               "code": "ZIEK"}, who="school2")
    assert afw.status_code == 201, afw.text
    melding = await reg.post("/v1/meldingen", {"pgn": elders, "soort": "LUXE", "startdatum": "2026-11-23"},
                             who="school2")
    assert melding.status_code == 201, melding.text

    def verzoeken(pgn: str, afwezigheid_id: str, melding_id: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            ("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-24", "uren": 2, "code": "ZIEK"}),
            ("/v1/meldingen", {"pgn": pgn, "soort": "LUXE", "startdatum": "2026-11-23"}),
            ("/v1/meldingen", {"pgn": pgn, "soort": "ZESTIEN_UUR", "startdatum": "2026-10-26",
                               "einddatum": "2026-11-20", "uren": 17}),
            ("/v1/verlof", {"pgn": pgn, "verleend": True, "soort": "GEWICHTIGE_OMSTANDIGHEDEN",
                            "van": "2026-11-30", "tot_en_met": "2026-12-01", "schooldagen": 2,
                            "beslisser": "DIRECTEUR"}),
            ("/v1/uitschrijvingen", {"pgn": pgn, "school": "00AP00", "uitschrijfdatum": "2026-11-20",
                                     "reden": "VERHUIZING"}),
            ("/v1/hercoderingen", {"afwezigheid_id": afwezigheid_id, "nieuwe_code": "ONGEOORLOOFD"}),
            (f"/v1/meldingen/{melding_id}/intrekking", {"reden": "ONTERECHT"}),
        ]

    eigen = verzoeken(elders, afw.json()["afwezigheid_id"], melding.json()["melding_id"])
    vreemd = verzoeken(onbekend, str(uuid.uuid4()), str(uuid.uuid4()))
    for (pad, body_elders), (_, body_onbekend) in zip(eigen, vreemd, strict=True):
        a = await reg.post(pad, body_elders)
        b = await reg.post(pad, body_onbekend)
        assert a.status_code >= 400, (pad, a.text)
        assert antwoord(a) == antwoord(b), f"{pad}: another school's pupil answered differently from an unknown one"
        assert elders not in a.text and onbekend not in b.text

    batch_a = await reg.post("/v1/afwezigheden/batch", {"rijen": [
        {"pgn": elders, "datum": "2026-11-24", "uren": 2, "code": "ZIEK"}]})
    batch_b = await reg.post("/v1/afwezigheden/batch", {"rijen": [
        {"pgn": onbekend, "datum": "2026-11-24", "uren": 2, "code": "ZIEK"}]})
    assert antwoord(batch_a) == antwoord(batch_b)

    # nothing of it reached the log: the pupil's events are only 00AV00's own (its enrolment stated
    # again answers 200, already held, with the pupil's pseudonym)
    pseudoniem = (await enrol(reg, elders, who="school2", status=200)).json()["pseudoniem"]
    scholen = {getattr(getattr(from_envelope(e), "school", None), "code", None)
               for e in await reg.events(MC28_EVENTS, pseudoniem)}
    assert "00AP00" not in scholen


async def test_a_different_woongemeente_is_accepted_and_flagged_not_refused(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    eerste = await enrol(reg, pgn, who="school2")  # registratie now knows: GM0637 (Zoetermeer, MC28)
    pseudoniem = eerste.json()["pseudoniem"]

    goed_geraden, nieuw = bsn(), bsn()
    await enrol(reg, goed_geraden, who="school2")
    # school 00AP00 guesses Amsterdam (GM0363, MC21) for one pupil and the right gemeente for another
    fout_gok = await enrol(reg, pgn, gemeente="GM0363", identiteit={"voornamen": "Anna", "achternaam": "Jansen"})
    juiste_gok = await enrol(reg, goed_geraden, gemeente="GM0637")
    onbekende = await enrol(reg, nieuw, gemeente="GM0363")
    assert fout_gok.status_code == juiste_gok.status_code == onbekende.status_code == 201

    def zonder_pseudoniem(r: httpx.Response) -> dict[str, Any]:
        return {k: v for k, v in r.json().items() if k != "pseudoniem"}

    assert zonder_pseudoniem(fout_gok) == zonder_pseudoniem(onbekende), \
        "a wrong guess is answered as an enrolment of a pupil nobody knew"

    # the pupil stays where registratie knows it lives: the enrolment goes to MC28 with GM0637
    ins = [from_envelope(e) for e in await reg.events(MC28_EVENTS, pseudoniem)
           if e.type == ev.LeerlingIngeschreven.event_type]
    assert {(i.school.code, i.woongemeente) for i in ins} == {("00AV00", "GM0637"), ("00AP00", "GM0637")}
    # the name goes only to the identity topic of the region of residence, never to the guessed one
    ids = [decode_identity_record(pseudoniem.encode(), v) for v in await reg.records(MC28_ID, pseudoniem.encode()) if v]
    assert any(getattr(i, "achternaam", None) == "Jansen" for i in ids)
    assert not [v for v in await reg.records("leerrecht.regio.MC21.identiteit", pseudoniem.encode()) if v]

    # flagged for DUO/beheer: the pseudonym and the school, no gemeente, no name
    for who in ("beheer", "duo"):
        lijst = await reg.client.get("/v1/beheer/woongemeente-afwijkingen",
                                     headers=auth(who))
        assert lijst.status_code == 200, lijst.text
        rijen = [r for r in lijst.json()["afwijkingen"] if r["pseudoniem"] == pseudoniem]
        assert [(r["school"]) for r in rijen] == ["00AP00"]
        assert "GM0363" not in lijst.text and "GM0637" not in lijst.text and "Jansen" not in lijst.text
    goed = await reg.client.get("/v1/beheer/woongemeente-afwijkingen", headers=auth("beheer"))
    gemarkeerd = {r["pseudoniem"] for r in goed.json()["afwijkingen"]}
    assert juiste_gok.json()["pseudoniem"] not in gemarkeerd and onbekende.json()["pseudoniem"] not in gemarkeerd
    schoolblik = await reg.client.get("/v1/beheer/woongemeente-afwijkingen",
                                      headers=auth("school"))
    assert schoolblik.status_code == 403
