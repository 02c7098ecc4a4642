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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date

from contracts.codes import AfwezigheidCode
from leerrecht.kalender import SchoolKalender

from .codes import KalenderRegio
from .model import Absence, Recoding

__all__ = ["HERCODEER_SCHOOLDAGEN", "apply_recodings", "hercodeer_termijn"]

HERCODEER_SCHOOLDAGEN = 2


def apply_recodings(
    absences: Iterable[Absence], recodings: Iterable[Recoding], as_of: date
) -> tuple[Absence, ...]:
    """Absences with the code (and hours) in force on ``as_of``; ``recoded_on`` is set where a
    recoding applied.

    Recodings are applied in order of ``recorded_on`` (ties: input order); recodings of unknown
    absences or recorded after ``as_of`` are ignored. Duplicate absence ids are an adapter error.
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
    """Last day an ``ONBEKEND`` absence can be recoded within the window; ``None`` if not ONBEKEND."""
    if absence.code is not AfwezigheidCode.ONBEKEND:
        return None
    return kalender.add_schooldagen(absence.date, schooldagen, regio)
