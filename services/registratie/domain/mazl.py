"""Zorgwekkend ziekteverzuim, MAZL practice (domain.md A3.8; not law, not a DUO report).

Criteria: the 4th sick report within 12 school weeks, or the 7th consecutive school day ill.

**Decisions**: a *ziekmelding* (sick report) is a run of consecutive school days with ``ZIEK``
absence (non-school days do not split it); partial days count (a pupil sent home ill is ill that
day). "12 school weeks" are 12 lesweken: the 4 reports start within a window of 12 consecutive
lesweken of the school's region. After a 4th-report signal the count restarts with the next
report. The 7th-day signal fires once per sick run, on its 7th school day.
"""

from __future__ import annotations

from datetime import date

from contracts.codes import AfwezigheidCode
from leerrecht.kalender import week_start

from .context import EnrolmentContext
from .decisions import MazlCriterium, MazlSignal

__all__ = ["MAZL_AANTAL_MELDINGEN", "MAZL_LESWEKEN", "MAZL_ZIEKTEDAGEN", "mazl_signalen"]

MAZL_AANTAL_MELDINGEN = 4
MAZL_LESWEKEN = 12
MAZL_ZIEKTEDAGEN = 7


def mazl_signalen(ctx: EnrolmentContext) -> list[MazlSignal]:
    """Grounds: domain.md A3.8 (MAZL practice, not law)."""
    kal = ctx.kalender
    regio = ctx.enrolment.kalenderregio
    ziek = {
        a.date for a in ctx.absences if a.code is AfwezigheidCode.ZIEK and kal.is_schooldag(a.date, regio)
    }
    if not ziek:
        return []
    runs: list[list[date]] = []
    vorige_ziek = False
    for d in kal.schooldagen(regio, min(ziek), max(ziek)):
        if d in ziek:
            if vorige_ziek:
                runs[-1].append(d)
            else:
                runs.append([d])
        vorige_ziek = d in ziek

    school = ctx.enrolment.school_id
    signals: list[MazlSignal] = []
    for run in runs:
        if len(run) >= MAZL_ZIEKTEDAGEN:
            signals.append(
                MazlSignal(
                    MazlCriterium.ZEVENDE_ZIEKTEDAG,
                    school,
                    run[MAZL_ZIEKTEDAGEN - 1],
                    run[0],
                    MAZL_ZIEKTEDAGEN,
                )
            )
    # a school day always lies in a lesweek, so every start has a lesweek index
    window: list[tuple[int, date]] = []
    for run in runs:
        s = run[0]
        idx = kal.lesweek_index(week_start(s), regio)
        window = [(i, w) for i, w in window if idx - i < MAZL_LESWEKEN]
        window.append((idx, s))
        if len(window) >= MAZL_AANTAL_MELDINGEN:
            signals.append(MazlSignal(MazlCriterium.VIERDE_ZIEKMELDING, school, s, window[0][1], len(window)))
            window = []
    return signals
