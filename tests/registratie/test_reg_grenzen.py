"""registratie's limits: the absence CSV is read whole, streamed, up to its limits (rows and bytes);
beyond them 413, never a cut; a body over the request limit is refused before it is read.

Observed before: a file over 2 MB was silently cut at 2,000,000 bytes (rows after the cut vanished
from a 207 that reported none refused, and a cut inside a row turned "2,5" hours into 2.0). Real
Kafka and PostgreSQL; the real app in-process. A second app with small limits
(``CSV_MAX_RIJEN``/``CSV_MAX_BYTES``) shows the limits at ±1 without megabytes of test data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
from reg_helpers import API_TOKENS, TEST_KEY, Reg, auth, bsn, sleutel

from contracts.catalogue import from_envelope
from contracts.events import registratie as ev

pytestmark = pytest.mark.infra
MC28 = "leerrecht.regio.MC28.events"
KLEIN_RIJEN, KLEIN_BYTES = 20, 64 * 1024


@pytest.fixture(scope="module")
async def klein(infra: Any) -> AsyncIterator[Reg]:
    """registratie with small CSV limits (from the environment-variable settings)."""
    from registratie.app import build_app
    from registratie.config import RegistratieSettings

    settings = RegistratieSettings(
        DATABASE_URL=await infra.adatabase_url("regcsv"), KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
        AUTH_MODE="static", API_TOKENS=API_TOKENS,
        PSEUDONYM_KEY=TEST_KEY, REGIONS="MC28", DAGTAAK_INTERVAL_S=0, LOG_JSON=False,
        CSV_MAX_RIJEN=KLEIN_RIJEN, CSV_MAX_BYTES=KLEIN_BYTES,
    )
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registratie", timeout=60) as client:
            yield Reg(app, client, infra.bootstrap)


async def enrol(reg: Reg, pgn: str) -> str:
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
        "ingangsdatum": "2026-08-24", "klas": "8A",
    })
    assert r.status_code == 201, r.text
    return str(r.json()["pseudoniem"])


async def upload(reg: Reg, body: bytes) -> httpx.Response:
    return await reg.client.post("/v1/afwezigheden/csv", headers=auth("school", sleutel()),
                                 files={"bestand": ("afw.csv", body, "text/csv")})


def uren(envs: list[Any]) -> list[tuple[date, float]]:
    return sorted((g.datum, float(g.uren)) for g in (from_envelope(e) for e in envs
                                                      if e.type == ev.AfwezigheidGeregistreerd.event_type))


async def test_a_csv_over_2_mb_is_read_whole_up_to_its_last_row(reg: Reg) -> None:
    reg.zet_vandaag(date(2026, 11, 27))
    a, stranger = bsn(), bsn()
    pa = await enrol(reg, a)
    opmerking = "x" * 2500  # a long free-text column the intake ignores: 900 rows are ≈ 2.3 MB
    regels = ["pgn;datum;uren;code;opmerking", f"{a};2026-11-16;1;ZIEK;{opmerking}"]
    regels += [f"{stranger};2026-11-17;1;ZIEK;{opmerking}"] * 898
    regels.append(f"{a};2026-11-20;2,5;ZIEK;{opmerking}")
    body = ("\n".join(regels) + "\n").encode()
    assert len(body) > 2_000_000
    r = await upload(reg, body)
    assert r.status_code == 207, r.text[:300]
    answer = r.json()
    assert len(answer["resultaten"]) == 900, "every row gets an answer"
    assert (answer["geaccepteerd"], answer["geweigerd"]) == (2, 898)
    assert [x["regel"] for x in answer["resultaten"]][-1] == 901
    assert uren(await reg.events(MC28, pa)) == [(date(2026, 11, 16), 1.0), (date(2026, 11, 20), 2.5)]


def _rijen(n: int, pgn: str) -> bytes:
    return ("pgn;datum;uren;code\n" + f"{pgn};2026-11-17;1;ZIEK\n" * n).encode()


async def test_rows_at_the_limit_are_read_and_one_more_is_refused_with_413(klein: Reg) -> None:
    klein.zet_vandaag(date(2026, 11, 27))
    stranger = bsn()
    at = await upload(klein, _rijen(KLEIN_RIJEN, stranger))
    assert at.status_code == 207, at.text[:300]
    assert len(at.json()["resultaten"]) == KLEIN_RIJEN
    over = await upload(klein, _rijen(KLEIN_RIJEN + 1, stranger))
    assert over.status_code == 413, over.text[:300]
    [f] = over.json()["fouten"]
    assert (f["veld"], f["regel"]) == ("bestand", "maximaal_aantal_regels")
    assert str(KLEIN_RIJEN) in f["melding"] and "regels" in f["melding"]
    assert stranger not in over.text


async def test_bytes_at_the_limit_are_read_and_one_more_is_refused_with_413(klein: Reg) -> None:
    klein.zet_vandaag(date(2026, 11, 27))
    a = bsn()
    pa = await enrol(klein, a)
    kop = "pgn;datum;uren;code\n"
    rij = f"{a};2026-11-20;2,5;ZIEK\n"
    vulling = KLEIN_BYTES - len(kop) - len(rij) - len("#\n")
    precies = (kop + "#" + "x" * vulling + "\n" + rij).encode()
    assert len(precies) == KLEIN_BYTES
    at = await upload(klein, precies)
    assert at.status_code == 207, at.text[:300]
    assert at.json()["geaccepteerd"] == 1
    over = await upload(klein, (kop + "#" + "x" * (vulling + 1) + "\n" + rij).encode())
    assert over.status_code == 413, over.text[:300]
    [f] = over.json()["fouten"]
    assert (f["veld"], f["regel"]) == ("bestand", "maximaal_aantal_bytes")
    assert str(KLEIN_BYTES) in f["melding"].replace(".", "")
    assert uren(await klein.events(MC28, pa)) == [(date(2026, 11, 20), 2.5)], "the refused file added nothing"


@pytest.mark.parametrize("waar", ["opmerking", "cel"])
async def test_a_multibyte_character_across_the_read_boundary_is_decoded(klein: Reg, waar: str) -> None:
    from registratie.csvlezen import BLOK

    klein.zet_vandaag(date(2026, 11, 27))
    a = bsn()
    pa = await enrol(klein, a)
    kop = "\ufeffpgn;datum;uren;code;toelichting\n".encode()
    if waar == "opmerking":  # a comment line whose "é" (2 bytes) starts at the last byte of the first block
        voor = kop + b"# " + b"a" * (BLOK - len(kop) - 3)
        body = voor + "é verder\n".encode() + f"{a};2026-11-19;1,5;ZIEK;x\n".encode()
    else:  # a cell whose "ë" straddles the block boundary
        voor = kop + f"{a};2026-11-19;1,5;ZIEK;".encode()
        body = voor + b"z" * (BLOK - len(voor) - 1) + "ëind\n".encode()
    assert body[BLOK - 1:BLOK + 1].decode() in ("é", "ë"), "the character straddles the boundary"
    assert len(body) <= KLEIN_BYTES
    r = await upload(klein, body)
    assert r.status_code == 207, r.text[:300]
    assert r.json()["geaccepteerd"] == 1, r.text[:300]
    assert uren(await klein.events(MC28, pa)) == [(date(2026, 11, 19), 1.5)]


async def test_a_50_mb_body_is_refused_before_it_is_read_or_authenticated(reg: Reg) -> None:
    pulled = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(50 * 16):  # 50 MB in 64 KiB chunks, no Content-Length (chunked)
            pulled += 64 * 1024
            yield b" " * (64 * 1024)

    r = await reg.client.post("/v1/inschrijvingen", content=stream(), headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text[:300]
    assert r.json()["fouten"][0]["regel"] == "maximale_grootte"
    assert pulled <= 2 * 1024 * 1024, "the service stopped reading at its limit"
    declared = await reg.client.post("/v1/inschrijvingen", content=b" " * (50 * 1024 * 1024),
                                     headers={"content-type": "application/json"})
    assert declared.status_code == 413, "a Content-Length over the limit is refused at once"
