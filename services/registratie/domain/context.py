"""Per-enrolment view of a pupil's facts, shared by the counting rules.

Why per enrolment: a verzuimmelding is made by the school where the pupil is enrolled, and the
lesweken of *that* school's vakantieregio define the counting window (A3.1). A new enrolment
starts its own count (the previous school reports its own absence).

The base countability of a day for any legal report (`EnrolmentContext.telbaar_basis`): the
enrolment is active, no vrijstelling (5a/5b/5c/15) applies and the day is not inside a protocol
grace period. Each rule adds its own personal condition (leer/kwalificatieplicht, 18+ group).
A non-countable day inside a counting window is a barrier: counting restarts after it, so a
report never straddles a vrijstelling, a grace period or an enrolment gap.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from leerrecht.kalender import SchoolKalender

from .model import Absence, Enrolment, PupilFacts
from .protocols import Protocol, gratie_einde

__all__ = ["EnrolmentContext", "absences_for_enrolment", "build_contexts"]


def absences_for_enrolment(
    pupil: PupilFacts, enrolment: Enrolment, absences: Iterable[Absence]
) -> tuple[Absence, ...]:
    """Absences registered by this enrolment's school while the enrolment was active.

    An absence without ``school_id`` belongs to the first enrolment (by start date) active on its
    date; with a ``school_id`` it belongs to that school's enrolment active on its date.
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
) -> list[EnrolmentContext]:
    """One context per enrolment that started on or before ``today``."""
    current = [a for a in absences if a.date <= today]
    return [
        EnrolmentContext(
            pupil=pupil,
            enrolment=e,
            absences=absences_for_enrolment(pupil, e, current),
            today=today,
            kalender=kalender,
            gratie_einde=gratie_einde(protocols, e, pupil.regiocode),
            gelijkgesteld=gelijkgesteld,
        )
        for e in sorted(pupil.enrolments, key=lambda e: (e.start, e.school_id))
        if e.start <= today
    ]
