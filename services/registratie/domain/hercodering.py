"""Applying recodings to absences (A2: a recoding is an event of its own, never an overwrite).

**Decisions** on ``ONBEKEND`` ("counts as ongeoorloofd unless recoded within 2 school days"):

* The counting rules always use the code in force on the evaluation day: the latest recoding
  recorded on or before ``today``. An ``ONBEKEND`` absence counts as ongeoorloofd while it is
  ``ONBEKEND``.
* Recoded within 2 school days of the absence (art. 12 Lpw: illness notified within two days):
  counted under the new code as if it had never been ``ONBEKEND``.
* Recoded later but **before a report was filed**: also counted under the new code, so
  ``ONBEKEND`` → ``ZIEK`` means no report. The truth of the absence wins; that the notice came late
  is for the leerplichtambtenaar to weigh, not for the counter.
* Recoded **after a report was filed**: the report stays; see `HerbeoordelingSignal`.
* While any counted ``ONBEKEND`` absence is still inside its 2-school-day window a report signal is
  *voorlopig* (`MeldplichtSignal.voorlopig_tot`).
* **Late recoding** (domain.md A2 **Decision (late recoding)**): a recoding of ``ONBEKEND`` recorded
  after its window is still applied, but when it removes a report duty that was already due (not
  filed; its threshold reached and every ``ONBEKEND`` hour it rested on past its window before the
  recoding was recorded) the removal is not silent: `late_hercoderingen` returns a
  `LateHercoderingSignal` for the region's leerplicht office. It compares the duties computed
  without the late recodings against those with them, so a re-evaluation of the same facts gives
  the same signal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from contracts.codes import AfwezigheidCode
from leerrecht.kalender import SchoolKalender

from .codes import KalenderRegio
from .decisions import LateHercoderingSignal, MeldplichtSignal
from .model import Absence, Recoding

__all__ = [
    "HERCODEER_SCHOOLDAGEN",
    "apply_recodings",
    "hercodeer_termijn",
    "late_hercoderingen",
    "late_onbekend_hercoderingen",
]

HERCODEER_SCHOOLDAGEN = 2


def apply_recodings(
    absences: Iterable[Absence], recodings: Iterable[Recoding], as_of: date
) -> tuple[Absence, ...]:
    """Absences with the code (and hours) in force on ``as_of``; ``recoded_on`` is set where a
    recoding applied.

    Recodings are applied in order of ``recorded_on`` (ties: input order); recodings of unknown
    absences or recorded after ``as_of`` are ignored. Duplicate absence ids are an adapter error.

    Grounds: domain.md A2 (a recoding is an event of its own, never an overwrite).
    """
    by_id: dict[str, Absence] = {}
    for a in absences:
        if a.absence_id in by_id:
            raise ValueError(f"afwezigheid {a.absence_id} komt twee keer voor")
        by_id[a.absence_id] = a
    ordered = sorted(enumerate(recodings), key=lambda ir: (ir[1].recorded_on, ir[0]))
    for _, r in ordered:
        if r.recorded_on > as_of or r.absence_id not in by_id:
            continue
        old = by_id[r.absence_id]
        hours = r.new_hours if r.new_hours is not None else old.hours
        by_id[r.absence_id] = dataclasses.replace(old, code=r.new_code, hours=hours, recoded_on=r.recorded_on)
    return tuple(by_id.values())


def hercodeer_termijn(
    absence: Absence, regio: KalenderRegio, kalender: SchoolKalender, schooldagen: int = HERCODEER_SCHOOLDAGEN
) -> date | None:
    """Last day an ``ONBEKEND`` absence can be recoded within the window; ``None`` if not ONBEKEND.

    Grounds: domain.md A2 (ONBEKEND counts as ongeoorloofd unless recoded within 2 school days).
    """
    if absence.code is not AfwezigheidCode.ONBEKEND:
        return None
    return kalender.add_schooldagen(absence.date, schooldagen, regio)


def late_onbekend_hercoderingen(
    absences: Iterable[Absence],
    recodings: Sequence[Recoding],
    as_of: date,
    regio_van: Callable[[Absence], KalenderRegio | None],
    kalender: SchoolKalender,
    schooldagen: int = HERCODEER_SCHOOLDAGEN,
) -> list[Recoding]:
    """Recodings (recorded on or before ``as_of``) of an absence whose code in force was
    ``ONBEKEND``, recorded after its window (A2 Decision "late recoding"). ``regio_van`` gives the
    calendar region of the enrolment an absence belongs to (``None``: it counts nowhere).

    Grounds: domain.md A2, Decision (late recoding).
    """
    by_id = {a.absence_id: a for a in absences}
    late: list[Recoding] = []
    for _, r in sorted(enumerate(recodings), key=lambda ir: (ir[1].recorded_on, ir[0])):
        if r.recorded_on > as_of or r.absence_id not in by_id:
            continue
        old = by_id[r.absence_id]
        if old.code is AfwezigheidCode.ONBEKEND and r.new_code is not AfwezigheidCode.ONBEKEND:
            regio = regio_van(old)
            termijn = None if regio is None else hercodeer_termijn(old, regio, kalender, schooldagen)
            if termijn is not None and r.recorded_on > termijn:
                late.append(r)
        hours = r.new_hours if r.new_hours is not None else old.hours
        by_id[r.absence_id] = dataclasses.replace(old, code=r.new_code, hours=hours)
    return late


def late_hercoderingen(
    zonder: Sequence[MeldplichtSignal],
    met: Sequence[MeldplichtSignal],
    late: Sequence[Recoding],
    vensters: Mapping[str, date],
    today: date,
) -> list[LateHercoderingSignal]:
    """Duties removed by late recodings (A2 Decision "late recoding", module doc).

    ``zonder``: the duties with the ``late`` recodings left out; ``met``: with every recoding.
    ``vensters``: per ``ONBEKEND`` absence id (as it stood without the late recodings) the last day
    of its recoding window. A duty of ``zonder`` that is not filed, has no overlapping duty of the
    same kind and school in ``met``, rests on a late-recoded absence and was due (reached, and past
    every window it rested on) before that recoding was recorded, gives one signal.

    Grounds: domain.md A2, Decision (late recoding).
    """
    signals: list[LateHercoderingSignal] = []
    for m in zonder:
        if m.melding_id is not None:
            continue  # a filed report stays; the school reviews it (HerbeoordelingSignal)
        m_end = m.end or today
        if any(
            n.soort is m.soort and n.school_id == m.school_id and n.start <= m_end and m.start <= (n.end or today)
            for n in met
        ):
            continue
        ids = set(m.absence_ids)
        touched = [r.recorded_on for r in late if r.absence_id in ids]
        if not touched:
            continue
        hercodeerd_op = max(touched)
        vaststaand = max([m.bereikt_op, *(vensters[i] for i in ids if i in vensters)])
        if vaststaand < hercodeerd_op:
            signals.append(LateHercoderingSignal(m.soort, m.school_id, m.start, m.bereikt_op, hercodeerd_op))
    return signals
