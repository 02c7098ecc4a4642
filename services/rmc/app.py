"""Wiring of an RMC instance: its region's topic only, its own database."""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import all_topic_specs, dlq_topic, region_events_topic
from leerrecht.http import create_app, parse_tokens, principal_dependency, require_role
from leerrecht.projection import ProjectionRunner
from leerrecht.service import Runtime, lifespan_for
from rmc.api import build_router
from rmc.config import RmcSettings
from rmc.projection import RmcProjection


def build_app(settings: RmcSettings) -> FastAPI:
    region = settings.region
    topic = region_events_topic(region)
    current = principal_dependency(parse_tokens(settings.api_tokens))
    coach = require_role(current, f"rmc:{region}")

    def wire(runtime: Runtime, app: FastAPI) -> None:
        runtime.start_runner(ProjectionRunner(
            RmcProjection(), runtime.pool, settings.kafka_bootstrap_servers,
            topics=[topic], group_id=f"leerrecht.rmc.{region}",
            batch_size=settings.projection_batch_size, dead_letters=runtime.publisher,
        ))

    specs = [s for s in all_topic_specs([region]) if s.name in (topic, dlq_topic(topic))]
    app = create_app(
        title=f"Leerrecht Doorstroompunt (RMC) {region}",
        description="Trajectbegeleiding van jongeren zonder startkwalificatie.",
        lifespan=lifespan_for(settings, "rmc", specs, wire),
        readiness=[lambda: app.state.runtime.ready()],
    )
    app.include_router(build_router(coach, region))
    return app
