"""The calendar runs out loudly, and beheer extends it without a release (domain.md A3.12, issue 12.4).

Real Kafka and PostgreSQL, registratie in-process with "today" pinned. The pupils live in Leiden
(GM0546, region MC26, a region of this test's own) and attend 00AP00 in Zoetermeer (vakantieregio
midden, whose shipped holidays end on Sunday 20 August 2028).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from kalender_testdata import rijen
from reg_helpers import API_TOKENS, TEST_KEY, TOKENS, Reg, bsn

from contracts.catalogue import from_envelope
from contracts.codes import MeldingSoort
from contracts.events import registratie as ev
from leerrecht.kalender import lees_schoolvakanties, load_schoolvakanties
from leerrecht.metrics import exposition

pytestmark = pytest.mark.infra
MC26 = "leerrecht.regio.MC26.events"
D = date
BEHEER = {"Authorization": f"Bearer {TOKENS['beheer']}"}


async def _app(infra: Any, url: str) -> Any:
    from registratie.app import build_app
    from registratie.config import RegistratieSettings

    return build_app(RegistratieSettings(
        DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap, AUTH_MODE="static", API_TOKENS=API_TOKENS,
        PSEUDONYM_KEY=TEST_KEY, REGIONS="MC26", DAGTAAK_INTERVAL_S=0, LOG_JSON=False,
    ))


@pytest.fixture(scope="module")
async def kal(infra: Any) -> AsyncIterator[tuple[Reg, str]]:
    url = await infra.adatabase_url("regkal")
    app = await _app(infra, url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registratie", timeout=60) as client:
            for _ in range(300):  # the projection joins its consumer group first
                if (await client.get("/ready")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            yield Reg(app, client, infra.bootstrap), url


def of_type(envs: list[Any], cls: type) -> list[Any]:
    return [from_envelope(e) for e in envs if e.type == cls.event_type]


def metrieken() -> str:
    """This process's metrics (the app runs in-process here; a running service serves them on METRICS_PORT)."""
    return exposition()[0].decode()


def gauge(metrics: str, regio: str) -> float:
    m = re.search(rf'^leerrecht_kalender_resterende_dagen{{vakantieregio="{regio}"}} (\S+)$', metrics, re.M)
    assert m is not None, "gauge missing"
    return float(m.group(1))


async def test_more_than_twelve_months_before_the_end_the_service_is_ok(kal: tuple[Reg, str]) -> None:
    reg, _ = kal
    reg.zet_vandaag(D(2027, 7, 1))
    r = await reg.client.get("/ready")
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text
    stand = (await reg.client.get("/v1/beheer/kalender", headers=BEHEER)).json()
    assert stand["status"] == "ok" and stand["kalender_einde"] == "2028-08-20"
    assert gauge(metrieken(), "midden") == 416


async def test_eleven_months_before_the_end_the_service_is_degraded_and_beheer_is_told(kal: tuple[Reg, str]) -> None:
    reg, _ = kal
    reg.zet_vandaag(D(2027, 9, 20))
    r = await reg.client.get("/ready")
    assert r.status_code == 200, "degraded, not unready: Kubernetes must not restart it"
    body = r.json()
    assert body["ready"] is True and body["status"] == "degraded"
    [reden] = body["redenen"]
    assert reden["reden"] == "kalender_loopt_af" and reden["kalender_einde"] == "2028-08-20"
    h = (await reg.client.get("/health")).json()
    assert h["status"] == "degraded" and h["redenen"][0]["kalender_einde"] == "2028-08-20"

    r = await reg.client.get("/v1/beheer/kalender", headers=BEHEER)
    assert r.status_code == 200, r.text
    stand = r.json()
    assert (stand["status"], stand["reden"], stand["resterende_dagen"]) == ("degraded", "kalender_loopt_af", 335)
    assert stand["waarschuwing_vanaf"] == "2027-08-20" and "20-08-2028" in stand["melding"]
    assert stand["per_vakantieregio"]["zuid"] == {"einde": "2028-09-03", "resterende_dagen": 349}
    assert gauge(metrieken(), "midden") == 335
    school = {"Authorization": f"Bearer {TOKENS['school']}"}
    assert (await reg.client.get("/v1/beheer/kalender", headers=school)).status_code == 403


async def test_after_the_end_no_silent_skip_and_the_loaded_year_raises_the_duty(kal: tuple[Reg, str], infra: Any,
                                                                                 ) -> None:
    reg, url = kal
    reg.zet_vandaag(D(2027, 9, 20))
    pgn = bsn()
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2016-05-17", "woongemeente": "GM0546", "school": "00AP00",
        "ingangsdatum": "2027-09-01", "klas": "6A",
    })
    assert r.status_code == 201, r.text
    p = str(r.json()["pseudoniem"])

    # after the calendar's end the school registers four Tuesdays of June: 16 hours in 4 lesweken
    reg.zet_vandaag(D(2028, 8, 28))
    for datum in ("2028-05-30", "2028-06-06", "2028-06-13", "2028-06-20"):
        r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": datum, "uren": 4, "code": "ONGEOORLOOFD"})
        assert r.status_code == 201, r.text
    r = await reg.client.post("/v1/beheer/dagtaak", headers=BEHEER)
    assert r.status_code == 200, r.text
    assert of_type(await reg.events(MC26, p), ev.MeldplichtBereikt) == [], "the rules could not be evaluated"

    # … but that is visible: degraded, the beheer line, and the pupil is remembered
    body = (await reg.client.get("/ready")).json()
    assert body["status"] == "degraded" and body["redenen"][0]["reden"] == "kalender_verlopen"
    stand = (await reg.client.get("/v1/beheer/kalender", headers=BEHEER)).json()
    assert stand["reden"] == "kalender_verlopen" and stand["resterende_dagen"] == -8
    assert stand["leerlingen_niet_beoordeeld"] == 1
    assert gauge(metrieken(), "midden") == -8

    # only beheer loads school years; invalid rows are refused in the platform's shape
    r = await reg.client.post("/v1/beheer/schoolvakanties", json={"rijen": rijen("2028-2029")},
                              headers={"Authorization": f"Bearer {TOKENS['school']}"})
    assert r.status_code == 403
    r = await reg.client.post("/v1/beheer/schoolvakanties", json={"rijen": rijen("2029-2030")}, headers=BEHEER)
    assert r.status_code == 422 and r.json()["fouten"][0]["regel"] == "aansluitend_schooljaar", r.text
    assert {"title", "status", "fouten"} <= set(r.json())

    r = await reg.client.post("/v1/beheer/schoolvakanties", json={"rijen": rijen("2028-2029", "2029-2030")},
                              headers=BEHEER)
    assert r.status_code == 201, r.text
    assert r.json()["versie"] == 1 and r.json()["kalender_einde"] == "2030-08-18"
    again = await reg.client.post("/v1/beheer/schoolvakanties", json={"rijen": rijen("2028-2029")}, headers=BEHEER)
    assert again.status_code == 200 and again.json()["versie"] == 1, "nothing new: no new version"

    # the remembered pupil is evaluated again: the duty that was due is raised (and it is overdue)
    for _ in range(100):
        stand = (await reg.client.get("/v1/beheer/kalender", headers=BEHEER)).json()
        if stand["leerlingen_niet_beoordeeld"] == 0:
            break
        await asyncio.sleep(0.1)
    assert stand["leerlingen_niet_beoordeeld"] == 0
    # the evaluation commits the duty in the outbox; the relay puts it on the log a moment later
    for _ in range(50):
        envs = await reg.events(MC26, p)
        if of_type(envs, ev.MeldtermijnVerstreken):
            break
        await asyncio.sleep(0.2)
    [m] = of_type(envs, ev.MeldplichtBereikt)
    assert (m.soort, m.vanaf, m.bereikt_op, m.uren) == (MeldingSoort.ZESTIEN_UUR, D(2028, 5, 30), D(2028, 6, 20), 16)
    [v] = of_type(envs, ev.MeldtermijnVerstreken)
    assert v.meldplicht_id == m.meldplicht_id
    assert stand["status"] == "ok" and stand["kalender_einde"] == "2030-08-18"
    [versie] = stand["versies"]
    assert versie["versie"] == 1 and versie["vastgesteld_door"] == "beheer-1"
    assert versie["schooljaren"] == ["2028-2029", "2029-2030"] and versie["rijen"] == 30
    assert (await reg.client.get("/ready")).json()["status"] == "ok"
    assert gauge(metrieken(), "midden") == (D(2030, 9, 1) - D(2028, 8, 28)).days

    # a restarted registratie loads the extension from its database at start
    app2 = await _app(infra, url)
    async with (app2.router.lifespan_context(app2),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app2), base_url="http://r2") as c2):
        stand2 = (await c2.get("/v1/beheer/kalender", headers=BEHEER)).json()
    assert stand2["kalender_einde"] == "2030-08-18" and stand2["versie"] == 1


    from registratie.schoolkalender import Kalenderbron

    # a later release that ships 2028-2029 itself (with corrected dates): the shipped year is used,
    # the stored 2029-2030 still extends it
    verscheept = rijen("2028-2029")
    verscheept[13] = {**verscheept[13], "eind": "2029-08-19"}  # midden's summer a week shorter
    bron = Kalenderbron(load_schoolvakanties() + lees_schoolvakanties(verscheept))
    conn = await asyncpg.connect(url)
    try:
        assert await bron.laad(conn)
    finally:
        await conn.close()
    assert bron.versie == 1 and bron.kalender.einde() == D(2030, 8, 18)
    assert bron.kalender.is_lesweek(D(2029, 8, 20), "midden"), "the shipped summer, not the stored one"
