"""Filed reports against later facts: vrijstelling overlap and recodings (domain.md A3.10, A2).

* A report that overlaps a registered vrijstelling (5a/5b/5c/15) is withdrawn: status
  *Ingetrokken*, reason ``V`` (DUO practice [S6]). **Decision**: every report not yet withdrawn is
  checked, whatever its status (DUO withdraws "any" overlapping report); an open report (no end
  date) is treated as running until ``today``.
* A filed 16-uur or 18+ report whose period no longer holds the threshold after recodings, or a
  luxe report with no ``LUXE`` absence left, gets a `HerbeoordelingSignal` for the school
  (**Decision**: the report itself stays; see `decisions.HerbeoordelingSignal`). Only reports that
  leerplicht has not finished with (Geregistreerd, In behandeling) are re-assessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from contracts.codes import AfwezigheidCode, MeldingSoort, MeldingStatus
from leerrecht.kalender import BuitenKalenderbereik

from .codes import ONGEOORLOOFD_CODES
from .context import EnrolmentContext
from .decisions import HerbeoordelingSignal, IntrekkingSignal
from .model import FiledReport, PupilFacts

__all__ = ["herbeoordelingen", "intrekkingen"]


def intrekkingen(pupil: PupilFacts, reports: Sequence[FiledReport], today: date) -> list[IntrekkingSignal]:
    signals: list[IntrekkingSignal] = []
    for r in reports:
        if not r.actief:
            continue
        end = r.end if r.end is not None else max(today, r.start)
        v = next(
            (v for v in pupil.vrijstellingen if v.is_vrijstelling and v.overlapt(r.start, end)), None
        )
        if v is not None:
            signals.append(IntrekkingSignal(melding_id=r.melding_id, vrijstelling=v))
    return signals


_OPEN = (MeldingStatus.GEREGISTREERD, MeldingStatus.IN_BEHANDELING)


def herbeoordelingen(
    contexts: Sequence[EnrolmentContext],
    reports: Sequence[FiledReport],
    drempel_uren: Decimal = Decimal(16),
) -> list[HerbeoordelingSignal]:
    signals: list[HerbeoordelingSignal] = []
    for r in reports:
        if r.status not in _OPEN or r.end is None:
            continue
        if r.soort not in (MeldingSoort.ZESTIEN_UUR, MeldingSoort.ACHTTIEN_PLUS, MeldingSoort.LUXE):
            continue
        absences = [
            a
            for ctx in contexts
            if r.school_id is None or ctx.enrolment.school_id == r.school_id
            for a in ctx.absences
            if r.start <= a.date <= r.end and _in_lesweek(ctx, a.date)
        ]
        if r.soort is MeldingSoort.LUXE:
            uren = sum((a.hours for a in absences if a.code is AfwezigheidCode.LUXE), Decimal(0))
            if uren == 0:
                signals.append(
                    HerbeoordelingSignal(
                        r.melding_id, r.soort, uren, "geen afwezigheid met code LUXE meer in de meldperiode"
                    )
                )
            continue
        uren = sum((a.hours for a in absences if a.code in ONGEOORLOOFD_CODES), Decimal(0))
        if uren < drempel_uren:
            signals.append(
                HerbeoordelingSignal(
                    r.melding_id,
                    r.soort,
                    uren,
                    f"na hercodering nog {uren} uur ongeoorloofd verzuim in de meldperiode, "
                    f"minder dan {drempel_uren}; de school beoordeelt of de melding wordt ingetrokken",
                )
            )
    return signals


def _in_lesweek(ctx: EnrolmentContext, d: date) -> bool:
    try:
        return ctx.kalender.lesweek_van(d, ctx.enrolment.kalenderregio) is not None
    except BuitenKalenderbereik:
        return False
