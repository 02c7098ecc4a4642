"""HTTP API for leerplicht officers of this region."""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.


from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Path, Request

from leerrecht.http import Principal


def pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.runtime.pool
    return p


def build_router(officer: Any, region: str) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["leerplicht"])

    @router.get("/leerlingen/{pseudoniem}/afwezigheid", summary="Afwezigheidspatroon van een leerling")
    async def afwezigheid(
        pseudoniem: Annotated[str, Path(pattern=r"^[A-Za-z0-9_:-]{16,128}$")],
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(officer)],
    ) -> dict[str, Any]:
        rows = await db.fetch(
            "SELECT datum, uren, eenheid, code, school FROM afwezigheid WHERE pseudoniem = $1 ORDER BY datum",
            pseudoniem,
        )
        return {
            "pseudoniem": pseudoniem,
            "afwezigheid": [{**dict(r), "datum": r["datum"].isoformat(), "uren": float(r["uren"])} for r in rows],
        }

    @router.get("/overzicht", summary="Aantallen in deze regio")
    async def overzicht(
        db: Annotated[asyncpg.Pool, Depends(pool)], _: Annotated[Principal, Depends(officer)],
    ) -> dict[str, Any]:
        row = await db.fetchrow(
            "SELECT count(DISTINCT pseudoniem) AS leerlingen, count(*) AS registraties FROM afwezigheid"
        )
        return {"regio": region, **dict(row or {})}

    return router

