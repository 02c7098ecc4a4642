"""HTTP API for the region's Doorstroompunt coaches."""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.


from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request

from leerrecht.http import Principal


def pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.runtime.pool
    return p


def build_router(coach: Any, region: str) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["rmc"])

    @router.get("/jongeren", summary="Jongeren in beeld bij het Doorstroompunt")
    async def jongeren(
        db: Annotated[asyncpg.Pool, Depends(pool)], _: Annotated[Principal, Depends(coach)],
    ) -> dict[str, Any]:
        rows = await db.fetch("SELECT pseudoniem, status, aangemeld_op FROM jongere ORDER BY aangemeld_op")
        return {"regio": region, "jongeren": [
            {"pseudoniem": r["pseudoniem"], "status": r["status"], "aangemeld_op": r["aangemeld_op"].isoformat()}
            for r in rows
        ]}

    return router
