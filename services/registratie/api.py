"""HTTP intake for schools and DUO (NL API Design Rules style: /v1, Dutch resource names, 201/422)."""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.


from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from contracts.codes import AfwezigheidCode, SchoolType, Vakantieregio
from contracts.envelope import utcnow, uuid7
from leerrecht.http import Principal
from leerrecht.kalender import OnbekendeGemeente, rmc_regio_for
from registratie.domain.bsn import PgnOngeldig
from registratie.domain.intake import Afgewezen, afwezigheid_registreren, inschrijven
from registratie.domain.pseudonym import PseudonymKeyring
from registratie.intake import (
    IntakeService,
    PublicatieMislukt,
    SleutelHergebruikt,
    envelopes_for,
    set_geboortedatum,
)
from registratie.scholen import po_vestigingen

IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", min_length=8, max_length=200,
           description="Unieke sleutel per inzending; een herhaling met dezelfde sleutel levert geen tweede event op."),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InschrijvingIn(_In):
    pgn: str = Field(description="BSN of onderwijsnummer (9 cijfers, elfproef)", min_length=8, max_length=12)
    geboortedatum: date
    woongemeente: str = Field(pattern=r"^GM[0-9]{4}$", description="CBS-gemeentecode, bv. GM0363")
    school: str = Field(pattern=r"^[0-9]{2}[A-Z]{2}[0-9]{2}$", description="BRIN6 (BRIN + vestiging)")
    ingangsdatum: date
    klas: str | None = Field(default=None, max_length=20)
    isk: bool = False


class AfwezigheidIn(_In):
    pgn: str = Field(min_length=8, max_length=12, description="BSN of onderwijsnummer")
    datum: date
    uren: Decimal = Field(gt=0, le=24, decimal_places=2)
    code: AfwezigheidCode
    afwezigheid_id: UUID | None = Field(default=None, description="Eigen id; leeg = door ons toegekend")


def fout(status: int, veld: str, regel: str, melding: str) -> HTTPException:
    return HTTPException(status, {"title": "Inzending geweigerd", "status": status,
                                  "fouten": [{"veld": veld, "regel": regel, "melding": melding}]})


def intake_service(request: Request) -> IntakeService:
    """The service lives on the app's runtime, opened in the lifespan."""
    service: IntakeService = request.app.state.intake
    return service


Service = Annotated[IntakeService, Depends(intake_service)]


def build_router(keyring: PseudonymKeyring, school_principal: Any) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["intake"])

    def pseudoniem_of(pgn: str) -> str:
        try:
            return keyring.pseudoniem(pgn)
        except PgnOngeldig as exc:
            raise fout(422, "pgn", "elfproef", str(exc)) from None

    def check_school(principal: Principal, school: str) -> None:
        if principal.role == "school" and principal.client_id != school:
            raise fout(403, "school", "eigen_school", "U kunt alleen voor uw eigen school inzenden.")

    async def run(service: IntakeService, principal: Principal, sleutel: str, payload: Any, decide: Any,
                  extra: Any = None) -> JSONResponse:
        try:
            res = await service.submit(principal.client_id, sleutel, payload, decide, extra)
        except SleutelHergebruikt:
            raise fout(422, "Idempotency-Key", "uniek_per_inzending",
                       "Deze sleutel is al gebruikt voor een andere inzending.") from None
        except Afgewezen as exc:
            raise HTTPException(422, {"title": "Inzending geweigerd", "status": 422,
                                      "fouten": [exc.as_dict()]}) from None
        except PublicatieMislukt:
            raise HTTPException(503, {"title": "Tijdelijk niet beschikbaar", "status": 503,
                                      "melding": "Niet opgeslagen; probeer het opnieuw met dezelfde sleutel."},
                                headers={"Retry-After": "5"}) from None
        return JSONResponse(status_code=res.status, content=res.antwoord)

    @router.post("/inschrijvingen", status_code=201, summary="Leerling inschrijven")
    async def post_inschrijving(
        body: InschrijvingIn, sleutel: IdempotencyKey, service: Service,
        principal: Annotated[Principal, Depends(school_principal)],
    ) -> JSONResponse:
        check_school(principal, body.school)
        vestiging = po_vestigingen().get(body.school)
        if vestiging is None:
            raise fout(422, "school", "bekende_school", "Onbekende school (BRIN + vestiging).")
        try:
            regio = rmc_regio_for(body.woongemeente, body.ingangsdatum)
        except (OnbekendeGemeente, KeyError):
            raise fout(422, "woongemeente", "bekende_gemeente", "Onbekende woongemeente.") from None
        pseudoniem = pseudoniem_of(body.pgn)
        now = utcnow()

        async def decide(conn: Any) -> tuple[list[Any], dict[str, Any]]:
            besluit = inschrijven(
                pseudoniem=pseudoniem, regio=regio, woongemeente=body.woongemeente,
                geboortedatum=body.geboortedatum, school=body.school, school_type=SchoolType(vestiging.school_type),
                vakantieregio=Vakantieregio(vestiging.vakantieregio.upper()), ingangsdatum=body.ingangsdatum,
                klas=body.klas, isk=body.isk, vandaag=now.date(),
            )
            envs = envelopes_for([besluit], uuid7(), _at(body.ingangsdatum, now))
            return envs, {"pseudoniem": pseudoniem, "event_ids": [str(e.id) for e in envs], "regio": regio}

        async def extra(conn: Any) -> None:
            await set_geboortedatum(conn, pseudoniem, body.geboortedatum)

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, extra)

    @router.post("/afwezigheden", status_code=201, summary="Afwezigheid registreren")
    async def post_afwezigheid(
        body: AfwezigheidIn, sleutel: IdempotencyKey, service: Service,
        principal: Annotated[Principal, Depends(school_principal)],
    ) -> JSONResponse:
        if principal.role != "school":
            raise fout(403, "school", "alleen_scholen", "Alleen scholen registreren afwezigheid.")
        pseudoniem = pseudoniem_of(body.pgn)
        now = utcnow()
        afwezigheid_id = body.afwezigheid_id or uuid7()

        async def decide(conn: Any) -> tuple[list[Any], dict[str, Any]]:
            besluit = afwezigheid_registreren(
                await service.leerling(conn, pseudoniem), afwezigheid_id=afwezigheid_id,
                school=principal.client_id, datum=body.datum, uren=body.uren, code=body.code, vandaag=now.date(),
            )
            envs = envelopes_for([besluit], uuid7(), _at(body.datum, now))
            return envs, {"afwezigheid_id": str(afwezigheid_id), "event_ids": [str(e.id) for e in envs]}

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide)

    return router


def _at(day: date, now: datetime) -> datetime:
    """When it happened: the day itself (at noon UTC) for past days, now for today."""
    if day >= now.date():
        return now
    return datetime(day.year, day.month, day.day, 12, tzinfo=now.tzinfo)
