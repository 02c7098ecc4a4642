"""The web login through the identity provider: OpenID Connect authorization code + PKCE (S256).

Why this shape (NL GOV Assurance profile for OAuth 2.0 / iGov): the web pages are a public client
per service (no secret in a browser-facing process), so PKCE with S256 binds the code to this login;
``state`` (also kept in an HttpOnly cookie of this browser) stops login CSRF, ``nonce`` binds the ID
token. No implicit flow. The access token is checked like any bearer token (signature, issuer,
audience, expiry), then the browser gets only a random session id in an HttpOnly cookie
(``SameSite=Lax`` so it survives the redirect back; ``Secure`` on https). The session itself is kept in
the service's PostgreSQL (:mod:`leerrecht.websessies`): it survives a restart and every replica sees
it. Logout ends the session here and at the provider (RP-initiated logout at its ``end_session_endpoint``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from leerrecht.auth import OidcAuthenticator
from leerrecht.grenzen import SESSION_COOKIE
from leerrecht.logging import get_logger

log = get_logger(__name__)

LOGIN_COOKIE = "leerrecht_login"
LOGIN_GELDIG_S = 600
MAX_WACHTEND = 10_000

_PAGINA = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{titel}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}</style>
</head><body><h1>{titel}</h1><p{rol}>{tekst}</p><p><a href="/inloggen">Inloggen</a></p></body></html>"""


@dataclass
class _Wachtend:
    verifier: str
    nonce: str
    redirect_uri: str
    sinds: float


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _pagina(titel: str, tekst: str, status: int = 200, alert: bool = False) -> HTMLResponse:
    return HTMLResponse(_PAGINA.format(titel=html.escape(titel), tekst=html.escape(tekst),
                                       rol=' role="alert"' if alert else ""), status_code=status)


def add_oidc_login_routes(app: FastAPI, auth: OidcAuthenticator, home: str = "/",
                          home_per_rol: Mapping[str, str] | None = None) -> None:
    wachtend: dict[str, _Wachtend] = {}

    def basis(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @app.get("/inloggen", include_in_schema=False)
    async def inloggen(request: Request) -> Response:
        now = time.time()
        for k in [k for k, w in wachtend.items() if now - w.sinds > LOGIN_GELDIG_S]:
            del wachtend[k]
        while len(wachtend) >= MAX_WACHTEND:  # bounded: anyone can start a login
            del wachtend[next(iter(wachtend))]
        try:
            doc = await run_in_threadpool(auth.jwks.discovery)
        except Exception as exc:
            log.error("oidc_discovery_mislukt", error=type(exc).__name__)
            return _pagina("Inloggen niet mogelijk", "De inlogdienst is niet bereikbaar. Probeer het later opnieuw.",
                           503, alert=True)
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        redirect_uri = f"{basis(request)}/inloggen/terug"
        wachtend[state] = _Wachtend(verifier, nonce, redirect_uri, now)
        query = urlencode({
            "response_type": "code", "client_id": auth.client_id, "redirect_uri": redirect_uri,
            "scope": "openid", "state": state, "nonce": nonce,
            "code_challenge": _challenge(verifier), "code_challenge_method": "S256",
        })
        response = RedirectResponse(f"{doc['authorization_endpoint']}?{query}", status_code=303)
        response.set_cookie(LOGIN_COOKIE, state, httponly=True, samesite="lax", max_age=LOGIN_GELDIG_S,
                            secure=request.url.scheme == "https", path="/inloggen")
        return response

    @app.get("/inloggen/terug", include_in_schema=False)
    async def terug(request: Request) -> Response:
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        w = wachtend.pop(state, None) if state else None
        if w is None or not code or not secrets.compare_digest(state, request.cookies.get(LOGIN_COOKIE, "")):
            return _pagina("Inloggen mislukt", "Deze inlogpoging is onbekend of verlopen. Log opnieuw in.",
                           400, alert=True)
        try:
            doc = await run_in_threadpool(auth.jwks.discovery)
            async with httpx.AsyncClient(timeout=10) as client:
                r = await client.post(doc["token_endpoint"], data={
                    "grant_type": "authorization_code", "code": code, "redirect_uri": w.redirect_uri,
                    "client_id": auth.client_id, "code_verifier": w.verifier,
                })
            tokens = r.json() if r.status_code == 200 else {}
        except (httpx.HTTPError, ValueError) as exc:
            log.error("oidc_token_mislukt", error=type(exc).__name__)
            tokens = {}
        access, id_token = str(tokens.get("access_token", "")), str(tokens.get("id_token", ""))
        principal = await run_in_threadpool(auth.principal, access) if access else None
        id_claims = (await run_in_threadpool(lambda: auth.claims(id_token, audience=auth.client_id, typ="ID"))
                     if id_token else None)
        if principal is None or id_claims is None or not secrets.compare_digest(
                str(id_claims.get("nonce", "")), w.nonce):
            log.warning("oidc_inloggen_geweigerd")
            return _pagina("Inloggen mislukt", "U heeft met dit account geen toegang tot deze dienst.", 403,
                           alert=True)
        structlog.contextvars.bind_contextvars(client=principal.client_id, role=principal.role)
        log.info("oidc_ingelogd")
        sid = await auth.open_sessie(principal, id_token)
        response = RedirectResponse((home_per_rol or {}).get(principal.role, home), status_code=303)
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax", max_age=auth.sessie_s,
                            secure=request.url.scheme == "https")
        response.delete_cookie(LOGIN_COOKIE, path="/inloggen")
        return response

    @app.post("/uitloggen", include_in_schema=False)
    async def uitloggen(request: Request) -> Response:
        sessie = await auth.sluit_sessie(request.cookies.get(SESSION_COOKIE, ""))
        target = "/uitgelogd"
        if sessie is not None:
            try:
                doc = await run_in_threadpool(auth.jwks.discovery)
                target = f"{doc['end_session_endpoint']}?" + urlencode({
                    "client_id": auth.client_id, "id_token_hint": sessie.id_token,
                    "post_logout_redirect_uri": f"{basis(request)}/uitgelogd",
                })
            except Exception as exc:  # the local session is gone anyway
                log.error("oidc_uitloggen_provider_mislukt", error=type(exc).__name__)
        response = RedirectResponse(target, status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/uitgelogd", include_in_schema=False)
    async def uitgelogd() -> Response:
        return _pagina("Uitgelogd", "U bent uitgelogd.")
