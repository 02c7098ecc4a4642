"""Beheer's routes for the school calendar (domain.md A3.12): its reach, and loading school years.

``GET /v1/beheer/kalender`` is the beheer line (status, end, days left, versions, pupils waiting);
``POST /v1/beheer/schoolvakanties`` loads further school years in the columns of the shipped
``leerrecht/data/schoolvakanties.csv`` (see ``registratie.schoolkalender``).
"""

# No `from __future__ import annotations` here: FastAPI must see the closure dependencies (as in api.py)

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from leerrecht.http import Principal
from leerrecht.kalender import OngeldigeSchoolvakanties, lees_schoolvakanties
from leerrecht.logging import get_logger, start_task
from registratie.api import Service

log = get_logger(__name__)
_Kort = Annotated[str, Field(max_length=20)]


class SchoolvakantieRij(BaseModel):
    """One row, the columns of ``schoolvakanties.csv``; checked as a whole by the calendar."""

    model_config = ConfigDict(extra="forbid")

    schooljaar: _Kort = Field(examples=["2028-2029"])
    vakantie: _Kort = Field(examples=["Herfstvakantie"])
    regio: _Kort = Field(examples=["midden"], description="noord, midden of zuid")
    begin: _Kort = Field(examples=["2028-10-21"], description="eerste dag (JJJJ-MM-DD)")
    eind: _Kort = Field(examples=["2028-10-29"], description="laatste dag, inbegrepen (JJJJ-MM-DD)")


class SchoolvakantiesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rijen: list[SchoolvakantieRij] = Field(min_length=1, max_length=300)


def build_kalender_router(beheer: Callable[..., Principal]) -> APIRouter:
    router = APIRouter(prefix="/v1/beheer", tags=["beheer"])
    Beheer = Annotated[Principal, Depends(beheer)]
    lopend: set[asyncio.Task[int]] = set()  # keep a reference: the loop holds tasks only weakly

    @router.get("/kalender", summary="Reikwijdte van de schoolkalender (domain.md A3.12)",
                description="'degraded' vanaf 12 maanden voor het einde van de bekende schoolvakanties; "
                            "met de versies en het aantal leerlingen dat op een langere kalender wacht.")
    async def get_kalender(service: Service, principal: Beheer) -> dict[str, Any]:
        async with service.pool.acquire() as conn:
            await service.kalender.laad(conn)
            return await service.kalender.overzicht(conn, service.klok.vandaag())

    @router.post("/schoolvakanties", status_code=201, summary="Schoolvakanties van volgende schooljaren laden",
                 description="Rijen in de kolommen van schoolvakanties.csv; elk nieuw schooljaar volledig "
                             "(5 vakanties × 3 regio's) en aansluitend. Al bekende, gelijke rijen veranderen "
                             "niets (200); een bekende vakantie wijzigen kan niet.",
                 responses={200: {"description": "niets nieuws"}, 422: {"description": "rijen geweigerd"}})
    async def post_schoolvakanties(body: SchoolvakantiesIn, service: Service, principal: Beheer) -> JSONResponse:
        try:
            rijen = lees_schoolvakanties([r.model_dump() for r in body.rijen])
            async with service.pool.acquire() as conn:
                versie, nieuw = await service.kalender.vaststellen(conn, rijen, principal.client_id,
                                                                   service.klok.nu())
        except OngeldigeSchoolvakanties as exc:
            return JSONResponse(status_code=422, content={
                "title": "Schoolvakanties geweigerd", "status": 422,
                "fouten": [{"veld": f.veld, "regel": f.regel, "melding": f.melding} for f in exc.fouten]})
        antwoord = {"versie": versie, "nieuwe_rijen": len(nieuw),
                    "schooljaren": sorted({v.schooljaar for v in nieuw}),
                    "kalender_einde": service.kalender.kalender.einde().isoformat()}
        if nieuw:  # the pupils the calendar's end kept waiting: evaluated again, in the background
            task = start_task(_herbeoordeel(service), name="kalender-herbeoordeling")
            lopend.add(task)
            task.add_done_callback(lopend.discard)
        return JSONResponse(status_code=201 if nieuw else 200, content=antwoord)

    return router


async def _herbeoordeel(service: Any) -> int:
    try:
        n: int = await service.herbeoordeel_wachtend()
        return n
    except Exception as exc:  # the daily run picks them up too (they stay in kalender_wachtend)
        log.error("kalender_herbeoordeling_mislukt", error=type(exc).__name__)
        return 0
