"""Wiring of a leerplicht instance: its region's topic only, its own database."""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import all_topic_specs, dlq_topic, region_events_topic
from leerplicht.api import build_router
from leerplicht.config import LeerplichtSettings
from leerplicht.projection import LeerplichtProjection
from leerrecht.http import create_app, parse_tokens, principal_dependency, require_role
from leerrecht.projection import ProjectionRunner
from leerrecht.service import Runtime, lifespan_for


def build_app(settings: LeerplichtSettings) -> FastAPI:
    region = settings.region
    topic = region_events_topic(region)
    current = principal_dependency(parse_tokens(settings.api_tokens))
    officer = require_role(current, f"leerplicht:{region}")

    def wire(runtime: Runtime, app: FastAPI) -> None:
        runtime.start_runner(ProjectionRunner(
            LeerplichtProjection(region), runtime.pool, settings.kafka_bootstrap_servers,
            topics=[topic], group_id=f"leerrecht.leerplicht.{region}",
            batch_size=settings.projection_batch_size, dead_letters=runtime.publisher,
        ))

    specs = [s for s in all_topic_specs([region]) if s.name in (topic, dlq_topic(topic))]
    app = create_app(
        title=f"Leerrecht leerplicht {region}",
        description="Regionaal bureau leerplicht: meldingen en dossiers volgens de MAS.",
        lifespan=lifespan_for(settings, "leerplicht", specs, wire),
        readiness=[lambda: app.state.runtime.ready()],
    )
    app.include_router(build_router(officer, region))
    return app
