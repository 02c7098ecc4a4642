"""Wiring of an RMC instance: its region's topics only, its own database (domain.md A6, B).

Runs the projection (files, contact history, placements, partner weeks; automatic reactions into the
outbox), the outbox publisher, the identity consumer (the region's identity topic, for the coach's
contact data) and the projection of DUO's national school register (the coach's school lookup,
:mod:`rmc.scholen`) next to the HTTP API and the coaches' web pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from contracts.topics import REGISTER_TOPIC, all_topic_specs, dlq_topic, identity_topic, region_events_topic
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
from leerrecht.projection import Delivered, ProjectionRunner
from leerrecht.register import RegisterProjection
from leerrecht.service import Runtime, lifespan_for
from rmc.api import build_router, partner_dependency
from rmc.config import RmcSettings
from rmc.domain import Regels, parse_leeftijdsgrenzen
from rmc.identiteit import IdentiteitConsumer
from rmc.projection import RmcProjection
from rmc.uitgaand import Uitgaand
from rmc.web import beheer_render, build_web_router, verwerkingen_render


def build_app(settings: RmcSettings) -> FastAPI:
    region = settings.region
    topic = region_events_topic(region)
    regels = Regels(parse_leeftijdsgrenzen(settings.leeftijdsgrenzen))
    tokens = authenticator(settings, "rmc")
    current = principal_dependency(tokens)
    coach = require_role(current, f"rmc:{region}")
    web_coach = web_principal_dependency(tokens, f"rmc:{region}")
    partner = partner_dependency(current, region)
    beheerder = require_role(current, "beheer")
    web_beheerder = web_principal_dependency(tokens, "beheer")

    def wire(runtime: Runtime, app: FastAPI) -> None:
        uitgaand = Uitgaand(runtime.pool, runtime.publisher, wacht_s=settings.uitgaand_wacht_s)

        async def gepland(_: Sequence[Delivered]) -> None:
            uitgaand.wake()  # a batch may have decided reactions: publish them now

        runtime.start_runner(
            ProjectionRunner(
                RmcProjection(region, regels),
                runtime.pool,
                settings.kafka_bootstrap_servers,
                topics=[topic],
                group_id=f"leerrecht.rmc.{region}",
                batch_size=settings.projection_batch_size,
                dead_letters=runtime.publisher,
                on_applied=gepland,
            )
        )
        runtime.background(uitgaand.run(), "rmc:uitgaand")
        runtime.start_runner(IdentiteitConsumer(runtime.pool, settings.kafka_bootstrap_servers, region))
        runtime.start_runner(ProjectionRunner(  # DUO's register: seed + this topic, as registratie has it
            RegisterProjection("rmc-register"), runtime.pool, settings.kafka_bootstrap_servers,
            topics=[REGISTER_TOPIC], group_id=f"leerrecht.rmc.{region}.register",
            batch_size=settings.projection_batch_size, dead_letters=runtime.publisher,
        ))

    wanted = (topic, dlq_topic(topic), identity_topic(region), REGISTER_TOPIC, dlq_topic(REGISTER_TOPIC))
    specs = [s for s in all_topic_specs([region]) if s.name in wanted]
    app = create_app(
        title=f"Leerrecht Doorstroompunt (RMC) {region}",
        description="Trajectbegeleiding van jongeren zonder startkwalificatie (domain.md A6).",
        lifespan=lifespan_for(settings, "rmc", specs, wire),
        readiness=[lambda: app.state.runtime.ready()],
        limits=EdgeLimits.from_settings(settings),
        tokens=tokens,
    )
    app.include_router(build_router(coach, partner, region, regels))
    app.include_router(aandacht.beheer_router(beheerder, RmcProjection(region, regels)))
    app.include_router(quarantaine.beheer_router(beheerder))
    add_login_routes(app, tokens, f"Doorstroompunt {region}", home="/werklijst", home_per_rol={"beheer": "/beheer"})
    app.include_router(build_web_router(web_coach, region, regels))
    app.include_router(beheer.web_router(web_beheerder, RmcProjection(region, regels), beheer_render(region)))
    app.include_router(inzage.router(beheerder, web_beheerder, verwerkingen_render(region)))
    return app
