"""A background task started during a request does not log as that request.

asyncio gives a new task a copy of the context it was created in. A chore a request starts (a
re-evaluation after a calendar load, a runner started by a switch) used to carry the request's
structlog bindings — its path, method, correlation and trace ids, and the client and role that
called — into every line it logged long after the answer went out, naming a caller that did not
ask for those lines. The runtime starts such tasks in a context holding only the process's own
bindings (the service's name).

A small app from ``create_app`` through httpx's ASGI transport; the task records the structlog
context it sees, and writes a real log line through the platform's logging configuration.
"""

# no `from __future__ import annotations`: FastAPI must see the closure dependency `school`

import asyncio
import io
import json
from typing import Annotated, Any, cast

import httpx
import pytest
import structlog
from fastapi import Depends

from leerrecht.http import Principal, create_app, principal_dependency, require_role
from leerrecht.logging import configure_logging, get_logger
from leerrecht.service import Runtime

TOKENS = {"t-achtergrond-token": Principal("00AP00", "school")}
REQUEST_KEYS = {"path", "method", "correlation_id", "trace_id", "span_id", "client", "role"}


@pytest.fixture
def logregels() -> Any:
    """The platform's logging configuration, printing into a buffer instead of stdout."""
    configure_logging("testdienst", json=True, level="INFO")
    buffer = io.StringIO()
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(buffer), cache_logger_on_first_use=False)
    yield lambda: [json.loads(regel) for regel in buffer.getvalue().splitlines()]
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


async def test_a_task_started_during_a_request_carries_none_of_its_context(logregels: Any) -> None:
    runtime = Runtime(settings=cast(Any, None), pool=cast(Any, None), publisher=cast(Any, None))
    app = create_app(title="t", description="d", tokens=TOKENS)
    school = require_role(principal_dependency(TOKENS), "school")
    los = asyncio.Event()
    gezien: dict[str, dict[str, Any]] = {}

    async def klus() -> None:
        await los.wait()  # after the answer went out
        gezien["taak"] = dict(structlog.contextvars.get_contextvars())
        get_logger("test").info("achtergrond_klaar")

    @app.post("/v1/start")
    async def start(principal: Annotated[Principal, Depends(school)]) -> dict[str, str]:
        structlog.contextvars.bind_contextvars(client=principal.client_id, role=principal.role)  # as the login does
        gezien["verzoek"] = dict(structlog.contextvars.get_contextvars())
        runtime.background(klus(), name="klus")
        return {"ok": "ja"}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.post("/v1/start", headers={"Authorization": "Bearer t-achtergrond-token"})
    assert r.status_code == 200
    assert set(gezien["verzoek"]) >= REQUEST_KEYS, "the request itself is bound (so the test can see a leak)"
    los.set()
    await asyncio.wait_for(asyncio.gather(*runtime.background_tasks), 5)

    assert not REQUEST_KEYS & set(gezien["taak"]), gezien["taak"]
    assert gezien["taak"].get("service") == "testdienst", "the process's own binding stays"
    [regel] = [r for r in logregels() if r["event"] == "achtergrond_klaar"]
    assert not REQUEST_KEYS & set(regel) and regel["service"] == "testdienst", regel


async def test_a_task_started_outside_a_request_keeps_working_as_before(logregels: Any) -> None:
    runtime = Runtime(settings=cast(Any, None), pool=cast(Any, None), publisher=cast(Any, None))
    gezien: list[dict[str, Any]] = []

    async def klus() -> None:
        gezien.append(dict(structlog.contextvars.get_contextvars()))

    runtime.background(klus(), name="klus")
    await asyncio.wait_for(asyncio.gather(*runtime.background_tasks), 5)
    assert gezien == [{"service": "testdienst"}]

