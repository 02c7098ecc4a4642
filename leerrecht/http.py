"""The HTTP edge every service shares: authentication, health, correlation ids, Dutch errors.

Every endpoint but ``/health`` and ``/ready`` needs a bearer token from configuration
(``API_TOKENS="token=client:role,..."``). A token names a client (a school's BRIN, DUO, an officer
of a region, an analyst) and a role; endpoints ask for roles, so an analyst's token never opens a
case file (reliability matrix A1, A4).
"""


import hmac
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from leerrecht.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    client_id: str
    role: str


def parse_tokens(spec: str) -> dict[str, Principal]:
    """``"tok1=00AP00:school,tok2=duo:duo"`` → {token: Principal}. Empty parts are ignored."""
    tokens: dict[str, Principal] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        token, _, who = part.partition("=")
        client, _, role = who.partition(":")
        if not token or not client or not role:
            raise ValueError(f"API_TOKENS: ongeldig item {part.split('=')[0][:4]}…; verwacht token=client:rol")
        tokens[token] = Principal(client, role)
    return tokens


_bearer = HTTPBearer(auto_error=False, description="Token per client, uit de configuratie")


def principal_dependency(tokens: dict[str, Principal]) -> Callable[..., Principal]:
    # Defaults, not Annotated: these are closures, and string annotations could not see `current`.
    def current(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:  # noqa: B008
        if creds is None:
            raise HTTPException(401, "Authenticatie vereist: stuur een Bearer-token",
                                headers={"WWW-Authenticate": "Bearer"})
        for token, principal in tokens.items():
            if hmac.compare_digest(token.encode(), creds.credentials.encode()):
                structlog.contextvars.bind_contextvars(client=principal.client_id, role=principal.role)
                return principal
        raise HTTPException(401, "Onbekend of verlopen token", headers={"WWW-Authenticate": "Bearer"})

    return current


def require_role(current: Callable[..., Principal], *roles: str) -> Callable[..., Principal]:
    def check(principal: Principal = Depends(current)) -> Principal:  # noqa: B008
        if principal.role not in roles:
            raise HTTPException(403, f"Rol '{principal.role}' heeft geen toegang tot deze functie")
        return principal

    return check


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Name the field and the rule, never echo the rejected value (it may be a BSN)."""
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        out.append({"veld": ".".join(loc) or "body", "regel": err.get("type"), "melding": err.get("msg")})
    return out


def create_app(
    *,
    title: str,
    description: str,
    version: str = "1.0.0",
    readiness: Iterable[Callable[[], Awaitable[bool] | bool]] = (),
    lifespan: Any = None,
) -> FastAPI:
    """A FastAPI app with OpenAPI at /docs, health endpoints and the platform's error shape."""
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  docs_url="/docs", openapi_url="/openapi.json")
    checks = list(readiness)

    @app.middleware("http")
    async def correlation(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        raw = request.headers.get("x-correlation-id", "")
        try:
            cid = str(uuid.UUID(raw))
        except ValueError:
            cid = str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=cid, path=request.url.path, method=request.method)
        request.state.correlation_id = cid
        response = await call_next(request)
        response.headers["x-correlation-id"] = cid
        if request.url.path not in ("/health", "/ready"):
            log.info("http_request", status=response.status_code)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "title": "Ongeldige invoer", "status": 422, "fouten": _validation_errors(exc),
        })

    @app.get("/health", tags=["beheer"], summary="Leeft het proces?")
    async def health() -> dict[str, str]:
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
        return JSONResponse(status_code=200 if ok_all else 503, content={"ready": ok_all})

    return app
