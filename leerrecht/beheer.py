"""The beheer page of a regional service (issue 11, part 2: an alert is "log + metric + a line on the beheer
page"): what a consumer of this process could not apply, and the two actions on a marked dossier or file.

Shared by leerplicht and rmc, so that the page and the JSON API (``/v1/beheer/...``) cannot drift apart:
the routes, the status they show and the actions live here, and the actions are
:func:`leerrecht.aandacht.afhandelen`, the very function the API calls. A service only supplies
``render`` (its own template and look) and the dependency of role ``beheer``
(:func:`leerrecht.http.web_principal_dependency`: no session → the login page, another role → 403).

The page shows positions, counts, times, event types, error types and the marked dossier id or
pseudonym — never a record's content, so never a name (domain.md B). A refused action (the re-apply
fails again, the mark was already handled) comes back as the page with a Dutch message, never as JSON.
Forms are plain POSTs; the session cookie is ``SameSite=Strict``, so another site cannot post them.
"""
# No `from __future__ import annotations`: FastAPI must see the closure dependency `beheer` as an object.

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from leerrecht import aandacht, quarantaine
from leerrecht.http import Principal, runtime_pool
from leerrecht.metrics import DEAD_LETTERS, QUARANTINED, per_projectie
from leerrecht.projection import Projection

Render = Callable[[Principal, int, dict[str, Any]], Response]
"""(who, HTTP status, the page's context) → the service's HTML answer."""

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REDEN_QUARANTAINE = {"onleesbaar": "Onleesbaar", "niet_op_te_slaan": "Niet op te slaan"}


def tijd(waarde: datetime | str) -> str:
    """A moment as Dutch local time, ``02-06-2025 14:03``."""
    t = datetime.fromisoformat(waarde) if isinstance(waarde, str) else waarde
    return t.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


async def status(conn: asyncpg.Connection) -> dict[str, Any]:
    """Everything the page shows, ready to print (no content of any record)."""
    q = await quarantaine.overzicht(conn)
    records = [{**r, "reden": REDEN_QUARANTAINE.get(r["reden"], r["reden"]), "ontvangen_op": tijd(r["ontvangen_op"])}
               for r in q["records"]]
    marks = [
        {**m, "soort": str(m["type"]).rsplit(".", 1)[-1], "sinds": tijd(m["sinds"])}
        for m in await aandacht.alle_open(conn)
    ]
    return {
        "quarantaine": {
            "aantal": q["aantal"],
            "per_reden": {REDEN_QUARANTAINE.get(k, k): n for k, n in q["per_reden"].items()},
            "sinds": records[0]["ontvangen_op"] if records else None,
            "records": records,
        },
        "geteld": {
            "dead_letters": per_projectie(DEAD_LETTERS),
            "quarantaine": per_projectie(QUARANTINED),
        },
        "aandacht": marks,
    }


def web_router(beheer: Callable[..., Principal], projection: Projection, render: Render) -> APIRouter:
    """``GET /beheer`` and its two forms per mark (role beheer, session cookie)."""
    router = APIRouter(include_in_schema=False)

    async def pagina(db: asyncpg.Pool, wie: Principal, code: int = 200, *, gelukt: str | None = None,
                     fout: str | None = None) -> Response:
        async with db.acquire() as conn:
            context = await status(conn)
        return render(wie, code, {**context, "gelukt": gelukt, "fout": fout})

    @router.get("/beheer")
    async def beheer_pagina(
        db: Annotated[asyncpg.Pool, Depends(runtime_pool)], wie: Annotated[Principal, Depends(beheer)],
        gedaan: str | None = None,
    ) -> Response:
        melding = aandacht.GELUKT.get(gedaan or "")
        return await pagina(db, wie, gelukt=melding + "." if melding else None)

    async def actie(db: asyncpg.Pool, wie: Principal, event_id: str, soort: aandacht.Actie) -> Response:
        try:
            eid = uuid.UUID(event_id)
        except ValueError:
            eid = None  # not an event id: nothing of it can be open
        uitkomst = (await aandacht.afhandelen(db, projection, eid, soort, wie.client_id) if eid
                    else aandacht.NIET_GEVONDEN)
        if uitkomst.gelukt:
            return RedirectResponse(f"/beheer?gedaan={soort}", status_code=303)
        return await pagina(db, wie, uitkomst.status, fout=uitkomst.melding + ".")

    @router.post("/beheer/aandacht/{event_id}/opnieuw")
    async def opnieuw(
        v: aandacht.Herstellen, event_id: str, db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        wie: Annotated[Principal, Depends(beheer)],
    ) -> Response:
        return v.antwoord(await actie(db, wie, event_id, "opnieuw"))

    @router.post("/beheer/aandacht/{event_id}/opgelost")
    async def opgelost(
        v: aandacht.Herstellen, event_id: str, db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        wie: Annotated[Principal, Depends(beheer)],
    ) -> Response:
        return v.antwoord(await actie(db, wie, event_id, "opgelost"))

    return router
