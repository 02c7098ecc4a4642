"""The HTTP edge every service shares: authentication, health, correlation ids, Dutch errors.

Every endpoint but ``/health`` and ``/ready`` needs a caller (:mod:`leerrecht.auth`): an access token
of the identity provider (``AUTH_MODE=oidc``, the default), or, only when chosen for development, a
static token from ``API_TOKENS``. A caller is a client (a school's BRIN, DUO, an officer of a region,
an analyst) with a role; endpoints ask for roles, so an analyst's token never opens a case file
(reliability matrix A1, A4).
"""


import hmac
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leerrecht import trace
from leerrecht.auth import Authenticator, OidcAuthenticator, Principal, StaticAuthenticator
from leerrecht.auth import parse_tokens as parse_tokens  # re-exported: services build theirs here
from leerrecht.grenzen import EDGE_PRINCIPAL, SESSION_COOKIE, EdgeMiddleware
from leerrecht.grenzen import EdgeLimits as EdgeLimits  # re-exported: services build theirs here
from leerrecht.logging import get_logger
from leerrecht.metrics import exposition

log = get_logger(__name__)

__all__ = ["SESSION_COOKIE", "Principal", "parse_tokens"]

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


def principal_dependency(tokens: Authenticator | Mapping[str, Principal]) -> Callable[..., Principal]:
    """API callers send ``Authorization: Bearer``; the web pages' session cookie works too."""
    auth = _as_auth(tokens)

    # Defaults, not Annotated: these are closures, and string annotations could not see `current`.
    # A plain def: FastAPI runs it in its thread pool, so fetching the issuer's keys never blocks the loop.
    def current(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:  # noqa: B008
        if creds is not None:
            principal = _bind(_checked_at_edge(request, creds.credentials) or auth.principal(creds.credentials))
        elif cookie := request.cookies.get(SESSION_COOKIE):
            principal = _bind(_checked_at_edge(request, cookie) or auth.session_principal(cookie))
        else:
            raise HTTPException(401, "Authenticatie vereist: stuur een Bearer-token",
                                headers={"WWW-Authenticate": "Bearer"})
        if principal is None:
            raise HTTPException(401, "Onbekend of verlopen token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return bind_principal(request, principal)

    return current


def web_principal_dependency(tokens: Authenticator | Mapping[str, Principal], *roles: str) -> Callable[..., Principal]:
    """For HTML pages: no valid session → to the login page (303); wrong role → 403."""
    auth = _as_auth(tokens)

    def current(request: Request) -> Principal:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        principal = _bind(_checked_at_edge(request, cookie) or auth.session_principal(cookie)) if cookie else None
        if principal is None:
            raise HTTPException(303, "Inloggen vereist", headers={"Location": "/inloggen"})
        bind_principal(request, principal)
        if roles and principal.role not in roles:
            raise HTTPException(403, f"Rol '{principal.role}' heeft geen toegang tot deze pagina")
        return principal

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


def runtime_pool(request: Request) -> Any:
    """The service's PostgreSQL pool, opened in the lifespan (a FastAPI dependency)."""
    return request.app.state.runtime.pool


def require_role(current: Callable[..., Principal], *roles: str) -> Callable[..., Principal]:
    def check(principal: Principal = Depends(current)) -> Principal:  # noqa: B008
        if principal.role not in roles:
            raise HTTPException(403, f"Rol '{principal.role}' heeft geen toegang tot deze functie")
        return principal

    return check


_VELD_DEEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def _veld_deel(part: Any) -> str:
    """A field name the client made up (an unknown key) is input too: it could hold a BSN or a NUL."""
    return str(part) if isinstance(part, int) or _VELD_DEEL.match(str(part)) else "onbekend_veld"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Name the field and the rule, never echo the rejected value (it may be a BSN)."""
    out = []
    for err in exc.errors():
        loc = [_veld_deel(p) for p in err.get("loc", ()) if p != "body"]
        out.append({"veld": ".".join(loc) or "body", "regel": err.get("type"), "melding": err.get("msg")})
    return out


def create_app(
    *,
    title: str,
    description: str,
    version: str = "1.0.0",
    readiness: Iterable[Callable[[], Awaitable[bool] | bool]] = (),
    degradation: Iterable[Callable[[], Mapping[str, Any] | None]] = (),
    lifespan: Any = None,
    limits: EdgeLimits | None = None,
    tokens: Authenticator | Mapping[str, Principal] | None = None,
) -> FastAPI:
    """A FastAPI app with OpenAPI at /docs, health endpoints and the platform's error shape.

    Every request passes the edge limits first (``leerrecht.grenzen``: body size, then the rate of the
    client of the presented token), before routing, parsing and authentication.

    ``degradation``: checks that return a reason when the process works but not fully (e.g. its
    school calendar is about to end, domain.md A3.12). ``/health`` and ``/ready`` then say
    ``"status": "degraded"`` with the reasons and stay 200: a restart would not help, a person must."""
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  docs_url="/docs", openapi_url="/openapi.json")
    checks = list(readiness)
    degradations = list(degradation)

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
        return out
    # added before the correlation middleware, so it runs inside it: refusals get a correlation id too
    app.add_middleware(EdgeMiddleware, limits=limits or EdgeLimits(), tokens=_as_auth(tokens or {}))

    @app.middleware("http")
    async def correlation(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
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
        try:
            response = await call_next(request)
        finally:
            trace.reset(token)
        response.headers["x-correlation-id"] = cid
        if request.url.path not in ("/health", "/ready", "/metrics"):
            # The dependency that authenticated ran in another task (and a sync one in a thread): its
            # context variables do not come back here, the request's state does.
            wie: Principal | None = getattr(request.state, "principal", None)
            log.info("http_request", status=response.status_code,
                     client=wie.client_id if wie else None, role=wie.role if wie else None)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "title": "Ongeldige invoer", "status": 422, "fouten": _validation_errors(exc),
        })

    @app.get("/metrics", tags=["beheer"], summary="Metrieken (Prometheus-tekstformaat)",
             response_class=PlainTextResponse)
    async def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, media_type=content_type)

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

    return app
