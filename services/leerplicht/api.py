"""HTTP API for leerplicht officers of this region (role ``leerplicht:<REGION>``): the worklist, the
dossier page and the MAS commands (domain.md A4, A5).

Every command carries ``expected_version`` (the dossier version the officer saw). The answer is 200
with the new state once the projection applied the events, 202 when it has not within the waiting
time (the events are published; reload later), 409 when the version is stale, 422 when the command
breaks a MAS rule (the field and the rule are named), 404 for an unknown dossier. See
:mod:`leerplicht.handling` for the single-writer protocol.
"""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.

import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import InterventieSoort, InterventieUitkomst, LeerplichtSluitreden, MasRoute, MeldingSoort
from contracts.envelope import uuid7
from contracts.tekst import Toelichting
from leerplicht import aandacht, handling, snapshot, views, zaken
from leerplicht.domain import (
    Command,
    DomeinFout,
    Dossier,
    KiesRoute,
    NeemInBehandeling,
    NeemTerKennisgeving,
    SluitDossier,
    SluitMeldingAf,
    StartOnderzoek,
    VoerInterventieUit,
    halt_advies,
    items_voor,
    werklijst,
)
from leerplicht.projection import AMSTERDAM
from leerrecht import signalen
from leerrecht.grenzen import Dag
from leerrecht.http import Principal, json_antwoord, runtime_pool
from leerrecht.verwerkingslog import Verwerking, pad_pseudoniem, pseudoniemen_in, verwerking

PSEUDONIEM = r"^[A-Za-z0-9_:-]{16,128}$"


pool = runtime_pool


def vandaag() -> date:
    return datetime.now(AMSTERDAM).date()


class _Opdracht(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1, description="De versie van het dossier waarop deze opdracht is gebaseerd.")
    datum: date = Field(description="De dag waarop de stap is gezet (niet in de toekomst).")


class MeldingOpdracht(_Opdracht):
    pass


class OnderzoekOpdracht(_Opdracht):
    melding_id: uuid.UUID
    met_leerling: bool = Field(description="De leerling (12+) neemt deel, niet alleen de ouders.")


class RouteOpdracht(_Opdracht):
    routes: list[MasRoute] = Field(min_length=1, max_length=4)
    halt_toelichting: Toelichting | None = None


class InterventieOpdracht(_Opdracht):
    soort: InterventieSoort
    uitkomst: InterventieUitkomst | None = None
    interventie_id: uuid.UUID | None = Field(
        default=None,
        description="Leeg voor een nieuwe interventie; het id van een eerdere om de uitkomst vast te leggen.",
    )
    halt_toelichting: Toelichting | None = None


class AfsluitOpdracht(_Opdracht):
    reden: LeerplichtSluitreden
    toelichting: Toelichting | None = None


WERKLIJST_VEROUDERD = {"Deprecation": "@1796169600", "Link": '</v1/dossiers>; rel="successor-version"'}
"""``GET /v1/werklijst`` is deprecated since 2026-12-02 (RFC 9745's date, RFC 8288's link to its successor).
Why: it folds every open case of the region per request and answers them all unpaged; at the largest
region's national size that took 1–2 s (issue 16, ``benchmarks/METINGEN.md``), while ``/v1/dossiers``
pages in SQL. No sunset date is set: that is for the API's owners to announce to its users."""


def _fout(status: int, title: str, fouten: list[dict[str, Any]], **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"title": title, "status": status, "fouten": fouten, **extra})


async def dossier_leerling(request: Request, conn: asyncpg.Connection) -> str | None:
    """The data subject of a dossier path (processing log): the pupil whose dossier it is."""
    try:
        dossier_id = uuid.UUID(str(request.path_params.get("dossier_id")))
    except ValueError:
        return None
    return await conn.fetchval("SELECT pseudoniem FROM dossier WHERE dossier_id = $1", dossier_id)  # type: ignore[no-any-return]


# The processing log's dependencies (leerrecht.verwerkingslog), declared before the officer's: a refused
# attempt (403) is recorded too.
Inzien = Annotated[Verwerking, Depends(verwerking("verzuimdossier-inzien", dossier_leerling), scope="function")]
LeerlingInzien = Annotated[Verwerking, Depends(verwerking("verzuimdossier-inzien", pad_pseudoniem), scope="function")]
MeldingBehandelen = Annotated[
    Verwerking, Depends(verwerking("verzuimmelding-behandelen", dossier_leerling), scope="function")]
DossierWijzigen = Annotated[
    Verwerking, Depends(verwerking("verzuimdossier-wijzigen", dossier_leerling), scope="function")]
WerklijstInzien = Annotated[Verwerking, Depends(verwerking("werklijst-inzien"), scope="function")]
"""A worklist read: one span, a record for each pupil it shows (the endpoint names them)."""


def build_router(officer: Any, region: str, sleutel: bytes | tuple[bytes, ...]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["leerplicht"])

    # ------------------------------------------------------------------ reads

    @router.get("/leerlingen/{pseudoniem}/afwezigheid", summary="Afwezigheidspatroon van een leerling",
        description=("Alle geregistreerde afwezigheid van een leerling van deze regio: per dag de "
                     "uren (met eenheid lesuur of klokuur), de code en de school. Voor het onderzoek"
                     " naar het verzuimpatroon. De inzage komt in het verwerkingslogboek. Een "
                     "onbekend pseudoniem geeft een lege lijst."))
    async def afwezigheid(
        _v: LeerlingInzien,
        pseudoniem: Annotated[str, Path(pattern=PSEUDONIEM)],
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

    @router.get("/leerlingen/{pseudoniem}/dossiers", summary="Dossiers van een leerling bij dit bureau",
        description=("Alle dossiers van een leerling bij dit bureau, open en gesloten, met fase, "
                     "versie en data. Om een eerder dossier terug te vinden of te zien of er een "
                     "open dossier is. De inzage komt in het verwerkingslogboek. Een onbekend "
                     "pseudoniem geeft een lege lijst."))
    async def dossiers_van_leerling(
        _v: LeerlingInzien,
        pseudoniem: Annotated[str, Path(pattern=PSEUDONIEM)],
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(officer)],
    ) -> dict[str, Any]:
        rows = await db.fetch(
            "SELECT dossier_id, fase, version, geopend_op, gesloten_op FROM dossier WHERE pseudoniem = $1 "
            "ORDER BY geopend_op, dossier_id",
            pseudoniem,
        )
        return {
            "pseudoniem": pseudoniem,
            "dossiers": [
                {
                    "dossier_id": str(r["dossier_id"]),
                    "fase": r["fase"],
                    "version": r["version"],
                    "geopend_op": r["geopend_op"].isoformat(),
                    "gesloten_op": r["gesloten_op"].isoformat() if r["gesloten_op"] else None,
                }
                for r in rows
            ],
        }

    @router.get("/overzicht", summary="Aantallen in deze regio",
        description=("Een snelle stand van de regio: aantal leerlingen met afwezigheid, aantal "
                     "afwezigheidsregistraties en het aantal dossiers per fase. Geen personen; voor "
                     "een overzicht of een controle na een migratie."))
    async def overzicht(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(officer)],
    ) -> dict[str, Any]:
        row = await db.fetchrow(
            "SELECT count(DISTINCT pseudoniem) AS leerlingen, count(*) AS registraties FROM afwezigheid"
        )
        dossiers = await db.fetch("SELECT fase, count(*) AS n FROM dossier GROUP BY fase")
        return {"regio": region, **dict(row or {}), "dossiers": {r["fase"]: r["n"] for r in dossiers}}

    @router.get("/werklijst", response_model=dict[str, Any],
        summary="Werklijst: nieuwe meldingen, verlopen termijnen, dossiers per behandelaar",
        deprecated=True,
        description=("Wat de leerplichtambtenaar op de peildatum (standaard vandaag) moet doen: "
                     "nieuwe meldingen, termijnen die verlopen of verlopen zijn, dossiers per "
                     "behandelaar, gemarkeerde dossiers en signalen. Op pseudoniem; elke getoonde "
                     "leerling komt in het verwerkingslogboek. 422 bij een peildatum buiten "
                     "2000-01-01 t/m 2100-12-31. Verouderd sinds 2 december 2026: het antwoord is niet "
                     "gepagineerd en bevat elke open zaak van de regio. Gebruik GET /v1/dossiers "
                     "(zoeken, filteren, sorteren en bladeren); de headers Deprecation en Link wijzen "
                     "ernaar."))
    async def werklijst_(
        v: WerklijstInzien,
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(officer)],
        peildatum: Annotated[Dag | None, Query(description="Standaard vandaag; 2000-01-01 t/m 2100-12-31")] = None,
    ) -> Response:
        paren = await zaken.open_dossiers(db)
        async with db.acquire() as conn:
            gemarkeerd = await aandacht.werklijst(conn)
            gesignaleerd = await signalen_werklijst(conn)
        antwoord = {**views.werklijst(region, werklijst(paren, peildatum or vandaag())), "aandacht_nodig": gemarkeerd,
                    "signalen": gesignaleerd}
        v.betreft(*pseudoniemen_in(antwoord))
        return json_antwoord(antwoord, headers=WERKLIJST_VEROUDERD)

    @router.get("/dossiers", summary="Open zaken: zoeken, filteren, sorteren en bladeren (één regel per dossier)")
    async def zaken_lijst(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        principal: Annotated[Principal, Depends(officer)],
        zoek: Annotated[
            str, Query(max_length=100, description="Naam (deel), BSN (9 cijfers) of pseudoniem (begin)")] = "",
        behandelaar: Annotated[
            Literal["", "mij", "niemand"], Query(description="mij: mijn zaken; niemand: nog niet toegewezen")] = "",
        te_laat: Annotated[bool, Query(alias="teLaat", description="Alleen zaken met een verlopen termijn")] = False,
        soort: Annotated[MeldingSoort | None, Query(description="Alleen zaken met een melding van deze soort")] = None,
        sorteer: Annotated[str, Query(pattern=zaken.SORTEER_PATROON,
                                      description="termijn, naam, leeftijd, school, laatste_actie of geopend; "
                                                  "een - ervoor keert de volgorde om")] = "termijn",
        pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
        per_pagina: Annotated[int, Query(alias="perPagina", ge=1, le=zaken.MAX_PER_PAGINA)] = zaken.PER_PAGINA,
    ) -> dict[str, Any]:
        """Names are not in the answer (the API keeps to pseudonyms); a name search still works."""
        peildatum = vandaag()
        vraag = zaken.Zoekvraag(zoek=zoek, behandelaar=behandelaar, te_laat=te_laat, soort=soort, sorteer=sorteer,
                                pagina=pagina, per_pagina=per_pagina)
        async with db.acquire() as conn:
            r = await zaken.zoek(conn, vraag, principal.client_id, peildatum, sleutel)
        return {
            "regio": region, "peildatum": peildatum.isoformat(), "totaal": r.totaal, "pagina": r.pagina,
            "paginas": r.paginas, "per_pagina": per_pagina,
            "zaken": [
                {
                    "dossier_id": str(z.dossier_id), "pseudoniem": z.pseudoniem, "leeftijd": z.leeftijd,
                    "school": {"code": z.school, "naam": z.school_naam} if z.school else None,
                    "melding_soorten": z.soorten, "volgende_termijn": {
                        "soort": z.termijn_soort, "uiterlijk": z.volgende_termijn.isoformat(),
                    } if z.volgende_termijn else None,
                    "te_laat": z.te_laat,
                    "laatste_actie": {"type": z.laatste_actie, "op": z.laatste_actie_op.isoformat()}
                    if z.laatste_actie and z.laatste_actie_op else None,
                    "geopend_op": z.geopend_op.isoformat(), "behandelaar": z.behandelaar,
                }
                for z in r.zaken
            ],
        }

    @router.get("/dossiers/{dossier_id}", summary="Dossier: stand, tijdlijn, termijnen en afwezigheidspatroon",
        description=("Eén dossier: fase, meldingen met hun status, onderzoek, routes, interventies, "
                     "termijnen, tijdlijn, afwezigheidspatroon en behandelaar, met de versie voor de"
                     " volgende opdracht (expected_version). De inzage komt in het "
                     "verwerkingslogboek. 404 als het dossier niet in deze regio is."))
    async def dossier(
        _v: Inzien,
        dossier_id: uuid.UUID,
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(officer)],
    ) -> dict[str, Any]:
        async with db.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT d.stand, b.behandelaar FROM dossier d "
                "LEFT JOIN dossier_behandelaar b ON b.dossier_id = d.dossier_id WHERE d.dossier_id = $1",
                dossier_id,
            )
            if row is None:
                raise HTTPException(404, "Dossier niet gevonden in deze regio")
            state = snapshot.from_json(json.loads(row["stand"]))
            return await dossier_view(conn, state, row["behandelaar"])

    # ------------------------------------------------------------------ commands

    async def run(
        request: Request,
        dossier_id: uuid.UUID,
        body: _Opdracht,
        principal: Principal,
        build: handling.BuildCommand,
    ) -> Any:
        if body.datum > vandaag():
            return _fout(
                422,
                "Ongeldige invoer",
                [{"veld": "datum", "regel": "niet_in_toekomst", "melding": "de datum ligt in de toekomst"}],
            )
        runtime = request.app.state.runtime
        try:
            uitkomst = await handling.voer_uit(
                runtime.pool,
                runtime.publisher,
                region,
                dossier_id,
                body.expected_version,
                build,
                behandelaar=principal.client_id,
                correlation_id=uuid.UUID(request.state.correlation_id),
            )
        except DomeinFout as exc:
            return _fout(
                422,
                "Opdracht past niet in de MAS-volgorde",
                [{"veld": exc.veld, "regel": exc.regel, "melding": exc.melding}],
            )
        except handling.VersieConflict as exc:
            return _fout(
                409,
                "Versieconflict",
                [
                    {
                        "veld": "expected_version",
                        "regel": "versie_actueel",
                        "melding": f"het dossier is intussen gewijzigd (versie {exc.huidig}, "
                        f"niet {exc.verwacht}); "
                        "laad het dossier opnieuw",
                    }
                ],
                huidige_versie=exc.huidig,
            )
        except handling.DossierOnbekend:
            return _fout(404, "Dossier niet gevonden in deze regio", [])
        except handling.PublicatieMislukt:
            return _fout(503, "Opslaan in het logboek is mislukt; probeer het opnieuw", [])
        except handling.NogInVerwerking:
            return _fout(503, "Het dossier wordt nog verwerkt; probeer het zo opnieuw", [])
        types = [type(e).event_type for e in uitkomst.events]
        if uitkomst.dossier is None:
            return JSONResponse(
                status_code=202,
                content={
                    "dossier_id": str(dossier_id),
                    "version": uitkomst.geclaimde_versie,
                    "events": types,
                    "verwerkt": False,
                },
            )
        return {
            "dossier_id": str(dossier_id),
            "version": uitkomst.dossier.version,
            "events": types,
            "verwerkt": True,
        }

    def simpel(cmd: Command) -> handling.BuildCommand:
        async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
            return cmd

        return build

    @router.post(
        "/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling",
        summary="Melding in behandeling nemen (A4)",
        description=("Neemt een melding van een school in behandeling; de school ziet de status In "
                     "behandeling. Nodig voordat een onderzoek kan starten. Antwoordt 200 met de "
                     "gebeurtenissen en de nieuwe versie (202 als de verwerking nog loopt). 404 als "
                     "dossier of melding onbekend is, 409 bij een verouderde versie, 422 als de stap"
                     " niet in de MAS-volgorde past, 503 als het logboek tijdelijk niet bereikbaar "
                     "is."),
    )
    async def in_behandeling(
        v: MeldingBehandelen,
        request: Request,
        dossier_id: uuid.UUID,
        melding_id: uuid.UUID,
        body: MeldingOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        cmd = NeemInBehandeling(melding_id, body.datum)
        return v.antwoord(await run(request, dossier_id, body, principal, simpel(cmd)))

    @router.post(
        "/dossiers/{dossier_id}/meldingen/{melding_id}/ter-kennisgeving",
        summary="Melding ter kennisgeving aannemen (A4)",
        description=("Neemt een melding ter kennisgeving aan: er volgt geen onderzoek (bijvoorbeeld "
                     "omdat er al een dossier loopt of de afwezigheid verklaard is); de school ziet "
                     "die status. Antwoordt 200 met de gebeurtenissen en de nieuwe versie (202 als "
                     "de verwerking nog loopt). 404 onbekend, 409 verouderde versie, 422 als de stap"
                     " niet past, 503 als het logboek tijdelijk niet bereikbaar is."),
    )
    async def ter_kennisgeving(
        v: MeldingBehandelen,
        request: Request,
        dossier_id: uuid.UUID,
        melding_id: uuid.UUID,
        body: MeldingOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        cmd = NeemTerKennisgeving(melding_id, body.datum)
        return v.antwoord(await run(request, dossier_id, body, principal, simpel(cmd)))

    @router.post("/dossiers/{dossier_id}/meldingen/{melding_id}/afsluiten", summary="Melding afsluiten (A4)",
        description=("Sluit een melding in behandeling af, na het onderzoek; de school ziet de "
                     "status Afgesloten. Een melding zonder onderzoek wordt ter kennisgeving "
                     "aangenomen. Antwoordt 200 met de gebeurtenissen en de nieuwe versie (202 als "
                     "de verwerking nog loopt). 404 onbekend, 409 verouderde versie, 422 als de stap"
                     " niet past, 503 als het logboek tijdelijk niet bereikbaar is."))
    async def melding_afsluiten(
        v: MeldingBehandelen,
        request: Request,
        dossier_id: uuid.UUID,
        melding_id: uuid.UUID,
        body: MeldingOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        cmd = SluitMeldingAf(melding_id, body.datum)
        return v.antwoord(await run(request, dossier_id, body, principal, simpel(cmd)))

    @router.post("/dossiers/{dossier_id}/onderzoek", summary="Onderzoek starten (A5)",
        description=("Start het onderzoek naar een melding in behandeling (met of zonder gesprek met"
                     " de leerling); daarna kan een route worden gekozen. De termijn voor het "
                     "onderzoek loopt vanaf de datum. Antwoordt 200 met de gebeurtenissen en de "
                     "nieuwe versie (202 als de verwerking nog loopt). 404 onbekend, 409 verouderde "
                     "versie, 422 als de stap niet in de MAS-volgorde past, 503 als het logboek "
                     "tijdelijk niet bereikbaar is."))
    async def onderzoek(
        v: DossierWijzigen,
        request: Request,
        dossier_id: uuid.UUID,
        body: OnderzoekOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        cmd = StartOnderzoek(body.melding_id, body.datum, body.met_leerling)
        return v.antwoord(await run(request, dossier_id, body, principal, simpel(cmd)))

    @router.post("/dossiers/{dossier_id}/route", summary="Route kiezen: basisroute of vervolgroute(s) (A5)",
        description=("Kiest na het onderzoek de basisroute of een of meer vervolgroutes (vrijwillige"
                     " hulp, Halt, verplicht kader, strafrecht). Bij Halt gaan de gegevens van de "
                     "leerling mee naar het Halt-verzoek. Antwoordt 200 met de gebeurtenissen en de "
                     "nieuwe versie (202 als de verwerking nog loopt). 404 onbekend, 409 verouderde "
                     "versie, 422 als de route niet past (bijvoorbeeld geen onderzoek, Halt zonder "
                     "toelichting), 503 als het logboek tijdelijk niet bereikbaar is."))
    async def route(
        v: DossierWijzigen,
        request: Request,
        dossier_id: uuid.UUID,
        body: RouteOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
            leerling = await handling.leerling_gegevens(conn, state) if MasRoute.HALT in body.routes else None
            return KiesRoute(tuple(body.routes), body.datum, leerling, body.halt_toelichting)

        return v.antwoord(await run(request, dossier_id, body, principal, build))

    @router.post("/dossiers/{dossier_id}/interventies", summary="Interventie of uitkomst vastleggen (A5)",
        description=("Legt een interventie binnen de gekozen route vast (huisbezoek, zorgoverleg, "
                     "Halt-verwijzing, melding aan de Raad, proces-verbaal, ...) of later haar "
                     "uitkomst, met hetzelfde interventie_id. Antwoordt 200 met de gebeurtenissen en"
                     " de nieuwe versie (202 als de verwerking nog loopt). 404 onbekend, 409 "
                     "verouderde versie, 422 als de interventie niet bij de route past, 503 als het "
                     "logboek tijdelijk niet bereikbaar is."))
    async def interventie(
        v: DossierWijzigen,
        request: Request,
        dossier_id: uuid.UUID,
        body: InterventieOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        interventie_id = body.interventie_id or uuid7()

        async def build(conn: asyncpg.Connection, state: Dossier) -> Command:
            leerling = (
                await handling.leerling_gegevens(conn, state)
                if body.soort is InterventieSoort.HALT_VERWIJZING
                else None
            )
            return VoerInterventieUit(
                interventie_id, body.soort, body.datum, body.uitkomst, leerling, body.halt_toelichting
            )

        return v.antwoord(await run(request, dossier_id, body, principal, build))

    @router.post("/dossiers/{dossier_id}/afsluiten", summary="Dossier sluiten met een reden (A5)",
        description=("Sluit het dossier met een reden en datum, nadat de meldingen zijn afgehandeld;"
                     " de school ziet haar meldingen afgesloten. Antwoordt 200 met de gebeurtenissen"
                     " en de nieuwe versie (202 als de verwerking nog loopt). 404 onbekend, 409 "
                     "verouderde versie, 422 als sluiten in deze fase niet kan of de reden niet "
                     "past, 503 als het logboek tijdelijk niet bereikbaar is."))
    async def afsluiten(
        v: DossierWijzigen,
        request: Request,
        dossier_id: uuid.UUID,
        body: AfsluitOpdracht,
        principal: Annotated[Principal, Depends(officer)],
    ) -> Any:
        cmd = SluitDossier(body.reden, body.datum, body.toelichting)
        return v.antwoord(await run(request, dossier_id, body, principal, simpel(cmd)))

    return router


async def dossier_view(conn: asyncpg.Connection, state: Dossier, behandelaar: str | None) -> dict[str, Any]:
    tijdlijn = await conn.fetch(
        "SELECT seq, event_id, type, op, envelope FROM dossier_event WHERE dossier_id = $1 ORDER BY seq",
        state.dossier_id,
    )
    afwezigheid = await conn.fetch(
        "SELECT datum, uren, eenheid, code, oorspronkelijke_code, school FROM afwezigheid "
        "WHERE pseudoniem = $1 ORDER BY datum, afwezigheid_id",
        state.pseudoniem,
    )
    peildatum = vandaag()
    advies = halt_advies(state, await handling.leerling_gegevens(conn, state), peildatum) if state.open else None
    return views.dossier(
        state,
        behandelaar=behandelaar,
        tijdlijn=tijdlijn,
        afwezigheid=afwezigheid,
        halt_advies=advies,
        termijnen=items_voor(state, peildatum, behandelaar),
    ) | {"aandacht_nodig": await aandacht.voor_dossier(conn, state.dossier_id),
         "signalen": await signalen.lijst(conn, [state.pseudoniem])}


async def signalen_werklijst(conn: asyncpg.Connection, *, limiet: int = signalen.WERKLIJST_MAX,
                             vanaf: int = 0) -> list[dict[str, Any]]:
    """The signals addressed to this office (:mod:`leerrecht.signalen`), one worklist item each, with
    the pupil's dossier where there is one (the open one, else the latest): the officer opens it."""
    items = await signalen.lijst(conn, limiet=limiet, vanaf=vanaf)
    dossiers = {
        r["pseudoniem"]: str(r["dossier_id"])
        for r in await conn.fetch(
            "SELECT DISTINCT ON (pseudoniem) pseudoniem, dossier_id FROM dossier WHERE pseudoniem = ANY($1::text[]) "
            "ORDER BY pseudoniem, fase = 'OPEN' DESC, geopend_op DESC, dossier_id",
            sorted({i["pseudoniem"] for i in items}),
        )
    }
    return [{**i, "dossier_id": dossiers.get(i["pseudoniem"])} for i in items]
