"""The analysts' dashboard in real headless Chromium against the real service process: login, opening
on a figure with data, plain Dutch names, a monthly trend per schooljaar, charts drawn by Chart.js from
the API's JSON, suppressed cells as ``<10`` and as labelled hatched bars, the definition once, and no
axe violation (domain.md C; issue 15 point 5)."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from browser import axe_overtredingen
from telling import proeflog

from services import TOKENS, auth, launch, wait_ready

N = 6000
REGIOS = ("MC21", "MC29", "MC01")
INDICATOR = "relatief_verzuim"


def _produce(bootstrap: str, run: str) -> int:
    """In a thread of its own: Playwright's sync API already runs an event loop in this one."""
    log = proeflog.maak(N, regios=REGIOS, seed=3)

    def go() -> dict[str, int]:
        return asyncio.run(proeflog.publiceer(bootstrap, log, lambda r: f"{run}.leerrecht.regio.{r}.events"))

    with ThreadPoolExecutor(1) as pool:
        return sum(pool.submit(go).result().values())


@pytest.mark.infra
def test_an_analyst_sees_charts_suppressed_cells_and_definitions(infra, page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = f"d{uuid.uuid4().hex[:8]}"
    assert _produce(infra.bootstrap, run) == N
    svc = launch("telling", infra.bootstrap, infra.database_url("teld"),
                 TELLING_EVENT_PATTERN=rf"^{run}\.leerrecht\.regio\.MC\d\d\.events$",
                 TELLING_COUNT_TOPIC=f"{run}.telling.cijfers", TELLING_CONSUMER_GROUP=f"{run}.telling")
    try:
        wait_ready(svc)
        deadline = time.monotonic() + 60
        while True:  # until the service has read the whole log
            r = httpx.get(f"{svc.url}/v1/cijfers", headers=auth("analist"))
            if sum(r.json()["positie"].values()) >= N:
                break
            assert time.monotonic() < deadline, r.text[:300]
            time.sleep(0.3)
        api: dict[str, Any] = httpx.get(f"{svc.url}/v1/reeksen", headers=auth("analist"),
                                        params={"indicator": INDICATOR, "regio": "MC21"}).json()

        # not logged in: to the login page; a wrong code is refused
        page.goto(f"{svc.url}/dashboard")
        assert page.url.endswith("/inloggen")
        page.fill("#token", "fout")
        page.click("button[type=submit]")
        assert page.locator("[role=alert]").inner_text() == "Onbekende toegangscode."
        page.goto(f"{svc.url}/inloggen")
        page.fill("#token", TOKENS["analist"])
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        assert page.locator("h1").inner_text() == "Landelijke cijfers leerrecht"
        # it opens on a figure that has data, and names every figure in plain Dutch
        assert page.locator("#tabel-landelijk").count() == 1 and page.locator("#def-kop").inner_text()
        opties = page.locator("#indicator option").all_inner_texts()
        assert len(opties) > 40 and not [o for o in opties if re.search(r"[a-z][_.][a-z]", o)], opties
        assert "Relatief verzuim (16 uur in 4 weken)" in opties

        page.select_option("#indicator", INDICATOR)
        page.select_option("#regio", "MC21")
        page.click("form.keuze button[type=submit]")
        page.wait_for_url(f"**/dashboard?indicator={INDICATOR}&regio=MC21*")
        page.wait_for_selector("#dashboard[data-grafieken=klaar]", timeout=15_000)

        charts = page.evaluate("""() => Object.fromEntries(
            ['grafiek-maanden', 'grafiek-landelijk', 'grafiek-regios', 'grafiek-gemeenten'].map(id => {
                const c = Chart.getChart(document.getElementById(id));
                return [id, c && {type: c.config.type, labels: c.data.labels,
                                  datasets: c.data.datasets.map(d => ({label: d.label, data: d.data,
                                                                      onderdrukt: d.onderdrukt || null}))}];
            }))""")
        assert page.evaluate("() => Chart.version").startswith("4.")
        nl = charts["grafiek-landelijk"]
        assert nl["type"] == "line" and nl["labels"] == api["periodes"] == ["2024-2025", "2025-2026"]
        assert nl["datasets"][0]["data"] == [w["waarde"] for w in api["landelijk"]["waarden"]]
        assert all(isinstance(v, int) and v >= 10 for v in nl["datasets"][0]["data"])

        # the monthly trend: a line per schooljaar over August to July, the same numbers as the API
        maand = httpx.get(f"{svc.url}/v1/maandreeksen", headers=auth("analist"),
                          params={"indicator": INDICATOR, "gebied": "MC21"}).json()
        m = charts["grafiek-maanden"]
        assert m["type"] == "line" and m["labels"][0] == "aug" and m["labels"][-1] == "jul"
        assert [d["label"] for d in m["datasets"]] == [j["periode"] for j in maand["jaren"]] == api["periodes"]
        for d, j in zip(m["datasets"], maand["jaren"], strict=True):
            assert d["data"] == [None if w is None else (10 if w["onderdrukt"] and w["waarde"] is None else w["waarde"])
                                 for w in j["waarden"]]
        assert any(v and not o for d in m["datasets"] for v, o in zip(d["data"], d["onderdrukt"], strict=True))
        assert all(w is not None for w in maand["jaren"][0]["waarden"]), "a past schooljaar has all twelve months"
        landelijk = httpx.get(f"{svc.url}/v1/maandreeksen", headers=auth("analist"),
                              params={"indicator": INDICATOR}).json()
        stand = [w["waarde"] for j in landelijk["jaren"] for w in j["waarden"] if w is not None and not w["onderdrukt"]]
        assert len(set(stand)) > 4, "the national trend moves from month to month"
        for j in landelijk["jaren"]:  # and cannot be differenced into 1-9 (telling.domain.maandreeks)
            getoond = [w["waarde"] for w in j["waarden"] if w is not None and not w["onderdrukt"]]
            assert not [(a, b) for a in getoond for b in getoond if 0 < abs(a - b) < 10], getoond
        assert page.locator("#tabel-maanden tbody tr").count() == len(maand["jaren"])

        regios = charts["grafiek-regios"]
        assert regios["type"] == "bar" and [d["label"] for d in regios["datasets"]] == api["periodes"]
        assert regios["labels"] == [r["naam"] for r in api["regios"]]
        # a suppressed municipality is a bar marked as suppressed, at the threshold, not a gap
        gemeenten = charts["grafiek-gemeenten"]
        verwacht = [[w["onderdrukt"] for w in g["waarden"]] for g in api["gemeenten"]]
        for i, d in enumerate(gemeenten["datasets"]):
            assert d["onderdrukt"] == [v[i] for v in verwacht]
            assert all(v == 10 for v, o in zip(d["data"], d["onderdrukt"], strict=True) if o)
            assert None not in d["data"]
        assert any(o for d in gemeenten["datasets"] for o in d["onderdrukt"])

        # tables: suppressed cells as <10 with the reason; the definition once
        onderdrukt = page.locator("#tabel-gemeenten abbr.onderdrukt")
        assert onderdrukt.count() == sum(1 for g in api["gemeenten"] for w in g["waarden"] if w["onderdrukt"]) > 0
        assert onderdrukt.first.inner_text() == "<10"
        assert "Aantallen van 1 tot en met 9" in page.locator("#onderdrukt-uitleg").inner_text()
        definitie = api["definitie"]
        assert "16 uur in 4 weken" in definitie
        assert definitie in page.locator(".definitie").inner_text()
        assert page.locator("main").inner_text().count(definitie) == 1, "the definition is shown once"
        assert page.locator("#grafiek-fout").is_hidden()
        assert page.locator("canvas[role=img][aria-label]").count() == 4
        assert axe_overtredingen(page) == []
        page.set_viewport_size({"width": 390, "height": 844})
        assert axe_overtredingen(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the breakdowns of the latest period: the page shows what the API publishes
        uit = httpx.get(f"{svc.url}/v1/uitsplitsingen", headers=auth("analist"),
                        params={"indicator": INDICATOR, "periode": api["periodes"][-1]}).json()
        for dimensie in ("schooltype", "leeftijd"):
            nl_rij = next(r for r in uit["uitsplitsingen"][dimensie] if r["gebied"] == "NL")
            cellen = page.locator(f"#uitsplitsing-{dimensie} tr[data-gebied=NL] td")
            assert [cellen.nth(i).inner_text().replace(".", "") for i in range(cellen.count())] == [
                nl_rij["totaal"]["weergave"], *[c["weergave"] for c in nl_rij["categorieen"].values()]]
        assert any(c["waarde"] for r in uit["uitsplitsingen"]["schooltype"] for c in r["categorieen"].values())
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        print(f"\nscreenshot: {tmp_path / 'dashboard.png'}")

        # an officer's token does not open the dashboard (role check, 403)
        ctx = page.context
        ctx.clear_cookies()
        page.goto(f"{svc.url}/inloggen")
        page.fill("#token", TOKENS["lp_MC28"])
        page.click("button[type=submit]")
        assert "geen toegang" in page.content()
        # issue 15.8: a Dutch error page in the browser, never raw JSON; a bad parameter too (status kept)
        assert page.locator("h1.utrecht-heading-1").inner_text() == "Geen toegang"
        assert page.locator(".utrecht-alert[role=alert]").count() == 1 and '"fouten"' not in page.content()
        ctx.clear_cookies()
        page.goto(f"{svc.url}/inloggen")
        page.fill("#token", TOKENS["analist"])
        page.click("button[type=submit]")
        fout = page.goto(f"{svc.url}/dashboard?peildatum=9999-12-31")
        assert fout is not None and fout.status == 422
        assert page.locator("h1.utrecht-heading-1").inner_text() == "Ongeldige invoer"
        assert "De datum moet tussen 2000-01-01 en 2100-12-31 liggen." in page.inner_text(".utrecht-alert")
        assert "9999" not in page.content() and '"fouten"' not in page.content()
    finally:
        code = svc.stop()
    assert code in (0, -15), svc.logs()[-2000:]
