"""Luxeverzuim (domain.md A3.3): any ``LUXE`` absence must be reported, no threshold.

**Decisions**: consecutive ``LUXE`` school days form one report (one trip); non-school days
(weekends, feestdagen, holiday weeks) do not split it, a school day without ``LUXE`` does. The
duty arises when the school knows the code (registration or recoding day; art. 13a absence is
often only established afterwards), and the report is due 5 working days later. The end date is
the last ``LUXE`` day registered so far. Applies while the pupil is leer- or kwalificatieplichtig
(art. 13a Lpw), countable (`EnrolmentContext.telbaar_basis`). The hours also count towards the
16-uur rule, so both reports can be due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from contracts.codes import AfwezigheidCode, MeldingSoort
from leerrecht.kalender import add_working_days

from .context import EnrolmentContext
from .decisions import MeldplichtSignal
from .model import Absence, FiledReport
from .plicht import is_leer_of_kwalificatieplichtig

__all__ = ["LUXE_TERMIJN_WERKDAGEN", "luxe_signalen"]

LUXE_TERMIJN_WERKDAGEN = 5
_DAG = timedelta(days=1)


def luxe_signalen(
    ctx: EnrolmentContext, filed: Sequence[FiledReport], termijn_werkdagen: int = LUXE_TERMIJN_WERKDAGEN
) -> list[MeldplichtSignal]:
    """Grounds: art. 13a Lpw; domain.md A3.3."""
    kal = ctx.kalender
    regio = ctx.enrolment.kalenderregio
    per_day: dict[date, list[Absence]] = {}
    for a in ctx.absences:
        if (
            a.code is AfwezigheidCode.LUXE
            and ctx.telbaar_basis(a.date)
            and is_leer_of_kwalificatieplichtig(ctx.pupil, a.date)
        ):
            per_day.setdefault(a.date, []).append(a)
    days = sorted(per_day)
    runs: list[list[date]] = []
    for d in days:
        if runs and not any(g not in per_day for g in kal.schooldagen(regio, runs[-1][-1] + _DAG, d - _DAG)):
            runs[-1].append(d)
        else:
            runs.append([d])

    filed_luxe = [r for r in filed if r.soort is MeldingSoort.LUXE and r.actief]
    signals: list[MeldplichtSignal] = []
    for run in runs:
        absences = [a for d in run for a in per_day[d]]
        bekend = min(a.code_bekend_op for a in absences)
        existing = next(
            (r for r in filed_luxe if r.start <= run[-1] and (r.end is None or run[0] <= r.end)), None
        )
        signals.append(
            MeldplichtSignal(
                soort=MeldingSoort.LUXE,
                school_id=ctx.enrolment.school_id,
                start=run[0],
                end=run[-1],
                bereikt_op=bekend,
                hours=sum((a.hours for a in absences), Decimal(0)),
                unit=ctx.enrolment.eenheid,
                due_date=add_working_days(bekend, termijn_werkdagen, ctx.gelijkgesteld),
                absence_ids=tuple(sorted(a.absence_id for a in absences)),
                melding_id=existing.melding_id if existing is not None else None,
            )
        )
    return signals
