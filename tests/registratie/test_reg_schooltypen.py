"""Absence end to end per school type (issue 13, Done when): each type's rules from the register.

registratie in-process (its "today" pinned), rmc MC03 as a process, telling's projection on a fresh
database; real Kafka and PostgreSQL. Region MC03 (Groningen) is used by no other test, and real
locations of each type in Groningen (GM0014) from the seed: po 01VG01 (Jenaplanschool 't Wilde
Woud), vo 02UV00 (Gomarus College), vso 02YM00 (Diamant College), so 02YR00 (Prof W J
Bladergroenschool); the mbo location 99ZZ31 exists only through DUO's register feed (no public list).
The ISK test also uses 20CM08 (Dollard College Pontis Winschoten - ISK, region MC01; its pupils live in
Groningen, so their events are on MC03's topic).

Every pupil is absent without leave 4 hours on Mon 8 – Thu 11 September 2025 (a leesweek in the
noord holiday region, the school year 2025-2026): 16 hours in 4 lesweken.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reg_helpers import TEST_KEY, Reg, bsn, sleutel

from contracts.topics import REGISTER_TOPIC, region_events_topic
from services import dev_token

REGIO = "MC03"
GRONINGEN = "GM0014"
PO, VO, VSO, SO, MBO = "01VG01", "02UV00", "02YM00", "02YR00", "99ZZ31"
MBO_CSV, ISK_CSV, ISK_DUO, ISK_SEED = "99ZZ33", "99ZZ34", "99ZZ37", "20CM08"
SCHOLEN = [PO, VO, VSO, SO, MBO, MBO_CSV, ISK_CSV, ISK_DUO, ISK_SEED]
COACH = dev_token("t-rmc-mc03")
_T = {who: dev_token(f"t-{who}") for who in [*SCHOLEN, "duo"]}
TOKENS = ",".join([f"{_T[s]}={s}:school" for s in SCHOLEN] + [f"{_T['duo']}=duo:duo", f"{COACH}=coach-03:rmc:{REGIO}"])
TOPIC = region_events_topic(REGIO)
INGANG = date(2025, 9, 1)
DAGEN = [date(2025, 9, 8) + timedelta(days=i) for i in range(4)]
NA = date(2025, 9, 12)
MELDPLICHT = "nl.leerrecht.registratie.meldplicht_bereikt"


def hdr(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_T[who]}", "Idempotency-Key": sleutel()}


@pytest.fixture(scope="module")
async def reg03(infra: Any) -> AsyncIterator[Reg]:
    from registratie.app import build_app
    from registratie.config import RegistratieSettings

    settings = RegistratieSettings(
        DATABASE_URL=await infra.adatabase_url("regtypen"), KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
        AUTH_MODE="static", API_TOKENS=TOKENS, PSEUDONYM_KEY=TEST_KEY, REGIONS=REGIO, DAGTAAK_INTERVAL_S=0,
        LOG_JSON=False,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registratie", timeout=60) as client:
            r = Reg(app, client, infra.bootstrap)
            r.zet_vandaag(INGANG)
            res = await client.post("/v1/duo/schoolvestigingen", headers=hdr("duo"), json={
                "actie": "vastleggen", "school": MBO, "naam": "Voorbeeld mbo Groningen", "gemeente": GRONINGEN,
                "school_types": ["mbo"], "vakantieregio": "NOORD", "geldig_vanaf": "2025-08-01"})
            assert res.status_code == 201, res.text
            yield r


@pytest.fixture(scope="module")
def rmc03(infra: Any, reg03: Reg) -> Iterator[Any]:
    from services import launch, wait_ready

    proc = launch("rmc", infra.bootstrap, infra.database_url("rmctypen"), REGION=REGIO, API_TOKENS=TOKENS,
                  RMC_UITGAAND_WACHT_S="0.2")
    try:
        wait_ready(proc)
        yield proc
    finally:
        proc.stop()


async def leerling(r: Reg, school: str, geboren: date, **extra: Any) -> tuple[str, str]:
    """Enrol a pupil living in Groningen and register the four days of absence; (pgn, pseudonym)."""
    pgn = bsn()
    r.zet_vandaag(INGANG)
    res = await r.client.post("/v1/inschrijvingen", headers=hdr(school), json={
        "pgn": pgn, "geboortedatum": geboren.isoformat(), "woongemeente": GRONINGEN, "school": school,
        "ingangsdatum": INGANG.isoformat(), **extra})
    assert res.status_code == 201, res.text
    pseudoniem = str(res.json()["pseudoniem"])
    r.zet_vandaag(NA)
    for dag in DAGEN:
        res = await r.client.post("/v1/afwezigheden", headers=hdr(school), json={
            "pgn": pgn, "datum": dag.isoformat(), "uren": "4", "code": "ONGEOORLOOFD"})
        assert res.status_code == 201, res.text
    return pgn, pseudoniem


async def plicht(r: Reg, pseudoniem: str) -> list[dict[str, Any]]:
    return [e.data for e in await r.events(TOPIC, pseudoniem) if e.type == MELDPLICHT]


async def ingeschreven(r: Reg, pseudoniem: str) -> dict[str, Any]:
    envs = [e.data for e in await r.events(TOPIC, pseudoniem) if e.type.endswith("leerling_ingeschreven")]
    assert len(envs) == 1
    return envs[0]


async def test_a_vo_pupil_reaching_16_lesuren_in_4_lesweken_gets_the_16_uur_duty(reg03: Reg) -> None:
    _, p = await leerling(reg03, VO, date(2012, 4, 2))
    assert (await ingeschreven(reg03, p))["school_type"] == "vo"
    [m] = await plicht(reg03, p)
    assert (m["soort"], m["eenheid"], m["uren"], m["school"]["vestiging"]) == ("ZESTIEN_UUR", "LESUUR", 16, "00")
    assert (m["vanaf"], m["bereikt_op"]) == ("2025-09-08", "2025-09-11")


async def test_a_vso_pupil_counts_lesuren_and_an_so_pupil_klokuren(reg03: Reg) -> None:
    _, vso = await leerling(reg03, VSO, date(2010, 11, 20))
    assert (await ingeschreven(reg03, vso))["school_type"] == "vso"
    [m] = await plicht(reg03, vso)
    assert (m["soort"], m["eenheid"], m["bereikt_op"]) == ("ZESTIEN_UUR", "LESUUR", "2025-09-11")
    _, so = await leerling(reg03, SO, date(2016, 1, 10))
    assert (await ingeschreven(reg03, so))["school_type"] == "so"
    [m] = await plicht(reg03, so)
    assert (m["soort"], m["eenheid"]) == ("ZESTIEN_UUR", "KLOKUUR")
    _, po = await leerling(reg03, PO, date(2017, 6, 30))
    [m] = await plicht(reg03, po)
    assert (m["soort"], m["eenheid"]) == ("ZESTIEN_UUR", "KLOKUUR")


async def test_an_mbo_student_aged_17_is_kwalificatieplichtig_and_gets_the_16_uur_duty(reg03: Reg) -> None:
    _, p = await leerling(reg03, MBO, date(2008, 3, 14))
    assert (await ingeschreven(reg03, p))["school_type"] == "mbo"
    [m] = await plicht(reg03, p)
    assert (m["soort"], m["eenheid"], m["uren"]) == ("ZESTIEN_UUR", "LESUUR", 16)


async def test_an_mbo_student_aged_19_without_sk_goes_to_the_doorstroompunt(reg03: Reg, rmc03: Any) -> None:
    pgn, p = await leerling(reg03, MBO, date(2006, 5, 3))
    [m] = await plicht(reg03, p)
    assert (m["soort"], m["eenheid"], m["uren"]) == ("ACHTTIEN_PLUS", "LESUUR", 16)
    # the school files the 18+ report; the region's Doorstroompunt takes the young person in
    res = await reg03.client.post("/v1/meldingen", headers=hdr(MBO), json={
        "pgn": pgn, "soort": "ACHTTIEN_PLUS", "startdatum": m["vanaf"], "einddatum": m["bereikt_op"], "uren": "16"})
    assert res.status_code == 201, res.text
    from wachten import eventually

    coach = {"Authorization": f"Bearer {COACH}"}

    def op_werklijst() -> bool:
        r = httpx.get(f"{rmc03.url}/v1/werklijst", headers=coach, timeout=10)
        return r.status_code == 200 and p in [w["pseudoniem"] for w in r.json()["nieuw"]]

    eventually(op_werklijst)
    d = httpx.get(f"{rmc03.url}/v1/jongeren/{p}", headers=coach, timeout=10).json()
    assert (d["status"], d["bron"], d["woongemeente"], d["geboortejaar_maand"]) == (
        "NIEUW", "ACHTTIEN_PLUS_MELDING", GRONINGEN, "2006-05")


async def test_the_mbo_location_is_on_the_register_topic(reg03: Reg) -> None:
    envs = await reg03.events(REGISTER_TOPIC, MBO)
    assert [e.data["school_types"] for e in envs] == [["mbo"]]


# -- DUO's register feed as CSV (issue 13.2) ------------------------------------------------------------

REGISTER_CSV = (
    "actie;school;naam;gemeente;school_types;vo_structuur;praktijkonderwijs;isk;vakantieregio;bevoegd_gezag;"
    "geldig_vanaf;geldig_tot;opgegaan_in\n"
    "# DUO RIO-export\n"
    f"vastleggen;{MBO_CSV};Voorbeeld mbo Groningen Zuid;{GRONINGEN};mbo;;nee;nee;NOORD;;2025-08-01;;\n"
    f"vastleggen;{MBO_CSV};;{GRONINGEN};mbo;;;;;;2025-08-01;;\n"
    f"vastleggen;{ISK_CSV};ISK Groningen (voorbeeld);{GRONINGEN};vo;VBO/MAVO;nee;ja;NOORD;12345;2025-08-01;;\n"
    f"sluiten;{MBO_CSV};;;;;;;;;;2026-08-01;\n"
    "opheffen;99ZZ35;;;;;;;;;;;\n"
)


async def upload(r: Reg, tekst: str, who: str = "duo", key: str | None = None) -> httpx.Response:
    headers = hdr(who)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await r.client.post("/v1/duo/schoolvestigingen/csv", headers=headers,
                               files={"bestand": ("rio.csv", tekst.encode(), "text/csv")})


async def test_duo_feeds_the_register_as_csv_with_a_result_per_row(reg03: Reg) -> None:
    assert (await upload(reg03, REGISTER_CSV, who=MBO)).status_code == 403  # only DUO
    key = sleutel()
    res = await upload(reg03, REGISTER_CSV, key=key)
    assert res.status_code == 207, res.text
    body = res.json()
    assert (body["gepubliceerd"], body["geweigerd"]) == (3, 2)
    status = {r["regel"]: r for r in body["resultaten"]}
    assert [(n, status[n]["status"]) for n in sorted(status)] == [(3, 201), (4, 422), (5, 201), (6, 201), (7, 422)]
    assert status[4]["fouten"][0]["veld"] == "vakantieregio"
    assert status[7]["fouten"][0]["veld"] == "actie" and "opheffen" not in str(status[7])  # never echoed
    again = await upload(reg03, REGISTER_CSV, key=key)  # the same upload again: the stored answer
    assert again.json() == body and again.headers.get("Idempotent-Replay") == "true"

    envs = await reg03.events(REGISTER_TOPIC, MBO_CSV)
    assert [e.type.rsplit(".", 1)[1] for e in envs] == ["schoolvestiging_vastgelegd", "schoolvestiging_gesloten"]
    [isk] = [e.data for e in await reg03.events(REGISTER_TOPIC, ISK_CSV)]
    assert (isk["school_types"], isk["vo_structuur"], isk["isk"], isk["bevoegd_gezag"]) == (
        ["vo"], ["VBO", "MAVO"], True, "12345")

    reg03.zet_vandaag(INGANG)
    res = await reg03.client.post("/v1/inschrijvingen", headers=hdr(MBO_CSV), json={
        "pgn": bsn(), "geboortedatum": "2008-09-01", "woongemeente": GRONINGEN, "school": MBO_CSV,
        "ingangsdatum": INGANG.isoformat()})
    assert res.status_code == 201, res.text
    reg03.zet_vandaag(date(2026, 8, 17))
    res = await reg03.client.post("/v1/inschrijvingen", headers=hdr(MBO_CSV), json={
        "pgn": bsn(), "geboortedatum": "2008-09-01", "woongemeente": GRONINGEN, "school": MBO_CSV,
        "ingangsdatum": "2026-08-17"})
    assert res.status_code == 422 and res.json()["fouten"][0]["regel"] == "bekende_school"


async def test_the_register_csv_has_the_absence_csvs_limits_and_checks(reg03: Reg) -> None:
    kop = "actie;school;geldig_tot\n"
    te_veel = kop + "".join(f"sluiten;99ZZ{n % 100:02d};2030-01-01\n" for n in range(1001))
    res = await upload(reg03, te_veel)
    assert res.status_code == 413 and res.json()["fouten"][0]["regel"] == "maximaal_aantal_regels"
    res = await upload(reg03, "school;naam\n99ZZ36;x\n")
    assert res.status_code == 422 and res.json()["fouten"][0]["regel"] == "kopregel"
    res = await upload(reg03, kop)
    assert res.status_code == 422 and res.json()["fouten"][0]["regel"] == "niet_leeg"
    res = await reg03.client.get("/v1/duo/schoolvestigingen/csv-sjabloon", headers=hdr("duo"))
    assert res.status_code == 200 and res.text.startswith("actie;school;naam;gemeente;school_types")


# -- local protocols by type: the ISK grace period (issue 13.3, domain.md A3.9) ----------------------

ISK_PROTOCOL = {"protocol_id": "isk-gratie", "scope": "SCHOOLTYPE", "scope_code": "ISK", "valid_from": "2025-08-01",
                "gratieperiodes": [{"weken": 6, "alleen_isk": True}]}


async def test_an_isk_department_of_the_register_gets_the_isk_grace_period(reg03: Reg) -> None:
    import json

    from registratie.protocollen import parse_protocols

    res = await upload(reg03, "actie;school;naam;gemeente;school_types;isk;vakantieregio;geldig_vanaf\n"
                              f"vastleggen;{ISK_DUO};ISK Groningen Noord;{GRONINGEN};vo;ja;NOORD;2025-08-01\n")
    assert res.status_code == 207 and res.json()["gepubliceerd"] == 1, res.text
    reg03.app.state.intake.protocols = parse_protocols(json.dumps([ISK_PROTOCOL]))
    try:
        # ISK by the seed (DUO's name) and by DUO's feed: the enrolment is ISK, no report in 6 weeks
        for school in (ISK_SEED, ISK_DUO):
            pgn, p = await leerling(reg03, school, date(2011, 2, 7))
            assert (await ingeschreven(reg03, p))["isk"] is True
            assert await plicht(reg03, p) == [], school
        # the school says the pupil is in its regular part: the 16-uur rule as usual
        _, regulier = await leerling(reg03, ISK_SEED, date(2011, 2, 7), isk=False)
        assert (await ingeschreven(reg03, regulier))["isk"] is False
        [m] = await plicht(reg03, regulier)
        assert (m["soort"], m["bereikt_op"]) == ("ZESTIEN_UUR", "2025-09-11")
        # after the grace period (1 Sept + 6 weeks: to 12 Oct) counting starts: 13-16 Oct
        reg03.zet_vandaag(date(2025, 10, 17))
        for dag in (date(2025, 10, 13) + timedelta(days=i) for i in range(4)):
            res = await reg03.client.post("/v1/afwezigheden", headers=hdr(ISK_DUO), json={
                "pgn": pgn, "datum": dag.isoformat(), "uren": "4", "code": "ONGEOORLOOFD"})
            assert res.status_code == 201, res.text
        [m] = await plicht(reg03, p)
        assert (m["soort"], m["vanaf"], m["bereikt_op"], m["uren"]) == ("ZESTIEN_UUR", "2025-10-13", "2025-10-16", 16)
    finally:
        reg03.app.state.intake.protocols = ()


# -- telling's breakdown by school type (issue 13, Done when) ------------------------------------------

async def test_tellings_breakdown_by_school_type_is_filled_for_every_type(reg03: Reg, infra: Any) -> None:
    """MC03's log as registratie wrote it, through telling's projection on a fresh database: the
    pupils with unauthorised absence per school type equal a hand count from the log, and every
    type (po, vo, (v)so, mbo) has its column."""
    from telling.projection import TellingProjection

    from leerrecht.db import create_pool, migrate
    from leerrecht.projection import Delivered

    log = await reg03.events(TOPIC)
    soort: dict[str, str] = {}
    verwacht: dict[str, set[str]] = {}
    for e in log:
        if e.type.endswith("leerling_ingeschreven"):
            st = e.data["school_type"]
            soort[e.subject] = "(v)so" if st in ("so", "vso") else st
        elif e.type.endswith("afwezigheid_geregistreerd") and e.data["code"] == "ONGEOORLOOFD":
            verwacht.setdefault(soort[e.subject], set()).add(e.subject)
    assert set(verwacht) == {"po", "vo", "(v)so", "mbo"}

    pool = await create_pool(await infra.adatabase_url("teltypen"))
    try:
        await migrate(pool, "telling")
        async with pool.acquire() as conn, conn.transaction():
            await TellingProjection().apply(conn, [Delivered(e, TOPIC, 0, i) for i, e in enumerate(log)])
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT uitsplitsing, waarde FROM cijfer WHERE indicator = 'leerlingen.met_ongeoorloofde_afwezigheid' "
                "AND periode = '2025-2026' AND gebied = $1", REGIO)
    finally:
        await pool.close()
    cijfers = {r["uitsplitsing"]: int(r["waarde"]) for r in rows}
    for st, leerlingen in verwacht.items():
        assert cijfers[f"schooltype:{st}"] == len(leerlingen), st
    assert cijfers[""] == sum(len(v) for v in verwacht.values())
