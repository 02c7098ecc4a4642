"""Wiring of the national telling service: the whole log in, aggregates out (API, dashboard, count
stream)."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from leerrecht import pagina
from leerrecht.auth import authenticator
from leerrecht.http import EdgeLimits, add_login_routes, create_app, principal_dependency, require_role
from leerrecht.service import Runtime, lifespan_for
from telling.api import build_router
from telling.blauwgroen import Wisselwachter
from telling.config import TellingSettings
from telling.dashboard import build_dashboard_router
from telling.runner import TellingRunner, count_topics


def build_app(settings: TellingSettings) -> FastAPI:
    tokens = authenticator(settings, "telling")
    current = principal_dependency(tokens)
    analyst = require_role(current, "analist", "beheer")

    async def wire(runtime: Runtime, app: FastAPI) -> None:
        # blue/green: the watcher owns the runner and moves it to a switched schema (telling.blauwgroen)
        wachter = Wisselwachter(runtime, lambda: TellingRunner(runtime.pool, settings, runtime.publisher))
        await wachter.start()
        runtime.background(wachter.run(), "telling:wisselwachter")

    app = create_app(
        title="Leerrecht telling",
        description="Landelijke cijfers, berekend uit het eventlog en reproduceerbaar.",
        lifespan=lifespan_for(settings, "telling", count_topics(settings.count_topic), wire),
        readiness=[lambda: app.state.runtime.ready()],
        limits=EdgeLimits.from_settings(settings),
        tokens=tokens,
    )
    app.include_router(build_router(analyst))
    add_login_routes(app, tokens, "Leerrecht – landelijke cijfers", home="/dashboard")
    app.include_router(build_dashboard_router(tokens))
    app.mount("/static", StaticFiles(directory=str(resources.files("telling") / "static")), name="static")
    pagina.mount_static(app)  # the page kit (and the one copy of Chart.js) at /static/kit, before /static
    return app
