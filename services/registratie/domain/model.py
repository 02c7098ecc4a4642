"""Facts the legal rules work on: simple frozen dataclasses, no I/O (domain.md A1–A4).

These are the *inputs* of the pure rules; the service adapter builds them from its event log.
``PupilFacts.geboortedatum`` exists only inside this pure domain, because the 18-year limit and
the leerplicht boundaries need an exact date. It must never be put on a shared topic (domain.md B:
the shared log carries pseudonyms only; identifying data stays in registratie).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from leerrecht.kalender import Vakantieregio

from .codes import AbsenceCode

__all__ = [
    "Absence",
    "Enrolment",
    "FiledReport",
    "MeldingSoort",
    "MeldingStatus",
    "PupilFacts",
    "Recoding",
    "SchoolType",
    "UrenEenheid",
    "Vrijstelling",
    "VrijstellingSoort",
]


class UrenEenheid(StrEnum):
    """Unit of registered hours (A2): po counts clock hours, vo/mbo lesson hours (≤ 60 min).

    Hours are carried with their unit and never converted: the legal threshold is "16 uur" in the
    school's own unit.
    """

    KLOKUUR = "klokuur"
    LESUUR = "lesuur"


class SchoolType(StrEnum):
    PO = "po"
    SO = "so"
    VO = "vo"
    VSO = "vso"
    MBO = "mbo"

    @property
    def eenheid(self) -> UrenEenheid:
        return UrenEenheid.KLOKUUR if self in (SchoolType.PO, SchoolType.SO) else UrenEenheid.LESUUR


class MeldingSoort(StrEnum):
    """Kinds of verzuimmelding (A3; DUO verzuimsoorten)."""

    ZESTIEN_UUR = "ZESTIEN_UUR"  # 16 uur in 4 weken, art. 21a Lpw
    LANGDURIG_RELATIEF = "LANGDURIG_RELATIEF"  # LRV
    LUXE = "LUXE"  # luxeverzuim, art. 13a
    OVERIG = "OVERIG"  # below the threshold, optional
    ACHTTIEN_PLUS = "ACHTTIEN_PLUS"  # Doorstroompunt/18+ report (A3.5)


class MeldingStatus(StrEnum):
    """DUO's five report statuses, exactly (A4)."""

    GEREGISTREERD = "Geregistreerd"
    IN_BEHANDELING = "In behandeling"
    AFGESLOTEN = "Afgesloten"
    TER_KENNISGEVING_AANGENOMEN = "Ter kennisgeving aangenomen"
    INGETROKKEN = "Ingetrokken"


class VrijstellingSoort(StrEnum):
    """Article of the exemption or vervangende leerplicht (domain-sources §2.7)."""

    ART_5A = "5a"
    ART_5B = "5b"
    ART_5C = "5c"
    ART_15 = "15"
    ART_3A = "3a"  # vervangende leerplicht, not an exemption
    ART_3B = "3b"  # vervangende leerplicht, not an exemption

    @property
    def is_vrijstelling(self) -> bool:
        """True for real exemptions; 3a/3b replace the duty, the pupil still attends a programme.

        **Decision**: only 5a/5b/5c/15 withdraw reports (A3.10) and stop counting; under 3a/3b
        the pupil is still expected at the (adapted) programme, so absence there still counts.
        """
        return self not in (VrijstellingSoort.ART_3A, VrijstellingSoort.ART_3B)


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"uren moet een getal zijn, niet {type(value).__name__}")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"uren {value!r} is geen getal") from exc


@dataclass(frozen=True, slots=True)
class Absence:
    """One registered absence: a pupil, a day, a number of hours, a code (A2).

    ``hours`` is a Decimal in the school's unit (see `UrenEenheid`); ints, floats and strings are
    converted on construction (floats via ``str`` so ``15.5`` stays exactly 15.5).
    ``school_id`` (BRIN + vestiging) ties the absence to an enrolment when a pupil has two at once;
    ``recorded_on`` is the day the school registered it. ``recoded_on`` is set only by
    `registratie.domain.hercodering.apply_recodings`: the day the current code became known.
    """

    absence_id: str
    date: dt.date
    hours: Decimal
    code: AbsenceCode
    school_id: str | None = None
    recorded_on: dt.date | None = None
    recoded_on: dt.date | None = None

    def __post_init__(self) -> None:
        hours = _as_decimal(self.hours)
        if not hours.is_finite() or hours <= 0 or hours > 24:
            raise ValueError(f"afwezigheid {self.absence_id}: uren moet groter dan 0 en hoogstens 24 zijn")
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "code", AbsenceCode(self.code))

    @property
    def code_bekend_op(self) -> dt.date:
        """The day the current code was known (recoding day, else registration day, else the date)."""
        return self.recoded_on or self.recorded_on or self.date


@dataclass(frozen=True, slots=True)
class Recoding:
    """A recoding of an absence (A2: an event of its own, never an overwrite)."""

    absence_id: str
    new_code: AbsenceCode
    recorded_on: dt.date

    def __post_init__(self) -> None:
        object.__setattr__(self, "new_code", AbsenceCode(self.new_code))


@dataclass(frozen=True, slots=True)
class Enrolment:
    """An inschrijving at a school location; ``end`` is the last enrolled day (inclusive)."""

    school_id: str
    school_type: SchoolType
    vakantieregio: Vakantieregio
    start: dt.date
    end: dt.date | None = None
    isk: bool = False  # internationale schakelklas (newcomers), for grace-period protocols

    def __post_init__(self) -> None:
        object.__setattr__(self, "school_type", SchoolType(self.school_type))
        object.__setattr__(self, "vakantieregio", Vakantieregio(self.vakantieregio))
        if self.end is not None and self.end < self.start:
            raise ValueError(f"inschrijving {self.school_id}: einddatum ligt voor begindatum")

    def actief_op(self, d: dt.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    @property
    def eenheid(self) -> UrenEenheid:
        return self.school_type.eenheid


@dataclass(frozen=True, slots=True)
class Vrijstelling:
    """An exemption (or vervangende leerplicht) registered by the leerplichtambtenaar."""

    soort: VrijstellingSoort
    start: dt.date
    end: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "soort", VrijstellingSoort(self.soort))
        if self.end is not None and self.end < self.start:
            raise ValueError("vrijstelling: einddatum ligt voor begindatum")

    def geldt_op(self, d: dt.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def overlapt(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and (self.end is None or start <= self.end)


@dataclass(frozen=True, slots=True)
class PupilFacts:
    """What the rules need to know about one pupil.

    ``geboortedatum`` is identifying: pure-domain only, never on a shared topic (module doc).
    ``twaalf_schooljaren_op``: the last day of the schooljaar after which the pupil completed 12
    full school years, if known (leerplicht then ends there, A1). ``regiocode`` selects regional
    protocols (A3.9).
    """

    pseudonym: str
    geboortedatum: dt.date
    enrolments: tuple[Enrolment, ...] = ()
    vrijstellingen: tuple[Vrijstelling, ...] = ()
    startkwalificatie_op: dt.date | None = None
    twaalf_schooljaren_op: dt.date | None = None
    regiocode: str | None = None

    def heeft_sk_op(self, d: dt.date) -> bool:
        return self.startkwalificatie_op is not None and self.startkwalificatie_op <= d

    def ingeschreven_op(self, d: dt.date) -> bool:
        return any(e.actief_op(d) for e in self.enrolments)

    def vrijgesteld_op(self, d: dt.date) -> bool:
        return any(v.soort.is_vrijstelling and v.geldt_op(d) for v in self.vrijstellingen)


@dataclass(frozen=True, slots=True)
class FiledReport:
    """A verzuimmelding already filed (its latest known status)."""

    melding_id: str
    soort: MeldingSoort
    start: dt.date
    end: dt.date | None
    status: MeldingStatus
    school_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "soort", MeldingSoort(self.soort))
        object.__setattr__(self, "status", MeldingStatus(self.status))

    @property
    def actief(self) -> bool:
        """Not withdrawn. Withdrawn reports are ignored by the counting rules (see zestien_uur)."""
        return self.status is not MeldingStatus.INGETROKKEN
