"""The processing log in registratie (domain.md B, Decision; issue 14 point 3): what schools and DUO did
with a pupil's file, a refused submission included, recorded under the pseudonym (never the BSN) and
shown to beheer for an AVG art. 15 request. Real app in-process on real Kafka and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import pytest
from reg_helpers import Reg, auth, bsn

pytestmark = pytest.mark.infra


async def verwerkingen(reg: Reg, pseudoniem: str) -> list[dict[str, Any]]:
    r = await reg.client.get("/v1/beheer/verwerkingen", params={"pseudoniem": pseudoniem}, headers=auth("beheer"))
    assert r.status_code == 200, r.text
    return list(r.json()["verwerkingen"])


async def test_a_schools_enrolment_absence_and_a_refused_submission_are_recorded(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 27))
    pgn = bsn()
    inschrijving = {"pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
                    "ingangsdatum": "2026-08-24", "klas": "8A"}
    r = await reg.post("/v1/inschrijvingen", inschrijving)
    assert r.status_code == 201, r.text
    pseudoniem = r.json()["pseudoniem"]
    r = await reg.post("/v1/inschrijvingen", inschrijving, who="school2")  # for another school: refused
    assert r.status_code == 403, r.text
    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-23", "uren": 2, "code": "ONGEOORLOOFD"})
    assert r.status_code == 201, r.text
    assert (await reg.client.get("/v1/beheer/verwerkingen", params={"pseudoniem": pseudoniem},
                                 headers=auth("school"))).status_code == 403

    records = await verwerkingen(reg, pseudoniem)
    assert [(v["operatie"], v["status"], v["actor"]["id"], v["actor"]["organisatie"]) for v in records] == [
        ("In- of uitschrijving registreren", "ok", "00AP00", "school:00AP00"),
        ("In- of uitschrijving registreren", "refused", "00AV00", "school:00AV00"),
        ("Afwezigheid registreren of hercoderen", "ok", "00AP00", "school:00AP00"),
        ("Inzageverzoek beantwoorden", "refused", "00AP00", "school:00AP00"),
    ]
    assert records[0]["grondslag"] == "art. 18 Lpw" and records[0]["http_status"] == 201

    conn = await asyncpg.connect(reg.app.state.runtime.settings.database_url)
    try:
        rijen = [dict(r) for r in await conn.fetch("SELECT * FROM verwerking")]
    finally:
        await conn.close()
    assert rijen and pgn not in repr(rijen), "the pseudonym is the data subject, never the BSN"


async def test_a_schools_read_of_its_pupils_list_records_every_pupil_shown(reg: Reg) -> None:
    """Before: the school's list of signals and reports (API and ``/school``, with its own names) left no record."""
    reg.zet_vandaag(date(2026, 11, 27))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", {"pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637",
                                              "school": "00AP00", "ingangsdatum": "2026-08-24", "klas": "8B"})
    assert r.status_code == 201, r.text
    pseudoniem = r.json()["pseudoniem"]
    r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": "2026-11-23", "uren": 3, "code": "LUXE"})
    assert r.status_code == 201, r.text

    r = await reg.client.get("/v1/school/signalen", headers=auth("school"))
    assert r.status_code == 200, r.text
    assert pseudoniem in {x["pseudoniem"] for x in r.json()["te_melden"]}
    token = auth("school")["Authorization"].removeprefix("Bearer ")
    assert (await reg.client.post("/inloggen", data={"token": token})).status_code == 303
    pagina = await reg.client.get("/school")
    assert pagina.status_code == 200, pagina.text
    reg.client.cookies.clear()

    gezien = [v for v in await verwerkingen(reg, pseudoniem)
              if v["operatie"] == "Eigen leerlingen van de school inzien"]
    assert [(v["status"], v["actor"]["organisatie"]) for v in gezien] == [("ok", "school:00AP00")] * 2
