"""The incremental evaluation (`registratie.domain.incrementeel.evalueer`) gives exactly `evaluate`'s
decisions, in the same order, after every change of a random history (issue 16, sixth intake round).

Each example is a sequence of changes to one pupil, as the intake sees them: absences added in date
order (the common case) and weeks late, runs of whole days (LRV, long authorised absence), ZIEK runs
(MAZL), corrections of hours, recodings (also of ``ONBEKEND`` after its window), withdrawn absences,
filed and withdrawn reports, a vrijstelling, a move to another school in another holiday region, and
days passing. After a change, or after several (as one batch brings them), both evaluations run on
the same facts (the incremental one with the stand of its previous call) and must agree. The span
crosses the autumn, Christmas and spring holidays of two regions.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rd_helpers import schooldagen, vo
from registratie.domain import (
    Absence,
    Enrolment,
    FiledReport,
    MeldplichtSignal,
    PupilFacts,
    Recoding,
    Vrijstelling,
    evaluate,
)
from registratie.domain.incrementeel import Geheugen, Stand, evalueer
from registratie.domain.kalender import snelle_kalender

from contracts.codes import AfwezigheidCode, MeldingSoort, MeldingStatus, Vakantieregio, Vrijstellingsartikel

BEGIN = date(2025, 9, 1)
EINDE = date(2026, 4, 30)
KAL = snelle_kalender()
SCHOOLDAGEN = schooldagen(BEGIN, EINDE)
CODES = list(AfwezigheidCode)
ZWAAR = [AfwezigheidCode.ZIEK, AfwezigheidCode.ONGEOORLOOFD, AfwezigheidCode.ONBEKEND, AfwezigheidCode.ZIEK,
         AfwezigheidCode.TE_LAAT, AfwezigheidCode.LUXE, AfwezigheidCode.SCHORSING]
UREN = st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3), Decimal(4), Decimal("5.5"), Decimal(8)])


@dataclasses.dataclass
class Geschiedenis:
    pupil: PupilFacts
    absences: dict[str, Absence]
    recodings: list[Recoding]
    reports: list[FiledReport]
    today: date
    n: int = 0

    def nieuw_id(self) -> str:
        self.n += 1
        return f"a{self.n}"

    def laatste(self) -> date:
        return max((a.date for a in self.absences.values()), default=BEGIN - timedelta(days=1))


stap = st.one_of(
    st.tuples(st.just("na"), st.integers(0, 3), st.sampled_from(ZWAAR), UREN),  # the next school days
    st.tuples(st.just("laat"), st.integers(0, len(SCHOOLDAGEN) - 1), st.sampled_from(CODES), UREN),
    st.tuples(st.just("reeks"), st.integers(5, 30), st.sampled_from(ZWAAR), UREN),
    st.tuples(st.just("correctie"), st.integers(0, 10**6), st.just(None), UREN),
    st.tuples(st.just("hercodering"), st.integers(0, 10**6), st.sampled_from(CODES), st.none() | UREN),
    st.tuples(st.just("intrekken"), st.integers(0, 10**6), st.none(), st.none()),
    st.tuples(st.just("melding"), st.integers(0, 10**6), st.sampled_from(list(MeldingSoort)),
              st.sampled_from(list(MeldingStatus))),
    st.tuples(st.just("vrijstelling"), st.integers(0, len(SCHOOLDAGEN) - 1), st.integers(1, 30), st.none()),
    st.tuples(st.just("verhuizing"), st.integers(0, len(SCHOOLDAGEN) - 1), st.none(), st.none()),
    st.tuples(st.just("dagen"), st.integers(0, 45), st.none(), st.none()),
)


def _voer_uit(g: Geschiedenis, s: tuple[object, ...]) -> None:  # one branch per kind of change
    soort, a1, a2, a3 = s
    bestaande = sorted(g.absences)
    if soort == "na":  # the next school days up to today (today moves only with "dagen")
        assert isinstance(a1, int)
        volgende = [d for d in SCHOOLDAGEN if g.laatste() < d <= g.today]
        if volgende:
            d = volgende[min(a1, len(volgende) - 1)]
            g.absences[i] = Absence(i := g.nieuw_id(), d, a3, a2, recorded_on=d)  # type: ignore[arg-type]
    elif soort == "laat":
        assert isinstance(a1, int)
        d = SCHOOLDAGEN[a1] if SCHOOLDAGEN[a1] <= g.today else g.today
        g.absences[i] = Absence(i := g.nieuw_id(), d, a3, a2, recorded_on=g.today)  # type: ignore[arg-type]
    elif soort == "reeks":
        assert isinstance(a1, int)
        for d in [d for d in SCHOOLDAGEN if g.laatste() < d <= g.today][:a1]:
            g.absences[i] = Absence(i := g.nieuw_id(), d, a3, a2, recorded_on=d)  # type: ignore[arg-type]
    elif soort == "correctie" and bestaande:
        assert isinstance(a1, int)
        k = bestaande[a1 % len(bestaande)]
        g.absences[k] = dataclasses.replace(g.absences[k], hours=a3)
    elif soort == "hercodering" and bestaande:
        assert isinstance(a1, int)
        k = bestaande[a1 % len(bestaande)]
        g.recodings.append(Recoding(k, a2, g.today, a3))  # type: ignore[arg-type]
    elif soort == "intrekken" and bestaande:
        assert isinstance(a1, int)
        del g.absences[bestaande[a1 % len(bestaande)]]
    elif soort == "melding":
        assert isinstance(a1, int)
        d = SCHOOLDAGEN[a1 % len(SCHOOLDAGEN)]
        if d <= g.today:
            eind = None if a2 is MeldingSoort.LRV and a1 % 2 else min(g.today, d + timedelta(days=a1 % 30))
            g.reports.append(FiledReport(f"m{len(g.reports)}", a2, d, eind, a3))  # type: ignore[arg-type]
    elif soort == "vrijstelling":
        assert isinstance(a1, int) and isinstance(a2, int)
        van = SCHOOLDAGEN[a1]
        v = Vrijstelling(Vrijstellingsartikel.ARTIKEL_5A, van, van + timedelta(days=a2), f"v{a1}")
        g.pupil = dataclasses.replace(g.pupil, vrijstellingen=(*g.pupil.vrijstellingen, v))
    elif soort == "verhuizing" and len(g.pupil.enrolments) == 1:
        assert isinstance(a1, int)
        d = min(SCHOOLDAGEN[a1], g.today)
        oud = g.pupil.enrolments[0]
        if d > oud.start:
            nieuw = Enrolment("01AB00", oud.school_type, Vakantieregio.NOORD, d + timedelta(days=1), None, False)
            g.pupil = dataclasses.replace(g.pupil, enrolments=(dataclasses.replace(oud, end=d), nieuw))
    elif soort == "dagen":
        assert isinstance(a1, int)
        g.today = min(g.today + timedelta(days=a1), EINDE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([date(2012, 3, 15), date(2007, 10, 9), date(2009, 12, 1)]),
    st.sampled_from(SCHOOLDAGEN[10:]),
    st.lists(st.tuples(stap, st.booleans()), min_size=5, max_size=40),
)
def test_incremental_evaluation_gives_exactly_the_full_decisions(
    geboortedatum: date, today_begin: date, stappen: list[tuple[tuple[object, ...], bool]],
) -> None:
    g = Geschiedenis(PupilFacts("p-incr", geboortedatum, enrolments=(vo(date(2025, 8, 1)),)), {}, [], [],
                     today_begin)
    stand: Stand | None = None
    for s, beoordelen in stappen:
        _voer_uit(g, s)
        if not beoordelen:
            continue  # several changes before one evaluation, as a batch brings them
        args = (g.pupil, list(g.absences.values()), list(g.recodings), list(g.reports), (), g.today)
        volledig = evaluate(*args, kalender=KAL)
        hergebruik = stand is not None and stand.invoer[0] == g.pupil and stand.invoer[-1] == g.today
        incrementeel, stand = evalueer(*args, vorige=stand, kalender=KAL)
        event("stand hergebruikt" if hergebruik else "volledig")
        for d in volledig:
            event(f"besluit {type(d).__name__} {getattr(d, 'soort', '')}")
        assert incrementeel == volledig, s


def test_an_appended_short_sick_day_judges_only_mazl_incrementally(monkeypatch: object) -> None:
    """The batch intake's common change (a short ZIEK day after the last one) reuses the threshold,
    LRV, luxe and long-absence results and continues MAZL's fold; the decisions stay `evaluate`'s."""
    import registratie.domain.incrementeel as inc

    aanroepen: list[str] = []
    regels = dict(inc._REGELS)
    for naam, regel in regels.items():
        def geteld(ctx: object, rep: object, cfg: object, vl: object, naam: str = naam,
                   regel: object = regel) -> object:
            aanroepen.append(naam)
            return regel(ctx, rep, cfg, vl)  # type: ignore[operator]
        monkeypatch.setitem(inc._REGELS, naam, geteld)  # type: ignore[attr-defined]
    pupil = PupilFacts("p-ziek", date(2012, 3, 15), enrolments=(vo(date(2025, 8, 1)),))
    dagen = SCHOOLDAGEN[:12]
    absences = [Absence(f"z{i}", d, "0.5", AfwezigheidCode.ZIEK) for i, d in enumerate(dagen[:11])]
    _, stand = evalueer(pupil, absences, [], [], [], dagen[11], kalender=KAL)
    assert sorted(aanroepen) == sorted(regels)  # the first evaluation judges everything
    aanroepen.clear()
    absences.append(Absence("z11", dagen[11], "0.5", AfwezigheidCode.ZIEK))
    besluiten, _ = evalueer(pupil, absences, [], [], [], dagen[11], vorige=stand, kalender=KAL)
    assert aanroepen == []
    assert besluiten == evaluate(pupil, absences, [], [], [], dagen[11], kalender=KAL)
    assert len(besluiten) == 1  # the 7th consecutive school day ill (A3.8)


def test_the_memory_keeps_at_most_its_size() -> None:
    geheugen = Geheugen(grootte=2)
    pupil = PupilFacts("p", date(2012, 3, 15), enrolments=(vo(date(2025, 8, 1)),))
    _, stand = evalueer(pupil, [], [], [], [], BEGIN, kalender=KAL)
    for p in ("a", "b", "c"):
        geheugen.leg(p, stand)
    assert len(geheugen) == 2
    assert geheugen.pak("a") is None
    assert geheugen.pak("c") is stand
    assert geheugen.pak("c") is None  # taken: a failed evaluation leaves no stale stand behind
    uit = Geheugen(grootte=0)  # REGELS_GEHEUGEN=0: every evaluation in full
    uit.leg("a", stand)
    assert len(uit) == 0


def test_a_correction_on_the_day_a_report_was_reached_recomputes_that_report() -> None:
    """The threshold chain resumes only after reports that end before the first changed day: a report
    reached on the changed day itself is judged again (here it no longer holds)."""
    pupil = PupilFacts("p-16", date(2012, 3, 15), enrolments=(vo(date(2025, 8, 1)),))
    dagen = SCHOOLDAGEN[20:24]
    today = SCHOOLDAGEN[30]
    absences = [Absence(f"o{i}", d, 4, AfwezigheidCode.ONGEOORLOOFD, recorded_on=d) for i, d in enumerate(dagen)]
    eerst, stand = evalueer(pupil, absences, [], [], [], today, kalender=KAL)
    assert [(d.start, d.end) for d in eerst if isinstance(d, MeldplichtSignal)] == [(dagen[0], dagen[3])]
    absences[3] = dataclasses.replace(absences[3], hours=Decimal(2))
    daarna, _ = evalueer(pupil, absences, [], [], [], today, vorige=stand, kalender=KAL)
    assert daarna == evaluate(pupil, absences, [], [], [], today, kalender=KAL)
    assert not [d for d in daarna if isinstance(d, MeldplichtSignal)]
