"""Wiring of the national telling service: the whole log in, aggregates out (API and count stream)."""

from __future__ import annotations

from fastapi import FastAPI

from leerrecht.http import create_app, parse_tokens, principal_dependency, require_role
from leerrecht.service import Runtime, lifespan_for
from telling.api import build_router
from telling.config import TellingSettings
from telling.runner import TellingRunner, count_topics


def build_app(settings: TellingSettings) -> FastAPI:
    current = principal_dependency(parse_tokens(settings.api_tokens))
    analyst = require_role(current, "analist", "beheer")

    def wire(runtime: Runtime, app: FastAPI) -> None:
        runtime.start_runner(TellingRunner(runtime.pool, settings, runtime.publisher))

    app = create_app(
        title="Leerrecht telling",
        description="Landelijke cijfers, berekend uit het eventlog en reproduceerbaar.",
        lifespan=lifespan_for(settings, "telling", count_topics(settings.count_topic), wire),
        readiness=[lambda: app.state.runtime.ready()],
    )
    app.include_router(build_router(analyst))
    return app
