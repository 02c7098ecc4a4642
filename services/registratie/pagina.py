"""A simple server-rendered Dutch page for a school: ``/school`` (domain.md D: show schools their own
signals and attendance, not only what leerplicht sees).

Safety: school staff log in like every other person (``/inloggen``: the identity provider, or the
development form with AUTH_MODE=static); a token never travels in the address. Only the ``school``
role is let in (others 403, no session → the login page). Templates autoescape; the response forbids
framing, scripts and caching.
"""
# No `from __future__ import annotations`: FastAPI resolves the route's annotations.

from collections.abc import Callable
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, select_autoescape

from leerrecht.http import Principal
from leerrecht.verwerkingslog import pseudoniemen_in
from registratie import school as schoolview
from registratie.api import SchoolInzien

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _env.from_string((resources.files("registratie") / "templates" / "school.html").read_text("utf-8"))
_SOORTEN = {"ZESTIEN_UUR": "16 uur in 4 weken", "LRV": "Langdurig relatief verzuim", "LUXE": "Luxeverzuim",
            "ACHTTIEN_PLUS": "18+ (Doorstroompunt)", "OVERIG": "Overig verzuim"}
_STATUSSEN = {"te_doen": "Te doen", "te_laat": "Termijn verstreken", "voorlopig": "Voorlopig"}
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"}


def build_page_router(school: Callable[..., Principal]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/school", response_class=HTMLResponse)
    async def school_page(v: SchoolInzien, request: Request,
                          principal: Annotated[Principal, Depends(school)]) -> Response:
        service = request.app.state.intake
        async with service.pool.acquire() as conn:
            signalen = await schoolview.signalen(conn, principal.client_id, service.klok.vandaag())
            aanwezigheid = await schoolview.aanwezigheid(conn, principal.client_id, None)
        v.betreft(*pseudoniemen_in(signalen))
        html = _TEMPLATE.render(school=principal.client_id, signalen=signalen, aanwezigheid=aanwezigheid,
                                soorten=_SOORTEN, statussen=_STATUSSEN)
        return HTMLResponse(html, headers=_HEADERS)

    return router
