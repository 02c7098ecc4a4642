"""The NL API Design Rules at the edge of every app: ``API-Version`` on every answer, problem details for
every error, and a Dutch error page instead of JSON for a person in a browser.

:func:`installeer` puts both on an app, so the four services behave the same:

- **API-Version** (ADR /core/version-header): the full semver of the service's API, from the one place
  it is set (``create_app``'s ``version``, also OpenAPI's ``info.version``), on every response,
  errors included. The URI keeps only the major version (``/v1``).
- **Problem details** (ADR /core/error-handling, RFC 9457, :mod:`leerrecht.probleem`): exception
  handlers answer FastAPI's validation errors, every ``HTTPException`` (Starlette's own 404/405 too) and
  an unexpected exception in the one shape; a pure ASGI middleware rewrites whatever other JSON error a
  route or the edge (413, 429) still produces, so no path escapes it.
- **Pages** (every path outside ``/v1`` and the technical endpoints): the same error as a small HTML
  page with the NL Design System (Utrecht) class names, the status kept, so a wrong role, an unknown id
  or a bad query parameter never shows raw JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from leerrecht import pagina
from leerrecht.logging import get_logger
from leerrecht.probleem import PROBLEEM_JSON, melding, normaliseer, probleem

log = get_logger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

TECHNISCH = frozenset({"/health", "/ready", "/openapi.json"})
_PAGINA = pagina.omgeving(pagina.KIT / "templates").get_template("kit/fout.html")
_UITLEG = {
    401: "Log in om deze pagina te bekijken.",
    403: "Uw rol geeft geen toegang tot deze pagina. Log in met een account dat wel toegang heeft.",
    404: "Controleer het adres, of ga terug naar de startpagina.",
    422: "Pas de invoer aan en probeer het opnieuw.",
    429: "Wacht even en probeer het dan opnieuw.",
}


def is_pagina(path: str, accept: str) -> bool:
    """A person's page in a browser, not an API route: a browser's request (it accepts ``text/html``)
    for anything outside ``/v1`` and the technical endpoints (health, readiness, the OpenAPI document and
    its viewers, static files). An API client asking the same path gets problem details."""
    if path == "/v1" or path.startswith("/v1/") or path in TECHNISCH:
        return False
    return "text/html" in accept and not path.startswith(("/docs", "/redoc", "/static/"))


_VELD_DEEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def _veld_deel(part: Any) -> str:
    """A field name the client made up (an unknown key) is input too: it could hold a BSN or a NUL."""
    return str(part) if isinstance(part, int) or _VELD_DEEL.match(str(part)) else "onbekend_veld"


def validatiefouten(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Name the field and the rule, in Dutch, never echo the rejected value (it may be a BSN)."""
    out = []
    for err in errors:
        loc = [_veld_deel(p) for p in err.get("loc", ()) if p != "body"]
        out.append({"veld": ".".join(loc) or "body", "regel": str(err.get("type")), "melding": melding(err)})
    return out


def foutpagina(status: int, document: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """The problem as a page: the Dutch title, detail and field messages; no codes, no JSON."""
    fouten = [f"{f.get('melding')}" for f in document.get("fouten", []) if isinstance(f, Mapping) and f.get("melding")]
    detail = str(document.get("detail", ""))
    if len(fouten) == 1 and fouten[0] == detail:
        fouten = []
    html = _PAGINA.render(titel=document.get("title", "Fout"), detail=detail, fouten=fouten, status=status,
                          uitleg=_UITLEG.get(status, "Probeer het later opnieuw."),
                          kenmerk=str(document.get("instance", "")).removeprefix("urn:uuid:"))
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def _correlation(request: Request) -> str | None:
    return getattr(request.state, "correlation_id", None)


def _antwoord(request: Request, status: int, document: dict[str, Any],
              headers: Mapping[str, str] | None = None) -> Response:
    if is_pagina(request.url.path, request.headers.get("accept", "")):
        return foutpagina(status, document, headers)
    return JSONResponse(document, status_code=status, headers=dict(headers or {}), media_type=PROBLEEM_JSON)


class ProbleemMiddleware:
    """Pure ASGI: adds ``API-Version`` to every response and turns every remaining JSON error (a route's
    own error body, the edge's 413/429) into problem details, or into the error page on a page path.
    Only error bodies are buffered, and only to rewrite them."""

    def __init__(self, app: Any, versie: str) -> None:
        self.app, self.versie = app, versie

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = next((bytes(v).decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == b"accept"), "")
        pagina = is_pagina(scope["path"], accept)
        vast: dict[str, Any] = {}

        async def verzend(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["API-Version"] = self.versie
                soort = headers.get("content-type", "")
                json_fout = message["status"] >= 400 and (
                    soort.startswith("application/json") or (pagina and soort.startswith(PROBLEEM_JSON)))
                if json_fout:
                    vast["start"], vast["body"] = message, b""
                    return
                await send(message)
            elif message["type"] == "http.response.body" and "start" in vast:
                vast["body"] += message.get("body", b"")
                if message.get("more_body", False):
                    return
                await send_herschreven(vast["start"], vast["body"])
            else:
                await send(message)

        async def send_herschreven(start: Message, body: bytes) -> None:
            status = int(start["status"])
            headers = MutableHeaders(scope=start)
            try:
                inhoud = json.loads(body) if body else None
            except ValueError:
                inhoud = None
            document = normaliseer(status, inhoud, headers.get("x-correlation-id"))
            behoud = {k: v for k, v in headers.items() if k.lower() not in ("content-type", "content-length")}
            response: Response
            if pagina:
                response = foutpagina(status, document, behoud)
            else:
                response = JSONResponse(document, status_code=status, headers=behoud, media_type=PROBLEEM_JSON)
            await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
            await send({"type": "http.response.body", "body": response.body, "more_body": False})

        await self.app(scope, receive, verzend)


def installeer(app: FastAPI, versie: str) -> None:
    """Exception handlers and the middleware; call after the app's other middleware, so this one is
    outermost and sees the edge's refusals too."""

    @app.exception_handler(RequestValidationError)
    async def ongeldig(request: Request, exc: RequestValidationError) -> Response:
        # a body that is no JSON at all is a malformed request (400); JSON that breaks a rule is 422
        status = 400 if any(e.get("type") == "json_invalid" for e in exc.errors()) else 422
        titel = "Ongeldig verzoek" if status == 400 else "Ongeldige invoer"
        return _antwoord(request, status, probleem(status, title=titel, fouten=validatiefouten(exc.errors()),
                                                   correlation_id=_correlation(request)))

    @app.exception_handler(StarletteHTTPException)
    async def http_fout(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code < 400:  # a redirect raised as an exception (a page's "log in first")
            return Response(status_code=exc.status_code, headers=headers)
        document = normaliseer(exc.status_code, {"detail": exc.detail}, _correlation(request))
        return _antwoord(request, exc.status_code, document, headers)

    async def onverwacht(request: Request, exc: Exception) -> Response:
        # Starlette's ServerErrorMiddleware sends this one, outside every other middleware: the
        # version header goes on here. The exception's text stays in the log, never in the answer.
        log.error("onverwachte_fout", error=type(exc).__name__)
        response = _antwoord(request, 500, probleem(500, correlation_id=_correlation(request)))
        response.headers["API-Version"] = versie
        if cid := _correlation(request):
            response.headers["x-correlation-id"] = cid
        return response

    app.add_exception_handler(Exception, onverwacht)
    app.add_middleware(ProbleemMiddleware, versie=versie)
