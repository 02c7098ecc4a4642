"""Wiring of a leerplicht instance: its region's topics only, its own database.

Besides the projection of the region's events topic it runs the identity loop (the region's erasable
identity topic, :mod:`leerplicht.identiteit`), the transfer loop of moving house (:mod:`leerplicht.overdracht`),
the officer's JSON API (``/v1``) and the officer's web pages (:mod:`leerplicht.web`).
"""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import all_topic_specs, dlq_topic, identity_topic, region_events_topic
from leerplicht import overdracht, web
from leerplicht.api import build_router
from leerplicht.config import LeerplichtSettings
from leerplicht.identiteit import IdentiteitConsumer, zoeksleutel_instellen
from leerplicht.projection import LeerplichtProjection
from leerrecht import aandacht, beheer, inzage, quarantaine
from leerrecht.auth import authenticator
from leerrecht.http import (
    EdgeLimits,
    add_login_routes,
    create_app,
    principal_dependency,
    require_role,
    web_principal_dependency,
)
from leerrecht.logging import get_logger
from leerrecht.projection import ProjectionRunner
from leerrecht.service import Runtime, lifespan_for

log = get_logger(__name__)


def build_app(settings: LeerplichtSettings) -> FastAPI:
    region = settings.region
    topic = region_events_topic(region)
    tokens = authenticator(settings, "leerplicht")
    current = principal_dependency(tokens)
    officer = require_role(current, f"leerplicht:{region}")
    web_officer = web_principal_dependency(tokens, f"leerplicht:{region}")
    beheerder = require_role(current, "beheer")
    web_beheerder = web_principal_dependency(tokens, "beheer")

    sleutel = settings.zoeksleutel()
    sleutels = settings.zoeksleutels()  # the search's: during a rotation the old key too

    async def wire(runtime: Runtime, app: FastAPI) -> None:
        projection = LeerplichtProjection(region)
        runtime.start_runner(ProjectionRunner(
            projection, runtime.pool, settings.kafka_bootstrap_servers,
            topics=[topic], group_id=f"leerrecht.leerplicht.{region}",
            batch_size=settings.projection_batch_size, dead_letters=runtime.publisher,
        ))
        # before the identity consumer joins its group
        await zoeksleutel_instellen(runtime.pool, sleutel, sleutels[1] if len(sleutels) > 1 else None)
        runtime.start_runner(IdentiteitConsumer(runtime.pool, settings.kafka_bootstrap_servers, region, sleutel))
        runtime.background(overdracht.overdracht_lus(runtime.pool, settings.kafka_bootstrap_servers), name="overdracht")

    eigen = (topic, dlq_topic(topic), identity_topic(region))
    specs = [s for s in all_topic_specs([region]) if s.name in eigen]

    async def ready() -> bool:
        return bool(await app.state.runtime.ready())

    app = create_app(
        title=f"Leerrecht leerplicht {region}",
        description="Regionaal bureau leerplicht: meldingen en dossiers volgens de MAS.",
        lifespan=lifespan_for(settings, "leerplicht", specs, wire),
        readiness=[ready],
        limits=EdgeLimits.from_settings(settings),
        tokens=tokens,
    )
    app.include_router(build_router(officer, region, sleutels))
    app.include_router(aandacht.beheer_router(beheerder, LeerplichtProjection(region)))
    app.include_router(quarantaine.beheer_router(beheerder))
    add_login_routes(app, tokens, f"Leerplicht {region}", home="/werklijst", home_per_rol={"beheer": "/beheer"})
    web.mount(app, web_officer, region, sleutels)
    app.include_router(beheer.web_router(web_beheerder, LeerplichtProjection(region), web.beheer_render(region)))
    app.include_router(inzage.router(beheerder, web_beheerder, web.verwerkingen_render(region)))
    return app
