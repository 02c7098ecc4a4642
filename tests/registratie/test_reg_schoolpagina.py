"""The school's page (issue 15, point 2) in real headless Chromium against the real registratie app
(real Kafka and PostgreSQL; the browser's requests are served by the app in this process, so the test
can pin "today").

A school sees its pupils by its own name and number, one row per pupil and duty with the overdue ones
on top, files the report from the due row (a refused form keeps its input and says per field what is
wrong, in Dutch), sees it listed, uploads an absence CSV with a row report, and sees attendance per
class and per pupil as charts with a table; axe finds no WCAG 2.1 A/AA violation, also at 390 px.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
import uvicorn
from browser import AXE, CHROMIUM_ARGS, WCAG_AA, chromium_path
from reg_helpers import TOKENS, Reg, bsn

pytestmark = pytest.mark.infra


def test_one_row_per_pupil_and_duty_overdue_first() -> None:
    from registratie.school import per_plicht

    def rij(p: str, soort: str, vanaf: str, tot: str, status: str, naam: str | None = None) -> dict[str, Any]:
        return {"pseudoniem": p, "naam": naam, "leerlingnummer": None, "klas": "7B", "meldingsoort": soort,
                "vanaf": vanaf, "bereikt_op": vanaf, "uiterlijk_melden_op": tot, "uren": 16.0,
                "eenheid": "LESUUR", "status": status}

    rijen = per_plicht([
        rij("a", "ZESTIEN_UUR", "2026-10-05", "2026-10-16", "te_laat", "Anna"),
        rij("a", "ZESTIEN_UUR", "2026-11-02", "2026-11-30", "te_doen", "Anna"),
        rij("a", "LUXE", "2026-11-20", "2026-11-27", "te_doen", "Anna"),
        rij("b", "ZESTIEN_UUR", "2026-11-09", "2026-12-04", "te_doen", "Bram"),
        rij("c", "LRV", "2026-09-01", "2026-12-01", "te_laat", "Cas"),
    ])
    assert [(r["pseudoniem"], r["meldingsoort"], r["status"]) for r in rijen] == [
        ("a", "ZESTIEN_UUR", "te_laat"), ("c", "LRV", "te_laat"), ("a", "LUXE", "te_doen"),
        ("b", "ZESTIEN_UUR", "te_doen")]
    assert (rijen[0]["perioden"], rijen[0]["vanaf"], rijen[0]["uiterlijk_melden_op"]) == (2, "2026-10-05",
                                                                                          "2026-10-16")


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def adres(reg: Reg) -> AsyncIterator[str]:
    """The real registratie app (its lifespan already runs in ``reg``) behind a real HTTP server on a
    free port, for the browser."""
    server = uvicorn.Server(uvicorn.Config(reg.app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    taak = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await taak


async def _axe(page: Any) -> list[dict[str, Any]]:
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text("utf-8") + "\n;true")  # through DevTools: the page's CSP stays on
    res = await page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [{"id": v["id"], "help": v["help"], "waar": [n["target"] for n in v["nodes"][:3]]}
            for v in res["violations"]]


async def test_a_school_files_a_report_from_a_due_row_and_sees_it_listed(reg: Reg, chromium: Any, adres: str) -> None:
    BASIS = adres
    reg.zet_vandaag(date(2026, 12, 4))
    pgn, nummer, klas = bsn(), f"LL-{random.randint(10000, 99999)}", f"P{random.randint(100, 999)}"
    r = await reg.post("/v1/inschrijvingen", {
        "pgn": pgn, "geboortedatum": "2014-05-17", "woongemeente": "GM0637", "school": "00AP00",
        "ingangsdatum": "2026-08-24", "klas": klas, "leerlingnummer": nummer,
        "identiteit": {"voornamen": "Fenna", "tussenvoegsel": "van der", "achternaam": "Breggen"}})
    assert r.status_code == 201, r.text
    p = r.json()["pseudoniem"]
    for datum in ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"):
        r = await reg.post("/v1/afwezigheden", {"pgn": pgn, "datum": datum, "uren": 4, "code": "ONGEOORLOOFD"})
        assert r.status_code == 201, r.text
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        r = await reg.post("/v1/lesuren", {"klas": klas, "week": week, "uren": 25})
        assert r.status_code == 201, r.text

    page = await chromium.new_page(locale="nl-NL", viewport={"width": 390, "height": 844})
    await page.goto(f"{BASIS}/school")
    assert page.url.endswith("/inloggen")
    await page.fill("#token", TOKENS["school"])
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{BASIS}/school")

    # the heading is the school's name from the register, the BRIN + vestiging a detail
    h1 = await page.inner_text("h1")
    assert h1 and h1 != "00AP00" and "00AP00" not in h1
    assert "00AP00" in await page.inner_text(".lr-detail")
    tekst = await page.inner_text("main")
    assert "POST /v1" not in tekst and pgn not in await page.content()

    # one row per pupil and duty, overdue first; by the school's own name and number
    rijen = page.locator(f'#tabel-te-melden tbody tr[data-leerling="{p}"]')
    assert await rijen.count() == 1
    rij = rijen.first
    assert "Fenna van der Breggen" in await rij.inner_text() and nummer in await rij.inner_text()
    assert "Termijn verstreken" in await rij.inner_text() and "30 november 2026" in await rij.inner_text()
    statussen = await page.locator("#tabel-te-melden tbody tr .lr-status").all_inner_texts()
    assert statussen == sorted(statussen, key=lambda s: s != "Termijn verstreken"), "overdue rows on top"

    # attendance per class and per pupil: charts drawn, tables beside them, above-threshold marked
    await page.wait_for_selector('canvas[data-grafiek="grafiek-klassen"][data-getekend="ja"]')
    await page.wait_for_selector('canvas[data-grafiek="grafiek-leerlingen"][data-getekend="ja"]')
    klasrij = page.locator("#tabel-klassen tbody tr", has_text=klas)
    assert "16,0%" in await klasrij.inner_text() and "boven drempel" in await klasrij.inner_text()
    assert "Fenna van der Breggen" in await page.inner_text("#tabel-leerlingen")

    assert await _axe(page) == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    # "Melding doen" opens the form prefilled from the row
    await rij.get_by_role("link", name="Melding doen").click()
    await page.wait_for_url("**/school/melding?**")
    assert await page.input_value("#veld-soort") == "ZESTIEN_UUR"
    assert await page.input_value("#veld-startdatum") == "2026-11-02"
    assert await page.input_value("#veld-einddatum") == "2026-11-23"
    assert await page.input_value("#veld-uren") == "16"

    # a refused form keeps its input and says per field what is wrong, in Dutch
    await page.fill("#veld-uren", "12,5")
    await page.click("main form button[type=submit]")
    await page.wait_for_selector("#veld-uren-fout")
    assert "16 uur" in await page.inner_text("#veld-uren-fout")
    assert await page.input_value("#veld-uren") == "12,5"
    assert await page.get_attribute("#veld-uren", "aria-invalid") == "true"
    assert await _axe(page) == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    await page.fill("#veld-uren", "16,0")
    await page.click("main form button[type=submit]")
    await page.wait_for_url(f"{BASIS}/school?gemeld=1#uw-meldingen")
    assert "De melding is gedaan." in await page.inner_text("main")
    gemeld = page.locator(f'#tabel-meldingen tbody tr[data-leerling="{p}"]')
    assert await gemeld.count() == 1
    assert "Fenna van der Breggen" in await gemeld.inner_text()
    assert "16 uur ongeoorloofd verzuim in 4 weken" in await gemeld.inner_text()
    assert "2 november 2026" in await gemeld.inner_text()
    assert await page.locator(f'#tabel-te-melden tbody tr[data-leerling="{p}"]').count() == 0
    async with reg.app.state.intake.pool.acquire() as conn:  # the processing log names the pupil and the school
        gelogd = await conn.fetch("SELECT status, actor_organisatie FROM verwerking WHERE betrokkene = $1 "
                                  "AND verwerkingsactiviteit LIKE '%verzuimmelding-doen'", p)
    assert sorted((r["status"], r["actor_organisatie"]) for r in gelogd) == [
        ("error", "school:00AP00"), ("ok", "school:00AP00")], "the refused attempt and the report"

    # the absence CSV on the page: a row report, refused rows with their Dutch reason
    csv = f"pgn;datum;uren;code\n{pgn};2026-12-01;2,5;ZIEK\n{pgn};2026-12-02;30;ZIEK\n".encode()
    await page.set_input_files("#veld-bestand", files=[{"name": "afwezigheid.csv", "mimeType": "text/csv",
                                                       "buffer": csv}])
    await page.click("form.lr-upload button[type=submit]")
    await page.wait_for_selector("#tabel-csv-geweigerd")
    assert "1 regel verwerkt" in await page.inner_text("main")
    geweigerd = await page.locator("#tabel-csv-geweigerd tbody tr").all_inner_texts()
    assert len(geweigerd) == 1 and geweigerd[0].startswith("3")
    assert pgn not in await page.content()
    assert await _axe(page) == []
    await page.close()
