"""Disclosure control of the monthly trend (domain.md C Decision; issue 15.5): month ends of one area
cannot be differenced into a count of 1–9, and what is hidden for that stays hidden in its month's sums.

The attacker sees every published month end of every area of one figure and year and knows that, in
each month, an area's value is the sum of its sub-areas' (the tree NL → regions → municipalities).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.disclosure import Gepubliceerd, boom, publiceer
from telling.domain.maandreeks import Tabel, publiceer_maanden

REGIOS = {"MC21": ["GM0363", "GM0384"], "MC29": ["GM0599"], "MC30": []}


def _tabellen(groei: dict[str, list[int]]) -> list[Tabel]:
    """Month-end tables from each municipality's (or childless region's) monthly mutations."""
    maanden = len(next(iter(groei.values())))
    stand = {g: list(itertools.accumulate(m)) for g, m in groei.items()}
    uit: list[Tabel] = []
    for i in range(maanden):
        t: dict[str, tuple[str | None, int]] = {}
        for regio, gemeenten in REGIOS.items():
            for gm in gemeenten:
                t[gm] = (regio, stand[gm][i])
            t[regio] = ("NL", sum(stand[gm][i] for gm in gemeenten) if gemeenten else stand[regio][i])
        t["NL"] = (None, sum(t[r][1] for r in REGIOS))
        uit.append(t)
    return uit


def _bladeren() -> list[str]:
    return [g for r, gms in REGIOS.items() for g in (gms or [r])]


def _bepaald(tabel: Tabel, verborgen: set[str]) -> set[str]:
    """Hidden cells of one month an attacker computes exactly from the sums (exact Gauss-Jordan)."""
    cellen = sorted(verborgen)
    if not cellen:
        return set()
    kinderen: dict[str, list[str]] = {}
    for g, (ouder, _) in tabel.items():
        if ouder is not None:
            kinderen.setdefault(ouder, []).append(g)
    rijen = []
    for ouder, subs in kinderen.items():  # ouder - sum(subs) = 0, restricted to the hidden cells
        rij = [Fraction(0)] * len(cellen)
        for g, f in [(ouder, 1), *((s, -1) for s in subs)]:
            if g in verborgen:
                rij[cellen.index(g)] += f
        if any(rij):
            rijen.append(rij)
    m, rang = [r[:] for r in rijen], 0
    for c in range(len(cellen)):
        p = next((i for i in range(rang, len(m)) if m[i][c] != 0), None)
        if p is None:
            continue
        m[rang], m[p] = m[p], m[rang]
        m[rang] = [x / m[rang][c] for x in m[rang]]
        for i in range(len(m)):
            if i != rang and m[i][c] != 0:
                m[i] = [a - m[i][c] * b for a, b in zip(m[i], m[rang], strict=True)]
        rang += 1
    return {cellen[c] for r in m[:rang] for c in range(len(cellen))
            if r[c] != 0 and sum(1 for x in r if x != 0) == 1}


def _controleer(tabellen: list[Tabel], gepubliceerd: list[dict[str, Gepubliceerd]]) -> None:
    gebieden = sorted({g for t in tabellen for g in t})
    for g in gebieden:
        getoond = [(i, c.waarde) for i, m in enumerate(gepubliceerd) if (c := m[g]).waarde is not None]
        for i, w in getoond:
            assert w == tabellen[i][g][1]  # a shown value is the true one
            assert w == 0 or w >= 10, (g, i, w)
        for (i, a), (j, b) in itertools.combinations(getoond, 2):
            assert not 0 < abs(a - b) < 10, f"{g}: maand {i}={a}, maand {j}={b}"
        # a growing figure pins a hidden month end between two equal published ones
        reeks = [0, *(m[g].waarde for m in gepubliceerd)]  # 0 before the first month
        for i, w in enumerate(reeks):
            if w is None:
                voor = next(x for x in reversed(reeks[:i]) if x is not None)
                na = next((x for x in reeks[i + 1:] if x is not None), None)
                assert voor != na, f"{g}: maand {i - 1} verborgen tussen twee keer {voor}"
    for t, m in zip(tabellen, gepubliceerd, strict=True):
        verborgen = {g for g, c in m.items() if c.onderdrukt}
        assert not _bepaald(t, verborgen), (verborgen, t)


def test_a_region_growing_by_one_a_month_shows_only_steps_of_ten_or_more() -> None:
    """The worst case for differencing: every month one more pupil (from 10), in one region."""
    groei = {g: [0] * 12 for g in _bladeren()}
    groei["MC30"] = [10] + [1] * 11
    groei["GM0599"] = [40] + [0] * 11  # another region, steady: NL moves by one a month too
    groei["GM0363"] = [25] + [0] * 11
    tabellen = _tabellen(groei)
    gepubliceerd = publiceer_maanden(tabellen)
    _controleer(tabellen, gepubliceerd)
    assert [m["MC30"].waarde for m in gepubliceerd] == [10, None, None, None, None, None, None, None, None, None,
                                                       20, None]
    # today's rule alone (each month on its own) published every month end: 10, 11, 12, ...
    los = [publiceer(boom(t))["MC30"].waarde for t in tabellen]
    assert los == list(range(10, 22))


def test_steady_figures_lose_nothing() -> None:
    groei = {g: [12] + [0] * 11 for g in _bladeren()}
    tabellen = _tabellen(groei)
    assert publiceer_maanden(tabellen) == [publiceer(boom(t)) for t in tabellen]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.lists(st.integers(-3, 12), min_size=8, max_size=8)),
                min_size=4, max_size=4))
def test_no_published_month_ends_difference_is_1_to_9_and_nothing_hidden_is_recoverable(
    reeksen: list[tuple[int, list[int]]]
) -> None:
    groei: dict[str, list[int]] = {}
    for g, (start, stappen) in zip(_bladeren(), reeksen, strict=True):
        stand, uit = start, [start]
        for s in stappen[1:]:
            s = max(s, -stand)  # a count never goes below 0
            stand += s
            uit.append(s)
        groei[g] = uit
    tabellen = _tabellen(groei)
    _controleer(tabellen, publiceer_maanden(tabellen))
