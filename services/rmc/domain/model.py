"""The young person's Doorstroompunt file: state types and the input wrapper of the fold (domain.md A6).

The state is *derived*: it is ``fold(apply, events)`` over the region's log, never edited. It is a
pydantic model (frozen) so the adapter can keep the folded state as JSON next to its read rows and
load it again for the next batch or command without re-reading the log.

Statuses (A6 Decision; no national code list exists): ``NIEUW`` → ``IN_BEELD`` (contact made) or
``NIET_BEREIKBAAR`` (≥ 3 documented attempts over ≥ 4 weeks) → ``IN_TRAJECT`` (route chosen) →
``GEPLAATST`` (destination, level, start date) → ``AFGESLOTEN`` (closing reason). The contracts keep
statuses off the log: they follow from which events happened (contracts/events/rmc.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from contracts.codes import (
    ContactKanaal,
    Opleidingsniveau,
    RmcAanmeldBron,
    RmcRoute,
    RmcSluitreden,
    Voortgang,
)
from contracts.events.base import Event

from .leeftijd import STANDAARD_LEEFTIJDSGRENZEN, LeeftijdsgrensTabel

__all__ = [
    "OPEN_STATUSSEN",
    "STANDAARD_REGELS",
    "Contactpoging",
    "Dossier",
    "Gebeurtenis",
    "Jongere",
    "Kenmerken",
    "Plaatsing",
    "Regels",
    "Status",
    "Traject",
    "Voortgangsweek",
]


class Status(StrEnum):
    """Doorstroompunt statuses (domain.md A6 Decision)."""

    NIEUW = "NIEUW"
    IN_BEELD = "IN_BEELD"
    NIET_BEREIKBAAR = "NIET_BEREIKBAAR"
    IN_TRAJECT = "IN_TRAJECT"
    GEPLAATST = "GEPLAATST"
    AFGESLOTEN = "AFGESLOTEN"


OPEN_STATUSSEN = frozenset(set(Status) - {Status.AFGESLOTEN})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contactpoging(_Frozen):
    """One documented attempt (A6). ``telt_als_contact``: for the 4-week "niet loslaten" clock a text
    message counts even unanswered (``ContactKanaal.telt_altijd_als_contact``), other channels only
    when the young person was reached."""

    datum: date
    kanaal: ContactKanaal
    geslaagd: bool

    @property
    def telt_als_contact(self) -> bool:
        return self.geslaagd or self.kanaal.telt_altijd_als_contact


class Traject(_Frozen):
    traject_id: UUID
    route: RmcRoute
    datum: date
    partner: str | None = None


class Plaatsing(_Frozen):
    bestemming: RmcRoute
    niveau: Opleidingsniveau | None = None
    startdatum: date
    school: str | None = None  # BRIN6 (an institution, not personal data)
    automatisch: bool = False


class Voortgangsweek(_Frozen):
    traject_id: UUID
    partner: str
    week: str  # ISO week, e.g. 2026-W07
    aanwezigheid_pct: int
    voortgang: Voortgang


class Dossier(_Frozen):
    """One Doorstroompunt case, from intake (JongereAangemeld) to DossierGesloten."""

    dossier_id: UUID
    bron: RmcAanmeldBron
    aangemeld_op: date
    status: Status = Status.NIEUW
    contactpogingen: tuple[Contactpoging, ...] = ()
    in_beeld_sinds: date | None = None
    niet_bereikbaar_sinds: date | None = None
    traject: Traject | None = None
    plaatsing: Plaatsing | None = None
    voortgang: tuple[Voortgangsweek, ...] = ()
    melding_ids: tuple[UUID, ...] = ()
    verhuisd_buiten_regio: bool = False
    sk_behaald_op: date | None = None
    overgedragen_naar: str | None = None
    overgenomen_van: str | None = None  # the region this open case was transferred from (A5/A6)
    gesloten_op: date | None = None
    sluitreden: RmcSluitreden | None = None

    @property
    def open(self) -> bool:
        return self.status is not Status.AFGESLOTEN

    @property
    def ooit_bereikt(self) -> bool:
        return any(p.geslaagd for p in self.contactpogingen)

    @property
    def laatste_contact(self) -> date | None:
        """Last attempt that counts as contact for "niet loslaten" (A6: a text message counts)."""
        datums = [p.datum for p in self.contactpogingen if p.telt_als_contact]
        return max(datums) if datums else None


class Jongere(_Frozen):
    """The file of one young person (one pseudonym) in this region's Doorstroompunt.

    ``versie`` counts the events folded into the file: the optimistic-concurrency token of the API.
    ``dossier`` is the current (latest) case; a new intake after closing opens a new one.
    ``verwachte_echo``: ids of reaction events the projection already folded when it decided them
    (see :mod:`rmc.domain.reacties`); their copy arriving back from the log is then skipped.
    ``coach``: the client id of the coach who last acted on the file (for the caseload).
    """

    pseudoniem: str
    versie: int = 0
    woongemeente: str
    geboortejaar_maand: str
    coach: str | None = None
    dossier: Dossier
    eerdere_dossiers: tuple[UUID, ...] = ()
    verwachte_echo: tuple[UUID, ...] = ()


class Kenmerken(_Frozen):
    """What rmc knows of a pupil of the region before any intake (from LeerlingIngeschreven and
    Verhuisd): an 18+ report (MeldingGeregistreerd) carries neither, but JongereAangemeld needs both."""

    woongemeente: str
    geboortejaar_maand: str


@dataclass(frozen=True)
class Gebeurtenis:
    """An event as the fold sees it: the payload plus what the envelope adds.

    ``datum``: the day it happened in the Netherlands (envelope ``time`` in Europe/Amsterdam), the
    intake date of a signal. ``actor``: the coach's client id for commands of a coach, else ``None``.
    ``regio``: the region of the topic (this instance's region).
    """

    id: UUID
    pseudoniem: str
    event: Event
    datum: date
    regio: str
    actor: str | None = None


@dataclass(frozen=True)
class Regels:
    """Configuration of the rules: the age-limit table with its dates of effect (A1 Decision)."""

    leeftijdsgrenzen: LeeftijdsgrensTabel = field(default=STANDAARD_LEEFTIJDSGRENZEN)


STANDAARD_REGELS = Regels()
