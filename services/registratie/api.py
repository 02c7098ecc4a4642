"""HTTP intake for schools and DUO (NL API Design Rules style: /v1, Dutch resource names, 201/207/422).

Every write takes an ``Idempotency-Key``; a replay returns the stored answer and puts nothing new on
the log. Refusals name the field and the rule (``{veld, regel, melding}``) and never echo the value
(it may be a PGN). Roles: ``school`` (its own BRIN6 only), ``duo`` (register facts), ``beheer``.
"""
# No `from __future__ import annotations` here: FastAPI must see the closure dependencies
# (Depends(officer), ...) as objects, not as strings it cannot resolve.

import csv
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, File, Header, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile as StarletteUploadFile

from contracts.codes import (
    AfwezigheidCode,
    Beslisser,
    IntrekkingsReden,
    MeldingSoort,
    Opleidingsniveau,
    SchoolType,
    StartkwalificatieNiveau,
    UitschrijvingsReden,
    Vakantieregio,
    VerlofSoort,
    VoStructuur,
    Vrijstellingsartikel,
)
from contracts.envelope import uuid7
from contracts.events.registratie import (
    AfwezigheidGecorrigeerd,
    AfwezigheidGeregistreerd,
    LesurenGepland,
    SchoolvestigingGesloten,
    SchoolvestigingSamengevoegd,
    SchoolvestigingVastgelegd,
)
from contracts.identity import (
    Adres,
    Email,
    IdentiteitGewist,
    IdentiteitVastgelegd,
    encode_identity_record,
    is_pseudoniem,
)
from contracts.tekst import HuisnummerToevoeging, Naam, Straat, TekstRegels, Tussenvoegsel, Woonplaats
from contracts.topics import identity_topic
from leerrecht import probleem, verwerkingslog
from leerrecht.getallen import Decimaal
from leerrecht.grenzen import omvang
from leerrecht.http import Principal
from leerrecht.kalender import OnbekendeGemeente, SchoolKalender, rmc_regio_for
from registratie import registercsv, state
from registratie import school as schoolview
from registratie.csvlezen import GeenUtf8, TeGroot, lees_regels
from registratie.domain.bsn import PgnOngeldig, valideer_pgn
from registratie.domain.duo_vsv import herinschrijving_a02, potentieel_vsv_a01
from registratie.domain.intake import (
    Afgewezen,
    AfwezigheidStand,
    AlIngeschreven,
    Besluit,
    Duplicaat,
    absoluut_verzuim_kandidaat,
    afwezigheid_hercoderen,
    afwezigheid_registreren,
    dag_na,
    geldende_geboortedatum,
    inschrijven,
    melding_intrekken,
    melding_registreren,
    na_inschrijving,
    plausibele_geboortedatum,
    school_of,
    startkwalificatie_behaald,
    uitschrijven,
    verhuizen,
    verlof_besluiten,
    vrijstelling_registreren,
)
from registratie.domain.plicht import plicht_op
from registratie.domain.pseudonym import PseudonymKeyring
from registratie.intake import (
    IntakeService,
    NietBeschikbaar,
    PublicatieMislukt,
    RawRecord,
    Samen,
    SleutelHergebruikt,
    Uitkomst,
    vergrendeld,
)
from registratie.scholen import vestiging_op

IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", min_length=8, max_length=200,
           description="Unieke sleutel per inzending; een herhaling met dezelfde sleutel levert geen "
                       "tweede event op."),
]
MAX_RIJEN = 1000
Pgn = Annotated[str, Field(min_length=8, max_length=12, description="BSN of onderwijsnummer (9 cijfers, elfproef)")]
Gemeente = Annotated[str, Field(pattern=r"^GM[0-9]{4}$", description="CBS-gemeentecode, bv. GM0363")]
Brin6 = Annotated[str, Field(pattern=r"^[0-9]{2}[A-Z]{2}[0-9]{2}$", description="BRIN6 (BRIN + vestiging)")]
AfwijkingSchool = Annotated[str | None, Query(pattern=r"^[0-9]{2}[A-Z]{2}[0-9]{2}$",
                                              description="Alleen de afwijkingen van deze school (BRIN6)")]
Pagina = Annotated[int, Query(ge=1, le=100_000, description="Welke pagina, vanaf 1")]
PerPagina = Annotated[int, Query(alias="perPagina", ge=1, le=500, description="Rijen per pagina (1 t/m 500)")]
Uren = Annotated[Decimaal, Field(gt=0, le=24, decimal_places=2, description="Uren; een decimale komma mag (16,5)")]
Klas = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,19}$", description="Klas of groep, bv. 6B")]
Leerlingnummer = Annotated[str, Field(
    pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,29}$",
    description="Het eigen leerlingnummer van de school; alleen die school ziet het terug (nooit op het log).")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AdresIn(_In):
    straat: Straat
    huisnummer: int = Field(ge=1, le=99999)
    huisnummer_toevoeging: HuisnummerToevoeging | None = None
    postcode: str = Field(pattern=r"^[1-9][0-9]{3} ?[A-Z]{2}$")
    woonplaats: Woonplaats


class IdentiteitIn(_In):
    """Identifying data: goes only to the identity topic of the region of residence (domain.md B);
    registratie holds it only until the broker acknowledged it (``identiteit_wachtend``). Every text
    field follows :mod:`contracts.tekst` (issue 11: a NUL in a first name, once accepted here, took the
    region's consumers down)."""

    voornamen: Naam
    tussenvoegsel: Tussenvoegsel | None = None
    achternaam: Naam
    adres: AdresIn | None = None
    telefoon: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{6,20}$")
    email: Email | None = None


class InschrijvingIn(_In):
    pgn: Pgn
    geboortedatum: date
    woongemeente: Gemeente
    school: Brin6
    ingangsdatum: date
    klas: Klas | None = Field(default=None, description="Leeg bij een inschrijving die de registratie al kent "
                              "(zelfde school en ingangsdatum): de bekende klas blijft.")
    isk: bool | None = Field(default=None, description="Leerling in de internationale schakelklas (ISK). Leeg: "
                             "wat eerder voor deze inschrijving is opgegeven, anders wat het register van DUO op de "
                             "ingangsdatum over de vestiging zegt (een ISK-vestiging of -afdeling).")
    school_type: SchoolType | None = Field(default=None, description="Alleen nodig bij een (v)so-vestiging: so of vso.")
    leerlingnummer: Leerlingnummer | None = None
    identiteit: IdentiteitIn | None = None


class SchoolvestigingIn(_In):
    """Een registerfeit van DUO (RIO): vestiging vastleggen (nieuw of gewijzigd), sluiten of samenvoegen."""

    actie: Literal["vastleggen", "sluiten", "samenvoegen"]
    school: Brin6
    naam: Annotated[str, TekstRegels(max_lengte=200)] | None = None
    gemeente: Gemeente | None = None
    school_types: list[SchoolType] | None = Field(default=None, min_length=1, max_length=2)
    vo_structuur: list[VoStructuur] = Field(default_factory=list, max_length=6)
    praktijkonderwijs: bool = False
    isk: bool = False
    vakantieregio: Vakantieregio | None = None
    bevoegd_gezag: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    geldig_vanaf: date | None = None
    geldig_tot: date | None = None
    opgegaan_in: Brin6 | None = None


class AfwezigheidIn(_In):
    pgn: Pgn
    datum: date
    uren: Uren
    code: AfwezigheidCode
    afwezigheid_id: UUID | None = Field(default=None, description="Eigen id; leeg = door ons toegekend")


class AfwezighedenBatchIn(_In):
    rijen: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_RIJEN,
        description="Rijen met de velden van een afwezigheid (pgn, datum, uren, code, afwezigheid_id). "
                    "Elke rij wordt apart gecontroleerd: een geweigerde rij houdt de andere niet tegen.",
    )


class InschrijvingenBatchIn(_In):
    rijen: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_RIJEN,
        description="Rijen met de velden van een inschrijving (zoals POST /v1/inschrijvingen). Elke rij "
                    "wordt apart gecontroleerd: een geweigerde rij houdt de andere niet tegen.",
    )


class HercoderingIn(_In):
    afwezigheid_id: UUID
    nieuwe_code: AfwezigheidCode
    nieuwe_uren: Uren | None = None


class MeldingIn(_In):
    pgn: Pgn
    soort: MeldingSoort
    startdatum: date
    einddatum: date | None = None
    uren: Decimaal | None = Field(default=None, ge=0, le=10000, decimal_places=2)
    melding_id: UUID | None = None


class MeldingGegevens(_In):
    """A report as the school's page files it: the pupil comes from the due row (a pseudonym the
    school's own view showed), not from a typed PGN."""

    soort: MeldingSoort
    startdatum: date
    einddatum: date | None = None
    uren: Decimal | None = Field(default=None, ge=0, le=10000, decimal_places=2)


@dataclass(frozen=True)
class SchoolOpdrachten:
    """The school's commands as the page runs them: the very same decide and publish path as the
    API's endpoints (``build_router``), with the school's session principal. Both answer with the
    API's JSON response or raise its ``HTTPException`` (``detail`` = ``{title, status, fouten}``)."""

    melding: Callable[[IntakeService, Principal, str, str, MeldingGegevens], Awaitable[JSONResponse]]
    csv: Callable[[IntakeService, Principal, str, StarletteUploadFile], Awaitable[JSONResponse]]


class IntrekkingIn(_In):
    reden: IntrekkingsReden


class VerlofIn(_In):
    pgn: Pgn
    verleend: bool
    soort: VerlofSoort
    van: date
    tot_en_met: date
    schooldagen: int = Field(ge=1, le=200)
    beslisser: Beslisser
    verlof_id: UUID | None = None


class UitschrijvingIn(_In):
    pgn: Pgn
    school: Brin6
    uitschrijfdatum: date
    reden: UitschrijvingsReden
    met_startkwalificatie: bool = False
    naar_school: Brin6 | None = None


class _DuoPersoon(_In):
    pgn: Pgn
    geboortedatum: date | None = Field(default=None, description="Nodig als de persoon nog niet bekend is.")
    woongemeente: Gemeente | None = Field(default=None, description="Nodig als de persoon nog niet bekend is.")


class VerhuizingIn(_In):
    pgn: Pgn
    verhuisdatum: date
    nieuwe_gemeente: Gemeente


class StartkwalificatieIn(_In):
    pgn: Pgn
    datum: date
    niveau: StartkwalificatieNiveau
    school: Brin6 | None = None


class VrijstellingIn(_DuoPersoon):
    artikel: Vrijstellingsartikel
    van: date
    tot_en_met: date | None = None
    vrijstelling_id: UUID | None = None


class KandidaatIn(_DuoPersoon):
    sinds: date


class KandidatenIn(_In):
    kandidaten: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RIJEN)


class VsvA01In(_DuoPersoon):
    """One row of DUO's A01 list (domain.md A3.7)."""

    uitschrijfdatum: date
    laatste_school: Brin6 | None = None
    school_type: SchoolType | None = None


class VsvA02In(_In):
    """One row of DUO's A02 list (domain.md A3.7): a re-enrolment."""

    pgn: Pgn
    school: Brin6
    school_type: SchoolType
    ingangsdatum: date
    niveau: Opleidingsniveau | None = None


class VsvLijstIn(_In):
    lijst: Literal["A01", "A02"] = Field(description="A01: uitschrijvingen zonder startkwalificatie; "
                                                     "A02: herinschrijvingen.")
    maand: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="Maand van de lijst, JJJJ-MM.")
    rijen: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_RIJEN)


class LesurenIn(_In):
    klas: Klas
    week: str = Field(pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$", description="ISO-week, bv. 2026-W48")
    uren: Decimaal = Field(ge=0, le=10000, decimal_places=2,
                           description="Geplande uren per leerling; een decimale komma mag (16,5)")


class VergeetIn(_In):
    pgn: Pgn


ONBEKENDE_SCHOOL = ("Deze schoolvestiging (BRIN + vestiging) staat op deze datum niet in het register van "
                    "scholen. DUO registreert schoolvestigingen; neem contact op met DUO.")


def fout(status: int, veld: str, regel: str, melding: str) -> HTTPException:
    return HTTPException(status, {"title": "Inzending geweigerd", "status": status,
                                  "fouten": [{"veld": veld, "regel": regel, "melding": melding}]})


_VELDNAAM = re.compile(r"^[a-z][a-z_]{0,39}$")


def rij_fouten(exc: ValidationError) -> list[dict[str, Any]]:
    """Per-row validation errors: field and rule, never the value (same shape as leerrecht.http).

    A field name the school made up is not echoed either (it could hold anything, even a PGN, and a
    NUL character cannot be stored with the answer): it becomes ``onbekend_veld``."""
    def veld(loc: Sequence[Any]) -> str:
        parts = [p if isinstance(p, int) or _VELDNAAM.match(str(p)) else "onbekend_veld" for p in loc]
        return ".".join(str(p) for p in parts) or "rij"

    # the Dutch text per error type (leerrecht.probleem), never pydantic's English; the context holds
    # only the rule's limits (input is not included)
    return [{"veld": veld(e.get("loc", ())), "regel": e.get("type"), "melding": probleem.melding(e)}
            for e in exc.errors(include_url=False, include_input=False, include_context=True)]


def bestaande_week(week: str) -> None:
    """An ISO week that exists (2026 has no week 53) within the years the platform knows."""
    try:
        monday = date.fromisoformat(week + "-1")
    except ValueError:
        raise fout(422, "week", "bestaande_week", "Deze ISO-week bestaat niet.") from None
    if not 2000 <= monday.year <= 2100:
        raise fout(422, "week", "bestaande_week", "Deze ISO-week ligt buiten het bereik van het platform.")


async def intake_service(request: Request) -> IntakeService:
    """The service lives on the app's runtime, opened in the lifespan. ``async``: FastAPI runs a plain
    ``def`` dependency in a worker thread, a hop per request for a dictionary lookup."""
    service: IntakeService = request.app.state.intake
    return service


Service = Annotated[IntakeService, Depends(intake_service)]


SchoolInzien = Annotated[verwerkingslog.Verwerking,
                         Depends(verwerkingslog.verwerking("schoolleerlingen-inzien"), scope="function")]
"""A school reading its pupils' list (API or page): one span, a record for each pupil shown."""


@dataclass(frozen=True)
class Toegang:
    """Role dependencies, built in ``registratie.app`` from the configured tokens."""

    school_of_duo: Callable[..., Principal]
    school: Callable[..., Principal]
    duo: Callable[..., Principal]
    duo_of_beheer: Callable[..., Principal]
    beheer: Callable[..., Principal]


def _at(day: date, now: datetime) -> datetime:
    """When it happened: the day itself (at noon UTC) for past days, now for today."""
    if day >= now.date():
        return now
    return datetime(day.year, day.month, day.day, 12, tzinfo=now.tzinfo)


CSV_PAD = "/v1/afwezigheden/csv"
REGISTER_CSV_PAD = "/v1/duo/schoolvestigingen/csv"


def csv_sjabloon() -> PlainTextResponse:
    """The absence CSV's template (the API's and the school page's download)."""
    codes = "|".join(c.value for c in AfwezigheidCode)
    body = ("pgn;datum;uren;code\n"
            f"# voorbeeld (verwijder deze regel): 123456782;2026-11-23;2,5;ONGEOORLOOFD  codes: {codes}\n")
    return PlainTextResponse(body, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="afwezigheid.csv"'})


@dataclass(frozen=True)
class _Rij:
    """One absence to decide: a single POST's body or a batch's row, with what was derived from it."""

    rij: AfwezigheidIn
    pseudoniem: str
    afwezigheid_id: UUID
    school: str
    now: datetime
    vandaag: date
    kalender: SchoolKalender


@dataclass(frozen=True)
class _Batch:
    """A ``/batch`` (or CSV) submission as a group decides it (``afwezigheden_samen``): its rows, and how
    their decisions make its answer."""

    rijen: list[_Rij]
    uitkomst: Callable[[Sequence[Any]], Any]


@dataclass(frozen=True)
class _Inschrijving:
    """One enrolment to decide: a single POST's body or a batch's row, checked against the register,
    with its pseudonym, the region of the stated woongemeente and the identity record (if any)."""

    rij: InschrijvingIn
    pseudoniem: str
    regio: str
    school_type: SchoolType
    vakantieregio: Vakantieregio
    isk: bool
    identiteit: IdentiteitVastgelegd | None


@dataclass(frozen=True)
class _Ingeschreven:
    """An enrolment as decided: its events, and what registratie keeps beside them."""

    inschrijving: _Inschrijving
    besluit: Besluit
    afwijkend: bool
    """A school stated another woongemeente than registratie knows (flagged, domain.md B)."""
    identiteit: IdentiteitVastgelegd | None
    """The identity record as published: with the woongemeente the pupil keeps."""
    duplicaat: bool = False
    """registratie holds this enrolment already (:class:`AlIngeschreven`): ``besluit`` has no events; the
    school's own number and name and an identity block are still recorded."""
    geboortedatum: date | None = None
    """The birth date it was decided with: DUO's where a school stated another month (``geboorte_afwijkend``,
    flagged), the row's otherwise (:func:`registratie.domain.intake.geldende_geboortedatum`)."""
    geboorte_afwijkend: bool = False

    def antwoord(self) -> dict[str, Any]:
        """The region of the *stated* woongemeente: a wrong guess is answered as an unknown pupil's."""
        ins = self.inschrijving
        return {"pseudoniem": ins.pseudoniem, "regio": ins.regio, **({"duplicaat": True} if self.duplicaat else {})}


def build_router(keyring: PseudonymKeyring, toegang: Toegang, *, csv_max_bytes: int = 4 * 1024 * 1024,
                 csv_max_rijen: int = MAX_RIJEN) -> APIRouter:
    return bouw_intake(keyring, toegang, csv_max_bytes=csv_max_bytes, csv_max_rijen=csv_max_rijen)[0]


def bouw_intake(keyring: PseudonymKeyring, toegang: Toegang, *, csv_max_bytes: int = 4 * 1024 * 1024,
                csv_max_rijen: int = MAX_RIJEN) -> tuple[APIRouter, SchoolOpdrachten]:
    """The API's router and the same commands for the school's page (:class:`SchoolOpdrachten`)."""
    router = APIRouter(prefix="/v1", tags=["intake"])
    SchoolOfDuo = Annotated[Principal, Depends(toegang.school_of_duo)]
    School = Annotated[Principal, Depends(toegang.school)]
    Duo = Annotated[Principal, Depends(toegang.duo)]
    DuoOfBeheer = Annotated[Principal, Depends(toegang.duo_of_beheer)]
    Beheer = Annotated[Principal, Depends(toegang.beheer)]

    async def pgn_leerling(request: Request, _: Any) -> str | None:
        """The pupil a refused submission was about (processing log): the body's PGN, pseudonymised; the
        body was read before the role check. A submission that got further names its pupils itself
        (``run``)."""
        if pad := await verwerkingslog.pad_pseudoniem(request, _):
            return pad
        try:
            pgn = (await request.json()).get("pgn")
            return keyring.pseudoniem(pgn) if isinstance(pgn, str) else None
        except Exception:
            return None

    def activiteit(naam: str) -> Any:
        """The processing log's dependency (leerrecht.verwerkingslog), declared before the caller's role."""
        return Annotated[verwerkingslog.Verwerking,
                         Depends(verwerkingslog.verwerking(naam, pgn_leerling), scope="function")]

    Inschrijving = activiteit("inschrijving-registreren")
    Verzuim = activiteit("verzuim-registreren")
    Melding = activiteit("verzuimmelding-doen")
    Verlof = activiteit("verlof-vastleggen")
    Registerfeit = activiteit("registerfeit-verwerken")
    Vergeten = activiteit("leerling-vergeten")

    def pseudoniem_of(pgn: str, veld: str = "pgn") -> str:
        try:
            return keyring.pseudoniem(pgn)
        except PgnOngeldig as exc:
            raise fout(422, veld, "elfproef", str(exc)) from None

    def check_school(principal: Principal, school: str) -> None:
        if principal.role == "school" and principal.client_id != school:
            raise fout(403, "school", "eigen_school", "U kunt alleen voor uw eigen school inzenden.")

    def regio_van(gemeente: str, op: date, veld: str = "woongemeente") -> str:
        try:
            return rmc_regio_for(gemeente, op)
        except (OnbekendeGemeente, KeyError):
            raise fout(422, veld, "bekende_gemeente", "Onbekende woongemeente.") from None

    async def run(service: IntakeService, principal: Principal, sleutel: str, payload: Any,
                  decide: Callable[[Any], Any], leerlingen: Sequence[str],
                  raw: Callable[[], list[RawRecord]] | None = None, status: int | None = None,
                  gegroepeerd: bool = False, samen: Samen | None = None) -> JSONResponse:
        verwerkingslog.betreft(*leerlingen)
        try:
            if gegroepeerd:  # one school's single fact: combined with concurrent ones (registratie.groepscommit)
                res = await service.submit_gegroepeerd(principal.client_id, sleutel, payload, decide, leerlingen, raw,
                                                       samen)
            else:
                res = await service.submit(principal.client_id, sleutel, payload, decide, leerlingen, raw)
        except SleutelHergebruikt:
            raise fout(422, "Idempotency-Key", "uniek_per_inzending",
                       "Deze sleutel is al gebruikt voor een andere inzending.") from None
        except Afgewezen as exc:
            raise HTTPException(422, {"title": "Inzending geweigerd", "status": 422,
                                      "fouten": [exc.as_dict()]}) from None
        except ValidationError as exc:  # a contract rule the checks above did not foresee
            raise HTTPException(422, {"title": "Inzending geweigerd", "status": 422,
                                      "fouten": rij_fouten(exc)}) from None
        except NietBeschikbaar:
            raise HTTPException(503, {"title": "Tijdelijk niet beschikbaar", "status": 503,
                                      "melding": "Niet bevestigd; probeer het opnieuw met dezelfde sleutel."},
                                headers={"Retry-After": "10"}) from None
        except PublicatieMislukt:
            raise HTTPException(503, {"title": "Tijdelijk niet beschikbaar", "status": 503,
                                      "melding": "Nog niet bevestigd; probeer het opnieuw met dezelfde sleutel."},
                                headers={"Retry-After": "5"}) from None
        headers = {"Idempotent-Replay": "true"} if res.herhaald else {}
        # a registration that states a fact already held (domain.md A2) is acknowledged with 200
        code = status or (200 if res.antwoord.get("duplicaat") is True else res.status)
        return JSONResponse(status_code=code, content=res.antwoord, headers=headers)

    def enkel(besluit_van: Callable[[Any], Any], antwoord: Callable[[Besluit], dict[str, Any]],
              tijd: datetime) -> Callable[[Any], Any]:
        """A decide for one pupil: ``besluit_van(conn)`` → events, plus the answer."""
        async def decide(conn: Any) -> Uitkomst:
            besluit = await besluit_van(conn)
            return Uitkomst([besluit], {**antwoord(besluit), "event_ids": []}, tijd)
        return decide

    # -- schools: enrolment, absence, recoding, reports, leave, un-enrolment -------------------------

    @router.post("/inschrijvingen", status_code=201, summary="Leerling inschrijven",
                 description="Met een optioneel blok `identiteit` (namen, adres): dat gaat alleen naar het "
                             "identiteitstopic van de woonregio; de registratie bewaart het alleen tot het "
                             "daar gepubliceerd is. De naam en het optionele `leerlingnummer` bewaart de "
                             "registratie daarnaast voor de inschrijvende school alleen (haar eigen overzicht). "
                             "Wijkt de woongemeente af van wat de registratie kent, dan wordt de inschrijving "
                             "toch aanvaard (met de bekende woongemeente) en voor DUO/beheer gemarkeerd; zo ook een "
                             "geboortedatum in een andere maand dan DUO (uit de BRP) opgaf: aanvaard met die van "
                             "DUO en gemarkeerd; "
                             "`regio` in het antwoord is de regio van de opgegeven woongemeente. Dezelfde "
                             "inschrijving (school en ingangsdatum) met dezelfde gegevens nog eens: 200 met "
                             "`duplicaat: true`, er wordt niets gepubliceerd (een opnieuw verstuurd bestand "
                             "verandert niets); met een andere klas, ander schooltype of andere ISK-aanduiding: "
                             "201, de gegevens van de inschrijving worden bijgewerkt. Zonder klas blijft de "
                             "bekende klas staan.",
                 responses={200: {"description": "Al ingeschreven (duplicaat); niets gepubliceerd."}})
    async def post_inschrijving(_v: Inschrijving, body: InschrijvingIn, sleutel: IdempotencyKey, service: Service,
                                principal: SchoolOfDuo) -> JSONResponse:
        now = service.klok.nu()
        async with service.pool.acquire() as conn:
            ins = await inschrijving_controleren(conn, body, principal, {}, now)
        vandaag = service.klok.vandaag()
        gedaan: list[_Ingeschreven] = []

        async def decide(conn: Any) -> Uitkomst:
            [uitkomst] = await inschrijvingen_beslissen(conn, [ins], principal, vandaag, now)
            if isinstance(uitkomst, Exception):
                raise uitkomst
            gedaan[:] = [uitkomst]
            return Uitkomst(publiceren(gedaan), uitkomst.antwoord(), uitkomst.besluit.tijd or now,
                            extra_state=lambda c: inschrijvingen_vastleggen(c, gedaan, principal))

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [ins.pseudoniem],
                         lambda: identiteitsrecords(gedaan))

    @router.post("/inschrijvingen/batch", status_code=207, summary="Leerlingen inschrijven, meerdere rijen",
                 description="Zoals POST /v1/inschrijvingen, voor een heel bestand (de start van een schooljaar): "
                             "antwoord 207 met per rij wat een losse inschrijving zou antwoorden (201 met "
                             "`pseudoniem` en `regio`, 200 met `duplicaat: true` voor een inschrijving die "
                             "de registratie al zo kent, of de fout met veld en regel). Een geweigerde rij houdt "
                             "de geldige rijen niet tegen; de geldige rijen worden samen gepubliceerd. Rijen "
                             "van dezelfde leerling worden op volgorde beslist, elk na de vorige.")
    async def post_inschrijvingen_batch(_v: Inschrijving, body: InschrijvingenBatchIn, sleutel: IdempotencyKey,
                                        service: Service, principal: SchoolOfDuo) -> JSONResponse:
        now = service.klok.nu()
        vandaag = service.klok.vandaag()
        resultaten: list[dict[str, Any]] = [{} for _ in body.rijen]
        geldig: list[tuple[int, _Inschrijving]] = []
        vestigingen: dict[tuple[str, date], Any] = {}
        async with service.pool.acquire() as conn:
            for i, rij in enumerate(body.rijen):
                try:
                    geldig.append((i, await inschrijving_controleren(
                        conn, InschrijvingIn.model_validate(rij), principal, vestigingen, now)))
                except ValidationError as exc:
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": rij_fouten(exc)}
                except HTTPException as exc:
                    resultaten[i] = {"rij": i + 1, "status": exc.status_code, "fouten": exc.detail["fouten"]}
        gedaan: list[_Ingeschreven] = []

        async def decide(conn: Any) -> Uitkomst:
            uitkomsten = await inschrijvingen_beslissen(conn, [ins for _, ins in geldig], principal, vandaag, now)
            gedaan.clear()
            for (i, _), u in zip(geldig, uitkomsten, strict=True):
                if isinstance(u, _Ingeschreven):
                    gedaan.append(u)
                    resultaten[i] = {"rij": i + 1, "status": 200 if u.duplicaat else 201, **u.antwoord()}
                elif isinstance(u, Afgewezen):
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": [u.as_dict()]}
                elif isinstance(u, ValidationError):
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": rij_fouten(u)}
                else:
                    raise u
            aantal = sum(r["status"] < 300 for r in resultaten)
            return Uitkomst(publiceren(gedaan), {"geaccepteerd": aantal, "geweigerd": len(resultaten) - aantal,
                                                 "resultaten": resultaten}, now,
                            extra_state=lambda c: inschrijvingen_vastleggen(c, gedaan, principal))

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide,
                         [ins.pseudoniem for _, ins in geldig], lambda: identiteitsrecords(gedaan), status=207)

    async def inschrijving_controleren(conn: Any, body: InschrijvingIn, principal: Principal,
                                       vestigingen: dict[tuple[str, date], Any], now: datetime) -> _Inschrijving:
        """The checks that need no pupil state, in the order the single POST always made them: the
        school's own location, the register on the enrolment date, the school type, the woongemeente,
        the PGN, the identity. Raises the refusal (``fout``); ``vestigingen`` keeps a batch's lookups."""
        check_school(principal, body.school)
        if (body.school, body.ingangsdatum) not in vestigingen:
            vestigingen[(body.school, body.ingangsdatum)] = await vestiging_op(conn, body.school, body.ingangsdatum)
        vestiging = vestigingen[(body.school, body.ingangsdatum)]
        if vestiging is None:
            raise fout(422, "school", "bekende_school", ONBEKENDE_SCHOOL)
        school_type = body.school_type or (vestiging.school_type if len(vestiging.school_types) == 1 else None)
        if school_type is None or school_type not in vestiging.school_types:
            raise fout(422, "school_type", "school_type", "Deze vestiging biedt meer dan één schooltype of niet dit "
                       "schooltype: geef school_type (" + " of ".join(vestiging.school_types) + ").")
        regio = regio_van(body.woongemeente, body.ingangsdatum)
        pseudoniem = pseudoniem_of(body.pgn)
        identiteit = _identiteit(body, pseudoniem, now) if body.identiteit is not None else None
        return _Inschrijving(body, pseudoniem, regio, school_type, vestiging.vakantieregio,
                             vestiging.isk if body.isk is None else body.isk, identiteit)

    async def inschrijvingen_beslissen(conn: Any, rijen: Sequence[_Inschrijving], principal: Principal,
                                       vandaag: date, now: datetime) -> list[_Ingeschreven | Exception]:
        """Enrolments decided in order, the pupils read in one go: each against the pupil as the earlier
        rows left it. A row's refusal is its own (returned, not raised)."""
        bekend = await state.leerlingen(conn, (r.pseudoniem for r in rijen))
        door_school = principal.role == "school"
        uit: list[_Ingeschreven | Exception] = []
        for r in rijen:
            leerling, rij = bekend[r.pseudoniem], r.rij
            # domain.md B: a school that states another woongemeente than registratie knows is not
            # refused (the refusal would tell it where the pupil lives): the pupil keeps the known one
            # (a move is DUO's fact) and the difference is flagged for DUO/beheer. DUO is refused.
            afwijkend = door_school and leerling is not None and leerling.woongemeente != rij.woongemeente
            woongemeente, woonregio = (leerling.woongemeente, leerling.regio) if afwijkend and leerling \
                else (rij.woongemeente, r.regio)
            geboortedatum, geboorte_afwijkend = geldende_geboortedatum(rij.geboortedatum, leerling, door_school)
            try:
                # the row as stated is checked, whatever DUO holds; then decided with the date that holds
                besluit = beslis(r, leerling, woongemeente, woonregio, rij.geboortedatum, vandaag)
                if geboorte_afwijkend:
                    besluit = beslis(r, leerling, woongemeente, woonregio, geboortedatum, vandaag)
            except (Afgewezen, ValidationError) as exc:
                uit.append(exc)
                continue
            identiteit = r.identiteit.model_copy(update={"woongemeente": woongemeente}) if r.identiteit else None
            if isinstance(besluit, AlIngeschreven):
                uit.append(_Ingeschreven(r, Besluit(r.pseudoniem, woonregio, ()), afwijkend, identiteit, True,
                                         geboortedatum, geboorte_afwijkend))
                continue
            na = na_inschrijving(leerling, besluit)
            bekend[r.pseudoniem] = replace(na, duo_geboortedatum=geboortedatum) if principal.role == "duo" else na
            uit.append(_Ingeschreven(r, replace(besluit, tijd=_at(rij.ingangsdatum, now)), afwijkend, identiteit,
                                     geboortedatum=geboortedatum, geboorte_afwijkend=geboorte_afwijkend))
        return uit

    def beslis(r: _Inschrijving, leerling: Any, woongemeente: str, woonregio: str, geboren: date,
               vandaag: date) -> Besluit | AlIngeschreven:
        rij = r.rij
        return inschrijven(
            pseudoniem=r.pseudoniem, regio=woonregio, woongemeente=woongemeente,
            geboortedatum=geboren, school=rij.school, school_type=r.school_type,
            vakantieregio=r.vakantieregio, ingangsdatum=rij.ingangsdatum, klas=rij.klas, isk=rij.isk,
            vandaag=vandaag, bekend=leerling, vestiging_isk=r.isk,  # r.isk: the location's when not stated
        )

    def publiceren(gedaan: Sequence[_Ingeschreven]) -> list[Besluit]:
        """The decided enrolments' events: none for one registratie holds already (domain.md A2's rule
        for a re-uploaded file, applied to enrolments)."""
        return [g.besluit for g in gedaan if not g.duplicaat]

    async def inschrijvingen_vastleggen(conn: Any, gedaan: Sequence[_Ingeschreven], principal: Principal) -> None:
        """What registratie keeps beside the enrolments' events, one statement per kind for all rows: the
        full birth date, where the identity went, the flags, and the school's own number and name."""
        await state.set_geboortedata(conn, [(g.besluit.pseudoniem, g.geboortedatum or g.inschrijving.rij.geboortedatum)
                                            for g in gedaan], door_duo=principal.role == "duo")
        naar = [(g.besluit.pseudoniem, g.besluit.regio) for g in gedaan if g.identiteit is not None]
        if naar:
            await conn.execute("INSERT INTO identiteit_regio (pseudoniem, regio) SELECT * FROM "
                               "unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                               [p for p, _ in naar], [r for _, r in naar])
        if principal.role != "school":
            return
        await schoolview.afwijkingen_markeren(conn, principal.client_id,
                                              [g.besluit.pseudoniem for g in gedaan if g.afwijkend])
        await schoolview.afwijkingen_markeren(conn, principal.client_id,
                                              [g.besluit.pseudoniem for g in gedaan if g.geboorte_afwijkend],
                                              soort="geboortedatum")
        await schoolview.leerlingen_vastleggen(conn, principal.client_id, [
            (g.besluit.pseudoniem, g.inschrijving.rij.leerlingnummer, _naam(g.inschrijving.rij.identiteit))
            for g in gedaan])

    def identiteitsrecords(gedaan: Sequence[_Ingeschreven]) -> list[RawRecord]:
        """The identity records of the decided enrolments, each to its home region's topic only."""
        out: list[RawRecord] = []
        for g in gedaan:
            if g.identiteit is not None:
                key, value = encode_identity_record(g.identiteit)
                out.append(RawRecord(identity_topic(g.besluit.regio), key, value))
        return out

    def _naam(i: IdentiteitIn | None) -> tuple[str, str | None, str] | None:
        return (i.voornamen, i.tussenvoegsel, i.achternaam) if i is not None else None

    def _identiteit(body: InschrijvingIn, pseudoniem: str, now: datetime) -> IdentiteitVastgelegd:
        assert body.identiteit is not None
        pgn = valideer_pgn(body.pgn)
        i = body.identiteit
        try:
            return IdentiteitVastgelegd(
                pseudoniem=pseudoniem, pgn=pgn.nummer, pgn_soort=pgn.soort.value, voornamen=i.voornamen,
                tussenvoegsel=i.tussenvoegsel or None, achternaam=i.achternaam, geboortedatum=body.geboortedatum,
                adres=Adres(**i.adres.model_dump()) if i.adres else None, woongemeente=body.woongemeente,
                telefoon=i.telefoon, email=i.email, vastgelegd_op=now,
            )
        except ValidationError as exc:
            raise HTTPException(422, {"title": "Inzending geweigerd", "status": 422,
                                      "fouten": [{**f, "veld": "identiteit." + f["veld"]}
                                                 for f in rij_fouten(exc)]}) from None

    @router.post("/afwezigheden", status_code=201, summary="Afwezigheid registreren",
                 description="De totale uren van één dag voor één code (domain.md A2). Dezelfde dag en code "
                             "met dezelfde uren nog eens: 200 met `duplicaat: true` en de bestaande "
                             "afwezigheid_id; er wordt niets gepubliceerd. Met andere uren: een correctie "
                             "(AfwezigheidGecorrigeerd, `gecorrigeerd: true`). Alleen op schooldagen; alle "
                             "codes van een dag samen ten hoogste één schooldag.",
                 responses={200: {"description": "Al geregistreerd (duplicaat); niets gepubliceerd."}})
    async def post_afwezigheid(_v: Verzuim, body: AfwezigheidIn, sleutel: IdempotencyKey, service: Service,
                               principal: School) -> JSONResponse:
        rij = _Rij(body, pseudoniem_of(body.pgn), body.afwezigheid_id or uuid7(), principal.client_id,
                   service.klok.nu(), service.klok.vandaag(), service.kalender.kalender)

        async def decide(conn: Any) -> Uitkomst:  # alone: when deciding the group together failed
            [uitkomst] = await afwezigheden_samen(conn, [rij])
            if isinstance(uitkomst, Exception):
                raise uitkomst
            return uitkomst

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [rij.pseudoniem],
                         gegroepeerd=True, samen=Samen(afwezigheden_samen, rij))

    async def afwezigheden_beslissen(conn: Any, rijen: Sequence[_Rij]) -> list[Besluit | Duplicaat | Exception]:
        """Rows of absence decided in order, each against the day as the earlier rows left it (the first
        row of a pupil, date and code wins): the pupils, their days and the schools' own ids already used
        read in three queries for all rows, however many. A row's refusal is its own (returned, not raised).
        Shared by ``/batch`` and by a group of single POSTs (:mod:`registratie.groepscommit`)."""
        leerlingen = await state.leerlingen(conn, (r.pseudoniem for r in rijen))
        eigen = [r.rij.afwezigheid_id for r in rijen if r.rij.afwezigheid_id is not None]
        ids: set[UUID] = {r["afwezigheid_id"] for r in await conn.fetch(
            "SELECT afwezigheid_id FROM afwezigheid WHERE afwezigheid_id = ANY($1::uuid[])", eigen)} if eigen else set()
        dagen = await state.afwezigheden_op(conn, ((r.pseudoniem, r.rij.datum) for r in rijen))
        uit: list[Besluit | Duplicaat | Exception] = []
        for r in rijen:
            dag = dagen.get((r.pseudoniem, r.rij.datum), [])
            try:
                b = afwezigheid_besluit(leerlingen[r.pseudoniem], dag, afwezigheid_id=r.afwezigheid_id, rij=r.rij,
                                        school=r.school, vandaag=r.vandaag, now=r.now, gebruikt=ids,
                                        kalender=r.kalender)
            except (Afgewezen, ValidationError) as exc:
                uit.append(exc)
                continue
            if not isinstance(b, Duplicaat):
                ids.add(r.afwezigheid_id)
                # the next row of the same pupil and day is decided against this one: the first row wins
                dagen[(r.pseudoniem, r.rij.datum)] = dag_na(dag, b, r.school)
            uit.append(b)
        return uit

    async def afwezigheden_samen(conn: Any, gegevens: Sequence[Any]) -> list[Uitkomst | Exception]:
        """Single POSTs' absences and batches decided together (``registratie.intake.Samen``): all their rows
        in one decision, in arrival order, and an outcome each, as alone. A batch's unexpected error raises:
        the group then decides its submissions one by one (``registratie.groepscommit``)."""
        delen = [g.rijen if isinstance(g, _Batch) else [g] for g in gegevens]
        beslist = iter(await afwezigheden_beslissen(conn, [r for deel in delen for r in deel]))
        uit: list[Uitkomst | Exception] = []
        for g, deel in zip(gegevens, delen, strict=True):
            eigen = [next(beslist) for _ in deel]
            if isinstance(g, _Batch):
                uit.append(g.uitkomst(eigen))
                continue
            [r], [b] = deel, eigen
            if isinstance(b, Exception):
                uit.append(b)
            elif isinstance(b, Duplicaat):
                uit.append(Uitkomst([], {"afwezigheid_id": str(b.afwezigheid_id), "duplicaat": True, "event_ids": []},
                                    r.now))
            else:
                uit.append(Uitkomst([b], {**afwezigheid_antwoord(b), "event_ids": []}, b.tijd or r.now))
        return uit

    def afwezigheid_besluit(leerling: Any, dag: Sequence[AfwezigheidStand], *, afwezigheid_id: UUID,
                            rij: AfwezigheidIn, school: str, vandaag: date, now: datetime,
                            gebruikt: set[UUID], kalender: SchoolKalender) -> Besluit | Duplicaat:
        """One row: a duplicate, a correction or a new absence (domain.md A2). A school's own id may
        name a new absence only once; a duplicate or a correction keeps the id registratie holds."""
        uitkomst = afwezigheid_registreren(
            leerling, afwezigheid_id=afwezigheid_id, school=school, datum=rij.datum, uren=rij.uren,
            code=rij.code, vandaag=vandaag, kalender=kalender, dag=dag,
        )
        if isinstance(uitkomst, Duplicaat):
            return uitkomst
        [event] = uitkomst.events
        if isinstance(event, AfwezigheidGeregistreerd):
            if afwezigheid_id in gebruikt:
                raise Afgewezen("afwezigheid_id", "uniek", "Deze afwezigheid-id is al gebruikt.")
            # a new absence happened on its day; a correction happens now (the submission's time)
            return Besluit(uitkomst.pseudoniem, uitkomst.regio, uitkomst.events, tijd=_at(rij.datum, now))
        return uitkomst

    def afwezigheid_antwoord(besluit: Besluit) -> dict[str, Any]:
        [event] = besluit.events
        assert isinstance(event, AfwezigheidGeregistreerd | AfwezigheidGecorrigeerd)
        antwoord: dict[str, Any] = {"afwezigheid_id": str(event.afwezigheid_id)}
        if isinstance(event, AfwezigheidGecorrigeerd):
            antwoord["gecorrigeerd"] = True
        return antwoord

    async def afwezigheden_batch(rijen: Sequence[dict[str, Any]], service: IntakeService, principal: Principal,
                                 sleutel: str, payload: Any, rijnummer: Callable[[int], dict[str, int]]
                                 ) -> JSONResponse:
        """Per-row results (207): each row is checked on its own; the valid rows are published together.

        A row is a fact per day (domain.md A2): 201 for a new absence or a correction (published), 200
        "al geregistreerd" for a fact registratie already holds (nothing published, so a file uploaded
        again under another key changes nothing), 422 refused. Rows are decided in order against the
        day as the earlier rows left it: of two rows with the same pupil, date and code the first wins."""
        now = service.klok.nu()
        vandaag = service.klok.vandaag()
        resultaten: list[dict[str, Any]] = [{} for _ in rijen]
        geldig: list[tuple[int, AfwezigheidIn, str, UUID]] = []
        for i, rij in enumerate(rijen):
            try:
                parsed = AfwezigheidIn.model_validate(rij)
                pseudoniem = keyring.pseudoniem(parsed.pgn)
            except ValidationError as exc:
                resultaten[i] = {**rijnummer(i), "status": 422, "fouten": rij_fouten(exc)}
                continue
            except PgnOngeldig as exc:
                resultaten[i] = {**rijnummer(i), "status": 422,
                                 "fouten": [{"veld": "pgn", "regel": "elfproef", "melding": str(exc)}]}
                continue
            geldig.append((i, parsed, pseudoniem, parsed.afwezigheid_id or uuid7()))

        kalender = service.kalender.kalender
        te_beslissen = [_Rij(rij, p, a, principal.client_id, now, vandaag, kalender) for _, rij, p, a in geldig]

        def uitkomst(beslist: Sequence[Besluit | Duplicaat | Exception]) -> Uitkomst:
            besluiten: list[Besluit] = []
            for (i, _, _, _), b in zip(geldig, beslist, strict=True):
                if isinstance(b, Afgewezen):
                    resultaten[i] = {**rijnummer(i), "status": 422, "fouten": [b.as_dict()]}
                elif isinstance(b, ValidationError):
                    resultaten[i] = {**rijnummer(i), "status": 422, "fouten": rij_fouten(b)}
                elif isinstance(b, Exception):
                    raise b
                elif isinstance(b, Duplicaat):
                    resultaten[i] = {**rijnummer(i), "status": 200, "melding": "al geregistreerd",
                                     "afwezigheid_id": str(b.afwezigheid_id)}
                else:
                    besluiten.append(b)
                    resultaten[i] = {**rijnummer(i), "status": 201, **afwezigheid_antwoord(b)}

            def tel(status: int) -> int:
                return sum(r["status"] == status for r in resultaten)

            return Uitkomst(besluiten, {"geaccepteerd": tel(201), "al_geregistreerd": tel(200),
                                        "geweigerd": tel(422), "resultaten": list(resultaten)}, now)

        async def decide(conn: Any) -> Uitkomst:  # alone: a group of one, or when deciding together failed
            return uitkomst(await afwezigheden_beslissen(conn, te_beslissen))

        return await run(service, principal, sleutel, payload, decide, [p for _, _, p, _ in geldig], status=207,
                         gegroepeerd=True, samen=Samen(afwezigheden_samen, _Batch(te_beslissen, uitkomst)))

    @router.post("/afwezigheden/batch", status_code=207, summary="Afwezigheid registreren, meerdere rijen",
                 description="Antwoord 207 met per rij een status: 201 (nieuw of correctie), 200 (al "
                             "geregistreerd, niets gepubliceerd) of 422. Een geweigerde rij houdt de geldige "
                             "rijen niet tegen; de geldige rijen worden samen gepubliceerd. Van twee rijen met "
                             "dezelfde leerling, datum en code wint de eerste.")
    async def post_afwezigheden_batch(_v: Verzuim, body: AfwezighedenBatchIn, sleutel: IdempotencyKey, service: Service,
                                      principal: School) -> JSONResponse:
        return await afwezigheden_batch(body.rijen, service, principal, sleutel, body.model_dump(mode="json"),
                                        lambda i: {"rij": i + 1})

    @router.get("/afwezigheden/csv-sjabloon", summary="CSV-sjabloon voor afwezigheid (kleine scholen)",
        description=("Een leeg CSV-bestand met de kopregel en een voorbeeldregel voor POST "
                     "/v1/afwezigheden/csv, voor scholen zonder koppeling vanuit hun "
                     "administratiesysteem. Alleen voor een school."),
                response_class=PlainTextResponse)
    async def get_csv_sjabloon(principal: School) -> PlainTextResponse:
        return csv_sjabloon()

    @router.post(CSV_PAD.removeprefix("/v1"), status_code=207, summary="Afwezigheid uploaden als CSV",
                 description="Puntkomma of komma als scheidingsteken; uren mogen een decimale komma hebben. "
                             "Antwoord per regel (regel 1 is de kopregel). Het hele bestand wordt gelezen, "
                             f"tot {csv_max_rijen} regels met gegevens en {omvang(csv_max_bytes)}; een groter "
                             "bestand wordt geweigerd met 413 (nooit afgekapt).",
                 responses={413: {"description": "Bestand of verzoek groter dan de grens"}})
    async def post_afwezigheden_csv(_v: Verzuim, sleutel: IdempotencyKey, service: Service, principal: School,
                                    bestand: Annotated[UploadFile, File(description="CSV met kolommen "
                                                                        "pgn;datum;uren;code")]) -> JSONResponse:
        return await csv_verwerken(service, principal, sleutel, bestand)

    async def csv_verwerken(service: IntakeService, principal: Principal, sleutel: str,
                            bestand: StarletteUploadFile) -> JSONResponse:
        try:
            regels = await lees_regels(bestand, csv_max_bytes, csv_max_rijen)
        except TeGroot as exc:
            raise fout(413, "bestand", exc.regel, exc.melding) from None
        except GeenUtf8:
            raise fout(422, "bestand", "utf8", "Het bestand is geen UTF-8-tekst.") from None
        if not regels:
            raise fout(422, "bestand", "niet_leeg", "Het bestand bevat geen regels.")
        delim = ";" if ";" in regels[0][1] else ","
        try:
            rows = list(csv.reader([line for _, line in regels], delimiter=delim))
        except csv.Error:  # e.g. a field over the csv module's 128 KiB field limit
            raise fout(422, "bestand", "csv_opmaak", "Het bestand is geen leesbare CSV.") from None
        header = [h.strip().lower() for h in rows[0]]
        if not {"pgn", "datum", "uren", "code"} <= set(header):
            raise fout(422, "bestand", "kopregel", "De kopregel moet de kolommen pgn, datum, uren en code hebben.")
        data = rows[1:]
        if not data:
            raise fout(422, "bestand", "niet_leeg", "Het bestand bevat geen gegevensregels.")
        rijen = []
        for r in data:
            rij = {k: (v.strip() if v is not None else "") for k, v in zip(header, r, strict=False)}
            rij = {k: v for k, v in rij.items() if k in ("pgn", "datum", "uren", "code", "afwezigheid_id") and v}
            if "uren" in rij:
                rij["uren"] = rij["uren"].replace(",", ".")
            rijen.append(rij)
        regelnummers = [n for n, _ in regels[1:]]
        return await afwezigheden_batch(rijen, service, principal, sleutel, {"csv": rijen},
                                        lambda i: {"regel": regelnummers[i]})

    @router.post("/hercoderingen", status_code=201, summary="Afwezigheid hercoderen",
                 description="Een hercodering (bv. ONBEKEND → ZIEK) is een eigen event "
                             "(AfwezigheidGecorrigeerd), nooit een overschrijving.")
    async def post_hercodering(_v: Verzuim, body: HercoderingIn, sleutel: IdempotencyKey, service: Service,
                               principal: School) -> JSONResponse:
        async with service.pool.acquire() as conn:
            stand = await state.afwezigheid(conn, body.afwezigheid_id)
        if stand is None or stand.school != principal.client_id:
            raise fout(422, "afwezigheid_id", "eigen_afwezigheid", "Deze afwezigheid is niet door uw school "
                                                                   "geregistreerd.")

        async def besluit(conn: Any) -> Besluit:
            nu = await state.afwezigheid(conn, body.afwezigheid_id)
            dag = (await state.afwezigheden_op(conn, [(nu.pseudoniem, nu.datum)])).get(
                (nu.pseudoniem, nu.datum), []) if nu is not None else []
            return afwezigheid_hercoderen(nu, school=principal.client_id, nieuwe_code=body.nieuwe_code,
                                          nieuwe_uren=body.nieuwe_uren,
                                          dagtotaal=sum((a.uren for a in dag), Decimal(0)))

        decide = enkel(besluit, lambda b: {"afwezigheid_id": str(body.afwezigheid_id)}, service.klok.nu())
        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [stand.pseudoniem])

    @router.post("/meldingen", status_code=201, summary="Verzuimmelding doen (status Geregistreerd)",
        description=("Meldt verzuim van een eigen leerling bij leerplicht van diens woongemeente "
                     "(soort, periode, uren). De melding krijgt de status Geregistreerd en gaat naar"
                     " het bureau van de regio. Idempotent met de header Idempotency-Key: een "
                     "herhaling geeft hetzelfde antwoord. Antwoordt 201 met het melding_id. 422 als "
                     "de leerling niet bij de school staat ingeschreven of een meldregel de melding "
                     "weigert, 503 met Retry-After als het logboek de melding nog niet bevestigde "
                     "(herhaal met dezelfde sleutel)."))
    async def post_melding(_v: Melding, body: MeldingIn, sleutel: IdempotencyKey, service: Service,
                           principal: School) -> JSONResponse:
        return await melding_doen(service, principal, sleutel, pseudoniem_of(body.pgn), body,
                                  body.model_dump(mode="json"))

    async def melding_doen(service: IntakeService, principal: Principal, sleutel: str, pseudoniem: str,
                           body: MeldingIn | MeldingGegevens, payload: dict[str, Any]) -> JSONResponse:
        melding_id = (body.melding_id if isinstance(body, MeldingIn) else None) or uuid7()

        async def besluit(conn: Any) -> Besluit:
            herhaling = await conn.fetchval(
                "SELECT (gegevens->>'herhaalmelding')::int FROM beslissing WHERE pseudoniem = $1 AND actueel "
                "AND soort = 'MELDPLICHT' AND school = $2 AND gegevens->>'meldingsoort' = $3 "
                "AND (gegevens->>'vanaf')::date <= COALESCE($5::date, $4::date) ORDER BY sleutel DESC LIMIT 1",
                pseudoniem, principal.client_id, body.soort.value, body.startdatum, body.einddatum,
            )
            return melding_registreren(
                await state.leerling(conn, pseudoniem), melding_id=melding_id, school=principal.client_id,
                soort=body.soort, startdatum=body.startdatum, einddatum=body.einddatum, uren=body.uren,
                herhaling=herhaling or 0, vandaag=service.klok.vandaag(),
            )

        decide = enkel(besluit, lambda b: {"melding_id": str(melding_id), "status": "GEREGISTREERD"},
                       service.klok.nu())
        return await run(service, principal, sleutel, payload, decide, [pseudoniem])

    async def pagina_melding(service: IntakeService, principal: Principal, sleutel: str, pseudoniem: str,
                             body: MeldingGegevens) -> JSONResponse:
        return await melding_doen(service, principal, sleutel, pseudoniem, body,
                                  {"pseudoniem": pseudoniem, **body.model_dump(mode="json")})

    @router.post("/meldingen/{melding_id}/intrekking", status_code=201, summary="Melding intrekken",
        description=("Trekt een eerder gedane melding van de eigen school in, met een reden "
                     "(bijvoorbeeld ten onrechte gemeld). De status wordt Ingetrokken; leerplicht "
                     "ziet dat. Idempotent met Idempotency-Key. Antwoordt 201. 422 als de melding "
                     "niet van deze school is of niet meer kan worden ingetrokken, 503 met Retry-"
                     "After als het logboek nog niet bevestigde."))
    async def post_intrekking(_v: Melding, melding_id: UUID, body: IntrekkingIn, sleutel: IdempotencyKey,
                              service: Service, principal: School) -> JSONResponse:
        async with service.pool.acquire() as conn:
            stand = await state.melding(conn, melding_id)
        if stand is None or stand.school != principal.client_id:
            raise fout(422, "melding_id", "eigen_melding", "Deze melding is niet door uw school gedaan.")

        async def besluit(conn: Any) -> Besluit:
            return melding_intrekken(await state.melding(conn, melding_id), school=principal.client_id,
                                     reden=body.reden)

        decide = enkel(besluit, lambda b: {"melding_id": str(melding_id), "status": "INGETROKKEN"},
                       service.klok.nu())
        return await run(service, principal, sleutel, {"melding_id": str(melding_id), **body.model_dump(mode="json")},
                         decide, [stand.pseudoniem])

    @router.post("/verlof", status_code=201, summary="Verlofbesluit vastleggen (verleend of geweigerd)",
        description=("Legt het besluit van de directeur over extra verlof vast (verleend of "
                     "geweigerd, soort, periode). Verleend verlof telt niet als ongeoorloofd "
                     "verzuim; de wettelijke regels voor extra verlof worden gecontroleerd. "
                     "Idempotent met Idempotency-Key. Antwoordt 201 met het verlof_id. 422 als een "
                     "regel het besluit weigert, 503 met Retry-After als het logboek nog niet "
                     "bevestigde."))
    async def post_verlof(_v: Verlof, body: VerlofIn, sleutel: IdempotencyKey, service: Service,
                          principal: School) -> JSONResponse:
        pseudoniem = pseudoniem_of(body.pgn)
        verlof_id = body.verlof_id or uuid7()

        async def besluit(conn: Any) -> Besluit:
            return verlof_besluiten(
                await state.leerling(conn, pseudoniem), verlof_id=verlof_id, school=principal.client_id,
                verleend=body.verleend, soort=body.soort, van=body.van, tot_en_met=body.tot_en_met,
                schooldagen=body.schooldagen, beslisser=body.beslisser,
                eerder=await state.verloven(conn, pseudoniem), kalender=service.kalender.kalender,
            )

        decide = enkel(besluit, lambda b: {"verlof_id": str(verlof_id)}, service.klok.nu())
        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [pseudoniem])

    @router.post("/uitschrijvingen", status_code=201, summary="Leerling uitschrijven",
        description=("Schrijft een leerling uit bij een school (door de school zelf of door DUO), "
                     "met datum en reden. Een uitschrijving zonder startkwalificatie van een jongere"
                     " tot 23 jaar komt bij het Doorstroompunt terecht. Idempotent met Idempotency-"
                     "Key. Antwoordt 201. 403 als een school een andere school noemt, 422 als de "
                     "leerling daar niet is ingeschreven of de datum niet klopt, 503 met Retry-After"
                     " als het logboek nog niet bevestigde."))
    async def post_uitschrijving(_v: Inschrijving, body: UitschrijvingIn, sleutel: IdempotencyKey, service: Service,
                                 principal: SchoolOfDuo) -> JSONResponse:
        check_school(principal, body.school)
        pseudoniem = pseudoniem_of(body.pgn)

        async def besluit(conn: Any) -> Besluit:
            return uitschrijven(
                await state.leerling(conn, pseudoniem), school=body.school, uitschrijfdatum=body.uitschrijfdatum,
                reden=body.reden, met_startkwalificatie=body.met_startkwalificatie, naar_school=body.naar_school,
                vandaag=service.klok.vandaag(),
            )

        decide = enkel(besluit, lambda b: {}, _at(body.uitschrijfdatum, service.klok.nu()))
        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [pseudoniem])

    # -- DUO register facts -------------------------------------------------------------------------

    async def bekend_of_vastleggen(conn: Any, service: IntakeService, pseudoniem: str, persoon: _DuoPersoon,
                                   op: date) -> Any:
        """A person DUO tells us about may be new to registratie: then birth date and woongemeente are
        required, to know the region and the age rules."""
        leerling = await state.leerling(conn, pseudoniem)
        if leerling is None:
            if persoon.geboortedatum is None or persoon.woongemeente is None:
                raise Afgewezen("geboortedatum", "nodig_voor_nieuwe_persoon",
                                "Deze persoon is nog niet bekend: geef geboortedatum en woongemeente mee.")
            plausibele_geboortedatum(persoon.geboortedatum, service.klok.vandaag())
            try:
                regio = rmc_regio_for(persoon.woongemeente, op)
            except (OnbekendeGemeente, KeyError):
                raise Afgewezen("woongemeente", "bekende_gemeente", "Onbekende woongemeente.") from None
            await state.leerling_vastleggen(conn, pseudoniem, persoon.woongemeente, regio, persoon.geboortedatum)
            leerling = await state.leerling(conn, pseudoniem)
        return leerling

    @router.post("/duo/verhuizingen", status_code=201, summary="Verhuizing (woongemeente gewijzigd)",
                 description="Verhuisd gaat naar het topic van de oude en, als die verandert, ook van de nieuwe "
                             "regio; latere events gaan naar de nieuwe regio.")
    async def post_verhuizing(_v: Registerfeit, body: VerhuizingIn, sleutel: IdempotencyKey, service: Service,
                              principal: Duo) -> JSONResponse:
        pseudoniem = pseudoniem_of(body.pgn)
        nieuwe_regio = regio_van(body.nieuwe_gemeente, body.verhuisdatum, "nieuwe_gemeente")

        async def besluit(conn: Any) -> Besluit:
            return verhuizen(await state.leerling(conn, pseudoniem), verhuisdatum=body.verhuisdatum,
                             nieuwe_gemeente=body.nieuwe_gemeente, nieuwe_regio=nieuwe_regio,
                             vandaag=service.klok.vandaag())

        decide = enkel(besluit, lambda b: {"regio": nieuwe_regio, "vorige_regio": b.regio},
                       _at(body.verhuisdatum, service.klok.nu()))
        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [pseudoniem])

    @router.post("/duo/startkwalificaties", status_code=201, summary="Startkwalificatie behaald",
        description=("DUO meldt dat een jongere een startkwalificatie heeft behaald (datum, niveau, "
                     "school). De kwalificatieplicht eindigt; een open dossier bij het "
                     "Doorstroompunt komt op de werklijst om af te sluiten. Idempotent met "
                     "Idempotency-Key. Antwoordt 201. 422 als het feit niet past bij wat van de "
                     "jongere bekend is, 503 met Retry-After als het logboek nog niet bevestigde."))
    async def post_startkwalificatie(_v: Registerfeit, body: StartkwalificatieIn, sleutel: IdempotencyKey,
                                     service: Service, principal: Duo) -> JSONResponse:
        pseudoniem = pseudoniem_of(body.pgn)

        async def besluit(conn: Any) -> Besluit:
            return startkwalificatie_behaald(await state.leerling(conn, pseudoniem), datum=body.datum,
                                             niveau=body.niveau, school=body.school, vandaag=service.klok.vandaag())

        decide = enkel(besluit, lambda b: {}, _at(body.datum, service.klok.nu()))
        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [pseudoniem])

    @router.post("/duo/vrijstellingen", status_code=201, summary="Vrijstelling geregistreerd",
                 description="Meldingen die de vrijstelling overlappen worden automatisch ingetrokken (reden V).")
    async def post_vrijstelling(_v: Registerfeit, body: VrijstellingIn, sleutel: IdempotencyKey, service: Service,
                                principal: Duo) -> JSONResponse:
        pseudoniem = pseudoniem_of(body.pgn)
        vrijstelling_id = body.vrijstelling_id or uuid7()

        async def besluit(conn: Any) -> Besluit:
            leerling = await bekend_of_vastleggen(conn, service, pseudoniem, body, body.van)
            return vrijstelling_registreren(leerling, vrijstelling_id=vrijstelling_id, artikel=body.artikel,
                                            van=body.van, tot_en_met=body.tot_en_met)

        decide = enkel(besluit, lambda b: {"vrijstelling_id": str(vrijstelling_id)}, service.klok.nu())
        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [pseudoniem])

    @router.post("/duo/absoluut-verzuim-kandidaten", status_code=207, summary="Kandidaten absoluut verzuim (DUO)",
                 description="Per kandidaat een status; wie volgens de registratie ingeschreven is, of niet "
                             "leer- of kwalificatieplichtig, wordt geweigerd met de regel.")
    async def post_kandidaten(_v: Registerfeit, body: KandidatenIn, sleutel: IdempotencyKey, service: Service,
                              principal: Duo) -> JSONResponse:
        vandaag = service.klok.vandaag()
        now = service.klok.nu()
        resultaten: list[dict[str, Any]] = [{} for _ in body.kandidaten]
        geldig: list[tuple[int, KandidaatIn, str]] = []
        for i, rij in enumerate(body.kandidaten):
            try:
                k = KandidaatIn.model_validate(rij)
                geldig.append((i, k, keyring.pseudoniem(k.pgn)))
            except ValidationError as exc:
                resultaten[i] = {"rij": i + 1, "status": 422, "fouten": rij_fouten(exc)}
            except PgnOngeldig as exc:
                resultaten[i] = {"rij": i + 1, "status": 422,
                                 "fouten": [{"veld": "pgn", "regel": "elfproef", "melding": str(exc)}]}

        async def decide(conn: Any) -> Uitkomst:
            besluiten: list[Besluit] = []
            for i, k, pseudoniem in geldig:
                try:
                    async with conn.transaction():  # a savepoint: a refused row leaves no trace
                        leerling = await bekend_of_vastleggen(conn, service, pseudoniem, k, k.sinds)
                        feiten = await state.feiten(conn, pseudoniem)
                        plicht = plicht_op(feiten.pupil, vandaag).plicht if feiten else None
                        b = absoluut_verzuim_kandidaat(leerling, sinds=k.sinds, plicht=plicht, vandaag=vandaag)
                except Afgewezen as exc:
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": [exc.as_dict()]}
                    continue
                except ValidationError as exc:
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": rij_fouten(exc)}
                    continue
                besluiten.append(Besluit(b.pseudoniem, b.regio, b.events, tijd=_at(k.sinds, now)))
                resultaten[i] = {"rij": i + 1, "status": 201}

            aantal = sum(r["status"] == 201 for r in resultaten)
            return Uitkomst(besluiten, {"geaccepteerd": aantal, "geweigerd": len(resultaten) - aantal,
                                        "resultaten": resultaten}, now)

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide,
                         [p for _, _, p in geldig], status=207)

    @router.post("/duo/vsv-lijsten", status_code=207, summary="VSV-lijst van DUO (A01 of A02)",
                 description="A01: uitschrijvingen zonder startkwalificatie (PotentieelVsvGesignaleerd); A02: "
                             "herinschrijvingen (Herinschrijving). Per rij een status: 201 gepubliceerd, 200 al "
                             "gesignaleerd (niets gepubliceerd), 422 geweigerd met veld en regel.")
    async def post_vsv_lijst(_v: Registerfeit, body: VsvLijstIn, sleutel: IdempotencyKey, service: Service,
                             principal: Duo) -> JSONResponse:
        """Domain.md A3.7. Nobody is told the same fact twice: an A01 row for a person the platform
        already signalled itself (a current ``vsv`` decision that was published), or for an
        un-enrolment already published, and an A02 row for a re-enrolment already published (the
        ``vsv_feit`` table, filled from registratie's own events), answer 200 and publish nothing."""
        vandaag = service.klok.vandaag()
        now = service.klok.nu()
        model: type[VsvA01In] | type[VsvA02In] = VsvA01In if body.lijst == "A01" else VsvA02In
        resultaten: list[dict[str, Any]] = [{} for _ in body.rijen]
        geldig: list[tuple[int, VsvA01In | VsvA02In, str]] = []
        for i, rij in enumerate(body.rijen):
            try:
                r = model.model_validate(rij)
                geldig.append((i, r, keyring.pseudoniem(r.pgn)))
            except ValidationError as exc:
                resultaten[i] = {"rij": i + 1, "status": 422, "fouten": rij_fouten(exc)}
            except PgnOngeldig as exc:
                resultaten[i] = {"rij": i + 1, "status": 422,
                                 "fouten": [{"veld": "pgn", "regel": "elfproef", "melding": str(exc)}]}

        async def al_bekend(conn: Any, pseudoniem: str, r: VsvA01In | VsvA02In) -> bool:
            if isinstance(r, VsvA01In):
                gesignaleerd = await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM beslissing WHERE pseudoniem = $1 AND sleutel = 'vsv' "
                    "AND actueel AND event_id IS NOT NULL) OR EXISTS (SELECT 1 FROM vsv_feit WHERE "
                    "pseudoniem = $1 AND lijst = 'A01' AND datum = $2)", pseudoniem, r.uitschrijfdatum)
            else:
                gesignaleerd = await conn.fetchval(
                    "SELECT EXISTS (SELECT 1 FROM vsv_feit WHERE pseudoniem = $1 AND lijst = 'A02' "
                    "AND datum = $2)", pseudoniem, r.ingangsdatum)
            return bool(gesignaleerd)

        async def decide(conn: Any) -> Uitkomst:
            besluiten: list[Besluit] = []
            in_deze_lijst: set[tuple[str, date]] = set()  # the same fact twice in one list
            for i, r, pseudoniem in geldig:
                datum = r.uitschrijfdatum if isinstance(r, VsvA01In) else r.ingangsdatum
                try:
                    async with conn.transaction():  # a savepoint: a refused row leaves no trace
                        if isinstance(r, VsvA01In):
                            leerling = await bekend_of_vastleggen(conn, service, pseudoniem, r, r.uitschrijfdatum)
                        else:
                            leerling = await state.leerling(conn, pseudoniem)
                        if (pseudoniem, datum) in in_deze_lijst or await al_bekend(conn, pseudoniem, r):
                            resultaten[i] = {"rij": i + 1, "status": 200, "melding": "al gesignaleerd"}
                            continue
                        if isinstance(r, VsvA01In):
                            b = potentieel_vsv_a01(leerling, lijst_maand=body.maand, uitschrijfdatum=r.uitschrijfdatum,
                                                   laatste_school=r.laatste_school, school_type=r.school_type,
                                                   vandaag=vandaag)
                        else:
                            b = herinschrijving_a02(leerling, lijst_maand=body.maand, school=r.school,
                                                    school_type=r.school_type, ingangsdatum=r.ingangsdatum,
                                                    niveau=r.niveau, vandaag=vandaag)
                except Afgewezen as exc:
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": [exc.as_dict()]}
                    continue
                except ValidationError as exc:
                    resultaten[i] = {"rij": i + 1, "status": 422, "fouten": rij_fouten(exc)}
                    continue
                in_deze_lijst.add((pseudoniem, datum))
                besluiten.append(Besluit(b.pseudoniem, b.regio, b.events, tijd=_at(datum, now)))
                resultaten[i] = {"rij": i + 1, "status": 201, "pseudoniem": pseudoniem}

            def tel(status: int) -> int:
                return sum(r.get("status") == status for r in resultaten)

            return Uitkomst(besluiten, {"lijst": body.lijst, "maand": body.maand, "gepubliceerd": tel(201),
                                        "al_gesignaleerd": tel(200), "geweigerd": tel(422),
                                        "resultaten": resultaten}, now)

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide,
                         [p for _, _, p in geldig], status=207)

    # -- identity: "vergeet leerling" ---------------------------------------------------------------

    async def vergeten(service: IntakeService, pseudoniem: str) -> JSONResponse:
        """Under the pupil's lock, so no live submission or sweeper publishes the identity in between;
        an identity still waiting for the broker is erased first (committed before the tombstone
        goes out, so a failed tombstone never leaves a name to be published later)."""
        verwerkingslog.betreft(pseudoniem)
        async with service.pool.acquire() as conn, vergrendeld(conn, [pseudoniem]):
            regios = {r["regio"] for r in await conn.fetch(
                "SELECT regio FROM identiteit_regio WHERE pseudoniem = $1", pseudoniem)}
            huidig = await conn.fetchval("SELECT regio FROM leerling WHERE pseudoniem = $1", pseudoniem)
            if huidig is None and not regios:
                raise fout(404, "leerling", "bekende_leerling", "Deze leerling is niet bekend bij de registratie.")
            if huidig is not None:
                regios.add(huidig)
            key, value = encode_identity_record(IdentiteitGewist(pseudoniem=pseudoniem))
            await conn.execute("DELETE FROM identiteit_wachtend WHERE record_key = $1", key)
            await schoolview.leerling_vergeten(conn, pseudoniem)  # every school's own name and number
            await service.publish([], [RawRecord(identity_topic(r), key, value) for r in sorted(regios)])
            await conn.execute("DELETE FROM identiteit_regio WHERE pseudoniem = $1", pseudoniem)
        return JSONResponse({"gewist_in": sorted(regios)})

    @router.delete("/leerlingen/{pseudoniem}/identiteit", summary="Vergeet leerling (identiteit wissen)",
                   description="Schrijft een tombstone op het identiteitstopic van elke regio waar de identiteit "
                               "stond. Op pseudoniem: een PGN hoort niet in een URL (die komt in logs terecht); "
                               "met een PGN: POST /v1/identiteit/vergeten.")
    async def delete_identiteit(_v: Vergeten, pseudoniem: str, service: Service,
                                principal: DuoOfBeheer) -> JSONResponse:
        if not is_pseudoniem(pseudoniem):  # its shape, so no NUL or other stray text reaches the database
            raise fout(422, "pseudoniem", "pseudoniem", "Geef het pseudoniem van de leerling.")
        return await vergeten(service, pseudoniem)

    @router.post("/identiteit/vergeten", summary="Vergeet leerling op PGN",
        description=("Wist de identiteit (naam, adres, contactgegevens) van een persoon op PGN: een "
                     "tombstone op het identiteitstopic van elke regio waar die stond, zodat "
                     "leerplicht en het Doorstroompunt haar ook wissen. De gebeurtenissen zelf "
                     "dragen alleen een pseudoniem en blijven. Voor DUO en beheer, op een "
                     "wisverzoek. Antwoordt met de regio's waarin gewist is. 422 bij een ongeldig "
                     "PGN."))
    async def post_vergeten(_v: Vergeten, body: VergeetIn, service: Service, principal: DuoOfBeheer) -> JSONResponse:
        return await vergeten(service, pseudoniem_of(body.pgn))

    # -- DUO: the register of school locations (RIO) ------------------------------------------------

    def register_event(body: SchoolvestigingIn) -> Any:
        """The contract event of one register fact; a missing field is a Dutch 422 naming it."""
        def nodig(veld: str) -> Any:
            waarde = getattr(body, veld)
            if waarde is None:
                raise fout(422, veld, "verplicht", f"Geef {veld} bij actie {body.actie}.")
            return waarde

        try:
            if body.actie == "vastleggen":
                regio_van(nodig("gemeente"), nodig("geldig_vanaf"), "gemeente")
                return SchoolvestigingVastgelegd(
                    school=school_of(body.school), naam=body.naam, gemeente=body.gemeente,
                    school_types=nodig("school_types"), vo_structuur=body.vo_structuur,
                    praktijkonderwijs=body.praktijkonderwijs or VoStructuur.PRO in body.vo_structuur,
                    isk=body.isk, vakantieregio=nodig("vakantieregio"), bevoegd_gezag=body.bevoegd_gezag,
                    geldig_vanaf=body.geldig_vanaf, geldig_tot=body.geldig_tot)
            if body.actie == "sluiten":
                return SchoolvestigingGesloten(school=school_of(body.school), geldig_tot=nodig("geldig_tot"))
            return SchoolvestigingSamengevoegd(school=school_of(body.school),
                                               opgegaan_in=school_of(nodig("opgegaan_in")),
                                               geldig_tot=nodig("geldig_tot"))
        except ValidationError as exc:
            raise HTTPException(422, {"title": "Inzending geweigerd", "status": 422,
                                      "fouten": rij_fouten(exc)}) from None

    @router.post("/duo/schoolvestigingen", status_code=201, summary="Registerfeit van een schoolvestiging (DUO)",
                 description="Vastleggen (nieuw of gewijzigd, vanaf `geldig_vanaf`), sluiten of samenvoegen "
                             "(vanaf `geldig_tot`). Elk feit gaat als event op het landelijke registertopic.")
    async def post_schoolvestiging(body: SchoolvestigingIn, sleutel: IdempotencyKey, service: Service,
                                   principal: Duo) -> JSONResponse:
        event = register_event(body)

        async def decide(conn: Any) -> Uitkomst:
            return Uitkomst([], {"school": body.school, "actie": body.actie}, service.klok.nu(),
                            school_events=[event])

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [])

    @router.get("/duo/schoolvestigingen/csv-sjabloon", summary="CSV-sjabloon voor registerfeiten (DUO)",
        description=("Een leeg CSV-bestand met de kolommen van POST /v1/duo/schoolvestigingen/csv "
                     "(vastleggen, sluiten of samenvoegen van schoolvestigingen) en twee voorbeelden"
                     " als commentaarregel. Alleen voor DUO."),
                response_class=PlainTextResponse)
    async def get_register_sjabloon(principal: Duo) -> PlainTextResponse:
        return PlainTextResponse(registercsv.sjabloon(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="schoolvestigingen.csv"'})

    @router.post(REGISTER_CSV_PAD.removeprefix("/v1"), status_code=207,
                 summary="Registerfeiten van schoolvestigingen uploaden als CSV (DUO)",
                 description="Dezelfde velden als POST /v1/duo/schoolvestigingen, één feit per regel "
                             f"(kolommen: {', '.join(registercsv.KOLOMMEN)}); lijsten gescheiden door / of |, "
                             "ja/nee-velden met ja of nee. Antwoord per regel (regel 1 is de kopregel); een "
                             "geweigerde regel houdt de andere niet tegen. Het hele bestand wordt gelezen, tot "
                             f"{csv_max_rijen} regels met gegevens en {omvang(csv_max_bytes)}; een groter bestand "
                             "wordt geweigerd met 413 (nooit afgekapt).",
                 responses={413: {"description": "Bestand of verzoek groter dan de grens"}})
    async def post_schoolvestigingen_csv(sleutel: IdempotencyKey, service: Service, principal: Duo,
                                         bestand: Annotated[UploadFile, File(description="CSV met registerfeiten")]
                                         ) -> JSONResponse:
        try:
            regels = await lees_regels(bestand, csv_max_bytes, csv_max_rijen)
        except TeGroot as exc:
            raise fout(413, "bestand", exc.regel, exc.melding) from None
        except GeenUtf8:
            raise fout(422, "bestand", "utf8", "Het bestand is geen UTF-8-tekst.") from None
        if not regels:
            raise fout(422, "bestand", "niet_leeg", "Het bestand bevat geen regels.")
        try:
            rijen = registercsv.rijen(regels)
        except registercsv.Kopregelfout as exc:
            raise fout(422, "bestand", "kopregel", str(exc)) from None
        except csv.Error:
            raise fout(422, "bestand", "csv_opmaak", "Het bestand is geen leesbare CSV.") from None
        if not rijen:
            raise fout(422, "bestand", "niet_leeg", "Het bestand bevat geen gegevensregels.")
        events: list[Any] = []
        resultaten: list[dict[str, Any]] = []
        for (nummer, _), rij in zip(regels[1:], rijen, strict=True):
            try:
                body = SchoolvestigingIn.model_validate(rij)
                events.append(register_event(body))
            except ValidationError as exc:
                resultaten.append({"regel": nummer, "status": 422, "fouten": rij_fouten(exc)})
            except HTTPException as exc:
                resultaten.append({"regel": nummer, "status": 422, "fouten": exc.detail["fouten"]})
            else:
                resultaten.append({"regel": nummer, "status": 201, "school": body.school, "actie": body.actie})

        async def decide(conn: Any) -> Uitkomst:
            aantal = sum(r["status"] == 201 for r in resultaten)
            return Uitkomst([], {"gepubliceerd": aantal, "geweigerd": len(resultaten) - aantal,
                                 "resultaten": resultaten}, service.klok.nu(), school_events=events)

        return await run(service, principal, sleutel, {"csv": rijen}, decide, [], status=207)

    # -- the school's own view ----------------------------------------------------------------------

    @router.post("/lesuren", status_code=201, summary="Geplande lesuren per klas en week",
                 description="Gepubliceerd als LesurenGepland op het schooltopic; basis voor het "
                             "aanwezigheidspercentage.")
    async def post_lesuren(body: LesurenIn, sleutel: IdempotencyKey, service: Service,
                           principal: School) -> JSONResponse:
        bestaande_week(body.week)
        async with service.pool.acquire() as conn:
            vestiging = await vestiging_op(conn, principal.client_id, date.fromisocalendar(
                int(body.week[:4]), int(body.week[6:]), 1))
        if vestiging is None:
            raise fout(422, "school", "bekende_school", ONBEKENDE_SCHOOL)
        event = LesurenGepland(school=school_of(principal.client_id), klas=body.klas, week=body.week,
                               uren=body.uren, eenheid=vestiging.school_type.uren_eenheid)

        async def decide(conn: Any) -> Uitkomst:
            return Uitkomst([], {"klas": body.klas, "week": body.week}, service.klok.nu(), school_events=[event])

        return await run(service, principal, sleutel, body.model_dump(mode="json"), decide, [])

    @router.get("/school/signalen", summary="Open signalen, te doen en te late meldingen van de eigen school",
        description=("Voor de school: per leerling en plicht wat openstaat (een melding die moet "
                     "worden gedaan, of te laat is) en de signalen van lokale protocollen, te laat "
                     "eerst, met de eigen leerlingnummers en namen. Voor het administratiesysteem "
                     "van de school. Elke getoonde leerling komt in het verwerkingslogboek."))
    async def get_signalen(v: SchoolInzien, service: Service, principal: School) -> dict[str, Any]:
        async with service.pool.acquire() as conn:
            antwoord = await schoolview.signalen(conn, principal.client_id, service.klok.vandaag())
        v.betreft(*verwerkingslog.pseudoniemen_in(antwoord))
        return antwoord

    @router.get("/school/aanwezigheid", summary="Aanwezigheid per klas per week (%)",
        description=("Het aandeel geplande lesuren dat aanwezig was, per klas en per ISO-week (met "
                     "week alleen die week), uit de geplande lesuren en de afwezigheid van de "
                     "school. Voor de school, om klassen boven de drempel te zien. 422 bij een "
                     "ongeldige week."))
    async def get_aanwezigheid(service: Service, principal: School,
                               week: Annotated[str | None, Query(pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
                               = None) -> dict[str, Any]:
        if week is not None:
            bestaande_week(week)
        async with service.pool.acquire() as conn:
            return await schoolview.aanwezigheid(conn, principal.client_id, week)

    # -- beheer -------------------------------------------------------------------------------------

    @router.get("/beheer/woongemeente-afwijkingen", summary="Inschrijvingen met een afwijkende woongemeente",
                description="Een school gaf bij de inschrijving een andere woongemeente op dan de registratie "
                            "kent. De inschrijving is aanvaard met de bekende woongemeente; DUO of beheer "
                            "gaat na welke klopt. Alleen het pseudoniem, de school en wanneer.")
    async def get_afwijkingen(service: Service, principal: DuoOfBeheer, school: AfwijkingSchool = None,
                              pagina: Pagina = 1, per_pagina: PerPagina = 100) -> dict[str, Any]:
        async with service.pool.acquire() as conn:
            return await schoolview.afwijkingen(conn, school=school, pagina=pagina, per_pagina=per_pagina)

    @router.get("/beheer/geboortedatum-afwijkingen", summary="Inschrijvingen met een andere geboortemaand dan DUO",
                description="Een school gaf bij de inschrijving een geboortedatum in een andere maand op dan DUO "
                            "(uit de BRP) voor de leerling kent. De inschrijving is aanvaard met de geboortedatum "
                            "van DUO; de school of DUO gaat na welke klopt. Alleen het pseudoniem, de school en "
                            "wanneer.")
    async def get_geboorte_afwijkingen(service: Service, principal: DuoOfBeheer, school: AfwijkingSchool = None,
                                       pagina: Pagina = 1, per_pagina: PerPagina = 100) -> dict[str, Any]:
        async with service.pool.acquire() as conn:
            return await schoolview.afwijkingen(conn, "geboortedatum", school=school, pagina=pagina,
                                                per_pagina=per_pagina)

    @router.post("/beheer/dagtaak", summary="Dagelijkse beoordeling nu uitvoeren",
                 description="Idempotent per dag: een tweede run op dezelfde dag publiceert niets opnieuw.")
    async def post_dagtaak(service: Service, principal: Beheer) -> dict[str, Any]:
        return {"leerlingen_met_nieuwe_events": await service.dagtaak(), "datum": service.klok.vandaag().isoformat()}

    return router, SchoolOpdrachten(melding=pagina_melding, csv=csv_verwerken)
