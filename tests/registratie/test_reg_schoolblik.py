"""The school's own view of its pupils (domain.md B; issue 14.5), with two schools: 00AP00 ("school")
and 00AV00 ("school2").

A school sees its pupils by what it supplied itself at enrolment (its leerlingnummer and the name it
gave), kept by registratie for that school only, never on the log, and erased with "vergeet leerling".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reg_helpers import TOKENS, Reg, auth, bsn

pytestmark = pytest.mark.infra
D = date
MC28_EVENTS = "leerrecht.regio.MC28.events"


async def enrol(reg: Reg, pgn: str, who: str, **extra: Any) -> str:
    school = "00AP00" if who == "school" else "00AV00"
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": school,
        "ingangsdatum": "2026-08-24", "klas": "7B", **extra}, who=who)
    assert r.status_code == 201, r.text
    assert "Pietersz" not in r.text and "Klaasje" not in r.text
    return str(r.json()["pseudoniem"])


async def pagina(reg: Reg, token: str) -> str:
    """The school's page as its staff sees it after logging in (development login: the static token)."""
    reg.client.cookies.clear()
    r = await reg.client.post("/inloggen", data={"token": TOKENS[token]})
    assert r.status_code == 303, r.text
    page = await reg.client.get("/school")
    reg.client.cookies.clear()
    assert page.status_code == 200
    return page.text


async def test_the_school_sees_the_name_it_supplied_and_no_other_schools_name(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    pgn = bsn()
    p = await enrol(reg, pgn, "school", leerlingnummer="LL-4711",
                    identiteit={"voornamen": "Klaasje", "tussenvoegsel": "van", "achternaam": "Pietersz"})
    await enrol(reg, pgn, "school2", leerlingnummer="2026-118",
                identiteit={"voornamen": "Klaartje", "achternaam": "Pieters"})
    for who in ("school", "school2"):
        r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-20", "uren": 5, "code": "LUXE"},
                           who=who)
        assert r.status_code == 201, r.text

    eigen = await pagina(reg, "school")
    assert "Klaasje van Pietersz" in eigen and "LL-4711" in eigen, "the school sees the name it supplied"
    assert "Klaartje" not in eigen and "2026-118" not in eigen, "never another school's name for the pupil"
    assert pgn not in eigen
    ander = await pagina(reg, "school2")
    assert "Klaartje Pieters" in ander and "2026-118" in ander
    assert "Pietersz" not in ander and "LL-4711" not in ander

    api = await reg.client.get("/v1/school/signalen", headers=auth("school"))
    [rij] = [t for t in api.json()["te_melden"] if t["pseudoniem"] == p]
    assert (rij["naam"], rij["leerlingnummer"]) == ("Klaasje van Pietersz", "LL-4711")

    # never on the shared log: the events carry neither the name nor the leerlingnummer
    for env in await reg.events(MC28_EVENTS, p):
        text = env.model_dump_json()
        assert "Pietersz" not in text and "LL-4711" not in text and "2026-118" not in text

    # "vergeet leerling" erases it from the school's table and page
    r = await reg.client.post("/v1/identiteit/vergeten", json={"pgn": pgn},
                              headers=auth("beheer"))
    assert r.status_code == 200, r.text
    async with reg.app.state.intake.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM school_leerling WHERE pseudoniem = $1", p) == 0
    na = await pagina(reg, "school")
    assert "Pietersz" not in na and "LL-4711" not in na


async def test_a_leerlingnummer_is_checked_and_never_echoed(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": bsn(), "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
        "ingangsdatum": "2026-08-24", "leerlingnummer": "a\x00<script>"})
    assert r.status_code == 422
    assert "leerlingnummer" in r.text
    assert "<script>" not in r.text
