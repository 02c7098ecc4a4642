"""Wiring of the registratie process: settings → runtime → HTTP routes and background work.

Background work: the outbox sweeper (publishes submissions left open by a crash or a broker outage)
and the daily run of the time-dependent rules (``IntakeService.dagtaak``: overdue reports →
MeldtermijnVerstreken, held-back duties, absoluut verzuim), idempotent per day, so it may run often.
The school calendar (``registratie.schoolkalender``, A3.12) is loaded from the database at start and
re-read once a minute; its end makes ``/health`` and ``/ready`` say "degraded" 12 months ahead.
"""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import FastAPI

from contracts.topics import REGISTER_TOPIC, all_topic_specs
from leerrecht import inzage, pagina
from leerrecht.auth import authenticator
from leerrecht.http import (
    EdgeLimits,
    add_login_routes,
    create_app,
    principal_dependency,
    require_role,
    web_principal_dependency,
)
from leerrecht.kalender import load_region_table
from leerrecht.logging import get_logger
from leerrecht.metrics import OUTBOX_BACKLOG
from leerrecht.projection import ProjectionRunner, region_pattern
from leerrecht.register import RegisterProjection
from leerrecht.service import Runtime, lifespan_for
from registratie import regels
from registratie.api import CSV_PAD, REGISTER_CSV_PAD, Toegang, bouw_intake
from registratie.config import RegistratieSettings
from registratie.domain.pseudonym import PseudonymKey, PseudonymKeyring
from registratie.intake import IntakeService
from registratie.kalender_api import build_kalender_router
from registratie.klok import Klok
from registratie.pagina import SCHOOL_CSV_PAD, build_page_router
from registratie.projection import MeldingStatusProjection
from registratie.protocollen import load_protocols
from registratie.schoolkalender import Kalenderbron

log = get_logger(__name__)
MULTIPART_MARGE = 64 * 1024
KALENDER_INTERVAL_S = 60.0


def all_regions() -> list[str]:
    return sorted({g.rmc_regiocode for g in load_region_table().version_on().gemeenten.values()})


def build_app(settings: RegistratieSettings) -> FastAPI:
    key = PseudonymKey.from_base64(settings.pseudonym_key_id, settings.pseudonym_key)
    keyring = PseudonymKeyring(key)
    regions = all_regions() if settings.regions == "*" else settings.regions.split(",")
    tokens = authenticator(settings, "registratie")
    current = principal_dependency(tokens)
    toegang = Toegang(
        school_of_duo=require_role(current, "school", "duo"),
        school=require_role(current, "school"),
        duo=require_role(current, "duo"),
        duo_of_beheer=require_role(current, "duo", "beheer"),
        beheer=require_role(current, "beheer"),
    )
    klok = Klok(settings.vandaag)
    protocols = load_protocols(settings.local_protocols_file)  # invalid → refuse to start, clearly
    regels.GEHEUGEN.grootte = settings.regels_geheugen  # one per process, like the calendar
    # the submissions' content hash is keyed with a key derived from the pseudonym key (see intake)
    hash_key = hashlib.sha256(b"leerrecht/intake-hash/" + key.secret).digest()

    kalender = Kalenderbron()

    async def wire(runtime: Runtime, app: FastAPI) -> None:
        async with runtime.pool.acquire() as conn:
            await kalender.laad(conn)  # the school years beheer loaded after the shipped ones (A3.12)
        service = IntakeService(runtime.pool, runtime.publisher, klok, hash_key, protocols,
                                timeout_s=settings.intake_timeout_s, kalender=kalender)
        app.state.intake = service
        app.state.klok = klok
        await service.kalender_melden(klok.vandaag())

        async def kalender_volgen() -> None:
            while True:  # a school year another replica loaded
                await asyncio.sleep(KALENDER_INTERVAL_S)
                try:
                    async with runtime.pool.acquire() as conn:
                        await kalender.laad(conn)
                except Exception as exc:  # the database is away: the next round tries again
                    log.error("kalender_laden_mislukt", error=type(exc).__name__)

        async def sweeper() -> None:
            while True:
                await asyncio.sleep(settings.sweeper_interval_s)
                try:
                    async with runtime.pool.acquire() as conn:  # the backlog the alert watches
                        OUTBOX_BACKLOG.set(await conn.fetchval(
                            "SELECT count(*) FROM intake_verzoek WHERE status = 'open'"))
                    n = await service.republish_open(older_than_s=settings.sweeper_min_age_s)
                    if n:
                        log.warning("open_submissions_republished", count=n)
                except Exception as exc:  # the broker or database is away: the next round tries again
                    log.error("republish_open_failed", error=type(exc).__name__)

        async def dagtaak() -> None:
            while True:
                await asyncio.sleep(settings.dagtaak_interval_s)
                try:
                    n = await service.dagtaak()
                    log.info("dagtaak_klaar", leerlingen_met_nieuwe_events=n)
                except Exception as exc:  # a failed run is retried at the next interval
                    log.error("dagtaak_mislukt", error=type(exc).__name__)

        runtime.background(sweeper(), name="republish-open")
        runtime.background(kalender_volgen(), name="kalender-volgen")
        # leerplicht's decisions on the schools' reports (the DUO statuses in the school's view)
        runtime.start_runner(ProjectionRunner(
            MeldingStatusProjection(), runtime.pool, settings.kafka_bootstrap_servers,
            pattern=region_pattern("events"), group_id="leerrecht.registratie.meldingstatus",
            batch_size=settings.projection_batch_size, dead_letters=runtime.publisher,
        ))
        # DUO's register of school locations: seed + this topic = the register (a replay rebuilds it);
        # the projection is shared with rmc (leerrecht.register)
        runtime.start_runner(ProjectionRunner(
            RegisterProjection("registratie-register"), runtime.pool, settings.kafka_bootstrap_servers,
            topics=[REGISTER_TOPIC], group_id="leerrecht.registratie.register",
            batch_size=settings.projection_batch_size, dead_letters=runtime.publisher,
        ))
        if settings.dagtaak_interval_s > 0:
            runtime.background(dagtaak(), name="dagtaak")

    # contracts.topics.TopicSpec has the fields of leerrecht.kafka.TopicSpec (name, partitions, config)
    lifespan = lifespan_for(settings, "registratie", all_topic_specs(regions), wire)
    app = create_app(
        title="Leerrecht registratie",
        description="Intake van scholen en DUO: inschrijvingen, afwezigheid, meldingen, verlof, "
                    "register-feiten; de wettelijke meldregels (domain.md A3) en het overzicht voor de school.",
        lifespan=lifespan,
        readiness=[lambda: app.state.runtime.ready()],
        degradation=[lambda: kalender.degradatie(klok.vandaag())],
        # the CSV upload may be as large as its file limit plus the multipart framing around it
        limits=EdgeLimits.from_settings(settings, dict.fromkeys((CSV_PAD, REGISTER_CSV_PAD, SCHOOL_CSV_PAD),
                                                                settings.csv_max_bytes + MULTIPART_MARGE)),
        tokens=tokens,
    )
    router, opdrachten = bouw_intake(keyring, toegang, csv_max_bytes=settings.csv_max_bytes,
                                     csv_max_rijen=settings.csv_max_rijen)
    app.include_router(router)
    app.include_router(build_kalender_router(toegang.beheer))
    app.include_router(inzage.router(toegang.beheer))  # art. 15: what schools and DUO did with a pupil's file
    add_login_routes(app, tokens, "Leerrecht – school", home="/school")
    app.include_router(build_page_router(web_principal_dependency(tokens, "school"), opdrachten))
    pagina.mount_static(app)
    return app
