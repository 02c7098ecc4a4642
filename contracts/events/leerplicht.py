"""Events of *leerplicht*: the regional office's handling of reports and its case (dossier), following
the MAS (domain.md A4, A5). Subject is the pupil's pseudonym; topic is the office's region.

The report's status (A4, DUO's five statuses) and the case (A5) are separate on purpose: the status
events say what happened to a report, the dossier events what the officer did for the pupil.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from contracts.codes import HaltAdvies, InterventieSoort, InterventieUitkomst, LeerplichtSluitreden, MasRoute
from contracts.events.base import Domein, Event, Gemeentecode, Regiocode, vrije_tekst
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


class DossierOvergedragen(LeerplichtEvent):
    """A dossier and its open reports moved with the pupil to another region's office (domain.md A5:
    moving house; the old office sees a closed, transferred case). Published on the old and the new
    region's topics (same event id), so the new office receives the history pointer."""

    event_type: ClassVar[str] = "nl.leerrecht.leerplicht.dossier_overgedragen"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    van_regio: Regiocode
    naar_regio: Regiocode
    naar_gemeente: Gemeentecode
    open_meldingen: list[UUID] = Field(default_factory=list, max_length=100)
    datum: date

    @model_validator(mode="after")
    def _andere_regio(self) -> Self:
        if self.van_regio == self.naar_regio:
            raise ValueError("a transfer goes to another region")
        return self


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
