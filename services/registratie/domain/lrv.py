"""Langdurig relatief verzuim (LRV; domain.md A3.2).

Enrolled, ongeoorloofd absent for **more than 4 consecutive lesweken**, no vrijstelling; must be
reported; the end date is set when the pupil returns or leaves.

How "absent for whole weeks" is derived (**Decision**): schools register absence per day in hours
and the platform has no timetable, so

* a school day is an *LRV-dag* when the pupil is leer- or kwalificatieplichtig and countable
  (`EnrolmentContext.telbaar_basis`) and has at least ``min_uren_per_dag`` (default 4, in the
  school's unit: more than half a school day in po clock hours and in vo lesson hours) of
  ongeoorloofd absence other than ``TE_LAAT`` (being late is not being away);
* an LRV streak is a run of consecutive school days (non-school days — weekends, feestdagen,
  holiday weeks — neither break nor extend it) that are all LRV-dagen. A school day with no such
  absence (present, ill, on leave) ends the streak;
* the streak becomes LRV on its first day that lies at least 4 lesweken after its first day
  (same weekday, 4 lesweken later, holiday weeks skipped): then the pupil has been away for 4 full
  lesweken and more. The report is due 5 working days after that day.
* End date: the last LRV-dag, once a later school day *before today* shows the pupil back (today's
  registrations may still arrive), or the last day of enrolment when the pupil left. Otherwise the
  report is open (``end=None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contracts.codes import AfwezigheidCode, MeldingSoort
from leerrecht.kalender import add_working_days, week_start

from .codes import ONGEOORLOOFD_CODES
from .context import EnrolmentContext
from .decisions import MeldplichtSignal
from .model import Absence, FiledReport
from .plicht import is_leer_of_kwalificatieplichtig

__all__ = ["LRV_REGEL", "LrvRegel", "lrv_signalen"]

_DAG = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LrvRegel:
    min_uren_per_dag: Decimal = Decimal(4)
    lesweken: int = 4
    termijn_werkdagen: int = 5


LRV_REGEL = LrvRegel()


def lrv_signalen(
    ctx: EnrolmentContext, filed: Sequence[FiledReport], regel: LrvRegel = LRV_REGEL
) -> list[MeldplichtSignal]:
    kal = ctx.kalender
    regio = ctx.enrolment.kalenderregio
    per_day: dict[date, list[Absence]] = {}
    for a in ctx.absences:
        if a.code in ONGEOORLOOFD_CODES and a.code is not AfwezigheidCode.TE_LAAT:
            per_day.setdefault(a.date, []).append(a)
    if not per_day:
        return []

    def lrv_dag(d: date) -> bool:
        return (
            d in per_day
            and ctx.telbaar_basis(d)
            and is_leer_of_kwalificatieplichtig(ctx.pupil, d)
            and sum((a.hours for a in per_day[d]), Decimal(0)) >= regel.min_uren_per_dag
        )

    last_day = ctx.today if ctx.enrolment.end is None else min(ctx.today, ctx.enrolment.end)
    streaks: list[list[date]] = []
    current: list[date] = []
    for d in kal.schooldagen(regio, min(per_day), last_day):
        if lrv_dag(d):
            current.append(d)
        elif current:
            streaks.append(current)
            current = []
    if current:
        streaks.append(current)

    filed_lrv = [r for r in filed if r.soort is MeldingSoort.LRV and r.actief]
    signals: list[MeldplichtSignal] = []
    for streak in streaks:
        first = streak[0]
        # the same weekday, ``lesweken`` lesweken later: from then on the pupil is away > 4 weeks
        target = kal.schuif_lesweken(week_start(first), regel.lesweken, regio)
        target += timedelta(days=first.weekday())
        reached = next((d for d in streak if d >= target), None)
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
                hours=sum((a.hours for a in window), Decimal(0)),
                unit=ctx.enrolment.eenheid,
                due_date=add_working_days(reached, regel.termijn_werkdagen, ctx.gelijkgesteld),
                absence_ids=tuple(sorted(a.absence_id for a in window)),
                melding_id=existing.melding_id if existing is not None else None,
            )
        )
    return signals
