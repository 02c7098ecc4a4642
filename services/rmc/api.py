"""HTTP API of the region's Doorstroompunt (domain.md A6): coaches (role ``rmc:<REGION>``) and traject
partners (role ``partner:<REGION>:<partner-id>``).

Coaches work on files by pseudonym: commands carry ``expected_version`` (409 when the file changed
meanwhile) and are refused with the field and the rule (422) when they break a rule of A6. Partners
only report weekly progress for participants of their *own* traject; for anyone else the answer is
the same 403, so a partner cannot probe who is in the Doorstroompunt. No personal data is returned:
young people appear by pseudonym only (identity is resolved elsewhere, domain.md B).
"""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(coach), ...) as objects, not as strings it cannot resolve.

import re
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import ContactKanaal, Opleidingsniveau, RmcRoute, RmcSluitreden, Voortgang
from contracts.envelope import uuid7
from contracts.events.base import School
from contracts.tekst import KorteTekst
from leerrecht import aandacht, signalen
from leerrecht.grenzen import Dag
from leerrecht.http import Principal, json_antwoord, markeer_toegang, runtime_pool
from leerrecht.verwerkingslog import PSEUDONIEM as PSEUDONIEM_LOG
from leerrecht.verwerkingslog import Verwerking, pad_pseudoniem, pseudoniemen_in, verwerking
from rmc import dossiers, scholen
from rmc.commando import CommandoFout, Resultaat, uitvoeren, vandaag
from rmc.domain import (
    Afsluiten,
    ContactpogingRegistreren,
    Jongere,
    Plaatsen,
    Regels,
    TrajectStarten,
    VoortgangMelden,
    werklijst,
)
from rmc.domain.werklijst import Werkitem
from rmc.projection import bron_coach

PSEUDONIEM = r"^[A-Za-z0-9_:-]{16,128}$"
assert PSEUDONIEM == PSEUDONIEM_LOG  # the processing log records exactly the pseudonyms the API accepts


async def deelnemer(request: Request, _: asyncpg.Connection) -> str | None:
    """A partner names the young person in the body (processing log; also for a refused partner, whose
    body was read before the role check)."""
    try:
        waarde = (await request.json()).get("pseudoniem")
    except Exception:
        return None
    return waarde if isinstance(waarde, str) and re.fullmatch(PSEUDONIEM, waarde) else None


# The processing log's dependencies (leerrecht.verwerkingslog), declared before the coach's or partner's:
# a refused attempt (403) is recorded too.
Inzien = Annotated[Verwerking, Depends(verwerking("rmc-dossier-inzien", pad_pseudoniem), scope="function")]
Wijzigen = Annotated[Verwerking, Depends(verwerking("rmc-dossier-wijzigen", pad_pseudoniem), scope="function")]
WerklijstInzien = Annotated[Verwerking, Depends(verwerking("rmc-werklijst-inzien"), scope="function")]
"""A list of young people read: one span, a record for each person it shows (the endpoint names them)."""
VoortgangMelden_ = Annotated[Verwerking, Depends(verwerking("traject-voortgang-melden", deelnemer), scope="function")]
CODE = r"^[a-z0-9][a-z0-9_.-]{1,63}$"
BRIN6 = r"^[0-9]{2}[A-Z]{2}[0-9]{2}$"


pool = runtime_pool


def runtime(request: Request) -> Any:
    return request.app.state.runtime


def correlation(request: Request) -> UUID:
    return UUID(request.state.correlation_id)


def partner_dependency(current: Any, region: str) -> Any:
    """The partner id from a ``partner:<REGION>:<partner-id>`` principal; 403 for any other role."""
    prefix = f"partner:{region}:"

    def check(principal: Principal = Depends(current)) -> str:  # noqa: B008
        partner = principal.role.removeprefix(prefix)
        if not principal.role.startswith(prefix) or not re.fullmatch(CODE, partner):
            raise HTTPException(403, f"Rol '{principal.role}' heeft geen toegang tot deze functie")
        return partner

    markeer_toegang(check, "api", (f"{prefix}*",))
    return check


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Commando(_In):
    expected_version: int = Field(
        ge=0, description="Versie van het dossier waarop deze wijziging is gebaseerd."
    )


class ContactpogingIn(Commando):
    datum: date
    kanaal: ContactKanaal
    geslaagd: bool = Field(description="De jongere heeft gereageerd / is gesproken.")


class TrajectIn(Commando):
    route: RmcRoute
    datum: date
    partner: str | None = Field(default=None, pattern=CODE, description="Code van de trajectpartner.")


class PlaatsingIn(Commando):
    bestemming: RmcRoute
    startdatum: date
    niveau: Opleidingsniveau | None = None
    school: str | None = Field(default=None, pattern=BRIN6, description="BRIN + vestiging, bijv. 34CD01.")


class AfsluitenIn(Commando):
    reden: RmcSluitreden
    datum: date


class VoortgangIn(_In):
    pseudoniem: str = Field(pattern=PSEUDONIEM)
    traject_id: UUID
    week: str = Field(
        pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$", description="ISO-week, bijv. 2026-W07."
    )
    aanwezigheid_pct: int = Field(ge=0, le=100)
    voortgang: Voortgang


def _antwoord(resultaat: Resultaat) -> JSONResponse:
    return JSONResponse(status_code=201 if resultaat.events else 200, content=resultaat.json())


ONBEKENDE_SCHOOL = ("Deze school staat op de startdatum niet in het register van DUO (onbekend, gesloten of "
                    "samengevoegd). Zoek de code van de vestiging op met GET /v1/scholen.")


def _fout(fout: CommandoFout) -> HTTPException:
    return HTTPException(fout.status, detail=fout.body)


def _item(w: Werkitem) -> dict[str, Any]:
    return {
        "pseudoniem": w.pseudoniem,
        "status": w.status.value,
        "sinds": w.sinds.isoformat(),
        "dagen": w.dagen,
        "coach": w.coach,
    }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


async def _signalen(db: asyncpg.Pool, pseudoniem: str) -> list[dict[str, Any]]:
    """The signals addressed to the Doorstroompunt for this young person (leerrecht.signalen)."""
    async with db.acquire() as conn:
        return await signalen.lijst(conn, [pseudoniem])


async def signalen_werklijst(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """The signals addressed to this Doorstroompunt, one worklist item each; ``dossier`` says whether
    the young person has a file here (the coach opens it at ``/jongeren/{pseudoniem}``)."""
    items = await signalen.lijst(conn)
    met_dossier = {r["pseudoniem"] for r in await conn.fetch(
        "SELECT pseudoniem FROM jongere WHERE pseudoniem = ANY($1::text[])",
        sorted({i["pseudoniem"] for i in items}))}
    return [{**i, "dossier": i["pseudoniem"] in met_dossier} for i in items]


async def _aandacht(db: asyncpg.Pool, pseudoniem: str) -> dict[str, Any] | None:
    """The open mark of a file: an event of it was dead-lettered (leerrecht.aandacht)."""
    async with db.acquire() as conn:
        return (await aandacht.open_voor(conn, [pseudoniem])).get(pseudoniem)


def build_router(coach: Any, partner: Any, region: str, regels: Regels) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["rmc"])
    Pseudo = Annotated[str, Path(pattern=PSEUDONIEM)]

    async def commando(
        request: Request, p: str, principal: Principal, expected_version: int | None, maak: Any
    ) -> JSONResponse:
        rt = runtime(request)
        try:
            resultaat = await uitvoeren(
                rt.pool,
                rt.publisher,
                region=region,
                pseudoniem=p,
                maak=maak,
                expected_version=expected_version,
                bron=bron_coach(region, principal.client_id) or f"urn:nl:leerrecht:rmc:{region}",
                correlation_id=correlation(request),
                regels=regels,
            )
        except CommandoFout as fout:
            raise _fout(fout) from None
        return _antwoord(resultaat)

    @router.get("/jongeren", response_model=dict[str, Any], summary="Jongeren met een dossier bij het Doorstroompunt",
        description=("Alle jongeren met een dossier bij het Doorstroompunt van deze regio, open en "
                     "gesloten, op pseudoniem (geen namen), met status, aanmelddatum, coach en de "
                     "versie die een opdracht als expected_version meestuurt. Voor systemen die de "
                     "caseload van de regio overnemen; een coach zoekt op de werklijst. Elke "
                     "getoonde jongere komt in het verwerkingslogboek. 403 voor een andere rol of "
                     "regio."))
    async def jongeren(
        v: WerklijstInzien,
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(coach)],
    ) -> Response:
        rows = await db.fetch(
            "SELECT pseudoniem, status, aangemeld_op, coach, versie FROM jongere "
            "ORDER BY aangemeld_op, pseudoniem"
        )
        v.betreft(*pseudoniemen_in([{"pseudoniem": r["pseudoniem"]} for r in rows]))
        return json_antwoord({
            "regio": region,
            "jongeren": [
                {
                    "pseudoniem": r["pseudoniem"],
                    "status": r["status"],
                    "aangemeld_op": r["aangemeld_op"].isoformat(),
                    "coach": r["coach"],
                    "versie": r["versie"],
                }
                for r in rows
            ],
        })

    @router.get("/jongeren/{pseudoniem}", summary="Dossier van een jongere: status, contacten, plaatsingen",
        description=("Het dossier van één jongere: status, traject, plaatsingen, contactpogingen, "
                     "wekelijkse voortgang van partners, signalen en een open markering (aandacht "
                     "nodig), met de versie voor de volgende opdracht. Lees het voor een opdracht, "
                     "zodat expected_version klopt. De inzage komt in het verwerkingslogboek. 404 "
                     "als de jongere hier geen dossier heeft."))
    async def jongere(
        _v: Inzien,
        pseudoniem: Pseudo,
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(coach)],
    ) -> dict[str, Any]:
        row = await db.fetchrow("SELECT toestand FROM jongere WHERE pseudoniem = $1", pseudoniem)
        if row is None:
            raise HTTPException(404, "Deze jongere heeft geen dossier bij dit Doorstroompunt")
        j = Jongere.model_validate_json(row["toestand"])
        d = j.dossier
        contacten = await db.fetch(
            "SELECT datum, kanaal, geslaagd, coach FROM contactpoging "
            "WHERE pseudoniem = $1 AND dossier_id = $2 ORDER BY datum, event_id",
            pseudoniem,
            d.dossier_id,
        )
        plaatsingen = await db.fetch(
            "SELECT bestemming, niveau, startdatum, school, automatisch FROM plaatsing "
            "WHERE pseudoniem = $1 AND dossier_id = $2 ORDER BY startdatum, event_id",
            pseudoniem,
            d.dossier_id,
        )
        weken = await db.fetch(
            "SELECT DISTINCT ON (traject_id, week) traject_id, partner, week, aanwezigheid_pct, voortgang "
            "FROM traject_voortgang WHERE pseudoniem = $1 AND dossier_id = $2 "
            "ORDER BY traject_id, week, event_id DESC",
            pseudoniem,
            d.dossier_id,
        )
        return {
            "pseudoniem": j.pseudoniem,
            "versie": j.versie,
            "status": d.status.value,
            "coach": j.coach,
            "dossier_id": str(d.dossier_id),
            "bron": d.bron.value,
            "aangemeld_op": d.aangemeld_op.isoformat(),
            "woongemeente": j.woongemeente,
            "geboortejaar_maand": j.geboortejaar_maand,
            "in_beeld_sinds": _iso(d.in_beeld_sinds),
            "niet_bereikbaar_sinds": _iso(d.niet_bereikbaar_sinds),
            "laatste_contact": _iso(d.laatste_contact),
            "traject": None
            if d.traject is None
            else {
                "traject_id": str(d.traject.traject_id),
                "route": d.traject.route.value,
                "datum": d.traject.datum.isoformat(),
                "partner": d.traject.partner,
            },
            "plaatsing": None if d.plaatsing is None else d.plaatsing.model_dump(mode="json"),
            "overgenomen_van": d.overgenomen_van,
            "overgedragen_naar": d.overgedragen_naar,
            "gesloten_op": _iso(d.gesloten_op),
            "sluitreden": d.sluitreden.value if d.sluitreden else None,
            "contactpogingen": [{**dict(r), "datum": r["datum"].isoformat()} for r in contacten],
            "plaatsingen": [{**dict(r), "startdatum": r["startdatum"].isoformat()} for r in plaatsingen],
            "voortgang": [{**dict(r), "traject_id": str(r["traject_id"])} for r in weken],
            "eerdere_dossiers": [str(i) for i in j.eerdere_dossiers],
            "aandacht_nodig": await _aandacht(db, pseudoniem),
            "signalen": await _signalen(db, pseudoniem),
        }

    @router.post(
        "/jongeren/{pseudoniem}/contactpogingen",
        status_code=201,
        summary="Contactpoging vastleggen (ook een sms telt als contact)",
        description=("Legt een poging vast om de jongere te bereiken (kanaal, datum, bereikt of "
                     "niet). Een geslaagd contact zet een nieuw dossier op In beeld en telt voor "
                     "'niet loslaten'; herhaald mislukte pogingen kunnen het dossier op Niet "
                     "bereikbaar zetten. Antwoordt 201 met de gebeurtenissen en de nieuwe versie. "
                     "404 zonder dossier, 409 als expected_version niet meer klopt, 422 als een "
                     "regel van het Doorstroompunt de stap weigert (veld en regel in fouten)."),
    )
    async def contactpoging(
        v: Wijzigen,
        pseudoniem: Pseudo,
        body: ContactpogingIn,
        request: Request,
        principal: Annotated[Principal, Depends(coach)],
    ) -> JSONResponse:
        return v.antwoord(await commando(
            request,
            pseudoniem,
            principal,
            body.expected_version,
            lambda _j: ContactpogingRegistreren(
                datum=body.datum, kanaal=body.kanaal, geslaagd=body.geslaagd, vandaag=vandaag()
            ),
        ))

    @router.post("/jongeren/{pseudoniem}/traject", status_code=201, summary="Route kiezen en traject starten",
        description=("Start een traject met een route (onderwijs, werk, zorg, traject bij een "
                     "partner of een combinatie) vanaf een datum; een tweede keer kiest een andere "
                     "route. De route traject vraagt de partner die het programma uitvoert. Kan "
                     "vanaf In beeld. Antwoordt 201 met de gebeurtenissen en de nieuwe versie. 404 "
                     "zonder dossier, 409 bij een verouderde versie, 422 als de stap niet past "
                     "(bijvoorbeeld nog niet in beeld of geen partner)."))
    async def traject(
        v: Wijzigen,
        pseudoniem: Pseudo,
        body: TrajectIn,
        request: Request,
        principal: Annotated[Principal, Depends(coach)],
    ) -> JSONResponse:
        return v.antwoord(await commando(
            request,
            pseudoniem,
            principal,
            body.expected_version,
            lambda _j: TrajectStarten(
                traject_id=uuid7(),
                route=body.route,
                datum=body.datum,
                partner=body.partner,
                vandaag=vandaag(),
            ),
        ))

    @router.post("/jongeren/{pseudoniem}/plaatsing", status_code=201, summary="Jongere plaatsen",
        description=("Legt de plaatsing vast: bestemming, startdatum, bij onderwijs of een "
                     "combinatie het opleidingsniveau en eventueel de school (BRIN + vestiging). "
                     "Drie maanden later staat het dossier op de werklijst om te controleren of de "
                     "plaatsing duurzaam is. Antwoordt 201 met de gebeurtenissen en de nieuwe "
                     "versie. 404 zonder dossier, 409 bij een verouderde versie, 422 als de stap "
                     "niet past (niet in traject, niveau ontbreekt, school bij een bestemming zonder"
                     " onderwijs, een school die op de startdatum niet in het register van DUO staat)."))
    async def plaatsing(
        v: Wijzigen,
        pseudoniem: Pseudo,
        body: PlaatsingIn,
        request: Request,
        principal: Annotated[Principal, Depends(coach)],
    ) -> JSONResponse:
        school = School(brin=body.school[:4], vestiging=body.school[4:]) if body.school else None
        if body.school:  # a code of the right shape is not yet a school: it must be in DUO's register then
            async with runtime(request).pool.acquire() as conn:
                # without a file here the answer is the command's 404, whatever the school
                if (await conn.fetchval("SELECT true FROM jongere WHERE pseudoniem = $1", pseudoniem)
                        and await scholen.op(conn, body.school, body.startdatum) is None):
                    raise HTTPException(422, {"title": "Opdracht geweigerd", "status": 422, "fouten": [{
                        "veld": "school", "regel": "bekende_school", "melding": ONBEKENDE_SCHOOL}]})
        return v.antwoord(await commando(
            request,
            pseudoniem,
            principal,
            body.expected_version,
            lambda _j: Plaatsen(
                bestemming=body.bestemming,
                startdatum=body.startdatum,
                niveau=body.niveau,
                school=school,
                vandaag=vandaag(),
            ),
        ))

    @router.post(
        "/jongeren/{pseudoniem}/afsluiten", status_code=201, summary="Dossier afsluiten met een reden",
            description=("Sluit het dossier met een reden (bijvoorbeeld duurzaam geplaatst, "
                         "startkwalificatie behaald, leeftijdsgrens); er is geen standaardreden. "
                         "Daarna kan er niets meer worden vastgelegd. Antwoordt 201 met de "
                         "gebeurtenissen en de nieuwe versie. 404 zonder dossier, 409 bij een "
                         "verouderde versie, 422 als de reden niet past bij het dossier.")
    )
    async def afsluiten(
        v: Wijzigen,
        pseudoniem: Pseudo,
        body: AfsluitenIn,
        request: Request,
        principal: Annotated[Principal, Depends(coach)],
    ) -> JSONResponse:
        return v.antwoord(await commando(
            request,
            pseudoniem,
            principal,
            body.expected_version,
            lambda _j: Afsluiten(reden=body.reden, datum=body.datum, vandaag=vandaag()),
        ))

    @router.get(
        "/scholen", summary="Scholen zoeken in het register van DUO",
        description="Zoekt schoolvestigingen op naam, plaats of BRIN-code (elk woord moet voorkomen), zoals "
        "het register van DUO ze op de peildatum kent: de openbare lijsten van po, vo en (v)so plus de "
        "feiten die DUO op het register-topic publiceerde (ook mbo-vestigingen). Gesloten of samengevoegde "
        "vestigingen ontbreken. Gebruik het bij een plaatsing om de code van de school te vinden. Antwoordt "
        "met ten hoogste 50 vestigingen (exacte code eerst, dan op naam); 422 bij een te korte of te lange "
        "zoektekst of een ongeldige peildatum.",
    )
    async def scholen_zoeken(
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(coach)],
        zoek: Annotated[str, Query(min_length=2, max_length=100, description="Naam, plaats of BRIN6.")],
        peildatum: Annotated[Dag | None, Query(description="Datum waarop het register geldt; standaard "
                                                          "vandaag (2000-01-01 t/m 2100-12-31).")] = None,
    ) -> dict[str, Any]:
        dag = peildatum or vandaag()
        async with db.acquire() as conn:
            treffers = scholen.zoek(await scholen.register(conn, dag), zoek)
        return {"peildatum": dag.isoformat(), "scholen": [
            {"code": s.code, "naam": s.naam, "plaats": s.plaats, "soort": s.soort, "regio": s.rmc_regio}
            for s in treffers]}

    @router.get("/werklijst", response_model=dict[str, Any],
        summary="Werklijst: nieuw, niet loslaten, plaatsingen controleren, caseload",
        description=("Wie vandaag aandacht nodig heeft: nieuwe jongeren, 'niet loslaten' (vier weken"
                     " of langer geen contact), plaatsingen om na drie maanden te controleren, de "
                     "leeftijdsgrens, verhuisden en behaalde startkwalificaties, plus gemarkeerde "
                     "dossiers, signalen en het aantal open dossiers per coach. Met coach alleen de "
                     "dossiers van die coach. Op pseudoniem; elke getoonde jongere komt in het "
                     "verwerkingslogboek."))
    async def werklijst_(
        v: WerklijstInzien,
        db: Annotated[asyncpg.Pool, Depends(pool)],
        _: Annotated[Principal, Depends(coach)],
        coach_id: Annotated[KorteTekst | None, Query(alias="coach")] = None,
    ) -> Response:
        jongeren = await dossiers.open_jongeren(db)
        async with db.acquire() as conn:
            gemarkeerd = [{**m, "pseudoniem": m["onderwerp"]} for m in await aandacht.alle_open(conn)
                          if m["onderwerp"] is not None]
            gesignaleerd = await signalen_werklijst(conn)
        dag = vandaag()
        lijst = werklijst(
            jongeren, dag, regels, coach=coach_id
        )
        antwoord = {
            "regio": region,
            "peildatum": dag.isoformat(),
            "nieuw": [_item(w) for w in lijst.nieuw],
            "niet_loslaten": [_item(w) for w in lijst.niet_loslaten],
            "plaatsing_controleren": [_item(w) for w in lijst.plaatsing_controleren],
            "leeftijdsgrens": [_item(w) for w in lijst.leeftijdsgrens],
            "verhuisd": [_item(w) for w in lijst.verhuisd],
            "sk_behaald": [_item(w) for w in lijst.sk_behaald],
            "aandacht_nodig": gemarkeerd,
            "signalen": gesignaleerd,
            "caseload": [
                {"coach": c, "open_dossiers": n}
                for c, n in sorted(lijst.caseload.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
            ],
        }
        v.betreft(*pseudoniemen_in(antwoord))
        return json_antwoord(antwoord)

    @router.post(
        "/partners/voortgang",
        status_code=201,
        summary="Wekelijkse voortgang en aanwezigheid van een deelnemer (trajectpartner)",
        description=("Voor een trajectpartner: de aanwezigheid (%) en voortgang van een deelnemer in"
                     " een ISO-week, voor een traject van de eigen organisatie. Een tweede melding "
                     "over dezelfde week vervangt de eerste. Antwoordt 201 (200 als er niets "
                     "verandert). Voor een jongere die niet aan een traject van de partner deelneemt"
                     " is het antwoord altijd dezelfde 403, zodat een partner niet kan aftasten wie "
                     "bij het Doorstroompunt bekend is."),
    )
    async def voortgang(
        v: VoortgangMelden_,
        body: VoortgangIn, request: Request, partner_id: Annotated[str, Depends(partner)]
    ) -> JSONResponse:
        geen_deelnemer = CommandoFout(
            403,
            {
                "title": "Geen deelnemer",
                "status": 403,
                "melding": "Deze jongere neemt niet deel aan een traject van uw organisatie",
            },
        )
        rt = runtime(request)
        try:
            resultaat = await uitvoeren(
                rt.pool,
                rt.publisher,
                region=region,
                pseudoniem=body.pseudoniem,
                expected_version=None,
                maak=lambda _j: VoortgangMelden(
                    partner=partner_id,
                    traject_id=body.traject_id,
                    week=body.week,
                    aanwezigheid_pct=body.aanwezigheid_pct,
                    voortgang=body.voortgang,
                    vandaag=vandaag(),
                ),
                bron=f"urn:nl:leerrecht:rmc:{region}:partner:{partner_id}",
                correlation_id=correlation(request),
                regels=regels,
                onbekend=geen_deelnemer,
            )
        except CommandoFout as fout:
            fouten = fout.body.get("fouten") or [{}]
            if fout.status == 422 and fouten[0].get("regel") in ("geen_deelnemer", "dossier_gesloten"):
                raise _fout(geen_deelnemer) from None
            raise _fout(fout) from None
        return v.antwoord(_antwoord(resultaat))

    return router
