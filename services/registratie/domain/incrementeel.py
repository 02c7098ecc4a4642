"""Incremental evaluation: the decisions of `evaluate`, recomputing only what a change can affect.

Why (issue 16, the batch intake): the intake evaluates a pupil after every change, and `evaluate`
judges the pupil's whole history every time, so the cost of one new absence grows with the history
(about 70 µs of CPU with 13 absences, 600 µs with a school year of them) and a year of daily batches
costs the square of its length. `evalueer` gives **exactly** the decisions `evaluate` gives, in the
same order; it keeps the previous evaluation's results per enrolment and per rule (`Stand`) and
recomputes a rule only when the changed absences can reach it. The reference stays `evaluate`:
``tests/registratie/domain/test_rd_incrementeel.py`` compares both with Hypothesis on random histories
(facts recorded weeks late, corrections, recodings, withdrawals, holidays, reports, enrolment changes).

When a previous result is reused (everything else falls back to recomputing, which is always exact):

* Every input other than the absences must be equal to the previous evaluation's: the pupil's facts
  (enrolments, vrijstellingen, birth date, SK), the filed reports, the protocols, the configuration,
  the calendar object and ``today`` (so every time-dependent part, ``voorlopig_tot``, an LRV's end,
  a due date, sees the same day). No schedule (``rooster``). Recodings may differ: they reach the
  rules only through the current absences, which are compared; the late recodings of A2 are
  recomputed whenever there are recodings.
* Per enrolment the changed absences (``Δ``: added, withdrawn, or changed in code, hours, school or
  dates) are compared by id with the previous ones. A rule's result is reused when no absence of
  ``Δ`` is one the rule reads (each rule's own window on the facts):

  ========================  ===========================================================================
  rule                      reads (a change outside this cannot change its decisions)
  ========================  ===========================================================================
  16 uur, 18+ (A3.1, A3.5)  absences with an ongeoorloofd code (incl. ``TE_LAAT``, ``ONBEKEND``); when
                            one changed, the chain of reports resumes after its reports that end before
                            the first changed day (each looked only at days up to its end date)
  LRV (A3.2)                days whose ongeoorloofd hours other than ``TE_LAAT`` make a whole day absent,
                            before or after the change (a day that counts in neither ends a run exactly
                            as a school day without absence does); the calendar must cover the day
  luxe (A3.3)               ``LUXE`` absences
  MAZL (A3.8)               ``ZIEK`` days; a change that only adds ``ZIEK`` days after the last one
                            continues the previous runs and 12-lesweken window instead of starting over
  long authorised (A3.11)   days whose hours other than ``TE_LAAT`` make a whole day absent, before or
                            after the change (as LRV)
  ========================  ===========================================================================

  Always recomputed (cheap, or not per absence): withdrawals on vrijstelling (A3.10), re-assessments of
  filed reports, late recodings (A2), absoluut verzuim (A3.6), potential vsv (A3.7), protocol signals
  (A3.9; they return at once without a protocol in force).
* Dedupe of reports already filed (the adapter's ``beslissing`` keys) is unchanged: this module only
  decides; `registratie.regels` compares with what was published.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from contracts.codes import AfwezigheidCode
from leerrecht.kalender import BuitenKalenderbereik, SchoolKalender, standaard_kalender, week_start

from .absoluut import absoluut_verzuim
from .achttien_plus import achttien_plus_signalen
from .codes import ONGEOORLOOFD_CODES, KalenderRegio
from .context import EnrolmentContext, build_contexts
from .decisions import Decision, MazlCriterium, MazlSignal, MeldplichtSignal
from .evaluate import STANDAARD_CONFIG, RegelConfig, _meldingen
from .hercodering import apply_recodings, hercodeer_termijn, late_hercoderingen, late_onbekend_hercoderingen
from .langdurig import langdurig_geoorloofd_signalen
from .lrv import lrv_signalen
from .luxe import luxe_signalen
from .mazl import MAZL_AANTAL_MELDINGEN, MAZL_LESWEKEN, MAZL_ZIEKTEDAGEN
from .model import Absence, FiledReport, PupilFacts, Recoding
from .protocols import Protocol, protocol_signalen
from .vrijstelling import herbeoordelingen, intrekkingen
from .vsv import potentieel_vsv
from .zestien_uur import zestien_uur_signalen

__all__ = ["Geheugen", "Stand", "evalueer"]

_DAG = timedelta(days=1)
_LRV_CODES = ONGEOORLOOFD_CODES - {AfwezigheidCode.TE_LAAT}
_NIET_TE_LAAT = frozenset(AfwezigheidCode) - {AfwezigheidCode.TE_LAAT}


@dataclass
class _Mazl:
    """MAZL's fold over the ZIEK days of one enrolment (`mazl_signalen`), kept so that ZIEK days after
    the last one continue it instead of walking every school day from the first one again."""

    ziek: frozenset[date] = frozenset()
    laatste: date | None = None  # the last ZIEK day folded in
    run_start: date | None = None  # the current (last) run of consecutive ZIEK school days
    run_lengte: int = 0
    zevende_dag: date | None = None  # the current run's 7th day
    zevende: list[MazlSignal] = field(default_factory=list)  # of the runs before the current one
    venster: list[tuple[int, date]] = field(default_factory=list)  # the 12-lesweken window of run starts
    vierde: list[MazlSignal] = field(default_factory=list)

    def signalen(self, school: str) -> list[MazlSignal]:
        """The signals in `mazl_signalen`'s order: the 7th-day signals by run, then the 4th reports."""
        out = list(self.zevende)
        if self.run_start is not None and self.zevende_dag is not None:
            out.append(MazlSignal(MazlCriterium.ZEVENDE_ZIEKTEDAG, school, self.zevende_dag, self.run_start,
                                  MAZL_ZIEKTEDAGEN))
        return out + self.vierde


def _mazl_ziek(ctx: EnrolmentContext) -> frozenset[date]:
    regio = ctx.enrolment.kalenderregio
    return frozenset(a.date for a in ctx.absences
                     if a.code is AfwezigheidCode.ZIEK and ctx.kalender.is_schooldag(a.date, regio))


def _mazl_verder(ctx: EnrolmentContext, stand: _Mazl | None, ziek: frozenset[date]) -> _Mazl:
    """`mazl_signalen` as a fold: continue ``stand`` with the days of ``ziek`` after its last day (or
    start over with ``None``). The walk covers every school day from the day after the last ZIEK day,
    so a run continues exactly when no school day lies between (as in `mazl_signalen`)."""
    kal = ctx.kalender
    regio = ctx.enrolment.kalenderregio
    school = ctx.enrolment.school_id
    s = stand or _Mazl()
    out = _Mazl(ziek, s.laatste, s.run_start, s.run_lengte, s.zevende_dag, list(s.zevende), list(s.venster),
                list(s.vierde))
    nieuw = sorted(d for d in ziek if s.laatste is None or d > s.laatste)
    if not nieuw:
        return out
    nieuw_set = set(nieuw)
    vorige_ziek = s.laatste is not None
    van = s.laatste + _DAG if s.laatste is not None else nieuw[0]
    for d in kal.schooldagen(regio, van, nieuw[-1]):
        if d not in nieuw_set:
            vorige_ziek = False
            continue
        if vorige_ziek:
            out.run_lengte += 1
        else:
            if out.run_start is not None and out.zevende_dag is not None:
                out.zevende.append(MazlSignal(MazlCriterium.ZEVENDE_ZIEKTEDAG, school, out.zevende_dag,
                                              out.run_start, MAZL_ZIEKTEDAGEN))
            out.run_start, out.run_lengte, out.zevende_dag = d, 1, None
            idx = kal.lesweek_index(week_start(d), regio)
            out.venster = [(i, w) for i, w in out.venster if idx - i < MAZL_LESWEKEN]
            out.venster.append((idx, d))
            if len(out.venster) >= MAZL_AANTAL_MELDINGEN:
                out.vierde.append(MazlSignal(MazlCriterium.VIERDE_ZIEKMELDING, school, d, out.venster[0][1],
                                             len(out.venster)))
                out.venster = []
        if out.run_lengte == MAZL_ZIEKTEDAGEN:
            out.zevende_dag = d
        out.laatste = d
        vorige_ziek = True
    return out


@dataclass
class _Context:
    """One enrolment's absences and rule results of the previous evaluation."""

    absences: dict[str, Absence]
    resultaten: dict[str, list[Decision]]
    mazl: _Mazl


@dataclass
class Stand:
    """What one evaluation of a pupil leaves for the next (module doc: when it is reused)."""

    invoer: tuple[object, ...]
    kalender: SchoolKalender
    contexten: list[_Context] = field(default_factory=list)
    absences: Sequence[Absence] = ()
    """The absences as given (before recodings): an adapter may hand the same objects in again for
    rows that did not change, which makes comparing them an identity check."""

    def bekende_absences(self) -> dict[str, Absence]:
        return {a.absence_id: a for a in self.absences}


_Regel = Callable[[EnrolmentContext, Sequence[FiledReport], RegelConfig, Sequence[MeldplichtSignal]], list[Decision]]
_REGELS: dict[str, _Regel] = {
    "zestien": lambda ctx, rep, cfg, vl: list(zestien_uur_signalen(ctx, rep, cfg.zestien_uur, vl)),
    "achttien": lambda ctx, rep, cfg, vl: list(
        achttien_plus_signalen(ctx, rep, cfg.leeftijdsgrens, cfg.achttien_plus, vl)),
    "lrv": lambda ctx, rep, cfg, vl: list(lrv_signalen(ctx, rep, cfg.lrv)),
    "luxe": lambda ctx, rep, cfg, vl: list(luxe_signalen(ctx, rep, cfg.luxe_termijn_werkdagen)),
    "langdurig": lambda ctx, rep, cfg, vl: list(langdurig_geoorloofd_signalen(ctx)),
}
#: the threshold chains (A3.1, A3.5) resume after their signals that end before the first changed day
_KETENS = frozenset({"zestien", "achttien"})


def _voorloop(vorige: Sequence[Decision], delta: Sequence[Absence]) -> list[MeldplichtSignal]:
    """The leading signals of a threshold chain that end before the first day of ``delta`` with an
    ongeoorloofd code (`drempel_signalen`'s ``voorloop``: they looked only at days up to their end)."""
    eerste = min((a.date for a in delta if a.code in ONGEOORLOOFD_CODES), default=None)
    uit: list[MeldplichtSignal] = []
    for d in vorige:
        if eerste is None or not isinstance(d, MeldplichtSignal) or d.end is None or d.end >= eerste:
            break
        uit.append(d)
    return uit


def _hele_dagen(ctx: EnrolmentContext, absences: Iterable[Absence], dagen: Collection[date],
                codes: frozenset[AfwezigheidCode]) -> bool:
    """Whether any of ``dagen`` is a whole day absent (`EnrolmentContext.afwezige_dag`) with the hours
    of ``absences`` that have one of ``codes``."""
    per_dag: dict[date, list[Absence]] = {}
    for a in absences:
        if a.date in dagen and a.code in codes:
            per_dag.setdefault(a.date, []).append(a)
    return any(ctx.afwezige_dag(d, ctx.dag_uren(v)) for d, v in per_dag.items())


def _geraakt(
    ctx: EnrolmentContext, oud: dict[str, Absence], delta: list[Absence],
) -> set[str]:
    """The rules of :data:`_REGELS` (and ``mazl``) that the changed absences ``delta`` can reach."""
    codes = {a.code for a in delta}
    geraakt: set[str] = set()
    if codes & ONGEOORLOOFD_CODES:
        geraakt |= {"zestien", "achttien"}
    if AfwezigheidCode.LUXE in codes:
        geraakt.add("luxe")
    if AfwezigheidCode.ZIEK in codes:
        geraakt.add("mazl")
    regio = ctx.enrolment.kalenderregio
    try:
        begin, einde = ctx.kalender.bereik(regio)
    except BuitenKalenderbereik:
        return geraakt | {"lrv", "langdurig"}
    last_day = ctx.today if ctx.enrolment.end is None else min(ctx.today, ctx.enrolment.end)
    dagen = {a.date for a in delta}
    if any(not begin <= d <= einde for d in dagen) or not last_day <= einde:
        return geraakt | {"lrv", "langdurig"}  # runs() may walk day by day (A3.12): recompute
    for regel, regel_codes in (("lrv", _LRV_CODES), ("langdurig", _NIET_TE_LAAT)):
        if codes & regel_codes and (_hele_dagen(ctx, oud.values(), dagen, regel_codes)
                                    or _hele_dagen(ctx, ctx.absences, dagen, regel_codes)):
            geraakt.add(regel)
    return geraakt


def evalueer(
    pupil: PupilFacts,
    absences: Sequence[Absence],
    recodings: Sequence[Recoding],
    reports: Sequence[FiledReport],
    protocols: Sequence[Protocol],
    today: date,
    *,
    vorige: Stand | None = None,
    config: RegelConfig = STANDAARD_CONFIG,
    kalender: SchoolKalender | None = None,
) -> tuple[list[Decision], Stand]:
    """`evaluate`'s decisions (same values, same order) and the `Stand` for the next evaluation of
    this pupil; ``vorige`` is the previous evaluation's (module doc). Raises as `evaluate` does.

    Grounds: domain.md A3 (all reporting rules, A3.1-A3.11) and A2 (late recoding), as `evaluate`."""
    kal = kalender or standaard_kalender()
    invoer = (pupil, tuple(reports), tuple(protocols), config, today)
    bruikbaar = vorige is not None and vorige.kalender is kal and vorige.invoer == invoer
    dated = [a for a in absences if a.date <= today]
    current = apply_recodings(dated, recodings, today)
    contexts = build_contexts(pupil, current, protocols, today, kal, config.gelijkgesteld)
    stand = Stand(invoer, kal, absences=tuple(absences))
    if bruikbaar:
        assert vorige is not None
        if len(vorige.contexten) != len(contexts):
            bruikbaar = False

    meldingen: list[MeldplichtSignal] = []
    mazl: list[Decision] = []
    langdurig: list[Decision] = []
    for i, ctx in enumerate(contexts):
        nu = {a.absence_id: a for a in ctx.absences}
        oud_ctx = vorige.contexten[i] if bruikbaar and vorige is not None else None
        if oud_ctx is None:
            geraakt = set(_REGELS) | {"mazl"}
            delta: list[Absence] = []
        else:
            oud = oud_ctx.absences
            delta = [a for k, a in nu.items() if (o := oud.get(k)) is not a and o != a]
            delta += [a for k, a in oud.items() if (n := nu.get(k)) is not a and n != a]
            geraakt = _geraakt(ctx, oud_ctx.absences, delta)
        resultaten: dict[str, list[Decision]] = {}
        for naam, regel in _REGELS.items():
            if oud_ctx is None:
                resultaten[naam] = regel(ctx, reports, config, ())
            elif naam not in geraakt:
                resultaten[naam] = oud_ctx.resultaten[naam]
            else:
                voorloop = _voorloop(oud_ctx.resultaten[naam], delta) if naam in _KETENS else []
                resultaten[naam] = regel(ctx, reports, config, voorloop)
        mazl_stand = oud_ctx.mazl if oud_ctx is not None else None
        if mazl_stand is None or "mazl" in geraakt:
            ziek = _mazl_ziek(ctx)
            if mazl_stand is None or ziek != mazl_stand.ziek:
                verder = (mazl_stand is not None and mazl_stand.laatste is not None and mazl_stand.ziek <= ziek
                          and all(d > mazl_stand.laatste for d in ziek - mazl_stand.ziek))
                mazl_stand = _mazl_verder(ctx, mazl_stand if verder else None, ziek)
        stand.contexten.append(_Context(nu, resultaten, mazl_stand))
        for naam in ("zestien", "achttien", "lrv", "luxe"):
            meldingen.extend(resultaten[naam])  # type: ignore[arg-type]
        mazl.extend(mazl_stand.signalen(ctx.enrolment.school_id))
        langdurig.extend(resultaten["langdurig"])
    meldingen.sort(key=lambda m: (m.bereikt_op, m.soort.value, m.school_id, m.start))

    decisions: list[Decision] = []
    decisions.extend(intrekkingen(pupil, reports, today))
    decisions.extend(herbeoordelingen(contexts, reports, config.zestien_uur.drempel_uren))
    decisions.extend(meldingen)
    if recodings:
        decisions.extend(_late(pupil, dated, recodings, reports, protocols, today, config, kal, contexts, meldingen))
    if (absoluut := absoluut_verzuim(pupil, today, kal, config.gelijkgesteld)) is not None:
        decisions.append(absoluut)
    if (vsv := potentieel_vsv(pupil, today, config.leeftijdsgrens)) is not None:
        decisions.append(vsv)
    decisions.extend(mazl)
    decisions.extend(langdurig)
    for ctx in contexts:
        decisions.extend(protocol_signalen(protocols, ctx.enrolment, pupil.regiocode, ctx.absences, kal))
    return decisions, stand


def _late(
    pupil: PupilFacts, dated: Sequence[Absence], recodings: Sequence[Recoding], reports: Sequence[FiledReport],
    protocols: Sequence[Protocol], today: date, config: RegelConfig, kal: SchoolKalender,
    contexts: Sequence[EnrolmentContext], meldingen: Sequence[MeldplichtSignal],
) -> list[Decision]:
    """A2 Decision (late recoding), as `evaluate` computes it (always recomputed)."""
    regio_per_id: dict[str, KalenderRegio] = {
        a.absence_id: ctx.enrolment.kalenderregio for ctx in contexts for a in ctx.absences
    }
    late = late_onbekend_hercoderingen(
        dated, recodings, today, lambda a: regio_per_id.get(a.absence_id), kal,
        config.zestien_uur.hercodeer_schooldagen,
    )
    if not late:
        return []
    zonder_recodings = [r for r in recodings if not any(r is x for x in late)]
    zonder = build_contexts(
        pupil, apply_recodings(dated, zonder_recodings, today), protocols, today, kal, config.gelijkgesteld,
    )
    vensters = {
        a.absence_id: t
        for ctx in zonder
        for a in ctx.absences
        if (t := hercodeer_termijn(a, ctx.enrolment.kalenderregio, kal, config.zestien_uur.hercodeer_schooldagen))
        is not None
    }
    return list(late_hercoderingen(_meldingen(zonder, reports, config), meldingen, late, vensters, today))


class Geheugen:
    """The `Stand` of the most recently evaluated pupils, at most ``grootte`` of them (least recently
    used go first), so the service's memory stays flat however many pupils it sees (issue 16). A
    stand that does not match the facts is never used (module doc), so a lost or stale one costs
    only a full evaluation."""

    def __init__(self, grootte: int = 2000) -> None:
        self.grootte = grootte
        self._standen: OrderedDict[str, Stand] = OrderedDict()

    def __len__(self) -> int:
        return len(self._standen)

    def pak(self, pseudoniem: str) -> Stand | None:
        return self._standen.pop(pseudoniem, None)

    def kijk(self, pseudoniem: str) -> Stand | None:
        """The stand without taking it (to reuse its absence objects when reading the facts)."""
        return self._standen.get(pseudoniem)

    def leg(self, pseudoniem: str, stand: Stand) -> None:
        if self.grootte <= 0:
            return
        self._standen[pseudoniem] = stand
        self._standen.move_to_end(pseudoniem)
        while len(self._standen) > self.grootte:
            self._standen.popitem(last=False)

    def vergeet(self) -> None:
        self._standen.clear()

