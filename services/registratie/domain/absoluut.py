"""Absoluut verzuim derived from enrolment state (art. 2 Lpw; domain.md A3.6).

A resident who is leer- or kwalificatieplichtig, not enrolled at any school and without
vrijstelling. DUO supplies candidates; the platform also derives them from its own facts. The
pupil facts are those of residents (the adapter only evaluates residents of its region).
``sinds`` is the first day of the current uninterrupted spell (no enrolment, no vrijstelling,
plichtig); vervangende leerplicht (3a/3b) does not count as a vrijstelling, but a pupil under 3a/3b
is normally enrolled at a programme.

When a derived candidate is raised (domain.md A3.6 **Decision (summer transfers)**; register facts
arrive late, so a candidate waits):

* an un-enrolment at the end of a schooljaar (no school day of the old school's region between
  the last enrolled day and its zomervakantie) followed by an enrolment starting on the new school's
  first school day after the summer is a transfer, not absoluut verzuim. The candidate is raised
  only when no enrolment exists 5 working days after that first school day. The first school day
  is the new school's when an enrolment after the un-enrolment is known; otherwise (**Decision**
  here: the new school and its vakantieregio are unknown) the latest first school day after the
  zomervakantie of that schooljaar over the three vakantieregio's, so a pupil moving to a school in
  a later region is not raised before that school started;
* an un-enrolment during the year: raised 5 working days after the un-enrolment (the last
  enrolled day); any other spell (a vrijstelling that ended, a child never enrolled): 5 working
  days after ``sinds``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from leerrecht.kalender import SchoolKalender, add_working_days

from .decisions import AbsoluutVerzuimSignal
from .model import Enrolment, PupilFacts
from .plicht import is_leer_of_kwalificatieplichtig, leerplicht_begin, plicht_op

__all__ = ["REGISTERFEITEN_WACHTTIJD", "absoluut_verzuim", "meldbaar_vanaf"]

#: working days a derived candidate waits for late register facts (A3.6 Decision)
REGISTERFEITEN_WACHTTIJD = 5
_ZOMER = "zomervakantie"
_DAG = timedelta(days=1)


def absoluut_verzuim(
    pupil: PupilFacts, today: date, kalender: SchoolKalender, gelijkgesteld: Collection[date] = ()
) -> AbsoluutVerzuimSignal | None:
    """The derived absoluut-verzuim candidate on ``today`` (A3.6), once it is to be raised (module doc).

    Grounds: art. 2 Lpw; domain.md A3.6 and its Decision (summer transfers).
    """

    def absoluut(d: date) -> bool:
        return (
            is_leer_of_kwalificatieplichtig(pupil, d)
            and not pupil.ingeschreven_op(d)
            and not pupil.vrijgesteld_op(d)
        )

    if not absoluut(today):
        return None
    begin = leerplicht_begin(pupil.geboortedatum)
    sinds = today
    while sinds > begin and absoluut(sinds - _DAG):
        sinds -= _DAG
    if today < meldbaar_vanaf(pupil, sinds, kalender, gelijkgesteld):
        return None
    plicht = plicht_op(pupil, today).plicht
    assert plicht is not None  # absoluut(today) holds: leer- or kwalificatieplichtig
    return AbsoluutVerzuimSignal(sinds=sinds, plicht=plicht)


def meldbaar_vanaf(
    pupil: PupilFacts, sinds: date, kalender: SchoolKalender, gelijkgesteld: Collection[date] = ()
) -> date:
    """The first day a candidate whose spell began on ``sinds`` is raised (A3.6 Decision, module doc).

    Grounds: domain.md A3.6, Decision (summer transfers).
    """
    oud = next((e for e in pupil.enrolments if e.end == sinds - _DAG), None)
    if oud is None:
        return add_working_days(sinds, REGISTERFEITEN_WACHTTIJD, gelijkgesteld)
    assert oud.end is not None
    gewoon = add_working_days(oud.end, REGISTERFEITEN_WACHTTIJD, gelijkgesteld)  # after the un-enrolment
    regio = oud.kalenderregio
    volgende = kalender.add_schooldagen(oud.end, 1, regio)
    zomer = next(
        (
            v
            for v in kalender.vakanties
            if v.regio.value == regio.value and v.naam.lower() == _ZOMER and oud.end < v.eind < volgende
        ),
        None,
    )
    if zomer is None:
        return gewoon
    nieuw: Enrolment | None = min(
        (e for e in pupil.enrolments if e.start > oud.end), key=lambda e: (e.start, e.school_id), default=None
    )
    if nieuw is not None:
        eerste = _eerste_schooldag_na_zomer(kalender, zomer.schooljaar, nieuw.kalenderregio.value)
    else:
        eerste = max(
            _eerste_schooldag_na_zomer(kalender, zomer.schooljaar, v.regio.value)
            for v in kalender.vakanties
            if v.schooljaar == zomer.schooljaar and v.naam.lower() == _ZOMER
        )
    return max(gewoon, add_working_days(eerste, REGISTERFEITEN_WACHTTIJD, gelijkgesteld))


def _eerste_schooldag_na_zomer(kalender: SchoolKalender, schooljaar: str, regio: str) -> date:
    zomer = next(
        v for v in kalender.vakanties
        if v.schooljaar == schooljaar and v.regio.value == regio and v.naam.lower() == _ZOMER
    )
    return kalender.add_schooldagen(zomer.eind, 1, zomer.regio)
