"""The shared HTTP edge refuses oversized bodies (413) and over-eager clients (429) before any work.

A small app from ``create_app`` with an authenticated JSON endpoint; requests go through httpx's ASGI
transport, which streams a generator body chunk by chunk, so the test sees how much of a body the
service pulled before it answered.
"""

# no `from __future__ import annotations`: FastAPI must see the closure dependency `school`

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from fastapi import Depends
from pydantic import BaseModel

from leerrecht.http import EdgeLimits, Principal, create_app, principal_dependency, require_role
from leerrecht.metrics import HTTP_REFUSED

TOKENS = {"t-a": Principal("00AP00", "school"), "t-b": Principal("00AV00", "school")}
MB = 1024 * 1024


class Body(BaseModel):
    tekst: str


def app_with(limits: EdgeLimits) -> Any:
    app = create_app(title="t", description="d", limits=limits, tokens=TOKENS)
    school = require_role(principal_dependency(TOKENS), "school")
    app.state.parsed = 0

    @app.post("/v1/echo")
    async def echo(body: Body, principal: Annotated[Principal, Depends(school)]) -> dict[str, Any]:
        app.state.parsed += 1
        return {"client": principal.client_id, "n": len(body.tekst)}

    @app.post("/v1/groot")
    async def groot(body: Body) -> dict[str, int]:
        return {"n": len(body.tekst)}

    return app


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def refused(reason: str) -> float:
    return HTTP_REFUSED.labels(reason=reason)._value.get()  # type: ignore[no-any-return]


def problem(r: httpx.Response, status: int, regel: str) -> dict[str, Any]:
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["title"]
    [f] = body["fouten"]
    assert f["regel"] == regel and f["melding"]
    return body


async def test_a_50_mb_body_is_refused_by_its_length_before_the_401() -> None:
    app = app_with(EdgeLimits(max_body_bytes=MB))
    before = refused("te_groot")
    async with client(app) as c:
        r = await c.post("/v1/echo", content=b"x" * (50 * MB), headers={"content-type": "application/json"})
    assert r.status_code == 413
    body = problem(r, 413, "maximale_grootte")
    assert "1 MiB" in body["fouten"][0]["melding"]
    assert refused("te_groot") == before + 1
    assert app.state.parsed == 0


async def test_a_chunked_body_is_counted_while_streaming_and_cut_off() -> None:
    app = app_with(EdgeLimits(max_body_bytes=MB))
    pulled = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'{"tekst": "'
        for _ in range(50 * 16):  # 50 MB in 64 KiB chunks, without a Content-Length
            pulled += 64 * 1024
            yield b"x" * (64 * 1024)
        yield b'"}'

    async with client(app) as c:
        for headers in ({}, {"Authorization": "Bearer t-a"}):
            pulled = 0
            r = await c.post("/v1/echo", content=stream(), headers={"content-type": "application/json", **headers})
            assert r.status_code == 413, r.text
            problem(r, 413, "maximale_grootte")
            assert pulled <= MB + 64 * 1024, "the service stopped reading at the limit"
    assert app.state.parsed == 0


async def test_a_body_under_the_limit_and_a_larger_limit_per_path_pass() -> None:
    app = app_with(EdgeLimits(max_body_bytes=MB, body_limits={"/v1/groot": 3 * MB}))
    tekst = "y" * (2 * MB)
    async with client(app) as c:
        small = await c.post("/v1/echo", json={"tekst": "hallo"}, headers={"Authorization": "Bearer t-a"})
        assert small.status_code == 200 and small.json() == {"client": "00AP00", "n": 5}
        big = await c.post("/v1/groot", json={"tekst": tekst})
        assert big.status_code == 200 and big.json() == {"n": 2 * MB}
        too_big_here = await c.post("/v1/echo", json={"tekst": tekst}, headers={"Authorization": "Bearer t-a"})
        assert too_big_here.status_code == 413


async def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_do_not() -> None:
    app = app_with(EdgeLimits(rate_per_s=0.5, burst=3))
    before = refused("te_veel")
    async with client(app) as c:
        a = {"Authorization": "Bearer t-a"}
        answers = [await c.post("/v1/echo", json={"tekst": "x"}, headers=a) for _ in range(5)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
        problem(answers[3], 429, "te_veel_verzoeken")
        assert 1 <= int(answers[3].headers["Retry-After"]) <= 2
        assert app.state.parsed == 3, "a refused request is not parsed nor handled"
        other = await c.post("/v1/echo", json={"tekst": "x"}, headers={"Authorization": "Bearer t-b"})
        assert other.status_code == 200, "the bucket is per client"
        for path in ("/health", "/ready"):
            assert (await c.get(path, headers=a)).status_code == 200, f"{path} is exempt"
        anonymous = await c.post("/v1/echo", json={"tekst": "x"})
        assert anonymous.status_code == 401
        cookie = await c.post("/v1/echo", json={"tekst": "x"}, cookies={"leerrecht_sessie": "t-a"})
        assert cookie.status_code == 429, "the web session's token counts for the same client"
    assert refused("te_veel") == before + 3


async def test_the_defaults_let_a_steady_client_through() -> None:
    limits = EdgeLimits()
    assert limits.rate_per_s >= 100 and limits.burst >= 1000 and limits.max_body_bytes >= MB
    app = app_with(limits)
    async with client(app) as c:
        for _ in range(300):
            r = await c.post("/v1/echo", json={"tekst": "x"}, headers={"Authorization": "Bearer t-a"})
            assert r.status_code == 200


def _app_die_controles_telt(limits: EdgeLimits) -> tuple[Any, list[str]]:
    """An app with a school's echo endpoint whose authenticator notes the thread of every token check."""
    import threading

    from leerrecht.auth import StaticAuthenticator

    auth = StaticAuthenticator.from_plain(TOKENS)
    threads: list[str] = []
    check = auth.principal

    def counted(presented: str) -> Principal | None:
        threads.append(threading.current_thread().name)
        return check(presented)

    auth.principal = counted  # type: ignore[method-assign]
    app = create_app(title="t", description="d", limits=limits, tokens=auth)
    school = require_role(principal_dependency(auth), "school")

    @app.post("/v1/echo")
    async def echo(body: Body, principal: Annotated[Principal, Depends(school)]) -> dict[str, Any]:
        return {"client": principal.client_id}

    return app, threads


async def test_the_edge_and_the_endpoint_check_a_token_once_per_request() -> None:
    """The rate limit needs the client, the endpoint the principal: one check of the token serves both
    (with identity-provider tokens that check is a signature verification)."""
    app, checks = _app_die_controles_telt(EdgeLimits(rate_per_s=100, burst=100))
    async with client(app) as c:
        r = await c.post("/v1/echo", json={"tekst": "x"}, headers={"Authorization": "Bearer t-b"})
        assert r.status_code == 200 and r.json() == {"client": "00AV00"}
        assert len(checks) == 1
        r = await c.post("/v1/echo", json={"tekst": "x"}, headers={"Authorization": "Bearer onbekend"})
        assert r.status_code == 401
        assert len(checks) == 3, "an unknown token is checked at the edge and again by the endpoint"


async def test_with_the_rate_limit_off_the_edge_still_hands_its_check_on() -> None:
    """Without a rate limit the edge used to skip the token, and the endpoint checked it in the thread pool
    (a thread hop per request, ~0.1–0.2 ms: issue 16). The edge's lookup never makes a network call, so it
    checks the token anyway and the endpoint takes its answer on the event loop."""
    import threading

    app, threads = _app_die_controles_telt(EdgeLimits(rate_per_s=0))
    async with client(app) as c:
        r = await c.post("/v1/echo", json={"tekst": "x"}, headers={"Authorization": "Bearer t-b"})
        assert r.status_code == 200 and r.json() == {"client": "00AV00"}
        assert threads == [threading.main_thread().name], "checked once, at the edge, on the event loop"
        r = await c.post("/v1/echo", json={"tekst": "x"}, headers={"Authorization": "Bearer onbekend"})
        assert r.status_code == 401
