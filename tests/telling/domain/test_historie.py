"""The as-of history (telling.domain.historie): facts per registratiedag, merged with voeg_samen, give
the figures as they stood on any day, whatever order the events arrive in (domain.md C: reproducible)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

from telling.domain.figures import LEEG, Cell, Feiten, Membership, lidmaatschappen, neem_op, voeg_samen, waarden
from telling.domain.historie import Dagen, stand, verwerk
from tl_scenario import AMS, PERSONEN, SCENARIO, Stap

JAAR = "2025-2026"


def _per_persoon() -> dict[str, list[Stap]]:
    out: dict[str, list[Stap]] = defaultdict(list)
    for s in SCENARIO:
        out[s.subject].append(s)
    return out


def _fold(stappen: list[Stap]) -> Feiten:
    f = LEEG
    for s in stappen:
        f = neem_op(f, s.event, s.region, s.datum)
    return f


def test_merging_two_folds_gives_the_memberships_of_one_fold() -> None:
    rnd = random.Random(1)
    for persoon, stappen in _per_persoon().items():
        geheel = lidmaatschappen(_fold(stappen), persoon)
        for _ in range(20):
            gemengd = stappen[:]
            rnd.shuffle(gemengd)
            k = rnd.randrange(len(gemengd) + 1)
            a, b = _fold(gemengd[:k]), _fold(gemengd[k:])
            assert lidmaatschappen(voeg_samen(a, b), persoon) == geheel
            assert lidmaatschappen(voeg_samen(b, a), persoon) == geheel


def _waarden_op(dagen: dict[str, Dagen], d: date) -> dict[Cell, int]:
    leden: set[Membership] = set()
    for persoon, per_dag in dagen.items():
        leden |= lidmaatschappen(stand(per_dag, d), persoon)
    return {c: v for c, v in waarden(leden).items() if v}


def _speel(volgorde: list[Stap], batch: int) -> tuple[dict[str, Dagen], dict[tuple[Cell, date], int]]:
    """What the projection does, without a database: per batch, fold each person's events into their
    recorded day and keep the history mutations."""
    dagen: dict[str, Dagen] = {}
    historie: dict[tuple[Cell, date], int] = defaultdict(int)
    for i in range(0, len(volgorde), batch):
        per: dict[str, list[Stap]] = defaultdict(list)
        for s in volgorde[i:i + batch]:
            per[s.subject].append(s)
        for persoon, stappen in per.items():
            voor = dagen.get(persoon, {})
            na = dict(voor)
            for s in stappen:
                dag = s.geregistreerd.date()
                na[dag] = neem_op(na.get(dag, LEEG), s.event, s.region, s.datum)
            for k, n in verwerk(voor, na, persoon).mutaties.items():
                historie[k] += n
            dagen[persoon] = na
    return dagen, historie


def _op(historie: dict[tuple[Cell, date], int], d: date) -> dict[Cell, int]:
    out: dict[Cell, int] = defaultdict(int)
    for (cell, dag), n in historie.items():
        if dag <= d:
            out[cell] += n
    return {c: v for c, v in out.items() if v}


def test_history_is_the_figures_of_the_events_recorded_up_to_each_day_in_any_arrival_order() -> None:
    dagen_geordend, verwacht = _speel(SCENARIO, batch=1)
    days = sorted({s.geregistreerd.date() for s in SCENARIO})
    for d in days:
        assert _op(verwacht, d) == _waarden_op(dagen_geordend, d), d
    rnd = random.Random(7)
    for batch in (1, 3, 50):
        for _ in range(5):
            volgorde = SCENARIO[:]
            rnd.shuffle(volgorde)  # out of order across and within topics: late arrivals
            _, historie = _speel(volgorde, batch)
            assert {k: v for k, v in historie.items() if v} == {k: v for k, v in verwacht.items() if v}


def test_a_later_withdrawal_does_not_change_the_figures_as_of_the_day_before() -> None:
    _, historie = _speel(SCENARIO, batch=4)
    cel = Cell("relatief_verzuim", AMS, JAAR)
    # P1, P2, P3 and P10 reported on 27 October; P3's report withdrawn on 29 October
    assert _op(historie, date(2025, 10, 26)).get(cel, 0) == 0
    assert _op(historie, date(2025, 10, 28))[cel] == 4
    assert _op(historie, date(2025, 10, 29))[cel] == 3
    assert _op(historie, date(2026, 7, 31))[cel] == 3


def test_replaying_a_batch_changes_nothing() -> None:
    dagen, _ = _speel(SCENARIO, batch=10)
    for persoon in PERSONEN:
        voor = dagen[persoon]
        na = dict(voor)
        for s in (s for s in SCENARIO if s.subject == persoon):
            dag = s.geregistreerd.date()
            na[dag] = neem_op(na.get(dag, LEEG), s.event, s.region, s.datum)
        v = verwerk(voor, na, persoon)
        assert not v.erbij and not v.eraf and not v.mutaties
