"""The page kit (issue 15, point 1): Dutch formatting, and a page of every component that axe passes
at a phone's width in real headless Chromium."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from browser import axe_overtredingen
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leerrecht import pagina

TESTPAGINA = (Path(__file__).parent / "kit_testpagina.html").read_text("utf-8")


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
    token = "getComputedStyle(document.documentElement).getPropertyValue('--basis-text-font-family-default')"
    assert page.evaluate(token)
    assert page.evaluate("getComputedStyle(document.querySelector('.lr-kop')).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert axe_overtredingen(page) == []
    # nothing wider than the phone: tables scroll inside their own container
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Direct naar de inhoud"


def test_a_json_data_block_cannot_close_its_script_element() -> None:
    import json

    tekst = pagina.json_blok({"labels": ["</script><script>alert(1)</script>", "Jan & Piet"]})
    assert "<" not in tekst and ">" not in tekst and "&" not in tekst
    assert json.loads(tekst) == {"labels": ["</script><script>alert(1)</script>", "Jan & Piet"]}
