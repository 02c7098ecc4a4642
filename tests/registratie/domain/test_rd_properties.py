"""Property tests (Hypothesis) for the counting rules."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rd_helpers import D, pupil, run, zestien
from registratie.domain import Absence, MeldplichtSignal

from contracts.codes import AfwezigheidCode
from leerrecht.kalender import is_werkdag, working_days_between

SPAN_START = D(2026, 1, 5)
SPAN_DAYS = 120  # to early May 2026, over the voorjaarsvakantie and meivakantie
TODAY = D(2026, 5, 29)

hours = st.decimals(min_value=Decimal("0.25"), max_value=Decimal(8), places=2).filter(lambda h: h > 0)
days = st.integers(min_value=0, max_value=SPAN_DAYS).map(lambda i: SPAN_START + timedelta(days=i))


@st.composite
def absence_lists(draw: st.DrawFn, codes: list[AfwezigheidCode] | None = None) -> list[Absence]:
    n = draw(st.integers(min_value=0, max_value=25))
    code_strategy = st.sampled_from(codes or list(AfwezigheidCode))
    return [Absence(f"a{i}", draw(days), draw(hours), draw(code_strategy)) for i in range(n)]


ONGEOORLOOFD = [
    AfwezigheidCode.ONGEOORLOOFD, AfwezigheidCode.TE_LAAT, AfwezigheidCode.LUXE, AfwezigheidCode.ONBEKEND,
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(absence_lists(), st.randoms(use_true_random=False))
def test_order_of_absences_does_not_matter(absences: list[Absence], rnd: object) -> None:
    shuffled = list(absences)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert run(pupil(), absences, TODAY) == run(pupil(), shuffled, TODAY)


@SETTINGS
@given(absence_lists(), absence_lists(ONGEOORLOOFD))
def test_adding_ongeoorloofd_hours_never_removes_a_report(base: list[Absence], extra: list[Absence]) -> None:
    extra = [Absence(f"x{i}", a.date, a.hours, a.code) for i, a in enumerate(extra)]
    before = zestien(run(pupil(), base, TODAY))
    after = zestien(run(pupil(), base + extra, TODAY))
    if before:
        assert after
        assert after[0].bereikt_op <= before[0].bereikt_op  # the first report can only come earlier


@SETTINGS
@given(absence_lists())
def test_reports_respect_the_legal_shape(absences: list[Absence]) -> None:
    reports = zestien(run(pupil(), absences, TODAY))
    by_id = {a.absence_id: a for a in absences}
    for r in reports:
        assert r.hours >= 16
        assert r.end is not None and r.start <= r.end
        assert all(by_id[i].code in ONGEOORLOOFD for i in r.absence_ids)
        assert sum(by_id[i].hours for i in r.absence_ids) == r.hours
        assert working_days_between(r.end, r.due_date) == 5 and is_werkdag(r.due_date)
        assert 0 <= r.herhaalmelding <= 4
    for a, b in itertools.pairwise(reports):
        assert a.end is not None
        assert b.start > a.end  # the next count starts after the previous end date
        if b.herhaalmelding:
            assert b.end is not None and (b.end - a.end).days >= 7


@SETTINGS
@given(absence_lists())
def test_below_16_hours_in_total_never_reports(absences: list[Absence]) -> None:
    total = sum((a.hours for a in absences if a.code in ONGEOORLOOFD), Decimal(0))
    if total < 16:
        assert zestien(run(pupil(), absences, TODAY)) == []


@SETTINGS
@given(absence_lists())
def test_authorised_absence_alone_never_reports(absences: list[Absence]) -> None:
    authorised = [a for a in absences if a.code not in ONGEOORLOOFD]
    decisions = run(pupil(), authorised, TODAY)
    assert not any(isinstance(d, MeldplichtSignal) for d in decisions)


@SETTINGS
@given(absence_lists(), st.integers(min_value=0, max_value=SPAN_DAYS))
def test_evaluation_is_stable_over_time_for_past_reports(absences: list[Absence], cut: int) -> None:
    """A report found on an earlier day is still found later with the same facts (no flapping)."""
    earlier = SPAN_START + timedelta(days=cut)
    first = zestien(run(pupil(), [a for a in absences if a.date <= earlier], earlier))
    later = {
        (r.start, r.end) for r in zestien(run(pupil(), [a for a in absences if a.date <= earlier], TODAY))
    }
    assert {(r.start, r.end) for r in first} <= later


def test_date_helper() -> None:
    assert isinstance(SPAN_START, date)
