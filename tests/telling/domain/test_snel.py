"""issue 16: the fold's shortcuts give exactly what the plain definitions give.

``is_leeg`` replaces ``f == LEEG`` and ``waarden`` counts sources without a set per member; the fold
moves its counts by the memberships that differ between two points instead of recounting
(``_verschuif``). They run for every point of every person's history, so they were made cheap, and must
stay exact."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.figures import (
    INDICATOREN,
    LEEG,
    VSV_LEEFTIJDSGRENS,
    VSV_SCHOOLTYPES,
    Cell,
    Feiten,
    Membership,
    Schoolinschrijving,
    Uitschrijving,
    _vsv_grenzen,
    ingeschreven_op,
    is_leeg,
    lidmaatschappen,
    neem_op,
    waarden,
)
from telling.domain.historie import Mutaties, _verschuif, bronnen
from tl_scenario import SCENARIO, Stap

from contracts.codes import SchoolType, UitschrijvingsReden


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


def _waarden_zoals_gedefinieerd(leden: list[Membership]) -> dict[Cell, int]:
    bronnen: dict[Cell, dict[str, set[str]]] = {}
    for m in leden:
        bronnen.setdefault(m.cell, {}).setdefault(m.person, set()).add(m.bron)
    return {c: sum(1 for b in per.values() if len(b) >= INDICATOREN[c.indicator].drempel)
            for c, per in bronnen.items()}


def test_is_leeg_is_equality_with_the_empty_facts() -> None:
    assert is_leeg(LEEG)
    assert is_leeg(type(LEEG)())
    rnd = random.Random(3)
    for stappen in _per_persoon().values():
        for k in range(len(stappen) + 1):
            deel = rnd.sample(stappen, k)
            f = _fold(deel)
            assert is_leeg(f) == (f == LEEG)


_INDICATOREN = sorted(INDICATOREN)


@given(st.lists(st.tuples(st.sampled_from(_INDICATOREN), st.sampled_from(["NL", "MC28"]),
                          st.sampled_from(["a", "b", "c"]), st.sampled_from(["", "x", "y", "z"])), max_size=40))
def test_waarden_counts_distinct_sources_as_defined(rijen: list[tuple[str, str, str, str]]) -> None:
    # a list with repeats, a set and a frozenset of the same memberships give the defined values
    leden = [Membership(Cell(i, g, "2025-2026"), p, b) for i, g, p, b in rijen]
    verwacht = _waarden_zoals_gedefinieerd(leden)
    assert waarden(leden) == verwacht
    assert waarden(set(leden)) == verwacht
    assert waarden(frozenset(leden)) == verwacht


def test_waarden_of_real_memberships_as_defined() -> None:
    for persoon, stappen in _per_persoon().items():
        leden = lidmaatschappen(_fold(stappen), persoon)
        assert waarden(leden) == _waarden_zoals_gedefinieerd(list(leden))


_LEDEN = st.lists(st.tuples(st.sampled_from(["relatief_verzuim", "relatief_verzuim_herhaald", "lrv"]),
                            st.sampled_from(["NL", "MC28"]), st.sampled_from(["a", "b"]),
                            st.sampled_from(["", "x", "y"])), max_size=20)


@given(_LEDEN, _LEDEN, _LEDEN)
def test_value_changes_from_set_differences_equal_recounting(basis: list[tuple[str, str, str, str]],
                                                             eerste: list[tuple[str, str, str, str]],
                                                             tweede: list[tuple[str, str, str, str]]) -> None:
    # the fold moves its counts of sources by what differs between two points (_verschuif); over a
    # series of points that must give, per point, exactly the difference of the recounted values,
    # also for an indicator counting a member only from two sources (relatief_verzuim_herhaald)
    def leden(rijen: list[tuple[str, str, str, str]]) -> frozenset[Membership]:
        return frozenset(Membership(Cell(i, g, "2025-2026"), p, b) for i, g, p, b in rijen)

    punten = [leden(basis), leden(eerste), leden(tweede)]
    tellers = bronnen(punten[0])
    for dag, (eerder, nu) in enumerate(pairwise(punten), start=1):
        uit: Mutaties = defaultdict(int)
        _verschuif(tellers, eerder, nu, date(2025, 9, dag), uit)
        voor, na = waarden(eerder), waarden(nu)
        verwacht = {(c, date(2025, 9, dag)): na.get(c, 0) - voor.get(c, 0) for c in voor.keys() | na.keys()}
        assert {k: n for k, n in uit.items() if n} == {k: n for k, n in verwacht.items() if n}
        assert tellers == bronnen(nu)


def _vsv_grenzen_jaar_voor_jaar(f: Feiten, na: date) -> list[date]:
    """The definition the periods replace: every year up to the age limit, asked one by one."""
    inschrijvingen = [i for i in f.schoolinschrijvingen if i.school_type in VSV_SCHOOLTYPES]
    if not inschrijvingen:
        return []
    begin = max(min(i.datum for i in inschrijvingen).year, na.year)
    eind = (int(min(f.geboren)[:4]) + VSV_LEEFTIJDSGRENS + 2) if f.geboren else begin + 40
    return [date(j, 10, 1) for j in range(begin, eind + 1)
            if ingeschreven_op(f, date(j, 10, 1), VSV_SCHOOLTYPES)
            or ingeschreven_op(f, date(j - 1, 10, 1), VSV_SCHOOLTYPES)]


@settings(max_examples=400)
@given(st.lists(st.tuples(st.integers(0, 3000), st.sampled_from(["A", "B"]), st.sampled_from(list(SchoolType))),
                max_size=4),
       st.lists(st.tuples(st.integers(0, 3000), st.sampled_from(["A", "B"])), max_size=4),
       st.integers(0, 3500), st.sampled_from([(), ("2008-05",), ("2012-11",)]))
def test_vsv_boundaries_by_periods_are_those_of_every_year(
        inschrijvingen: list[tuple[int, str, SchoolType]], uitschrijvingen: list[tuple[int, str]], na: int,
        geboren: tuple[str, ...]) -> None:
    """issue 16, eighth round: the 1 Octobers of the vsv startset from enrolment periods are the same as
    asking :func:`ingeschreven_op` year by year (which walked to the age limit after someone left)."""
    begin = date(2014, 1, 1)
    f = Feiten(
        schoolinschrijvingen=tuple(Schoolinschrijving(datum=begin + timedelta(days=d), school=s, school_type=t)
                                   for d, s, t in inschrijvingen),
        uitschrijvingen=tuple(Uitschrijving(datum=begin + timedelta(days=d), school=s,
                                            reden=UitschrijvingsReden.OVERSTAP) for d, s in uitschrijvingen),
        geboren=geboren)
    peil = begin + timedelta(days=na)
    assert list(_vsv_grenzen(f, peil)) == _vsv_grenzen_jaar_voor_jaar(f, peil)


def test_vsv_boundaries_go_on_a_year_after_the_last_enrolment_ends() -> None:
    """Left school on 15 November 2018 after being enrolled on 1 October 2018: 1 October 2019 still
    asks whether the person left (``vsv_nieuw``), 2020 does not."""
    f = Feiten(
        schoolinschrijvingen=(Schoolinschrijving(datum=date(2015, 9, 1), school="A", school_type=SchoolType.VO),),
        uitschrijvingen=(Uitschrijving(datum=date(2018, 11, 15), school="A", reden=UitschrijvingsReden.OVERSTAP),),
        geboren=("2003-05",))
    verwacht = [date(j, 10, 1) for j in range(2015, 2020)]
    assert list(_vsv_grenzen(f, date(2015, 1, 1))) == verwacht == _vsv_grenzen_jaar_voor_jaar(f, date(2015, 1, 1))
