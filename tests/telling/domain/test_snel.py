"""issue 16: the fold's shortcuts give exactly what the plain definitions give.

``is_leeg`` replaces ``f == LEEG`` and ``waarden`` counts sources without a set per member; the fold
moves its counts by the memberships that differ between two points instead of recounting
(``_verschuif``). They run for every point of every person's history, so they were made cheap, and must
stay exact."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from telling.domain.figures import (
    INDICATOREN,
    LEEG,
    Cell,
    Feiten,
    Membership,
    is_leeg,
    lidmaatschappen,
    neem_op,
    waarden,
)
from telling.domain.historie import Mutaties, _verschuif, bronnen
from tl_scenario import SCENARIO, Stap


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
