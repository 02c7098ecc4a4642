"""Events of *rmc*: Doorstroompunt trajectbegeleiding of young people without SK (domain.md A6).

Subject is the young person's pseudonym; topic is the region of residence. The statuses of A6
(``NIEUW`` … ``AFGESLOTEN``) are not stored in events: they follow from which events happened
(JongereAangemeld → NIEUW, InBeeld → IN_BEELD, NietBereikbaar, TrajectGestart → IN_TRAJECT,
JongereGeplaatst → GEPLAATST, DossierGesloten → AFGESLOTEN).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from contracts.codes import (
    ContactKanaal,
    Opleidingsniveau,
    RmcAanmeldBron,
    RmcRoute,
    RmcSluitreden,
    Voortgang,
)
from contracts.events.base import (
    Code,
    Domein,
    Event,
    GeboortejaarMaand,
    Gemeentecode,
    IsoWeek,
    Regiocode,
    School,
)

NIET_BEREIKBAAR_MIN_POGINGEN = 3
NIET_BEREIKBAAR_MIN_DAGEN = 28


class RmcEvent(Event):
    domein: ClassVar[Domein] = "rmc"


class JongereAangemeld(RmcEvent):
    """A young person entered the Doorstroompunt of the region (domain.md A6 intake: potential vsv A3.7,
    18+ absence reports A3.5). Starts in status ``NIEUW``. ``geboortejaar_maand`` serves the age limit
    (A1: 23, 27 from 2026-01-01)."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.jongere_aangemeld"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    bron: RmcAanmeldBron
    datum: date
    woongemeente: Gemeentecode
    geboortejaar_maand: GeboortejaarMaand
    melding_id: UUID | None = Field(default=None, description="The 18+ report that led to this, if any.")


class ContactpogingGedaan(RmcEvent):
    """A coach tried to reach the young person (domain.md A6: "niet loslaten"; a text message counts as
    contact for the 4-week keep-in-touch clock even without an answer, see
    ``ContactKanaal.telt_altijd_als_contact``; ≥ 3 documented attempts over ≥ 4 weeks allow
    ``NIET_BEREIKBAAR``)."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.contactpoging_gedaan"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    datum: date
    kanaal: ContactKanaal
    geslaagd: bool = Field(description="The young person responded / was spoken to.")


class InBeeld(RmcEvent):
    """Contact was made: status ``IN_BEELD`` (domain.md A6)."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.in_beeld"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    datum: date


class NietBereikbaar(RmcEvent):
    """Status ``NIET_BEREIKBAAR``: at least 3 documented contact attempts over at least 4 weeks without
    contact (domain.md A6 Decision); the contract enforces both minimums."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.niet_bereikbaar"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    datum: date
    aantal_pogingen: int = Field(ge=NIET_BEREIKBAAR_MIN_POGINGEN, le=1000)
    eerste_poging: date

    @model_validator(mode="after")
    def _vier_weken(self) -> Self:
        if (self.datum - self.eerste_poging).days < NIET_BEREIKBAAR_MIN_DAGEN:
            raise ValueError("NIET_BEREIKBAAR needs attempts spread over at least 4 weeks (domain.md A6)")
        return self


class TrajectGestart(RmcEvent):
    """A route was chosen and a traject started: status ``IN_TRAJECT`` (domain.md A6). ``partner`` is the
    code of an organisation running a programme (e.g. a 10-week group traject), not a person."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.traject_gestart"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    traject_id: UUID
    route: RmcRoute
    datum: date
    partner: Code | None = None


class TrajectVoortgang(RmcEvent):
    """A traject partner's weekly progress and attendance for a participant (domain.md A6, D: coaches get
    weekly updates). Progress is a code, not a note, to keep free text off the shared log."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.traject_voortgang"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    traject_id: UUID
    partner: Code
    week: IsoWeek
    aanwezigheid_pct: int = Field(ge=0, le=100, description="Attendance that week, whole percent.")
    voortgang: Voortgang


class JongereGeplaatst(RmcEvent):
    """The young person was placed: status ``GEPLAATST`` with destination, level and start date (domain.md
    A6). Re-enrolment at a school places automatically with ``ONDERWIJS`` (``automatisch``)."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.jongere_geplaatst"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    bestemming: RmcRoute
    niveau: Opleidingsniveau | None = None
    startdatum: date
    school: School | None = None
    automatisch: bool = Field(default=False, description="Derived from a Herinschrijving (A6).")

    @model_validator(mode="after")
    def _school_bij_onderwijs(self) -> Self:
        if self.school is not None and self.bestemming not in (RmcRoute.ONDERWIJS, RmcRoute.COMBINATIE):
            raise ValueError("school is only given for ONDERWIJS or COMBINATIE")
        if self.automatisch and self.bestemming is not RmcRoute.ONDERWIJS:
            raise ValueError("automatic placement is always ONDERWIJS (domain.md A6)")
        return self


class DossierOvergedragen(RmcEvent):
    """The Doorstroompunt case moved with the young person to another region (domain.md A5/A6 moving
    house; closing reason ``VERHUISD`` in the old region). Published on both regions' topics."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.dossier_overgedragen"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    van_regio: Regiocode
    naar_regio: Regiocode
    naar_gemeente: Gemeentecode
    datum: date

    @model_validator(mode="after")
    def _andere_regio(self) -> Self:
        if self.van_regio == self.naar_regio:
            raise ValueError("a transfer goes to another region")
        return self


class DossierGesloten(RmcEvent):
    """The Doorstroompunt case was closed: status ``AFGESLOTEN`` with a reason from domain.md A6
    (``GEPLAATST_DUURZAAM`` = still placed after 3 months)."""

    event_type: ClassVar[str] = "nl.leerrecht.rmc.dossier_gesloten"
    schema_version: ClassVar[int] = 1

    dossier_id: UUID
    reden: RmcSluitreden
    datum: date
