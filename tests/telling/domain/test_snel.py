"""issue 16: the fold's shortcuts give exactly what the plain definitions give.

``is_leeg`` replaces ``f == LEEG`` and ``waarden`` counts sources without a set per member; both run for
every point of every person's history, so they were made cheap, and must stay exact."""

from __future__ import annotations

import random
from collections import defaultdict

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
