"""Process wiring shared by the four services: database, producer, projections, HTTP, shutdown.

One process per service instance runs its HTTP API and its projection runners on one event loop.
Uvicorn turns SIGTERM into a lifespan shutdown; we then stop the runners (each finishes and commits
its current batch), stop the producer after its last acks, and close the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI

from leerrecht import kafka_security, otel
from leerrecht.auth import OidcAuthenticator
from leerrecht.config import ServiceSettings
from leerrecht.db import create_pool, ensure_database, migrate, stille_blokkeerders_opruimen
from leerrecht.kafka import EventPublisher, TopicLike, ensure_topics
from leerrecht.logging import configure_logging, get_logger, start_task
from leerrecht.metrics import start_metrics_server
from leerrecht.proces import zet_gc_drempels
from leerrecht.projection import ProjectionRunner
from leerrecht.websessies import SessieOpslag

log = get_logger(__name__)


@dataclass
class Runtime:
    """What a running service holds. Built in the lifespan, torn down in reverse order."""

    settings: ServiceSettings
    pool: asyncpg.Pool
    publisher: EventPublisher
    runners: list[ProjectionRunner] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    background_tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start_runner(self, runner: ProjectionRunner) -> None:
        self.runners.append(runner)
        task = start_task(runner.run(), name=f"projection:{runner.projection.name}")
        task.add_done_callback(_crash_if_failed)
        self.tasks.append(task)

    async def stop_runner(self, runner: ProjectionRunner, warn: Callable[[], None] = lambda: None) -> None:
        """Stop one runner and wait until its last batch committed (telling's blue/green switch moves
        a service to another schema this way); ``warn`` is called every 30 s it is still busy."""
        i = self.runners.index(runner)
        task = self.tasks[i]
        runner.stop()
        while not task.done():
            await asyncio.wait({task}, timeout=30)
            if not task.done():
                warn()
        del self.runners[i], self.tasks[i]

    def background(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        """A periodic chore (a sweeper, a publisher loop); cancelled, not awaited, on shutdown. Started
        in the process's own logging context, whoever starts it (:func:`leerrecht.logging.start_task`)."""
        self.background_tasks.append(start_task(coro, name=name))

    async def ready(self) -> bool:
        async with self.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return all(r.ready for r in self.runners)

    async def stop(self) -> None:
        for task in self.background_tasks:
            task.cancel()
        for r in self.runners:
            r.stop()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=30)
        if self.background_tasks:
            await asyncio.wait(self.background_tasks, timeout=5)
        await self.publisher.stop()
        await self.pool.close()


def _crash_if_failed(task: asyncio.Task[None]) -> None:
    """A projection that died must not leave a half-alive process behind a green /health."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("projection_crashed", task=task.get_name(), error=type(exc).__name__, detail=str(exc)[:300])
        os.kill(os.getpid(), signal.SIGTERM)


async def open_runtime(settings: ServiceSettings, package: str, topics: Sequence[TopicLike] = ()) -> Runtime:
    kafka_security.use(settings.kafka_security())  # one principal per process: every client below
    await ensure_database(settings.database_url)
    pool = await create_pool(settings.database_url, max_size=settings.db_pool_size,
                             idle_in_transaction_ms=settings.db_idle_in_transaction_ms)
    owner = settings.database_owner_url
    await migrate(pool, package, owner_url=owner.get_secret_value() if owner else None)
    if topics:
        await ensure_topics(settings.kafka_bootstrap_servers, topics)
    publisher = EventPublisher(settings.kafka_bootstrap_servers, client_id=package)
    await publisher.start()
    runtime = Runtime(settings=settings, pool=pool, publisher=publisher)
    runtime.background(stille_blokkeerders_opruimen(pool, settings.db_idle_in_transaction_ms / 1000),
                       "stille_blokkeerders")
    return runtime


def lifespan_for(
    settings: ServiceSettings,
    package: str,
    topics: Sequence[TopicLike],
    wire: Callable[[Runtime, FastAPI], Any],
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """Build the FastAPI lifespan: open the runtime, let the service wire itself, stop on exit."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gc_drempels = zet_gc_drempels()
        runtime = await open_runtime(settings, package, topics)
        app.state.runtime = runtime
        auth = getattr(app.state, "authenticator", None)
        if isinstance(auth, OidcAuthenticator):  # web sessions in the service's own database
            auth.opslag = SessieOpslag(runtime.pool)
        result = wire(runtime, app)
        if asyncio.iscoroutine(result):
            await result
        log.info("service_started", port=settings.http_port, metrics_port=settings.metrics_port,
                 lus=type(asyncio.get_running_loop()).__module__,
                 gc_drempels=list(gc_drempels))
        try:
            yield
        finally:
            log.info("service_stopping")
            await runtime.stop()

    return lifespan


UVICORN: dict[str, Any] = {"loop": "uvloop", "http": "httptools"}
"""uvicorn's event loop and HTTP parser, named (not ``auto``, which falls back to asyncio's loop and the
pure-Python h11 without a word when the C ones are missing). Why: measured (``benchmarks/METINGEN.md``,
"The eleventh session"), registratie used 1,215-1,385 µs of CPU per single POST on these against
1,395-1,565 on asyncio's loop and h11, alternately; the projection runners ran the same on either loop."""


def serve(app: FastAPI, settings: ServiceSettings, service: str) -> None:
    configure_logging(service, json=settings.log_json, level=settings.log_level)
    otel.configure(service)  # OTLP export of the spans, only with OTEL_EXPORTER_OTLP_ENDPOINT set
    stop_metrics = start_metrics_server(settings.http_host, settings.metrics_port) if settings.metrics_port else None
    try:
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_level="warning",
                    access_log=False, timeout_graceful_shutdown=30, timeout_keep_alive=settings.http_keepalive_s,
                    **UVICORN)
    finally:
        if stop_metrics is not None:
            stop_metrics()
        otel.shutdown()
