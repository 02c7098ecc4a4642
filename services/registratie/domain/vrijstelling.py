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

from .codes import ONGEOORLOOFD_CODES
from .context import EnrolmentContext
from .decisions import HerbeoordelingSignal, IntrekkingSignal
from .model import Absence, FiledReport, PupilFacts

__all__ = ["herbeoordelingen", "intrekkingen"]


def intrekkingen(pupil: PupilFacts, reports: Sequence[FiledReport], today: date) -> list[IntrekkingSignal]:
    """Withdrawals of reports overlapping a vrijstelling (domain.md A3.10, DUO reason V)."""
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
    """Filed reports to review after a recoding (domain.md A2 recoding, A3.1, A3.3; module doc)."""
    signals: list[HerbeoordelingSignal] = []
    for r in reports:
        if r.status not in _OPEN or r.end is None:
            continue
        if r.soort not in (MeldingSoort.ZESTIEN_UUR, MeldingSoort.ACHTTIEN_PLUS, MeldingSoort.LUXE):
            continue
        # the contexts hold school days only (A2); each day counts for at most one school day
        ctxs = [c for c in contexts if r.school_id is None or c.enrolment.school_id == r.school_id]
        absences = [a for c in ctxs for a in c.absences if r.start <= a.date <= r.end]
        if r.soort is MeldingSoort.LUXE:
            uren = sum((a.hours for a in absences if a.code is AfwezigheidCode.LUXE), Decimal(0))
            if uren == 0:
                signals.append(
                    HerbeoordelingSignal(
                        r.melding_id, r.soort, uren, "geen afwezigheid met code LUXE meer in de meldperiode"
                    )
                )
            continue
        uren = Decimal(0)
        for c in ctxs:
            per_dag: dict[date, list[Absence]] = {}
            for a in c.absences:
                if r.start <= a.date <= r.end and a.code in ONGEOORLOOFD_CODES:
                    per_dag.setdefault(a.date, []).append(a)
            uren += sum((c.dag_uren(v) for v in per_dag.values()), Decimal(0))
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

