"""The register of school locations (issue 13): every type enrols, DUO's feed adds, changes, merges
and closes locations, dated; the register replays from the log.

Region MC41 (Arnhem) and its locations, so these tests do not meet others' pupils: vo 20TZ00
(Lorentz, Arnhem), vso 01JH04 (Meforta College, Zetten), so 01JE00 (De Ommezwaai), (v)so 01JH03
(De Brouwerij), and an mbo location 99ZZ01 that only DUO's feed brings in.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reg_helpers import TEST_KEY, Reg, bsn, sleutel

from contracts.topics import REGISTER_TOPIC, region_events_topic
from services import dev_token

VO, VSO, SO, V_SO, MBO, MBO2 = "20TZ00", "01JH04", "01JE00", "01JH03", "99ZZ01", "99ZZ02"
SCHOLEN = [VO, VSO, SO, V_SO, MBO, MBO2]
_T = {who: dev_token(f"t-{who}") for who in [*SCHOLEN, "duo"]}
TOKENS = ",".join([f"{_T[s]}={s}:school" for s in SCHOLEN] + [f"{_T['duo']}=duo:duo"])
ARNHEM = "GM0202"
MC41 = region_events_topic("MC41")
REGISTER_SQL = "SELECT event_id, code, event_type, data::text FROM register_feit ORDER BY volgnummer"


def hdr(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {_T[who]}", "Idempotency-Key": sleutel()}


@pytest.fixture(scope="module")
async def reg41(infra: Any) -> AsyncIterator[Reg]:
    from registratie.app import build_app
    from registratie.config import RegistratieSettings

    settings = RegistratieSettings(
        DATABASE_URL=await infra.adatabase_url("regregister"), KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
        AUTH_MODE="static", API_TOKENS=TOKENS, PSEUDONYM_KEY=TEST_KEY, REGIONS="MC41", DAGTAAK_INTERVAL_S=0,
        LOG_JSON=False,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registratie", timeout=60) as client:
            yield Reg(app, client, infra.bootstrap)


async def inschrijven(r: Reg, school: str, geboren: date, ingang: date, **extra: Any) -> httpx.Response:
    body = {"pgn": bsn(), "geboortedatum": geboren.isoformat(), "woongemeente": ARNHEM, "school": school,
            "ingangsdatum": ingang.isoformat(), **extra}
    return await r.client.post("/v1/inschrijvingen", json=body, headers=hdr(school))


async def ingeschreven(r: Reg, pseudoniem: str) -> dict[str, Any]:
    envs = [e for e in await r.events(MC41, pseudoniem) if e.type.endswith("leerling_ingeschreven")]
    assert len(envs) == 1
    return envs[0].data


async def test_a_secondary_school_enrols_its_pupil_as_vo(reg41: Reg) -> None:
    """The issue's observed failure: a vo location was refused as "onbekende school"."""
    reg41.zet_vandaag(date(2025, 9, 1))
    res = await inschrijven(reg41, VO, date(2011, 3, 5), date(2025, 9, 1))
    assert res.status_code == 201, res.text
    data = await ingeschreven(reg41, res.json()["pseudoniem"])
    assert data["school_type"] == "vo" and data["vakantieregio"] == "ZUID"


async def test_vso_and_so_locations_enrol_with_their_own_type(reg41: Reg) -> None:
    reg41.zet_vandaag(date(2025, 9, 1))
    res = await inschrijven(reg41, VSO, date(2009, 6, 1), date(2025, 9, 1))
    assert res.status_code == 201, res.text
    assert (await ingeschreven(reg41, res.json()["pseudoniem"]))["school_type"] == "vso"
    res = await inschrijven(reg41, SO, date(2016, 6, 1), date(2025, 9, 1))
    assert res.status_code == 201, res.text
    assert (await ingeschreven(reg41, res.json()["pseudoniem"]))["school_type"] == "so"
    # a (v)so location offers both: the enrolment says which, never a guess
    res = await inschrijven(reg41, V_SO, date(2012, 6, 1), date(2025, 9, 1))
    assert res.status_code == 422 and res.json()["fouten"][0]["regel"] == "school_type"
    res = await inschrijven(reg41, V_SO, date(2012, 6, 1), date(2025, 9, 1), school_type="vso")
    assert res.status_code == 201, res.text
    assert (await ingeschreven(reg41, res.json()["pseudoniem"]))["school_type"] == "vso"


async def duo(r: Reg, body: dict[str, Any]) -> httpx.Response:
    return await r.client.post("/v1/duo/schoolvestigingen", json=body, headers=hdr("duo"))


async def test_duo_registers_an_mbo_location_and_closes_it_from_a_date(reg41: Reg) -> None:
    reg41.zet_vandaag(date(2025, 9, 1))
    res = await inschrijven(reg41, MBO, date(2008, 2, 1), date(2025, 9, 1))
    assert res.status_code == 422
    fout = res.json()["fouten"][0]
    assert fout["regel"] == "bekende_school" and "DUO registreert" in fout["melding"]

    # only DUO may feed the register
    res = await reg41.client.post("/v1/duo/schoolvestigingen", headers=hdr(VO), json={"actie": "sluiten",
                                  "school": VO, "geldig_tot": "2026-01-01"})
    assert res.status_code == 403
    res = await duo(reg41, {"actie": "vastleggen", "school": MBO, "naam": "Voorbeeld mbo Arnhem", "gemeente": ARNHEM,
                            "school_types": ["mbo"], "vakantieregio": "ZUID", "geldig_vanaf": "2025-08-01"})
    assert res.status_code == 201, res.text
    envs = await reg41.events(REGISTER_TOPIC, MBO)
    assert [e.type for e in envs] == ["nl.leerrecht.registratie.schoolvestiging_vastgelegd"]

    aged_17 = await inschrijven(reg41, MBO, date(2008, 2, 1), date(2025, 9, 1))
    assert aged_17.status_code == 201, aged_17.text
    assert (await ingeschreven(reg41, aged_17.json()["pseudoniem"]))["school_type"] == "mbo"
    aged_19 = await inschrijven(reg41, MBO, date(2006, 5, 1), date(2025, 9, 1))
    assert aged_19.status_code == 201, aged_19.text

    res = await duo(reg41, {"actie": "sluiten", "school": MBO, "geldig_tot": "2026-01-01"})
    assert res.status_code == 201, res.text
    reg41.zet_vandaag(date(2026, 1, 5))
    na = await inschrijven(reg41, MBO, date(2008, 3, 1), date(2026, 1, 5))
    assert na.status_code == 422 and na.json()["fouten"][0]["regel"] == "bekende_school"
    voor = await inschrijven(reg41, MBO, date(2008, 3, 1), date(2025, 12, 1))  # a fact before the closing date
    assert voor.status_code == 201, voor.text


async def test_the_register_replays_from_the_log_on_an_empty_database(reg41: Reg, infra: Any) -> None:
    """A fresh registratie on an empty database rebuilds the same register from seed + topic."""
    import asyncio

    from registratie.app import build_app
    from registratie.config import RegistratieSettings
    from registratie.scholen import vestiging_op

    res = await duo(reg41, {"actie": "vastleggen", "school": MBO2, "gemeente": ARNHEM, "school_types": ["mbo"],
                            "vakantieregio": "ZUID", "geldig_vanaf": "2025-08-01"})
    assert res.status_code == 201, res.text
    live = reg41.app.state.intake.pool
    async with live.acquire() as conn:
        verwacht = await conn.fetch(REGISTER_SQL)
    assert verwacht
    # the live instance leaves the register's consumer group (one partition: a second member of the
    # group would get nothing), as an instance restored from the log replaces the one it restores
    runtime = reg41.app.state.runtime
    [live_runner] = [r for r in runtime.runners if r.projection.name == "registratie-register"]
    await runtime.stop_runner(live_runner)
    settings = RegistratieSettings(
        DATABASE_URL=await infra.adatabase_url("regregister_replay"), KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
        AUTH_MODE="static", API_TOKENS=TOKENS, PSEUDONYM_KEY=TEST_KEY, REGIONS="MC41", DAGTAAK_INTERVAL_S=0,
        LOG_JSON=False,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        pool = app.state.intake.pool
        # the register topic is national: other registratie instances of this test session (the demo
        # feed's, say) add their facts to it too, so the copy holds at least every fact the live one had
        ids = [r["event_id"] for r in verwacht]
        for _ in range(150):
            async with pool.acquire() as conn:
                n = await conn.fetchval("SELECT count(*) FROM register_feit WHERE event_id = ANY($1::uuid[])", ids)
            if n >= len(verwacht):
                break
            await asyncio.sleep(0.2)
        async with pool.acquire() as conn:
            kopie = await conn.fetch(REGISTER_SQL)
            assert {tuple(r) for r in verwacht} <= {tuple(r) for r in kopie}
            assert (await vestiging_op(conn, MBO2, date(2025, 9, 1))) is not None
            assert (await vestiging_op(conn, MBO, date(2025, 12, 1))) is not None
            assert (await vestiging_op(conn, MBO, date(2026, 1, 1))) is None
            assert (await vestiging_op(conn, VO, date(2026, 1, 1))) is not None  # the seed
