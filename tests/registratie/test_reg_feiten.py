"""A registration is a fact per day, not a delta (domain.md A2, "what a registration is").

Real Kafka and PostgreSQL, the real app in-process (see conftest.py). School 00AP00 (Zoetermeer, po,
vakantieregio midden). Each test starts from one observed failure: before this rule a re-uploaded
file doubled the hours, a Saturday counted, and 16 hours on one day made a 16-uur duty.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from reg_helpers import Reg, auth, bsn, sleutel

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"
D = date


async def enrol(reg: Reg, pgn: str) -> str:
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
        "ingangsdatum": "2026-08-24", "klas": "8A",
    })
    assert r.status_code == 201, r.text
    return str(r.json()["pseudoniem"])


async def absent(reg: Reg, pgn: str, datum: str, uren: float | str, code: str = "ONGEOORLOOFD") -> Any:
    return await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": datum, "uren": uren, "code": code})


async def of_type(reg: Reg, p: str, cls: type) -> list[Any]:
    return [from_envelope(e) for e in await reg.events(MC28, p) if e.type == cls.event_type]


def fout(r: Any) -> tuple[str, str]:
    f = r.json()["fouten"][0]
    return f["veld"], f["regel"]


async def upload(reg: Reg, text: str) -> Any:
    return await reg.client.post("/v1/afwezigheden/csv", headers=auth("school", sleutel()),
                                 files={"bestand": ("afw.csv", text.encode(), "text/csv")})


async def test_the_same_csv_uploaded_twice_under_two_keys_changes_nothing(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    text = f"pgn;datum;uren;code\n{a};2026-11-23;3;ONGEOORLOOFD\n{a};2026-11-24;3;ONGEOORLOOFD\n" \
           f"{a};2026-11-25;3;ONGEOORLOOFD\n"
    first = await upload(reg, text)
    assert first.status_code == 207, first.text
    assert [x["status"] for x in first.json()["resultaten"]] == [201, 201, 201]
    ids = [x["afwezigheid_id"] for x in first.json()["resultaten"]]

    second = await upload(reg, text)  # another Idempotency-Key, the same facts
    assert second.status_code == 207, second.text
    res = second.json()["resultaten"]
    assert [(x["status"], x["melding"]) for x in res] == [(200, "al geregistreerd")] * 3
    assert [x["afwezigheid_id"] for x in res] == ids, "the existing registrations are named"
    assert (second.json()["geaccepteerd"], second.json()["geweigerd"]) == (0, 0)

    assert len(await of_type(reg, p, ev.AfwezigheidGeregistreerd)) == 3
    assert await of_type(reg, p, ev.AfwezigheidGecorrigeerd) == []
    assert await of_type(reg, p, ev.MeldplichtBereikt) == [], "9 hours, not 18: no 16-uur duty"


async def test_absence_on_a_day_without_school_is_refused(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    friday = await absent(reg, a, "2026-11-20", 8)
    assert friday.status_code == 201, friday.text
    saturday = await absent(reg, a, "2026-11-21", 8)
    assert saturday.status_code == 422, saturday.text
    assert fout(saturday) == ("datum", "alleen_schooldagen")
    assert "weekend" in saturday.json()["fouten"][0]["melding"]
    assert "2026-11-21" not in saturday.text, "the refused value is not echoed"
    herfst = await absent(reg, a, "2026-10-19", 4)  # herfstvakantie midden: 17–25 October 2026
    assert herfst.status_code == 422 and fout(herfst) == ("datum", "alleen_schooldagen")
    assert "herfstvakantie" in herfst.json()["fouten"][0]["melding"]

    [g] = await of_type(reg, p, ev.AfwezigheidGeregistreerd)
    assert g.datum == D(2026, 11, 20)
    assert await of_type(reg, p, ev.MeldplichtBereikt) == [], "8 h on Friday + 8 h on Saturday is no duty"

    reg.zet_vandaag(D(2027, 4, 1))
    try:
        goede_vrijdag = await absent(reg, a, "2027-03-26", 4)
        assert goede_vrijdag.status_code == 422 and fout(goede_vrijdag) == ("datum", "alleen_schooldagen")
        assert "Goede Vrijdag" in goede_vrijdag.json()["fouten"][0]["melding"]
    finally:
        reg.zet_vandaag(D(2026, 11, 27))


async def test_one_day_holds_at_most_one_school_day_of_absence(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a, b = bsn(), bsn()
    pa, pb = await enrol(reg, a), await enrol(reg, b)
    sixteen = await absent(reg, a, "2026-11-23", 16)
    assert sixteen.status_code == 422, sixteen.text
    assert fout(sixteen) == ("uren", "maximaal_een_schooldag")
    assert await of_type(reg, pa, ev.AfwezigheidGeregistreerd) == []
    assert await of_type(reg, pa, ev.MeldplichtBereikt) == []

    # two records of 8 h with the same code: the second states the same fact again
    first = await absent(reg, b, "2026-11-23", 8)
    assert first.status_code == 201, first.text
    again = await absent(reg, b, "2026-11-23", 8)
    assert again.status_code == 200, again.text
    assert again.json()["duplicaat"] is True
    assert again.json()["afwezigheid_id"] == first.json()["afwezigheid_id"]
    assert len(await of_type(reg, pb, ev.AfwezigheidGeregistreerd)) == 1
    assert await of_type(reg, pb, ev.MeldplichtBereikt) == [], "8 hours, not 16"

    # all codes of the day together: 8 h ONGEOORLOOFD + 3 h ZIEK is more than a school day
    ziek = await absent(reg, b, "2026-11-23", 3, "ZIEK")
    assert ziek.status_code == 422 and fout(ziek) == ("uren", "maximaal_een_schooldag")
    ziek = await absent(reg, b, "2026-11-23", 2, "ZIEK")
    assert ziek.status_code == 201, ziek.text


async def test_the_same_day_and_code_with_other_hours_is_a_correction_and_the_rules_follow(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    for datum in ("2026-11-23", "2026-11-24", "2026-11-25"):
        r = await absent(reg, a, datum, 5)
        assert r.status_code == 201, r.text
    wednesday = r.json()["afwezigheid_id"]
    assert await of_type(reg, p, ev.MeldplichtBereikt) == [], "15 hours"

    r = await absent(reg, a, "2026-11-25", 6)  # the school's system now says 6 hours that day
    assert r.status_code == 201, r.text
    assert r.json()["afwezigheid_id"] == wednesday and r.json()["gecorrigeerd"] is True
    [c] = await of_type(reg, p, ev.AfwezigheidGecorrigeerd)
    assert (str(c.afwezigheid_id), c.datum, c.oude_code.value, c.nieuwe_code.value, c.oude_uren, c.nieuwe_uren) == (
        wednesday, D(2026, 11, 25), "ONGEOORLOOFD", "ONGEOORLOOFD", Decimal(5), Decimal(6))
    assert len(await of_type(reg, p, ev.AfwezigheidGeregistreerd)) == 3, "a correction, not a fourth absence"
    [m] = await of_type(reg, p, ev.MeldplichtBereikt)
    assert (m.uren, m.bereikt_op) == (16, D(2026, 11, 25))

    # stating the corrected fact again is a duplicate of the corrected state
    r = await absent(reg, a, "2026-11-25", 6)
    assert r.status_code == 200 and r.json()["duplicaat"] is True
    assert len(await of_type(reg, p, ev.AfwezigheidGecorrigeerd)) == 1


async def test_within_one_batch_the_first_row_of_a_day_and_code_wins(reg: Reg) -> None:
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    rows = [
        {"pgn": a, "datum": "2026-11-23", "uren": 3, "code": "ONGEOORLOOFD"},
        {"pgn": a, "datum": "2026-11-23", "uren": 3, "code": "ONGEOORLOOFD"},
        {"pgn": a, "datum": "2026-11-24", "uren": 2, "code": "ZIEK"},
        {"pgn": a, "datum": "2026-11-24", "uren": 4, "code": "ZIEK"},
        {"pgn": a, "datum": "2026-11-24", "uren": 7, "code": "TE_LAAT"},
    ]
    r = await reg.post("/v1/afwezigheden/batch", {"rijen": rows})
    assert r.status_code == 207, r.text
    res = r.json()["resultaten"]
    assert [x["status"] for x in res] == [201, 200, 201, 201, 422]
    assert res[1]["afwezigheid_id"] == res[0]["afwezigheid_id"] and res[1]["melding"] == "al geregistreerd"
    assert res[3]["afwezigheid_id"] == res[2]["afwezigheid_id"]
    assert res[4]["fouten"][0]["regel"] == "maximaal_een_schooldag", "4 h ZIEK + 7 h TE_LAAT > 10"
    assert (r.json()["geaccepteerd"], r.json()["geweigerd"]) == (3, 1)
    g = await of_type(reg, p, ev.AfwezigheidGeregistreerd)
    assert sorted((x.datum, x.code.value, x.uren) for x in g) == [
        (D(2026, 11, 23), "ONGEOORLOOFD", 3), (D(2026, 11, 24), "ZIEK", 2)]
    [c] = await of_type(reg, p, ev.AfwezigheidGecorrigeerd)
    assert (str(c.afwezigheid_id), c.oude_uren, c.nieuwe_uren) == (res[2]["afwezigheid_id"], 2, 4)


async def test_a_recoded_absence_stated_again_as_first_registered_is_a_duplicate(reg: Reg) -> None:
    """A school re-uploads last week's file after it recoded an ONBEKEND absence to ZIEK: the old
    statement was told already; it must not come back as a second absence next to the ZIEK one."""
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    r = await absent(reg, a, "2026-11-24", 3, "ONBEKEND")
    assert r.status_code == 201, r.text
    afwezigheid_id = r.json()["afwezigheid_id"]
    h = await reg.post("/v1/hercoderingen", {"afwezigheid_id": afwezigheid_id, "nieuwe_code": "ZIEK"})
    assert h.status_code == 201, h.text
    again = await absent(reg, a, "2026-11-24", 3, "ONBEKEND")
    assert again.status_code == 200 and again.json() == {"afwezigheid_id": afwezigheid_id, "duplicaat": True,
                                                         "event_ids": []}
    assert len(await of_type(reg, p, ev.AfwezigheidGeregistreerd)) == 1
    # a recoding that would make the day longer than a school day is refused as well
    ziek = await absent(reg, a, "2026-11-24", 6, "ONGEOORLOOFD")
    assert ziek.status_code == 201, ziek.text
    h = await reg.post("/v1/hercoderingen", {"afwezigheid_id": afwezigheid_id, "nieuwe_code": "ZIEK",
                                             "nieuwe_uren": 5})
    assert h.status_code == 422 and fout(h) == ("nieuwe_uren", "maximaal_een_schooldag")


async def test_hours_with_a_decimal_comma_are_accepted_in_json_the_batch_and_csv(reg: Reg) -> None:
    """Issue 15.8: a Dutch system writes "16,5"; observed before: 422 "Input should be a valid decimal"."""
    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    r = await absent(reg, a, "2026-11-23", "2,5")
    assert r.status_code == 201, r.text
    batch = await reg.post("/v1/afwezigheden/batch", {"rijen": [
        {"pgn": a, "datum": "2026-11-24", "uren": "1,25", "code": "ONGEOORLOOFD"}]})
    assert batch.status_code == 207 and batch.json()["resultaten"][0]["status"] == 201, batch.text
    csv = await upload(reg, f"pgn;datum;uren;code\n{a};2026-11-25;0,5;ONGEOORLOOFD\n")
    assert csv.status_code == 207 and csv.json()["resultaten"][0]["status"] == 201, csv.text
    uren = sorted(e.uren for e in await of_type(reg, p, ev.AfwezigheidGeregistreerd))
    assert uren == [Decimal("0.5"), Decimal("1.25"), Decimal("2.5")]
    lesuren = await reg.post("/v1/lesuren", {"klas": "8A", "week": "2026-W48", "uren": "23,5"})
    assert lesuren.status_code == 201, lesuren.text
    # a thousands separator is not guessed at, and the refusal is Dutch without the value
    bad = await absent(reg, a, "2026-11-26", "1.000,5")
    assert bad.status_code == 422 and fout(bad) == ("uren", "decimal_parsing")
    assert "1.000,5" not in bad.text and "Input should" not in bad.text
    # a row of the batch is refused in Dutch too (observed before: pydantic's English per row)
    rij = await reg.post("/v1/afwezigheden/batch", {"rijen": [
        {"pgn": a, "datum": "2026-11-26", "uren": "veel", "code": "ONGEOORLOOFD"}]})
    [f] = rij.json()["resultaten"][0]["fouten"]
    assert f == {"veld": "uren", "regel": "decimal_parsing",
                 "melding": "De waarde moet een decimaal getal zijn (bijvoorbeeld 16,5)."}


async def test_reading_the_facts_again_reuses_the_absences_of_rows_that_did_not_change(reg: Reg) -> None:
    """Issue 16 (sixth intake round): the intake read and built every absence of a pupil's history at
    every evaluation. Given the absences of an earlier read, a row equal in every field gives back that
    same object; a new row, or one that differs (here: a known object with other hours), a new one.
    The facts are those of a read without them."""
    import dataclasses

    import asyncpg
    from registratie.state import feiten_van

    reg.zet_vandaag(D(2026, 11, 27))
    a = bsn()
    p = await enrol(reg, a)
    for datum in ("2026-11-23", "2026-11-24"):
        assert (await absent(reg, a, datum, 2, "ZIEK")).status_code == 201
    conn = await asyncpg.connect(reg.app.state.runtime.settings.database_url)
    try:
        eerst = (await feiten_van(conn, [p]))[p]
        assert eerst is not None and len(eerst.absences) == 2
        assert (await absent(reg, a, "2026-11-25", 2, "ZIEK")).status_code == 201
        bekend = {x.absence_id: x for x in eerst.absences}
        gewijzigd = dataclasses.replace(eerst.absences[1], hours=Decimal(3))
        bekend[gewijzigd.absence_id] = gewijzigd
        daarna = (await feiten_van(conn, [p], {p: bekend}))[p]
        vers = (await feiten_van(conn, [p]))[p]
    finally:
        await conn.close()
    assert daarna is not None and vers is not None
    assert sorted(daarna.absences, key=lambda x: x.absence_id) == sorted(vers.absences, key=lambda x: x.absence_id)
    hergebruikt = {x.absence_id for x in daarna.absences if any(x is y for y in eerst.absences)}
    assert hergebruikt == {eerst.absences[0].absence_id}
