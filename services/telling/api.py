"""HTTP API for national figures (analysts see aggregates only)."""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.


from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from leerrecht.http import Principal
from telling.domain.figures import DEFINITIES, NATIONAAL


def pool(request: Request) -> asyncpg.Pool:
    p: asyncpg.Pool = request.app.state.runtime.pool
    return p


def build_router(analyst: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["telling"])

    @router.get("/cijfers", summary="Cijfers per indicator, gebied en periode")
    async def cijfers(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(analyst)],
        gebied: Annotated[str, Query(pattern=r"^(NL|MC\d\d)$")] = NATIONAAL,
    ) -> dict[str, Any]:
        rows = await db.fetch(
            "SELECT indicator, periode, waarde FROM cijfer WHERE gebied = $1 ORDER BY indicator, periode", gebied,
        )
        return {
            "gebied": gebied,
            "cijfers": [
                {"indicator": r["indicator"], "periode": r["periode"], "waarde": float(r["waarde"]),
                 "definitie": DEFINITIES.get(r["indicator"], "")}
                for r in rows
            ],
        }

    return router
