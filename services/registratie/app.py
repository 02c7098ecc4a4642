"""Wiring of the registratie process: settings → runtime → HTTP routes and background work."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from contracts.topics import all_topic_specs
from leerrecht.http import create_app, parse_tokens, principal_dependency, require_role
from leerrecht.kalender import load_region_table
from leerrecht.logging import get_logger
from leerrecht.service import Runtime, lifespan_for
from registratie.api import build_router
from registratie.config import RegistratieSettings
from registratie.domain.pseudonym import PseudonymKey, PseudonymKeyring
from registratie.intake import IntakeService

log = get_logger(__name__)


def all_regions() -> list[str]:
    return sorted({g.rmc_regiocode for g in load_region_table().version_on().gemeenten.values()})


def build_app(settings: RegistratieSettings) -> FastAPI:
    keyring = PseudonymKeyring(PseudonymKey.from_base64(settings.pseudonym_key_id, settings.pseudonym_key))
    regions = all_regions() if settings.regions == "*" else settings.regions.split(",")
    current = principal_dependency(parse_tokens(settings.api_tokens))
    intake_roles = require_role(current, "school", "duo")
    async def wire(runtime: Runtime, app: FastAPI) -> None:
        service = IntakeService(runtime.pool, runtime.publisher)
        app.state.intake = service

        async def sweeper() -> None:
            while True:
                await asyncio.sleep(15)
                with contextlib.suppress(Exception):
                    n = await service.republish_open()
                    if n:
                        log.warning("open_submissions_republished", count=n)

        runtime.background(sweeper(), name="republish-open")

    lifespan = lifespan_for(settings, "registratie", all_topic_specs(regions), wire)
    app = create_app(
        title="Leerrecht registratie",
        description="Intake van scholen en DUO: inschrijvingen, afwezigheid, meldingen.",
        lifespan=lifespan,
        readiness=[lambda: app.state.runtime.ready()],
    )
    app.include_router(build_router(keyring, intake_roles))
    return app
