"""A simple server-rendered Dutch page for a school: ``/school`` (domain.md D: show schools their own
signals and attendance, not only what leerplicht sees).

Safety, kept simple: the school's API token may be given once as ``?token=…``; the page then sets it
as an HttpOnly, SameSite=Strict cookie and redirects to ``/school`` so the token leaves the address
bar and the browser history. Later visits use the cookie. Only the ``school`` role is let in.
Templates autoescape; the response forbids framing, scripts and caching.
"""
# No `from __future__ import annotations`: FastAPI resolves the route's annotations.

import hmac
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, select_autoescape

from leerrecht.http import Principal
from registratie import school as schoolview

COOKIE = "leerrecht_school"
_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _env.from_string((resources.files("registratie") / "templates" / "school.html").read_text("utf-8"))
_SOORTEN = {"ZESTIEN_UUR": "16 uur in 4 weken", "LRV": "Langdurig relatief verzuim", "LUXE": "Luxeverzuim",
            "ACHTTIEN_PLUS": "18+ (Doorstroompunt)", "OVERIG": "Overig verzuim"}
_STATUSSEN = {"te_doen": "Te doen", "te_laat": "Termijn verstreken", "voorlopig": "Voorlopig"}
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"}


def build_page_router(tokens: dict[str, Principal]) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def school_of(token: str | None) -> Principal | None:
        if not token:
            return None
        for known, principal in tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()) and principal.role == "school":
                return principal
        return None

    @router.get("/school", response_class=HTMLResponse)
    async def school_page(request: Request, token: str | None = None) -> Response:
        if token is not None:
            if school_of(token) is None:
                return HTMLResponse("<p>Onbekend token of geen schooltoken.</p>", status_code=401, headers=_HEADERS)
            resp = RedirectResponse("/school", status_code=303, headers=_HEADERS)
            resp.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/school")
            return resp
        principal = school_of(request.cookies.get(COOKIE))
        if principal is None:
            return HTMLResponse("<p>Log in met <code>/school?token=…</code> (uw schooltoken).</p>",
                                status_code=401, headers=_HEADERS)
        service = request.app.state.intake
        async with service.pool.acquire() as conn:
            signalen = await schoolview.signalen(conn, principal.client_id, service.klok.vandaag())
            aanwezigheid = await schoolview.aanwezigheid(conn, principal.client_id, None)
        html = _TEMPLATE.render(school=principal.client_id, signalen=signalen, aanwezigheid=aanwezigheid,
                                soorten=_SOORTEN, statussen=_STATUSSEN)
        return HTMLResponse(html, headers=_HEADERS)

    return router
