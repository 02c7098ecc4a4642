"""Per-enrolment view of a pupil's facts, shared by the counting rules.

Why per enrolment: a verzuimmelding is made by the school where the pupil is enrolled, and the
lesweken of *that* school's vakantieregio define the counting window (A3.1). A new enrolment
starts its own count (the previous school reports its own absence).

The base countability of a day for any legal report (`EnrolmentContext.telbaar_basis`): the
enrolment is active, no vrijstelling (5a/5b/5c/15) applies and the day is not inside a protocol
grace period. Each rule adds its own personal condition (leer/kwalificatieplicht, 18+ group).
A non-countable day inside a counting window is a barrier: counting restarts after it, so a
report never straddles a vrijstelling, a grace period or an enrolment gap.

**Days without school never count** (domain.md A2 Decision "what a registration is"): intake refuses
absence on a weekend day, a public holiday or a day in the school's holiday weeks, but such hours
may exist from before that rule or arrive on the log; `build_contexts` leaves them out of every
context, so no rule (16 uur, LRV, luxe, 18+, MAZL, long authorised absence, protocols) sees them.
All hours of one day together count for at most one school day (`EnrolmentContext.dag_uren`: the
hours the school scheduled that day when known, else `MAX_UREN_PER_SCHOOLDAG`).

**Which days count as a whole day absent** (domain.md A3.2 Decision "which days count", also used
by A3.11): the hours that day cover the hours scheduled for the pupil that day when the school
published them, or else are at least `AFWEZIGE_DAG_UREN` (3; clock hours in po, lesson hours
elsewhere), so a short school day (the po Wednesday, a short vo Friday) does not break a run.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from leerrecht.kalender import SchoolKalender

from .intake import MAX_UREN_PER_SCHOOLDAG
from .model import Absence, Enrolment, PupilFacts
from .protocols import Protocol, gratie_einde

__all__ = [
    "AFWEZIGE_DAG_UREN",
    "MAX_UREN_PER_SCHOOLDAG",
    "EnrolmentContext",
    "Rooster",
    "absences_for_enrolment",
    "build_contexts",
]

#: A3.2 Decision "which days count": without a published schedule, a day with at least this many
#: hours (the school's unit) counts as a day absent.
AFWEZIGE_DAG_UREN = Decimal(3)

#: Hours scheduled for the pupil per (school_id, date), where the school published them.
Rooster = Mapping[tuple[str, date], Decimal]


def absences_for_enrolment(
    pupil: PupilFacts, enrolment: Enrolment, absences: Iterable[Absence]
) -> tuple[Absence, ...]:
    """Absences registered by this enrolment's school while the enrolment was active.

    An absence without ``school_id`` belongs to the first enrolment (by start date) active on its
    date; with a ``school_id`` it belongs to that school's enrolment active on its date.

    Grounds: domain.md A3 (every rule is applied per enrolment, to the absence of that school).
    """
    result: list[Absence] = []
    for a in absences:
        if not enrolment.actief_op(a.date):
            continue
        if a.school_id is not None:
            if a.school_id == enrolment.school_id:
                result.append(a)
            continue
        active = sorted(
            (e for e in pupil.enrolments if e.actief_op(a.date)), key=lambda e: (e.start, e.school_id)
        )
        if active and active[0] == enrolment:
            result.append(a)
    return tuple(result)


@dataclass(frozen=True)
class EnrolmentContext:
    pupil: PupilFacts
    enrolment: Enrolment
    absences: tuple[Absence, ...]  # current codes, this enrolment, dated on or before today
    today: date
    kalender: SchoolKalender
    gratie_einde: date | None = None
    gelijkgesteld: Collection[date] = field(default=frozenset())
    rooster: Rooster = field(default_factory=dict)

    def gepland(self, d: date) -> Decimal | None:
        """Hours the school scheduled for the pupil on ``d``, when it published them."""
        return self.rooster.get((self.enrolment.school_id, d))

    def dag_uren(self, absences: Iterable[Absence]) -> Decimal:
        """The hours of one day's absences, at most one school day (A2: all codes of one pupil on
        one day together cannot exceed the hours scheduled that day, or else 10)."""
        absences = list(absences)
        totaal = sum((a.hours for a in absences), Decimal(0))
        if not absences:
            return totaal
        gepland = self.gepland(absences[0].date)
        return min(totaal, gepland if gepland is not None else MAX_UREN_PER_SCHOOLDAG)

    def afwezige_dag(self, d: date, uren: Decimal) -> bool:
        """A3.2 Decision "which days count": ``uren`` absent on ``d`` make a whole day absent."""
        gepland = self.gepland(d)
        return uren >= (gepland if gepland is not None else AFWEZIGE_DAG_UREN)

    def in_gratie(self, d: date) -> bool:
        return self.gratie_einde is not None and self.enrolment.start <= d <= self.gratie_einde

    def telbaar_basis(self, d: date) -> bool:
        return self.enrolment.actief_op(d) and not self.pupil.vrijgesteld_op(d) and not self.in_gratie(d)


def build_contexts(
    pupil: PupilFacts,
    absences: Sequence[Absence],
    protocols: Sequence[Protocol],
    today: date,
    kalender: SchoolKalender,
    gelijkgesteld: Collection[date] = frozenset(),
    rooster: Rooster | None = None,
) -> list[EnrolmentContext]:
    """One context per enrolment that started on or before ``today``; its absences are those on the
    enrolment's school days only (module doc: days without school never count).

    Grounds: domain.md A3 (every rule is applied per enrolment, to the absence of that school).
    """
    current = [a for a in absences if a.date <= today]
    return [
        EnrolmentContext(
            pupil=pupil,
            enrolment=e,
            absences=tuple(
                a
                for a in absences_for_enrolment(pupil, e, current)
                if kalender.is_schooldag(a.date, e.kalenderregio)
            ),
            today=today,
            kalender=kalender,
            gratie_einde=gratie_einde(protocols, e, pupil.regiocode),
            gelijkgesteld=gelijkgesteld,
            rooster=rooster if rooster is not None else {},
        )
        for e in sorted(pupil.enrolments, key=lambda e: (e.start, e.school_id))
        if e.start <= today
    ]
