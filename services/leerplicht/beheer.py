"""Beheer of a leerplicht instance (role ``beheer``): dossiers needing attention because an event was
dead-lettered (:mod:`leerplicht.aandacht`), and the identity records in quarantine
(:mod:`leerrecht.quarantaine`)."""


import uuid
from collections.abc import Callable
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from leerplicht import aandacht
from leerplicht.projection import LeerplichtProjection
from leerrecht.http import Principal, runtime_pool


def _fout(status: int, title: str, regel: str, melding: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={
        "title": title, "status": status, "fouten": [{"veld": "event_id", "regel": regel, "melding": melding}],
    })


def _niet_gevonden() -> JSONResponse:
    return _fout(404, "Niet gevonden", "open_markering",
                 "Er is geen openstaande markering voor deze gebeurtenis")


def build_router(beheer: Callable[..., Principal], region: str) -> APIRouter:
    router = APIRouter(prefix="/v1/beheer", tags=["beheer"])
    projection = LeerplichtProjection(region)
    Pool = Annotated[asyncpg.Pool, Depends(runtime_pool)]
    Beheer = Annotated[Principal, Depends(beheer)]

    @router.get("/aandacht", summary="Dossiers die aandacht nodig hebben: niet-toepasbare gebeurtenissen")
    async def lijst(db: Pool, _: Beheer) -> dict[str, Any]:
        async with db.acquire() as conn:
            items = await aandacht.lijst(conn)
        return {"open": sum(1 for i in items if i["status"] == aandacht.OPEN), "aandacht": items}

    @router.post("/aandacht/{event_id}/opnieuw", summary="De gebeurtenis opnieuw toepassen (na een herstel)",
                 response_model=None)
    async def opnieuw(event_id: uuid.UUID, db: Pool, wie: Beheer) -> dict[str, Any] | JSONResponse:
        try:
            await aandacht.opnieuw_toepassen(db, projection, event_id, wie.client_id)
        except aandacht.NietGevonden:
            return _niet_gevonden()
        except aandacht.OpnieuwMislukt as fout:
            return _fout(409, "Opnieuw toepassen mislukt", "opnieuw_toepassen_mislukt",
                         f"De gebeurtenis kan nog steeds niet worden verwerkt ({fout.reden}); "
                         "de markering blijft staan")
        return {"event_id": str(event_id), "status": aandacht.OPNIEUW_TOEGEPAST}

    @router.post("/aandacht/{event_id}/opgelost", summary="De markering afsluiten zonder de gebeurtenis toe te passen",
                 response_model=None)
    async def opgelost(event_id: uuid.UUID, db: Pool, wie: Beheer) -> dict[str, Any] | JSONResponse:
        try:
            await aandacht.oplossen(db, event_id, wie.client_id)
        except aandacht.NietGevonden:
            return _niet_gevonden()
        return {"event_id": str(event_id), "status": aandacht.OPGELOST}

    return router
