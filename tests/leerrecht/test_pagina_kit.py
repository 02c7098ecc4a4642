"""The page kit (issue 15, point 1): Dutch formatting, and a page of every component that axe passes
at a phone's width in real headless Chromium."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from browser import axe_overtredingen
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leerrecht import pagina

TESTPAGINA = """{% extends "kit/basis.html" %}{% import "kit/componenten.html" as kit %}
{% block titel %}Proef{% endblock %}{% block dienst %}Leerplicht regio MC99{% endblock %}
{% block menu %}{{ kit.menu_item("/werklijst", "Werklijst", true) }}{{ kit.menu_item("/beheer", "Beheer") }}{% endblock %}
{% block inhoud %}
<h1 class="utrecht-heading-1">Proefpagina</h1>
{% call kit.melding("ok") %}Opgeslagen.{% endcall %}
{{ kit.foutenlijst([{"veld": "uren", "melding": "Vul een aantal uren in."}]) }}
<form method="post" action="/x" class="utrecht-form">
{{ kit.veld("naam", "Naam", waarde="Fenna", beschrijving="Zoals de school die kent") }}
{{ kit.veld("uren", "Uren", waarde="16,5", fout="Vul een aantal uren in.") }}
{{ kit.keuze("soort", "Soort", [("A", "Luxeverzuim"), ("B", "Overig")], gekozen="B") }}
{{ kit.tekstvak("toelichting", "Toelichting") }}
{{ kit.knop("Vastleggen") }}
</form>
{{ kit.gegevens([("Geboortedatum", "2 juni 2012"), ("School", none)]) }}
<div class="lr-tabel-container" tabindex="0" role="region" aria-label="Meldingen">
<table class="utrecht-table"><caption class="utrecht-table__caption">Meldingen</caption>
<thead class="utrecht-table__header"><tr class="utrecht-table__row">
{% for k in ["Naam", "School", "Leeftijd", "Soort", "Termijn", "Laatste actie", "Behandelaar"] %}<th class="utrecht-table__header-cell" scope="col">{{ k }}</th>{% endfor %}</tr></thead>
<tbody class="utrecht-table__body"><tr class="utrecht-table__row lr-rij--te-laat">
<td class="utrecht-table__cell">Fenna van der Breggen-Oosterwijk</td><td class="utrecht-table__cell">Openbare Basisschool De Regenboog Noord</td>
<td class="utrecht-table__cell">12</td><td class="utrecht-table__cell">{{ kit.status("Te laat", "te-laat") }}</td>
<td class="utrecht-table__cell">{{ dag | datum }}</td><td class="utrecht-table__cell">In behandeling genomen</td><td class="utrecht-table__cell">Nog niemand</td></tr></tbody>
</table></div>
{{ kit.paginering(2, 5, url) }}
{% endblock %}"""


def test_dutch_formatting() -> None:
    assert pagina.datum(date(2025, 6, 2)) == "2 juni 2025"
    assert pagina.datum("2025-12-31") == "31 december 2025"
    assert pagina.datum_kort("2025-06-02") == "02-06-2025"
    assert pagina.datumtijd(datetime(2025, 6, 2, 14, 5)) == "2 juni 2025 14:05"
    assert pagina.getal(1234.5) == "1.234,5"
    assert pagina.getal("16.50") == "16,5"
    assert pagina.getal(1_000_000) == "1.000.000"
    assert pagina.getal(0.5, 2) == "0,50"
    assert pagina.uren(16) == "16 uur"
    assert pagina.procent(12.345) == "12,3%"
    assert pagina.datum(None) == pagina.getal("") == ""


def _app() -> FastAPI:
    app = FastAPI()
    env = pagina.omgeving(pagina.KIT / "templates")
    html = env.from_string(TESTPAGINA).render(dag=date(2025, 6, 2), url=lambda p: f"/werklijst?pagina={p}")
    pagina.mount_static(app)

    @app.get("/proef")
    async def proef() -> Any:
        from fastapi.responses import HTMLResponse
        return HTMLResponse(html)

    return app


def test_the_kit_is_served_before_a_service_static_mount() -> None:
    client = TestClient(_app())
    css = client.get("/static/kit/utrecht-component-library.css")
    assert css.status_code == 200 and ".utrecht-table" in css.text
    assert client.get("/static/kit/leerrecht.css").status_code == 200
    assert "Proefpagina" in client.get("/proef").text


def test_every_component_passes_axe_at_phone_width(page: Any) -> None:
    client = TestClient(_app())

    def serve(route: Any) -> None:
        r = client.get(route.request.url.replace("http://kit.test", ""))
        route.fulfill(status=r.status_code, body=r.content, headers={"content-type": r.headers["content-type"]})

    page.route("http://kit.test/**", serve)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("http://kit.test/proef")
    # the theme's tokens and the kit's layout are applied
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--basis-text-font-family-default')")
    assert page.evaluate("getComputedStyle(document.querySelector('.lr-kop')).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert axe_overtredingen(page) == []
    # nothing wider than the phone: tables scroll inside their own container
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Direct naar de inhoud"
