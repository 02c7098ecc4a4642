"""16 uur in 4 weken (art. 21a Lpw; domain.md A3.1) and the shared threshold counter.

The rule, as implemented:

* Counted: hours with a code in `ONGEOORLOOFD_CODES` (``ONBEKEND`` provisionally, see
  `hercodering`), on the school days of the school's vakantieregio only (domain.md A2 Decision
  "what a registration is": weekends, feestdagen and holiday weeks never count, see `context`), at
  most one school day's hours per day (`EnrolmentContext.dag_uren`),
  for a pupil who is leer- or kwalificatieplichtig that day (under 18 without SK; A1), enrolled
  at this school, without vrijstelling and outside any protocol grace period.
* Threshold: **≥ 16** hours (**Decision** A3.1: DUO "minimaal 16 uur") within any 4 consecutive
  lesweken. Holiday weeks are skipped, so a window that meets a holiday spans it (e.g. 2 lesweken,
  a herfstvakantie week, 2 lesweken).
* End date = the day the 16 hours were reached; start date = the first counted day of absence in
  that window. Due within 5 working days of the end date (Algemene termijnenwet feestdagen).
* The next count starts the day after the previous report's end date. Previous reports are the
  filed, non-withdrawn reports of the same kind (the anchors) followed by the reports this function
  itself computes. **Decision**: a withdrawn report does not anchor: if the facts still show the
  threshold, the signal comes back; fix the facts (recode) rather than withdraw.
* Repeats under continuous absence: a report is a *herhaalmelding* when there was no school day
  without counted absence between the previous report's end and its start. A herhaalmelding's end
  date is at least 7 calendar days after the previous end (the crossing is deferred to the first
  counted day on or after that), and at most 4 herhaalmeldingen follow one first report. After
  the 4th, counting resumes the day after the first school day without counted absence (LRV,
  A3.2, covers the continuing absence).
* Unit: hours are summed in the school's own unit and carried, never converted.

The same counter serves the 18+/Doorstroompunt report (`achttien_plus`) with another predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contracts.codes import MeldingSoort
from leerrecht.kalender import BuitenKalenderbereik, add_working_days

from .codes import ONGEOORLOOFD_CODES
from .context import EnrolmentContext
from .decisions import MeldplichtSignal, Ontvanger
from .hercodering import HERCODEER_SCHOOLDAGEN, hercodeer_termijn
from .model import Absence, FiledReport
from .plicht import is_leer_of_kwalificatieplichtig

__all__ = ["ZESTIEN_UUR_REGEL", "DrempelRegel", "drempel_signalen", "zestien_uur_signalen"]

_DAG = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DrempelRegel:
    """Parameters of a threshold report; defaults are the legal 16-uur rule."""

    soort: MeldingSoort = MeldingSoort.ZESTIEN_UUR
    drempel_uren: Decimal = Decimal(16)
    lesweken: int = 4
    max_herhaalmeldingen: int = 4
    min_dagen_tussen_meldingen: int = 7
    termijn_werkdagen: int = 5
    hercodeer_schooldagen: int = HERCODEER_SCHOOLDAGEN
    ontvanger: Ontvanger = Ontvanger.LEERPLICHT


ZESTIEN_UUR_REGEL = DrempelRegel()


@dataclass(frozen=True, slots=True)
class _Vorige:
    start: date
    end: date
    herhaal: int


def drempel_signalen(
    ctx: EnrolmentContext,
    regel: DrempelRegel,
    telbaar: Callable[[date], bool],
    filed: Sequence[FiledReport],
    voorloop: Sequence[MeldplichtSignal] = (),
) -> list[MeldplichtSignal]:
    """Threshold reports for one enrolment (art. 21a Lpw, domain.md A3.1, A3.5); ``telbaar(d)`` says
    whether day ``d`` may count (module doc).

    ``voorloop``: the first signals of an earlier evaluation of the same facts before a change, all
    ending before the first changed day (`registratie.domain.incrementeel`). Each of them looked only
    at days up to its end date, so they stand, and the chain resumes after the last of them (the
    state after a signal is that signal and the day after its end) instead of from the enrolment's
    start: the search for a crossing walks the days after ``s``, so this makes a new absence cost
    the days since the last report instead of the whole history (issue 16)."""
    kal = ctx.kalender
    regio = ctx.enrolment.kalenderregio

    per_day: dict[date, list[Absence]] = {}
    for a in ctx.absences:
        if a.code in ONGEOORLOOFD_CODES and telbaar(a.date):
            per_day.setdefault(a.date, []).append(a)
    days = sorted(per_day)
    dag_uren = {d: ctx.dag_uren(per_day[d]) for d in days}

    def eerste_telbare(e: date, lo: date) -> date:
        """Day after the last non-countable day in [lo, e); ``lo`` if there is none."""
        d = e - _DAG
        while d >= lo:
            if not telbaar(d):
                return d + _DAG
            d -= _DAG
        return lo

    def crossing(s: date, min_end: date) -> tuple[date, date, list[Absence]] | None:
        for e in days:
            if e < s or e < min_end:
                continue
            lo = eerste_telbare(e, max(kal.venster_begin(e, regel.lesweken, regio), s))
            window = [a for d in days if lo <= d <= e for a in per_day[d]]
            if sum((dag_uren[d] for d in days if lo <= d <= e), Decimal(0)) >= regel.drempel_uren:
                return min(a.date for a in window), e, window
        return None

    def continu(prev_end: date, start: date) -> bool:
        try:
            return kal.add_schooldagen(prev_end, 1, regio) >= start
        except BuitenKalenderbereik:
            return False

    # filed reports of this kind are the anchors of the chain
    vorige: _Vorige | None = None
    for r in sorted(
        (r for r in filed if r.soort is regel.soort and r.actief and r.end is not None),
        key=lambda r: (r.end or r.start, r.start),
    ):
        assert r.end is not None
        herhaal = vorige.herhaal + 1 if vorige is not None and continu(vorige.end, r.start) else 0
        vorige = _Vorige(r.start, r.end, herhaal)

    s = ctx.enrolment.start if vorige is None else max(ctx.enrolment.start, vorige.end + _DAG)
    signals: list[MeldplichtSignal] = list(voorloop)
    if signals:
        laatste = signals[-1]
        assert laatste.end is not None
        vorige = _Vorige(laatste.start, laatste.end, laatste.herhaalmelding)
        s = laatste.end + _DAG
    while (found := crossing(s, s)) is not None:
        start, e, window = found
        herhaal = 0
        if vorige is not None and continu(vorige.end, start):
            herhaal = vorige.herhaal + 1
            if herhaal > regel.max_herhaalmeldingen:
                # chain exhausted: skip the rest of this continuous absence
                gap = next(
                    (g for g in kal.schooldagen(regio, vorige.end + _DAG, ctx.today) if g not in per_day),
                    None,
                )
                if gap is None:
                    break
                s, vorige = gap + _DAG, None
                continue
            min_end = vorige.end + timedelta(days=regel.min_dagen_tussen_meldingen)
            if e < min_end:
                deferred = crossing(s, min_end)
                if deferred is None:
                    break
                start, e, window = deferred
                if not continu(vorige.end, start):
                    herhaal = 0
        termijnen = [
            t
            for a in window
            if (t := hercodeer_termijn(a, regio, kal, regel.hercodeer_schooldagen)) is not None
            and t >= ctx.today
        ]
        signals.append(
            MeldplichtSignal(
                soort=regel.soort,
                school_id=ctx.enrolment.school_id,
                start=start,
                end=e,
                bereikt_op=e,
                hours=sum((dag_uren[d] for d in {a.date for a in window}), Decimal(0)),
                unit=ctx.enrolment.eenheid,
                due_date=add_working_days(e, regel.termijn_werkdagen, ctx.gelijkgesteld),
                absence_ids=tuple(sorted(a.absence_id for a in window)),
                ontvanger=regel.ontvanger,
                herhaalmelding=herhaal,
                voorlopig_tot=max(termijnen) if termijnen else None,
            )
        )
        vorige = _Vorige(start, e, herhaal)
        s = e + _DAG
    return signals


def zestien_uur_signalen(
    ctx: EnrolmentContext, filed: Sequence[FiledReport], regel: DrempelRegel = ZESTIEN_UUR_REGEL,
    voorloop: Sequence[MeldplichtSignal] = (),
) -> list[MeldplichtSignal]:
    """16-uur reports (art. 21a Lpw, domain.md A3.1) for one enrolment (pupil leer- or
    kwalificatieplichtig on the counted days); ``voorloop`` as in `drempel_signalen`."""

    def telbaar(d: date) -> bool:
        return ctx.telbaar_basis(d) and is_leer_of_kwalificatieplichtig(ctx.pupil, d)

    return drempel_signalen(ctx, regel, telbaar, filed, voorloop)
