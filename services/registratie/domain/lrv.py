"""Langdurig relatief verzuim (LRV; domain.md A3.2) and the runs of whole days absent it shares
with long authorised absence (A3.11, `langdurig`).

Enrolled, ongeoorloofd absent for **more than 4 consecutive lesweken**, no vrijstelling; must be
reported; the end date is set when the pupil returns or leaves.

How "absent for whole weeks" is derived (domain.md A3.2 **Decision (which days count)**):

* a school day is an *LRV-dag* when the pupil is leer- or kwalificatieplichtig and countable
  (`EnrolmentContext.telbaar_basis`) and its ongeoorloofd hours other than ``TE_LAAT`` (being late
  is not being away; a platform decision kept from before) cover the hours the school scheduled
  that day, or else are at least 3 (`EnrolmentContext.afwezige_dag`: clock hours in po, lesson
  hours elsewhere). A short school day (the po Wednesday, a 3-lesuur Friday) does not break a run;
* a run is a sequence of consecutive school days (days without school — weekends, feestdagen,
  holiday weeks — neither break nor extend it) that all count. It ends on the first school day
  that does not count (present, ill, on leave, or absent less than a day);
* "more than 4 lesweken" = every lesdag of 4 full consecutive lesweken and at least one lesdag of
  the next: the first full lesweek is the run's first week when the run starts on that week's
  first lesdag, else the next lesweek (holiday weeks skipped). The run becomes LRV on the first
  lesdag of the fifth lesweek; the report is due 5 working days after that day.
* End date: the last LRV-dag, once a later school day *before today* shows the pupil back (today's
  registrations may still arrive), or the last day of enrolment when the pupil left. Otherwise the
  report is open (``end=None``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contracts.codes import AfwezigheidCode, MeldingSoort
from leerrecht.kalender import BuitenKalenderbereik, SchoolKalender, add_working_days, week_start

from .codes import ONGEOORLOOFD_CODES, KalenderRegio
from .context import EnrolmentContext
from .decisions import MeldplichtSignal
from .model import Absence, FiledReport
from .plicht import is_leer_of_kwalificatieplichtig

__all__ = ["LRV_REGEL", "LrvRegel", "eerste_volle_lesweek", "lesweek_na", "lrv_signalen", "runs"]

_DAG = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LrvRegel:
    """Parameters of A3.2: more than ``lesweken`` full lesweken; due ``termijn_werkdagen`` later."""

    lesweken: int = 4
    termijn_werkdagen: int = 5


LRV_REGEL = LrvRegel()


def runs(ctx: EnrolmentContext, dagen: Sequence[date], telt: Callable[[date], bool]) -> list[list[date]]:
    """Runs of consecutive school days of the enrolment's region that all count (module doc), from
    the first of ``dagen`` (the days with absence) up to today or the end of the enrolment. ``telt``
    is false on every day not in ``dagen`` (a day without absence never counts).

    Only the days with absence are judged, and two of them join one run when no school day lies
    between them: every evaluation of a pupil asks this (issue 16: the batch intake walked every
    school day from the pupil's first absence to today, at every evaluation). When the calendar does
    not cover that whole span, the walk day by day (``_runs_dag_voor_dag``) gives the same runs and
    raises ``BuitenKalenderbereik`` as before.

    Grounds: domain.md A3.2, Decision (which days count).
    """
    if not dagen:
        return []
    last_day = ctx.today if ctx.enrolment.end is None else min(ctx.today, ctx.enrolment.end)
    regio = ctx.enrolment.kalenderregio
    kal = ctx.kalender
    eerste = min(dagen)
    try:
        begin, einde = kal.bereik(regio)
    except BuitenKalenderbereik:
        begin, einde = date.max, date.min
    if eerste <= last_day and not begin <= eerste <= last_day <= einde:
        return _runs_dag_voor_dag(ctx, eerste, last_day, telt)
    result: list[list[date]] = []
    current: list[date] = []
    for d in sorted(set(dagen)):
        if d > last_day:
            break
        if not kal.is_schooldag(d, regio):
            continue  # never walked: only school days count
        ja = telt(d)
        if current and (not ja or _schooldag_tussen(kal, regio, current[-1], d)):
            result.append(current)
            current = []
        if ja:
            current.append(d)
    if current:
        result.append(current)
    return result


def _schooldag_tussen(kal: SchoolKalender, regio: KalenderRegio, a: date, b: date) -> bool:
    """Whether a school day lies strictly between ``a`` and ``b`` (it ends a run: it has no absence)."""
    d = a + _DAG
    while d < b:
        if kal.is_schooldag(d, regio):
            return True
        d += _DAG
    return False


def _runs_dag_voor_dag(ctx: EnrolmentContext, eerste: date, last_day: date,
                       telt: Callable[[date], bool]) -> list[list[date]]:
    """:func:`runs` by walking every school day of ``[eerste, last_day]``: the calendar's range check
    raises ``BuitenKalenderbereik`` at the first school day it does not know (A3.12)."""
    result: list[list[date]] = []
    current: list[date] = []
    for d in ctx.kalender.schooldagen(ctx.enrolment.kalenderregio, eerste, last_day):
        if telt(d):
            current.append(d)
        elif current:
            result.append(current)
            current = []
    if current:
        result.append(current)
    return result


def eerste_volle_lesweek(ctx: EnrolmentContext, first: date) -> date | None:
    """Monday of the first lesweek whose every lesdag lies in a run starting on ``first`` (A3.2);
    ``None`` beyond the calendar.

    Grounds: domain.md A3.2, Decision (which days count).
    """
    regio = ctx.enrolment.kalenderregio
    monday = week_start(first)
    if any(True for _ in ctx.kalender.schooldagen(regio, monday, first - _DAG)):
        return lesweek_na(ctx, monday, 1)
    return monday


def lesweek_na(ctx: EnrolmentContext, monday: date | None, n: int) -> date | None:
    """The lesweek ``n`` lesweken after ``monday``; ``None`` beyond the calendar (a run cannot reach
    it before today, which lies inside the calendar).

    Grounds: domain.md A3.2, Decision (which days count).
    """
    if monday is None:
        return None
    try:
        return ctx.kalender.schuif_lesweken(monday, n, ctx.enrolment.kalenderregio)
    except BuitenKalenderbereik:
        return None


def lrv_signalen(
    ctx: EnrolmentContext, filed: Sequence[FiledReport], regel: LrvRegel = LRV_REGEL
) -> list[MeldplichtSignal]:
    """LRV reports for one enrolment (domain.md A3.2 and its Decision "which days count")."""
    kal = ctx.kalender
    regio = ctx.enrolment.kalenderregio
    per_day: dict[date, list[Absence]] = {}
    for a in ctx.absences:
        if a.code in ONGEOORLOOFD_CODES and a.code is not AfwezigheidCode.TE_LAAT:
            per_day.setdefault(a.date, []).append(a)
    if not per_day:
        return []
    last_day = ctx.today if ctx.enrolment.end is None else min(ctx.today, ctx.enrolment.end)

    def lrv_dag(d: date) -> bool:  # the hours first: most days with absence are not a whole day
        return (
            d in per_day
            and ctx.afwezige_dag(d, ctx.dag_uren(per_day[d]))
            and ctx.telbaar_basis(d)
            and is_leer_of_kwalificatieplichtig(ctx.pupil, d)
        )

    filed_lrv = [r for r in filed if r.soort is MeldingSoort.LRV and r.actief]
    signals: list[MeldplichtSignal] = []
    for streak in runs(ctx, sorted(per_day), lrv_dag):
        first = streak[0]
        # every lesdag of ``lesweken`` full lesweken, then the first lesdag of the next one
        volgende = lesweek_na(ctx, eerste_volle_lesweek(ctx, first), regel.lesweken)
        reached = None if volgende is None else next((d for d in streak if d >= volgende), None)
        if reached is None:
            continue
        last = streak[-1]
        # a school day after the streak (before today, within the enrolment) shows the pupil back
        na = kal.schooldagen(regio, last + _DAG, min(ctx.today - _DAG, last_day))
        returned = any(True for _ in na)
        end: date | None
        if returned:
            end = last
        elif ctx.enrolment.end is not None and ctx.enrolment.end <= ctx.today:
            end = ctx.enrolment.end  # left the school while still absent
        else:
            end = None
        window = [a for d in streak for a in per_day[d]]
        existing = next((r for r in filed_lrv if r.start <= last and (r.end is None or first <= r.end)), None)
        signals.append(
            MeldplichtSignal(
                soort=MeldingSoort.LRV,
                school_id=ctx.enrolment.school_id,
                start=first,
                end=end,
                bereikt_op=reached,
                hours=sum((ctx.dag_uren(per_day[d]) for d in streak), Decimal(0)),
                unit=ctx.enrolment.eenheid,
                due_date=add_working_days(reached, regel.termijn_werkdagen, ctx.gelijkgesteld),
                absence_ids=tuple(sorted(a.absence_id for a in window)),
                melding_id=existing.melding_id if existing is not None else None,
            )
        )
    return signals
