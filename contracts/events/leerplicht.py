"""Events of *leerplicht*: the regional office's handling of reports and its case (dossier), following
the MAS (domain.md A4, A5). Subject is the pupil's pseudonym; topic is the office's region.

The report's status (A4, DUO's five statuses) and the case (A5) are separate on purpose: the status
events say what happened to a report, the dossier events what the officer did for the pupil.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.codes import (
    AfwezigheidCode,
    HaltAdvies,
    InterventieSoort,
    InterventieUitkomst,
    LeerplichtSluitreden,
    MasRoute,
    UrenEenheid,
)
from contracts.events.base import (
    EVENT_TYPE_RE,
    Domein,
    Event,
    GeboortejaarMaand,
    Gemeentecode,
    Regiocode,
    School,
    Uren,
    vrije_tekst,
)
from contracts.tekst import Toelichting


class LeerplichtEvent(Event):
    domein: ClassVar[Domein] = "leerplicht"


class MeldingInBehandeling(LeerplichtEvent):
    """The office picked up a report, status *In behandeling* (domain.md A4; default deadline: within 5
    working days, A5). The report joins the pupil's open dossier or opens a new one (``dossier_id``)."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.melding_in_behandeling"
    schema_version: ClassVar[int] = 1

    melding_id: UUID
    dossier_id: UUID
    datum: date
    nieuw_dossier: bool = Field(description="True when this report opened the dossier.")


class OnderzoekGestart(LeerplichtEvent):
    """Every report starts an onderzoek: a talk with the parents and, from 12, the pupil (domain.md A5;
    A1: a pupil of 12+ is personally answerable)."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.onderzoek_gestart"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    melding_id: UUID
    datum: date
    met_leerling: bool = Field(description="The pupil (12+) takes part, not only the parents.")


class RouteGekozen(LeerplichtEvent):
    """The officer chose the MAS route(s) (domain.md A5 Decision): either the ``BASISROUTE`` alone, or one
    or more vervolgroutes, which may be combined. The basisroute is not combined with a vervolgroute
    because A5 states them as alternatives ("the basisroute *or* one or more vervolgroutes"); escalating
    later is a new ``RouteGekozen``, which keeps the time from report to route measurable (C)."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.route_gekozen"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    routes: list[MasRoute] = Field(min_length=1, max_length=4)
    datum: date

    @model_validator(mode="after")
    def _routes(self) -> Self:
        if len(set(self.routes)) != len(self.routes):
            raise ValueError("routes must be unique")
        if MasRoute.BASISROUTE in self.routes and len(self.routes) > 1:
            raise ValueError("the BASISROUTE is not combined with vervolgroutes (domain.md A5)")
        return self


class HaltAdviesOverschreven(LeerplichtEvent):
    """The officer overrode the platform's advisory Halt eligibility (domain.md A5: pupil ≥ 12, first
    Halt referral for verzuim, < 60 hours missed, < 60 times late; the officer may override with a
    reason). The reason is required free text because the domain asks for the officer's reasoning."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.halt_advies_overschreven"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    advies: HaltAdvies = Field(description="The platform's advice that was overridden.")
    datum: date
    toelichting: Toelichting | None = vrije_tekst(500, "The officer's reason for the override.")

    @model_validator(mode="after")
    def _reden_verplicht(self) -> Self:
        if self.toelichting is None:
            raise ValueError("an override needs a toelichting (domain.md A5)")
        return self


class InterventieUitgevoerd(LeerplichtEvent):
    """An intervention (MAS step) was carried out, with its date and, where it has one, its outcome
    (domain.md A5: Halt positief/negatief; OM: sepot, transactie, dagvaarding; uitspraak)."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.interventie_uitgevoerd"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    interventie_id: UUID
    soort: InterventieSoort
    datum: date
    uitkomst: InterventieUitkomst | None = None

    @model_validator(mode="after")
    def _uitkomst_past(self) -> Self:
        if self.uitkomst is not None and self.uitkomst not in self.soort.mogelijke_uitkomsten:
            raise ValueError(f"uitkomst {self.uitkomst} does not fit interventie {self.soort}")
        return self


class MeldingAfgesloten(LeerplichtEvent):
    """The office closed a report, status *Afgesloten* (domain.md A4). The dossier may stay open (A4:
    the report status is not the case)."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.melding_afgesloten"
    schema_version: ClassVar[int] = 1

    melding_id: UUID
    dossier_id: UUID
    datum: date


class MeldingTerKennisgevingAangenomen(LeerplichtEvent):
    """The office took a report for information only, status *Ter kennisgeving aangenomen* (domain.md A4),
    typically an OVERIG report or one already covered by an open dossier."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.melding_ter_kennisgeving_aangenomen"
    schema_version: ClassVar[int] = 1

    melding_id: UUID
    dossier_id: UUID | None = None
    datum: date


Medewerker = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="The account id of an officer or coach (the client id of their token, as in an rmc command's "
        "source), never a name.",
    ),
]

Bron = Annotated[
    str,
    Field(
        pattern=r"^urn:nl:leerrecht:[a-z]+(:[A-Za-z0-9_.-]{1,64}){0,4}$",
        max_length=200,
        description="The producer of an event (its envelope source), e.g. urn:nl:leerrecht:registratie.",
    ),
]


class _Deel(BaseModel):
    """A part of an event payload: strict, frozen, no undeclared fields (like :class:`Event`)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class Tijdlijnstap(_Deel):
    """One entry of a dossier's timeline, as it was on the log: the event's id, type, schema version,
    producer, time, correlation id and payload. ``data`` is the payload of a catalogue event of
    ``type`` at ``schema_version`` (a registratie report event or a leerplicht step), so it is held to
    that event's own schema by the consumer (decoded and upcast through the catalogue): nothing
    unreviewed rides along."""

    event_id: UUID
    type: str = Field(pattern=EVENT_TYPE_RE.pattern, max_length=120)
    schema_version: int = Field(ge=1, le=1000)
    bron: Bron
    tijd: AwareDatetime
    correlatie_id: UUID
    data: dict[str, Any]


class OverdragenAfwezigheid(_Deel):
    """One absence of the pupil as the old office holds it: current code and hours after recodings (A2),
    and the first code."""

    afwezigheid_id: UUID
    school: School
    datum: date
    uren: Uren
    eenheid: UrenEenheid
    code: AfwezigheidCode
    oorspronkelijke_code: AfwezigheidCode | None = None


class DossierGeschiedenis(_Deel):
    """What the new office needs to continue the case on its own (domain.md A5 "transferred with their
    history"): the dossier's timeline before the transfer (every event the old office folded into it,
    in order: version *n* is entry *n*), the pupil's absence pattern (the newest 2,000 records; the
    Halt advice and the dossier page) and the birth month (the Halt age rule)."""

    tijdlijn: list[Tijdlijnstap] = Field(min_length=1, max_length=500)
    afwezigheid: list[OverdragenAfwezigheid] = Field(default_factory=list, max_length=2000)
    geboortejaar_maand: GeboortejaarMaand | None = None


class DossierOvergedragen(LeerplichtEvent):
    """A dossier and its open reports moved with the pupil to another region's office (domain.md A5:
    moving house; the old office sees a closed, transferred case). Published on the old and the new
    region's topics (same event id).

    v2 carries the dossier's ``geschiedenis``, so the new office rebuilds the case from its own topic
    alone, also on a replay from offset 0 when the old office is gone. v1 events (from before) are read
    with ``geschiedenis`` ``None``: unknown, the new office cannot rebuild that case and says so."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.dossier_overgedragen"
    schema_version: ClassVar[int] = 2

    dossier_id: UUID
    van_regio: Regiocode
    naar_regio: Regiocode
    naar_gemeente: Gemeentecode
    open_meldingen: list[UUID] = Field(default_factory=list, max_length=100)
    datum: date
    geschiedenis: DossierGeschiedenis | None = Field(
        default=None, description="The dossier's history; None only for a v1 transfer (unknown)."
    )

    @model_validator(mode="after")
    def _andere_regio(self) -> Self:
        if self.van_regio == self.naar_regio:
            raise ValueError("a transfer goes to another region")
        return self


class DossierToegewezen(LeerplichtEvent):
    """An officer took the case (domain.md A5: the office handles the report as a case; the worklist
    shows open dossiers per officer). On the log, so a replay keeps who handles the dossier; published
    with the officer's first step on a dossier that has none. ``behandelaar`` is the officer's account
    id, never a name. It is not a MAS step: the dossier's version does not move."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.dossier_toegewezen"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    behandelaar: Medewerker
    datum: date


class DossierGesloten(LeerplichtEvent):
    """The leerplicht dossier was closed with a reason from the fixed list (domain.md A5); ``OVERIG``
    requires a free-text toelichting, and only ``OVERIG`` may carry one (less free text, less risk)."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.dossier_gesloten"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    reden: LeerplichtSluitreden
    datum: date
    toelichting: Toelichting | None = vrije_tekst(500, "Reason, only with reden OVERIG.")

    @model_validator(mode="after")
    def _toelichting_bij_overig(self) -> Self:
        if (self.reden is LeerplichtSluitreden.OVERIG) != (self.toelichting is not None):
            raise ValueError("toelichting is required with reden OVERIG and not allowed otherwise")
        return self
