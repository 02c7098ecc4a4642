"""One entry point for the service: all decisions for one pupil, after every change.

`evaluate` is pure: same facts and ``today`` → same decisions, in the same order. It recomputes
everything from the facts (absences, recodings, filed reports, protocols), so the adapter calls it
after each event for the pupil and emits events for decisions whose key is new or changed.
Absences dated after ``today`` and recodings recorded after ``today`` are ignored.
Dates outside the school-holiday data raise `leerrecht.kalender.BuitenKalenderbereik`: the
adapter should reject such absences at intake rather than have them counted wrongly.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from leerrecht.kalender import SchoolKalender, standaard_kalender

from .absoluut import absoluut_verzuim
from .achttien_plus import ACHTTIEN_PLUS_REGEL, achttien_plus_signalen
from .codes import KalenderRegio
from .context import EnrolmentContext, Rooster, build_contexts
from .decisions import Decision, MeldplichtSignal
from .hercodering import apply_recodings, hercodeer_termijn, late_hercoderingen, late_onbekend_hercoderingen
from .langdurig import langdurig_geoorloofd_signalen
from .lrv import LRV_REGEL, LrvRegel, lrv_signalen
from .luxe import LUXE_TERMIJN_WERKDAGEN, luxe_signalen
from .mazl import mazl_signalen
from .model import Absence, FiledReport, PupilFacts, Recoding
from .plicht import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel
from .protocols import Protocol, protocol_signalen
from .vrijstelling import herbeoordelingen, intrekkingen
from .vsv import potentieel_vsv
from .zestien_uur import ZESTIEN_UUR_REGEL, DrempelRegel, zestien_uur_signalen

__all__ = ["STANDAARD_CONFIG", "RegelConfig", "evaluate"]


@dataclass(frozen=True)
class RegelConfig:
    """Configurable parameters; the defaults are the rules of domain.md A3."""

    zestien_uur: DrempelRegel = ZESTIEN_UUR_REGEL
    achttien_plus: DrempelRegel = ACHTTIEN_PLUS_REGEL
    lrv: LrvRegel = LRV_REGEL
    luxe_termijn_werkdagen: int = LUXE_TERMIJN_WERKDAGEN
    leeftijdsgrens: LeeftijdsgrensTabel = STANDAARD_LEEFTIJDSGRENS
    #: days equated with feestdagen by Royal Decree (Atw art. 3 lid 3), for deadlines
    gelijkgesteld: Collection[date] = field(default=frozenset())


STANDAARD_CONFIG = RegelConfig()


def evaluate(
    pupil: PupilFacts,
    absences: Sequence[Absence],
    recodings: Sequence[Recoding],
    reports: Sequence[FiledReport],
    protocols: Sequence[Protocol],
    today: date,
    *,
    config: RegelConfig = STANDAARD_CONFIG,
    kalender: SchoolKalender | None = None,
    rooster: Rooster | None = None,
) -> list[Decision]:
    """All decisions for one pupil on ``today``.

    Order: withdrawals (A3.10), re-assessments after recoding, report duties (16 uur, 18+, LRV,
    luxe; A3.1–A3.5) per enrolment, late recodings that removed a due duty (A2), absoluut verzuim
    (A3.6), potential vsv (A3.7), MAZL signals (A3.8), long authorised absence (A3.11), protocol
    signals (A3.9). ``rooster``: hours the school scheduled for the pupil per (school, date), where
    published (A3.2 Decision "which days count"; A2 one school day per day).

    Grounds: domain.md A3 (all reporting rules, A3.1-A3.11) and A2 (late recoding).
    """
    kal = kalender or standaard_kalender()
    dated = [a for a in absences if a.date <= today]
    current = apply_recodings(dated, recodings, today)
    contexts = build_contexts(pupil, current, protocols, today, kal, config.gelijkgesteld, rooster)

    decisions: list[Decision] = []
    decisions.extend(intrekkingen(pupil, reports, today))
    decisions.extend(herbeoordelingen(contexts, reports, config.zestien_uur.drempel_uren))

    meldingen = _meldingen(contexts, reports, config)
    decisions.extend(meldingen)

    # A2 Decision (late recoding): duties removed by an ONBEKEND recoding after its window
    regio_per_id: dict[str, KalenderRegio] = {
        a.absence_id: ctx.enrolment.kalenderregio for ctx in contexts for a in ctx.absences
    }
    late = late_onbekend_hercoderingen(
        dated, recodings, today, lambda a: regio_per_id.get(a.absence_id), kal,
        config.zestien_uur.hercodeer_schooldagen,
    )
    if late:
        zonder_recodings = [r for r in recodings if not any(r is x for x in late)]
        zonder = build_contexts(
            pupil, apply_recodings(dated, zonder_recodings, today), protocols, today, kal,
            config.gelijkgesteld, rooster,
        )
        vensters = {
            a.absence_id: t
            for ctx in zonder
            for a in ctx.absences
            if (t := hercodeer_termijn(a, ctx.enrolment.kalenderregio, kal,
                                       config.zestien_uur.hercodeer_schooldagen)) is not None
        }
        decisions.extend(late_hercoderingen(_meldingen(zonder, reports, config), meldingen, late, vensters, today))

    if (absoluut := absoluut_verzuim(pupil, today, kal, config.gelijkgesteld)) is not None:
        decisions.append(absoluut)
    if (vsv := potentieel_vsv(pupil, today, config.leeftijdsgrens)) is not None:
        decisions.append(vsv)
    for ctx in contexts:
        decisions.extend(mazl_signalen(ctx))
    for ctx in contexts:
        decisions.extend(langdurig_geoorloofd_signalen(ctx))
    for ctx in contexts:
        decisions.extend(protocol_signalen(protocols, ctx.enrolment, pupil.regiocode, ctx.absences, kal))
    return decisions


def _meldingen(
    contexts: Sequence[EnrolmentContext], reports: Sequence[FiledReport], config: RegelConfig
) -> list[MeldplichtSignal]:
    """The report duties (A3.1 16 uur, A3.5 18+, A3.2 LRV, A3.3 luxe) of every enrolment, in order."""
    meldingen: list[MeldplichtSignal] = []
    for ctx in contexts:
        meldingen.extend(zestien_uur_signalen(ctx, reports, config.zestien_uur))
        meldingen.extend(achttien_plus_signalen(ctx, reports, config.leeftijdsgrens, config.achttien_plus))
        meldingen.extend(lrv_signalen(ctx, reports, config.lrv))
        meldingen.extend(luxe_signalen(ctx, reports, config.luxe_termijn_werkdagen))
    meldingen.sort(key=lambda m: (m.bereikt_op, m.soort.value, m.school_id, m.start))
    return meldingen
