"""Beheer answers a person's AVG art. 15 request from the processing log: who looked at my file, and why.

``GET /v1/beheer/verwerkingen?pseudoniem=…`` (JSON) and ``GET /beheer/verwerkingen`` (a Dutch page with
a form) list every record of :mod:`leerrecht.verwerkingslog` about one pseudonym, oldest first: the
operation, the processing activity with its purpose and legal ground (from the register), the actor's
id, role and organisation, the status and the times. Nothing about any other person; the pseudonym is
the only personal datum (the person's own). The look-up is itself a processing and is recorded
(activity ``inzageverzoek-beantwoorden``) after the answer is composed, so it shows in the next one.

Shared by leerplicht and rmc (the same code behind page and API); a service supplies the role
dependencies and ``render`` (its own template ``verwerkingen.html`` and look).
"""
# No `from __future__ import annotations`: FastAPI must see the closure dependencies as objects.

import re
from collections.abc import Callable
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from leerrecht.beheer import Render, tijd
from leerrecht.http import Principal, runtime_pool
from leerrecht.verwerkingslog import PSEUDONIEM, Verwerking, query_pseudoniem, verwerking, voor_betrokkene

STATUS = {"ok": "Uitgevoerd", "refused": "Geweigerd", "error": "Mislukt"}

Inzage = Annotated[Verwerking, Depends(verwerking("inzageverzoek-beantwoorden", query_pseudoniem), scope="function")]


def router(beheer_api: Callable[..., Principal], beheer_web: Callable[..., Principal] | None = None,
           render: Render | None = None) -> APIRouter:
    """The API, and the page when the service has beheer pages (``beheer_web`` and ``render``)."""
    r = APIRouter()

    @r.get("/v1/beheer/verwerkingen", tags=["beheer"],
           summary="Verwerkingen van één persoon (AVG art. 15): wie zag of wijzigde het dossier, en waarom",
           description=("Het verwerkingslogboek van deze dienst voor één pseudoniem: elke inzage en "
                        "wijziging (ook geweigerde pogingen) met activiteit, tijdstip, actor, status"
                        " en trace. Voor een inzageverzoek van de betrokkene (AVG art. 15). De "
                        "raadpleging zelf wordt ook vastgelegd. 422 bij een ongeldig pseudoniem."))
    async def verwerkingen(
        _v: Inzage,
        db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        _: Annotated[Principal, Depends(beheer_api)],
        pseudoniem: Annotated[str, Query(pattern=PSEUDONIEM, description="Het pseudoniem van de betrokkene")],
    ) -> dict[str, Any]:
        async with db.acquire() as conn:
            return {"pseudoniem": pseudoniem, "verwerkingen": await voor_betrokkene(conn, pseudoniem)}

    if beheer_web is None or render is None:
        return r
    web, toon = beheer_web, render

    @r.get("/beheer/verwerkingen", include_in_schema=False)
    async def pagina(
        _v: Inzage,
        db: Annotated[asyncpg.Pool, Depends(runtime_pool)],
        wie: Annotated[Principal, Depends(web)],
        pseudoniem: str = "",
    ) -> Response:
        pseudoniem = pseudoniem.strip()
        context: dict[str, Any] = {"pseudoniem": pseudoniem, "verwerkingen": None, "fout": None}
        if pseudoniem and not re.fullmatch(PSEUDONIEM, pseudoniem):
            context.update(pseudoniem="", fout="Dit is geen geldig pseudoniem.")
            return toon(wie, 422, context)
        if pseudoniem:
            async with db.acquire() as conn:
                rijen = await voor_betrokkene(conn, pseudoniem)
            context["verwerkingen"] = [
                {**x, "status_tekst": STATUS.get(x["status"], x["status"]), "begin_tekst": tijd(x["begin"]),
                 "einde_tekst": tijd(x["einde"])}
                for x in rijen
            ]
        return toon(wie, 200, context)

    return r
