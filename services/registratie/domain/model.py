"""Facts the legal rules work on: simple frozen dataclasses, no I/O (domain.md A1–A4).

These are the *inputs* of the pure rules; the service adapter builds them from its event log.
Codes, school types, units, report kinds and statuses, vrijstelling articles and holiday regions
are the enums of ``contracts.codes``: the rules and the events speak one vocabulary. Hours are
carried in the school's own unit (``SchoolType.uren_eenheid``, A2) and never converted: the legal
threshold is "16 uur" in that unit.
``PupilFacts.geboortedatum`` exists only inside this pure domain, because the 18-year limit and
the leerplicht boundaries need an exact date. It must never be put on a shared topic (domain.md B:
the shared log carries pseudonyms only; identifying data stays in registratie).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from contracts.codes import (
    AfwezigheidCode,
    MeldingSoort,
    MeldingStatus,
    SchoolType,
    UrenEenheid,
    Vakantieregio,
    Vrijstellingsartikel,
)

from .codes import KalenderRegio, is_vrijstelling, kalenderregio

__all__ = [
    "Absence",
    "Enrolment",
    "FiledReport",
    "PupilFacts",
    "Recoding",
    "Vrijstelling",
]


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
    code: AfwezigheidCode
    school_id: str | None = None
    recorded_on: dt.date | None = None
    recoded_on: dt.date | None = None

    def __post_init__(self) -> None:
        hours = _as_decimal(self.hours)
        if not hours.is_finite() or hours <= 0 or hours > 24:
            raise ValueError(f"afwezigheid {self.absence_id}: uren moet groter dan 0 en hoogstens 24 zijn")
        object.__setattr__(self, "hours", hours)
        if type(self.code) is not AfwezigheidCode:  # a pupil's every absence is built at every evaluation
            object.__setattr__(self, "code", AfwezigheidCode(self.code))

    @property
    def code_bekend_op(self) -> dt.date:
        """The day the current code was known (recoding day, else registration day, else the date)."""
        return self.recoded_on or self.recorded_on or self.date


@dataclass(frozen=True, slots=True)
class Recoding:
    """A recoding of an absence (A2: an event of its own, never an overwrite).

    ``new_hours`` corrects the hours as well (``AfwezigheidGecorrigeerd.nieuwe_uren``); ``None``
    keeps them.
    """

    absence_id: str
    new_code: AfwezigheidCode
    recorded_on: dt.date
    new_hours: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "new_code", AfwezigheidCode(self.new_code))
        if self.new_hours is not None:
            hours = _as_decimal(self.new_hours)
            if not hours.is_finite() or hours <= 0 or hours > 24:
                raise ValueError(f"hercodering {self.absence_id}: uren moet > 0 en hoogstens 24 zijn")
            object.__setattr__(self, "new_hours", hours)


@dataclass(frozen=True, slots=True)
class Enrolment:
    """An inschrijving at a school location; ``end`` is the last enrolled day (inclusive).

    ``vakantieregio`` is the contract's holiday region; the rules reach the calendar through
    `kalenderregio` only (see `registratie.domain.codes.kalenderregio`).
    """

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
        return self.school_type.uren_eenheid

    @property
    def kalenderregio(self) -> KalenderRegio:
        """The holiday region in the school calendar's spelling."""
        return kalenderregio(self.vakantieregio)


@dataclass(frozen=True, slots=True)
class Vrijstelling:
    """An exemption (or vervangende leerplicht) registered by DUO (``VrijstellingGeregistreerd``).

    ``vrijstelling_id`` links a withdrawal (A3.10) to the vrijstelling that caused it.
    """

    artikel: Vrijstellingsartikel
    start: dt.date
    end: dt.date | None = None
    vrijstelling_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "artikel", Vrijstellingsartikel(self.artikel))
        if self.end is not None and self.end < self.start:
            raise ValueError("vrijstelling: einddatum ligt voor begindatum")

    def geldt_op(self, d: dt.date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)

    def overlapt(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and (self.end is None or start <= self.end)

    @property
    def is_vrijstelling(self) -> bool:
        """A real exemption (5a/5b/5c/15), see `registratie.domain.codes.VRIJSTELLING_ARTIKELEN`."""
        return is_vrijstelling(self.artikel)


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
        return any(v.is_vrijstelling and v.geldt_op(d) for v in self.vrijstellingen)


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
