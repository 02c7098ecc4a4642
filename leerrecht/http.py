"""The HTTP edge every service shares: authentication, health, correlation ids, Dutch errors.

Every endpoint but ``/health`` and ``/ready`` needs a caller (:mod:`leerrecht.auth`): an access token
of the identity provider (``AUTH_MODE=oidc``, the default), or, only when chosen for development, a
static token from ``API_TOKENS``. A caller is a client (a school's BRIN, DUO, an officer of a region,
an analyst) with a role; endpoints ask for roles, so an analyst's token never opens a case file
(reliability matrix A1, A4).
"""


import hmac
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import orjson
import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leerrecht import api_regels, apidocs, otel, pagina, trace
from leerrecht.auth import Authenticator, OidcAuthenticator, Principal, StaticAuthenticator
from leerrecht.auth import parse_tokens as parse_tokens  # re-exported: services build theirs here
from leerrecht.grenzen import EDGE_PRINCIPAL, SESSION_COOKIE, EdgeMiddleware
from leerrecht.grenzen import EdgeLimits as EdgeLimits  # re-exported: services build theirs here
from leerrecht.logging import get_logger
from leerrecht.metrics import GEZONDHEID_DEGRADED, HTTP_SECONDS

log = get_logger(__name__)

__all__ = ["SESSION_COOKIE", "Principal", "parse_tokens"]

API_VERSIE = "1.0.0"
"""The full semver of every service's API (ADR /core/version-header): the ``API-Version`` header of every
answer and OpenAPI's ``info.version`` come from here. Its major is the ``/v1`` in the URIs; raise the
minor for an added field or operation, the major (and ``/v2``) only for a breaking change."""

_bearer = HTTPBearer(auto_error=False, description="Access token van de identity provider (OAuth 2.0)")


def _as_auth(auth: Authenticator | Mapping[str, Principal]) -> Authenticator:
    """An authenticator, or a mapping token → principal built in code (tests of the edge)."""
    if isinstance(auth, (StaticAuthenticator, OidcAuthenticator)):
        return auth
    return StaticAuthenticator.from_plain(auth)


def _checked_at_edge(request: Request, presented: str) -> Principal | None:
    """The principal the edge's rate limit already found for this very credential (a token's signature
    is not checked twice per request); ``None``: check it here."""
    edge = getattr(request.state, EDGE_PRINCIPAL, None)
    return edge[1] if edge is not None and hmac.compare_digest(edge[0].encode(), presented.encode()) else None


def _bind(principal: Principal | None) -> Principal | None:
    if principal is not None:
        structlog.contextvars.bind_contextvars(client=principal.client_id, role=principal.role)
    return principal


def bind_principal(request: Request, principal: Principal) -> Principal:
    """Remember who is calling on the request itself, whatever authenticated them (token, session,
    identity provider): the request log line names client and role from it, and the processing log
    (leerrecht.verwerkingslog) records a refused attempt with its actor. Never the token."""
    request.state.principal = principal
    return principal


Toegang = tuple[str, tuple[str, ...]]
"""How a dependency admits callers: (``"api"`` bearer token or session, or ``"web"`` session only; the roles
it admits, ``()`` for any authenticated caller, a trailing ``*`` for a role prefix)."""

_TOEGANG: dict[Callable[..., Any], Toegang] = {}


def markeer_toegang(dependency: Callable[..., Any], soort: str, rollen: tuple[str, ...]) -> None:
    """Declare who a dependency admits, so the policy of every route can be derived from the route's own
    dependencies (:func:`toegang_van`) and a test can hold every route of every app to the declared
    role matrix (``tests/e2e/test_rollenmatrix.py``): a route nobody thought about cannot slip through."""
    _TOEGANG[dependency] = (soort, rollen)


def toegang_van(dependency: Callable[..., Any]) -> Toegang | None:
    return _TOEGANG.get(dependency)


def principal_dependency(tokens: Authenticator | Mapping[str, Principal]) -> Callable[..., Any]:
    """API callers send ``Authorization: Bearer``; the web pages' session cookie works too."""
    auth = _as_auth(tokens)

    # Defaults, not Annotated: these are closures, and string annotations could not see `current`.
    # async, with the checks that may wait (fetching the issuer's keys, a session) in the thread pool, so
    # they never block the loop; a token the edge already checked costs no thread hop (issue 16).
    async def current(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:  # noqa: B008
        if creds is not None:
            principal = _bind(_checked_at_edge(request, creds.credentials)
                              or await run_in_threadpool(auth.principal, creds.credentials))
        elif cookie := request.cookies.get(SESSION_COOKIE):
            # a session is always looked up here: the edge only knows whom this process saw lately, and
            # the session may have ended on another replica since (leerrecht.websessies)
            principal = _bind(await run_in_threadpool(auth.session_principal, cookie))
        else:
            raise HTTPException(401, "Authenticatie vereist: stuur een Bearer-token",
                                headers={"WWW-Authenticate": "Bearer"})
        if principal is None:
            raise HTTPException(401, "Onbekend of verlopen token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return bind_principal(request, principal)

    markeer_toegang(current, "api", ())
    return current


def web_principal_dependency(tokens: Authenticator | Mapping[str, Principal], *roles: str) -> Callable[..., Principal]:
    """For HTML pages: no valid session → to the login page (303); wrong role → 403."""
    auth = _as_auth(tokens)

    def current(request: Request) -> Principal:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        principal = _bind(auth.session_principal(cookie)) if cookie else None
        if principal is None:
            raise HTTPException(303, "Inloggen vereist", headers={"Location": "/inloggen"})
        bind_principal(request, principal)
        if roles and principal.role not in roles:
            raise HTTPException(403, f"Rol '{principal.role}' heeft geen toegang tot deze pagina")
        return principal

    markeer_toegang(current, "web", roles)
    return current


_LOGIN_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Inloggen – {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;box-sizing:border-box;margin:.4rem 0}}input{{padding:.5rem}}
button{{padding:.6rem;background:#01689b;color:#fff;border:0;border-radius:4px}}.fout{{color:#a00}}</style>
</head><body><h1>{title}</h1><p>Ontwikkelomgeving (AUTH_MODE=static).</p>{fout}<form method="post" action="/inloggen">
<label for="token">Toegangscode</label><input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Inloggen</button></form></body></html>"""


def add_login_routes(
    app: FastAPI, tokens: Authenticator, title: str, home: str = "/",
    home_per_rol: Mapping[str, str] | None = None,
) -> None:
    """The web login. With the identity provider: OpenID Connect (:mod:`leerrecht.oidc_login`). In the
    development mode only (``AUTH_MODE=static``): a form whose token goes into an HttpOnly,
    SameSite=Strict cookie. After the login a role in ``home_per_rol`` goes to its own page (beheer to
    ``/beheer``), every other to ``home``."""
    if isinstance(tokens, OidcAuthenticator):
        from leerrecht.oidc_login import add_oidc_login_routes

        add_oidc_login_routes(app, tokens, home, home_per_rol)
        return
    from fastapi import Form
    from fastapi.responses import HTMLResponse, RedirectResponse

    @app.get("/inloggen", response_class=HTMLResponse, include_in_schema=False)
    async def login_form() -> HTMLResponse:
        return HTMLResponse(_LOGIN_PAGE.format(title=title, fout=""))

    @app.post("/inloggen", include_in_schema=False)
    async def login(token: str = Form(...)) -> Response:
        principal = _bind(tokens.principal(token))
        if principal is None:
            page = _LOGIN_PAGE.format(title=title, fout='<p class="fout" role="alert">Onbekende toegangscode.</p>')
            return HTMLResponse(page, status_code=401)
        response = RedirectResponse((home_per_rol or {}).get(principal.role, home), status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
        return response

    @app.post("/uitloggen", include_in_schema=False)
    async def logout() -> Response:
        response = RedirectResponse("/inloggen", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response


def json_antwoord(inhoud: Any, *, headers: Mapping[str, str] | None = None) -> Response:
    """A 200 JSON answer serialised by orjson, past FastAPI's ``jsonable_encoder``. Why: FastAPI runs that
    encoder over every dict an endpoint returns, value by value in Python; a region's whole worklist at
    national size (3,813 items of 2,242 open files, 0.6 MB) took 130–145 ms there and 0.4 ms in orjson
    (issue 16). The same JSON: orjson writes dates, datetimes, UUIDs and enums as the encoder does;
    anything it does not know (a pydantic model, a Decimal) goes through ``jsonable_encoder`` by itself."""
    return Response(orjson.dumps(inhoud, default=jsonable_encoder, option=orjson.OPT_NON_STR_KEYS),
                    media_type="application/json", headers=dict(headers) if headers else None)


def runtime_pool(request: Request) -> Any:
    """The service's PostgreSQL pool, opened in the lifespan (a FastAPI dependency)."""
    return request.app.state.runtime.pool


def require_role(current: Callable[..., Any], *roles: str) -> Callable[..., Any]:
    async def check(principal: Principal = Depends(current)) -> Principal:  # noqa: B008  (async: no thread hop)
        if principal.role not in roles:
            raise HTTPException(403, f"Rol '{principal.role}' heeft geen toegang tot deze functie")
        return principal

    markeer_toegang(check, "api", roles)
    return check


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(request: Request) -> str:
    """The matched route's template (``/v1/dossiers/{dossier_id}``), never the raw path: a path can hold
    a pseudonym, and raw paths would make a series per value. No route matched: ``onbekend``."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "onbekend"


class CorrelatieMiddleware:
    """Every request's correlation id, trace span, duration metric and log line.

    A plain ASGI middleware (issue 16): as ``@app.middleware("http")`` (Starlette's BaseHTTPMiddleware) it ran
    the rest of the app in a task of its own and passed the answer through memory streams, a fixed cost on
    every request that showed in the single absence POST's profile. Same behaviour: the header
    ``x-correlation-id`` on the answer, the span continued from ``traceparent``, ``HTTP_SECONDS`` per route
    template, and one ``http_request`` log line (not for health and ready)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        raw = request.headers.get("x-correlation-id", "")
        try:
            cid = str(uuid.UUID(raw))
        except ValueError:
            cid = str(uuid.uuid4())
        # W3C trace context: continue the caller's trace or start one; this request is one span. Records
        # it publishes carry it (leerrecht.kafka), and so does its processing record (leerrecht.verwerkingslog).
        span = trace.start(request.headers.get(trace.HEADER))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=cid, path=request.url.path, method=request.method,
                                               trace_id=span.trace_id, span_id=span.span_id)
        request.state.correlation_id = cid
        request.state.trace = span
        token = trace.activate(span)
        started, status = time.perf_counter(), 500
        method = request.method if request.method in _METHODS else "ANDERS"
        kop = (b"x-correlation-id", cid.encode())

        async def met_correlatie(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"x-correlation-id"]
                message = {**message, "headers": [*headers, kop]}
            await send(message)

        with otel.server_span(span, method) as exported:
            try:
                await self.app(scope, receive, met_correlatie)
            finally:
                trace.reset(token)
                route = route_template(request)
                HTTP_SECONDS.labels(method=method, route=route, status=str(status)).observe(
                    time.perf_counter() - started)
                if exported is not None:
                    exported.update_name(f"{method} {route}")
                    exported.set_attribute("http.request.method", method)
                    exported.set_attribute("http.route", route)
                    exported.set_attribute("http.response.status_code", status)
        if request.url.path not in ("/health", "/ready"):
            # The dependency that authenticated may have run in another task (and a sync one in a thread):
            # its context variables do not come back here, the request's state does.
            wie: Principal | None = getattr(request.state, "principal", None)
            log.info("http_request", status=status, client=wie.client_id if wie else None,
                     role=wie.role if wie else None)


def create_app(
    *,
    title: str,
    description: str,
    version: str = API_VERSIE,
    readiness: Iterable[Callable[[], Awaitable[bool] | bool]] = (),
    degradation: Iterable[Callable[[], Mapping[str, Any] | None]] = (),
    lifespan: Any = None,
    limits: EdgeLimits | None = None,
    tokens: Authenticator | Mapping[str, Principal] | None = None,
) -> FastAPI:
    """A FastAPI app with OpenAPI (Swagger UI at /docs, ReDoc at /redoc, offline), health endpoints and
    the platform's error shape (problem details, ``leerrecht.api_regels``).

    Every request passes the edge limits first (``leerrecht.grenzen``: body size, then the rate of the
    client of the presented token), before routing, parsing and authentication.

    ``degradation``: checks that return a reason when the process works but not fully (e.g. its
    school calendar is about to end, domain.md A3.12). ``/health`` and ``/ready`` then say
    ``"status": "degraded"`` with the reasons and stay 200: a restart would not help, a person must."""
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    apidocs.installeer(app)
    pagina.mount_static(app)
    checks = list(readiness)
    degradations = list(degradation)

    gezien: set[str] = set()

    def redenen() -> list[Mapping[str, Any]]:
        out: list[Mapping[str, Any]] = []
        for check in degradations:
            try:
                reden = check()
            except Exception as exc:  # a check that fails is itself a reason, never a 500 on a probe
                log.error("degradatie_controle_mislukt", error=type(exc).__name__)
                reden = {"reden": "controle_mislukt"}
            if reden is not None:
                out.append(reden)
        nu = {str(r.get("reden", "onbekend")) for r in out}  # the alert's gauge, set at every probe
        gezien.update(nu)
        for naam in gezien:
            GEZONDHEID_DEGRADED.labels(reden=naam).set(1 if naam in nu else 0)
        return out
    # added before the correlation middleware, so it runs inside it: refusals get a correlation id too
    app.state.authenticator = _as_auth(tokens or {})  # its web sessions are put in the database at start
    app.add_middleware(EdgeMiddleware, limits=limits or EdgeLimits(), tokens=app.state.authenticator)

    app.add_middleware(CorrelatieMiddleware)

    @app.get("/health", tags=["beheer"], summary="Leeft het proces?")
    async def health() -> dict[str, Any]:
        if r := redenen():
            return {"status": "degraded", "redenen": r}
        return {"status": "ok"}

    @app.get("/ready", tags=["beheer"], summary="Kan het proces werk aannemen?")
    async def ready() -> JSONResponse:
        results = []
        for check in checks:
            try:
                res = check()
                ok = bool(await res) if hasattr(res, "__await__") else bool(res)
            except Exception:
                ok = False
            results.append(ok)
        ok_all = all(results)
        content: dict[str, Any] = {"ready": ok_all}
        if ok_all:
            r = redenen()
            content["status"] = "degraded" if r else "ok"
            if r:
                content["redenen"] = r
        return JSONResponse(status_code=200 if ok_all else 503, content=content)

    # last: outermost, so the edge's refusals get the version header and the problem shape too
    api_regels.installeer(app, version)
    return app
