"""``lrv.runs`` judges only the days with absence (issue 16: it walked every school day from a pupil's
first absence to today at every evaluation) and must give exactly the runs of that walk, and raise
``BuitenKalenderbereik`` where the walk raised (A3.12), for any days, counting days, today and end."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from registratie.domain.kalender import snelle_kalender
from registratie.domain.lrv import _runs_dag_voor_dag, runs

from leerrecht.kalender import BuitenKalenderbereik, Vakantieregio, standaard_kalender

KAL = snelle_kalender()
REGIO = Vakantieregio.ZUID
BEGIN, EINDE = KAL.bereik(REGIO)


def _ctx(today: date, end: date | None, kalender: Any) -> Any:
    return SimpleNamespace(today=today, enrolment=SimpleNamespace(end=end, kalenderregio=REGIO), kalender=kalender)


def _uitkomst(f: Any, *args: Any) -> object:
    try:
        return f(*args)
    except BuitenKalenderbereik:
        return "buiten bereik"


dagen_st = st.lists(st.integers(-30, 40 + (EINDE - BEGIN).days), min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(dagen_st, st.data(), st.integers(-20, 40 + (EINDE - BEGIN).days), st.one_of(st.none(), st.integers(0, 900)))
def test_runs_are_those_of_the_walk_day_by_day(offsets: list[int], data: st.DataObject, vandaag: int,
                                               einde: int | None) -> None:
    dagen = [BEGIN + timedelta(days=o) for o in offsets]
    tellend = set(data.draw(st.sets(st.sampled_from(dagen))) if dagen else set())
    today = BEGIN + timedelta(days=vandaag)
    end = None if einde is None else BEGIN + timedelta(days=einde)
    for kal in (KAL, standaard_kalender()):
        ctx = _ctx(today, end, kal)
        verwacht: object = []
        if dagen:
            last_day = today if end is None else min(today, end)
            verwacht = _uitkomst(_runs_dag_voor_dag, ctx, min(dagen), last_day, tellend.__contains__)
        assert _uitkomst(runs, ctx, dagen, tellend.__contains__) == verwacht


def test_a_whole_school_year_absent_every_day_is_one_run_and_a_day_present_splits_it() -> None:
    today = date(2026, 6, 30)
    ctx = _ctx(today, None, KAL)
    schooldagen = list(KAL.schooldagen(REGIO, date(2025, 9, 1), today))
    [een] = runs(ctx, schooldagen, set(schooldagen).__contains__)
    assert een == schooldagen
    zonder = [d for d in schooldagen if d != schooldagen[100]]  # present that day: no absence
    twee = runs(ctx, zonder, set(zonder).__contains__)
    assert twee == [schooldagen[:100], schooldagen[101:]]
