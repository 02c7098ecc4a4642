"""Long authorised absence (domain.md A3.11; not a DUO report: for the school and the leerrecht count, C).

Every lesdag of **at least 4 consecutive lesweken** counted as absent, with any code, at least one
day of it authorised (long illness, suspension, long leave, school closure) → a signal
``LANGDURIG_GEOORLOOFD`` to the school, which telling counts in the leerrecht count.

**Decisions** (as for LRV, A3.2 "which days count", see `lrv`):

* a school day counts as absent when all its absence (any code except ``TE_LAAT``: being late is not
  being away) covers the hours scheduled that day, or else is at least 3 hours
  (`EnrolmentContext.afwezige_dag`), while the pupil is leer- or kwalificatieplichtig and countable
  (`EnrolmentContext.telbaar_basis`: enrolled here, no vrijstelling). Days without school neither
  break nor extend a run; the first school day that does not count ends it;
* "≥ 4 consecutive lesweken" = every lesdag of 4 full consecutive lesweken (the first full lesweek
  as in `lrv.eerste_volle_lesweek`; holiday weeks skipped). The signal's ``datum`` is the last lesdag
  of the 4th full lesweek, or the first authorised day of the run when that comes later (a run of
  only ongeoorloofd days is LRV, not this);
* one signal per run (keyed by school and first day); it is not withdrawn when the pupil returns.
"""

from __future__ import annotations

from datetime import date, timedelta

from contracts.codes import AfwezigheidCode

from .codes import GEOORLOOFD_CODES
from .context import EnrolmentContext
from .decisions import LangdurigGeoorloofdSignal
from .lrv import eerste_volle_lesweek, lesweek_na, runs
from .model import Absence
from .plicht import is_leer_of_kwalificatieplichtig

__all__ = ["LANGDURIG_LESWEKEN", "langdurig_geoorloofd_signalen"]

LANGDURIG_LESWEKEN = 4


def langdurig_geoorloofd_signalen(
    ctx: EnrolmentContext, lesweken: int = LANGDURIG_LESWEKEN
) -> list[LangdurigGeoorloofdSignal]:
    """Signals of long authorised absence for one enrolment (domain.md A3.11; module doc)."""
    per_day: dict[date, list[Absence]] = {}
    for a in ctx.absences:
        if a.code is not AfwezigheidCode.TE_LAAT:
            per_day.setdefault(a.date, []).append(a)

    def afwezig(d: date) -> bool:  # the hours first: most days with absence are not a whole day
        return (
            d in per_day
            and ctx.afwezige_dag(d, ctx.dag_uren(per_day[d]))
            and ctx.telbaar_basis(d)
            and is_leer_of_kwalificatieplichtig(ctx.pupil, d)
        )

    signals: list[LangdurigGeoorloofdSignal] = []
    for run in runs(ctx, sorted(per_day), afwezig):
        geoorloofd = [d for d in run if any(a.code in GEOORLOOFD_CODES for a in per_day[d])]
        if not geoorloofd:
            continue  # only unauthorised: LRV (A3.2)
        # the run must reach the last lesdag of the ``lesweken``-th full lesweek
        w4 = lesweek_na(ctx, eerste_volle_lesweek(ctx, run[0]), lesweken - 1)
        if w4 is None:
            continue
        lesdagen = list(ctx.kalender.schooldagen(ctx.enrolment.kalenderregio, w4, w4 + timedelta(days=4)))
        if not lesdagen or lesdagen[-1] not in run:
            continue
        laatste = lesdagen[-1]
        signals.append(
            LangdurigGeoorloofdSignal(
                school_id=ctx.enrolment.school_id,
                start=run[0],
                datum=max(laatste, geoorloofd[0]),
                dagen=len(run),
            )
        )
    return signals
