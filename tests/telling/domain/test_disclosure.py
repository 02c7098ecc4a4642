"""Disclosure control (domain.md C Decision): no suppressed cell can be recovered exactly.

An attacker knows every published cell and that each total is the sum of its parts plus a known
residual (persons without a known woongemeente). A suppressed cell is *exactly recoverable* when its
unit vector lies in the row space of the sum equations over the suppressed cells; we test that with
exact rational Gaussian elimination on random one- and two-level tables.
"""

from __future__ import annotations

import random
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.disclosure import (
    TOTAAL,
    Gepubliceerd,
    Knoop,
    Kruistabel,
    aandeel,
    bepaalde_cellen,
    boom,
    kruistabel,
    onderdruk,
    onderdruk_kruistabel,
    primair_onderdrukt,
    publiceer,
    publiceer_kruistabel,
)


def _rank(rows: list[list[Fraction]]) -> int:
    m = [r[:] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def recoverable(wortel: Knoop, weg: frozenset[str]) -> set[str]:
    """The suppressed cells an attacker can compute exactly from the published cells and margins."""
    unknown = sorted(weg)
    idx = {k: i for i, k in enumerate(unknown)}
    rows: list[list[Fraction]] = []
    for k in wortel.alle():
        if not k.kinderen:
            continue
        row = [Fraction(0)] * len(unknown)
        for member, coef in ((k, 1), *((c, -1) for c in k.kinderen)):
            if member.sleutel in idx:
                row[idx[member.sleutel]] += coef
        if any(row):
            rows.append(row)
    if not rows:
        return set()
    base = _rank(rows)
    found = set()
    for key, i in idx.items():
        unit = [Fraction(int(j == i)) for j in range(len(unknown))]
        if _rank([*rows, unit]) == base:
            found.add(key)
    return found


def _row(draw: st.DrawFn, prefix: str, n_max: int) -> tuple[Knoop, ...]:
    values = draw(st.lists(st.integers(0, 40), min_size=1, max_size=n_max))
    return tuple(Knoop(f"{prefix}{i}", v) for i, v in enumerate(values))


@st.composite
def one_level(draw: st.DrawFn) -> Knoop:
    """A row of municipalities summing (plus a small residual) to a regional total."""
    kids = _row(draw, "GM", 8)
    residual = draw(st.integers(0, 3))
    return Knoop("MC01", sum(k.waarde for k in kids) + residual, kids)


@st.composite
def two_level(draw: st.DrawFn) -> Knoop:
    """Regions (each a row of municipalities) summing to NL."""
    regions = []
    for r in range(draw(st.integers(1, 5))):
        kids = _row(draw, f"GM{r}x", 5) if draw(st.booleans()) else ()
        base = sum(k.waarde for k in kids) if kids else draw(st.integers(0, 40))
        regions.append(Knoop(f"MC{r:02d}", base + draw(st.integers(0, 2)), kids))
    return Knoop("NL", sum(k.waarde for k in regions) + draw(st.integers(0, 2)), tuple(regions))


def _check(wortel: Knoop) -> None:
    weg = onderdruk(wortel)
    for k in wortel.alle():
        if primair_onderdrukt(k.waarde):
            assert k.sleutel in weg, f"{k.sleutel}={k.waarde} must be suppressed"
    assert recoverable(wortel, weg) == set()
    for k in wortel.alle():  # no sum hides exactly one member
        if k.kinderen:
            assert sum(1 for m in (k, *k.kinderen) if m.sleutel in weg) != 1


@settings(max_examples=300, deadline=None)
@given(one_level())
def test_one_level_no_suppressed_cell_is_recoverable(wortel: Knoop) -> None:
    _check(wortel)


@settings(max_examples=300, deadline=None)
@given(two_level())
def test_two_levels_no_suppressed_cell_is_recoverable(wortel: Knoop) -> None:
    _check(wortel)


def test_the_recoverability_check_can_fail() -> None:
    """Primary suppression alone leaks: total minus the published cells gives the hidden one."""
    row = Knoop("MC01", 57, (Knoop("GM1", 3), Knoop("GM2", 20), Knoop("GM3", 34)))
    assert recoverable(row, frozenset({"GM1"})) == {"GM1"}
    assert recoverable(row, onderdruk(row)) == set()


def test_secondary_suppression_takes_the_next_smallest_cell() -> None:
    row = Knoop("MC01", 57, (Knoop("GM1", 3), Knoop("GM2", 20), Knoop("GM3", 12), Knoop("GM4", 22)))
    assert onderdruk(row) == {"GM1", "GM3"}
    shown = publiceer(row)
    assert shown["GM1"].waarde is None and shown["GM1"].weergave == "<10"
    assert shown["GM3"].onderdrukt and shown["MC01"].waarde == 57


def test_a_hidden_total_needs_a_hidden_part() -> None:
    """A region of 5 persons in 2 municipalities: region hidden, so a municipality must be too, and
    at NL level another region (the region row holds the hidden total)."""
    nl = Knoop("NL", 105, (
        Knoop("MC01", 5, (Knoop("GM1", 0), Knoop("GM2", 5))),
        Knoop("MC02", 40, (Knoop("GM3", 40),)),
        Knoop("MC03", 60),
    ))
    weg = onderdruk(nl)
    assert {"MC01", "GM2", "MC02"} <= weg
    assert recoverable(nl, weg) == set()


def test_zero_is_published_and_not_preferred_as_secondary() -> None:
    row = Knoop("MC01", 30, (Knoop("GM1", 4), Knoop("GM2", 0), Knoop("GM3", 26)))
    weg = onderdruk(row)
    assert "GM2" not in weg and weg == {"GM1", "GM3"} | (weg & {"MC01"})


def test_tree_from_stored_cells() -> None:
    cellen = {"NL": (None, 30), "MC01": ("NL", 30), "GM0001": ("MC01", 3), "GM0002": ("MC01", 27)}
    t = boom(cellen)
    assert t.sleutel == "NL" and t.kinderen[0].sleutel == "MC01"
    assert [k.sleutel for k in t.kinderen[0].kinderen] == ["GM0001", "GM0002"]
    shown = publiceer(t)
    # NL = MC01 (one region): hiding a municipality must not leak through either sum
    assert shown["GM0001"].waarde is None and shown["GM0002"].waarde is None
    assert recoverable(t, onderdruk(t)) == set()


def test_rates_need_a_denominator_of_100() -> None:
    assert aandeel(44, 100) == 0.44
    assert aandeel(44, 99) is None
    assert aandeel(None, 500) is None
    assert aandeel(10, None) is None


# --- Cross-tables: areas (a tree) × categories of one breakdown plus the total "*" ------------------

Cel = tuple[str, str]


def sums_2d(rows: dict[str, str | None], cols: list[str]) -> list[tuple[Cel, list[Cel]]]:
    """The published margins, built here independently of the module: per row the categories add up
    to "*", per column the child areas add up to their parent (residuals known)."""
    cats = [c for c in cols if c != "*"]
    out: list[tuple[Cel, list[Cel]]] = [((r, "*"), [(r, c) for c in cats]) for r in rows] if cats else []
    for p in rows:
        kids = [r for r, q in rows.items() if q == p]
        if kids:
            out += [((p, c), [(k, c) for k in kids]) for c in cols]
    return out


def _equations_2d(rows: dict[str, str | None], cols: list[str], unknown: list[Cel]) -> list[list[Fraction]]:
    idx = {k: i for i, k in enumerate(unknown)}
    eqs: list[list[Fraction]] = []
    for total, members in sums_2d(rows, cols):
        row = [Fraction(0)] * len(unknown)
        for cel, coef in ((total, 1), *((m, -1) for m in members)):
            if cel in idx:
                row[idx[cel]] += coef
        if any(row):
            eqs.append(row)
    return eqs


def recoverable_2d_by_rank(rows: dict[str, str | None], cols: list[str], weg: frozenset[Cel] | set[Cel]) -> set[Cel]:
    """The hidden cells an attacker can compute exactly: unit vector in the row space (rank test)."""
    unknown = sorted(weg)
    eqs = _equations_2d(rows, cols, unknown)
    if not eqs:
        return set()
    base = _rank(eqs)
    unit = [[Fraction(int(j == i)) for j in range(len(unknown))] for i in range(len(unknown))]
    return {k for i, k in enumerate(unknown) if _rank([*eqs, unit[i]]) == base}


def recoverable_2d(rows: dict[str, str | None], cols: list[str], weg: frozenset[Cel] | set[Cel]) -> set[Cel]:
    """The same, faster: one dense reduction; a hidden cell is determined when every null-space
    vector is 0 there, i.e. it is a pivot whose reduced row has no other non-zero entry."""
    unknown = sorted(weg)
    m = _equations_2d(rows, cols, unknown)
    pivots: list[tuple[int, int]] = []
    r = 0
    for c in range(len(unknown)):
        p = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if p is None:
            continue
        m[r], m[p] = m[p], m[r]
        m[r] = [v / m[r][c] for v in m[r]]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append((r, c))
        r += 1
    return {unknown[c] for r, c in pivots if sum(1 for v in m[r] if v != 0) == 1}


_count = st.one_of(st.integers(1, 9), st.just(0), st.integers(10, 60))


@st.composite
def cross_table(draw: st.DrawFn, small: bool = True) -> tuple[dict[Cel, int], dict[str, str | None], list[str]]:
    """NL → regions (→ municipalities for some) × 1–4 categories and "*", with many counts 1–9.
    Row totals and parent areas are the sums plus a small residual (moves, unknown woongemeente)."""
    count = _count if small else st.one_of(st.just(0), st.integers(10, 60))
    residual = st.integers(0, 2) if small else st.sampled_from([0, 10])
    cols = [f"k{i}" for i in range(draw(st.integers(1, 4)))] + ["*"]
    rows: dict[str, str | None] = {"NL": None}
    for r in range(draw(st.integers(1, 4))):
        rows[f"MC{r}"] = "NL"
        for g in range(draw(st.integers(0, 3)) if draw(st.booleans()) else 0):
            rows[f"GM{r}{g}"] = f"MC{r}"
    cellen: dict[Cel, int] = {}

    def fill(row: str) -> None:
        kids = [k for k, p in rows.items() if p == row]
        for k in kids:
            fill(k)
        for c in cols[:-1]:
            cellen[(row, c)] = (sum(cellen[(k, c)] for k in kids) + draw(residual)) if kids else draw(count)
        total = sum(cellen[(row, c)] for c in cols[:-1]) + draw(residual)
        if kids:  # the parent's total is also (about) the sum of its children's totals
            total = max(total, sum(cellen[(k, "*")] for k in kids))
        cellen[(row, "*")] = total

    fill("NL")
    return cellen, rows, cols


@settings(max_examples=200, deadline=None)
@given(cross_table())
def test_cross_table_no_suppressed_cell_is_recoverable(
        t: tuple[dict[Cel, int], dict[str, str | None], list[str]]) -> None:
    cellen, rows, cols = t
    weg = onderdruk_kruistabel(cellen, rows)
    primary = {c for c, v in cellen.items() if primair_onderdrukt(v)}
    assert primary <= weg
    assert recoverable_2d(rows, cols, weg) == set()
    for total, members in sums_2d(rows, cols):
        assert sum(1 for c in (total, *members) if c in weg) != 1
    # nothing needless: showing any one secondary cell again would make a hidden cell derivable
    # (checked with the module's fast elimination, which the next test holds against the rank test)
    tabel = kruistabel(cellen, rows)
    for cel in weg - primary:
        assert bepaalde_cellen(tabel, weg - {cel}), f"{cel} is suppressed needlessly"


@settings(max_examples=100, deadline=None)
@given(cross_table(small=False))
def test_cross_table_without_small_counts_hides_nothing(
        t: tuple[dict[Cel, int], dict[str, str | None], list[str]]) -> None:
    cellen, rows, _ = t
    assert onderdruk_kruistabel(cellen, rows) == frozenset()
    assert all(not p.onderdrukt and p.waarde == cellen[c] for c, p in publiceer_kruistabel(cellen, rows).items())


@settings(max_examples=100, deadline=None)
@given(cross_table(), st.data())
def test_fast_elimination_agrees_with_the_rank_test(
        t: tuple[dict[Cel, int], dict[str, str | None], list[str]], data: st.DataObject) -> None:
    """The module's sparse Gauss-Jordan check and this file's dense one against the rank test, on
    arbitrary hidden sets."""
    cellen, rows, cols = t
    weg = data.draw(st.sets(st.sampled_from(sorted(cellen)), max_size=12))
    expected = recoverable_2d_by_rank(rows, cols, weg)
    assert recoverable_2d(rows, cols, weg) == expected
    assert bepaalde_cellen(kruistabel(cellen, rows), weg) == expected


@st.composite
def sparse_system(draw: st.DrawFn) -> tuple[Kruistabel, set[Cel]]:
    """Arbitrary sums over a small pool of cells: a cell may occur twice in a sum (coefficient -2) or be
    its own member (0), so pivots other than ±1 (rows of fractions) and long chains of fill-in occur,
    which a table of areas and categories rarely gives."""
    pool = [(f"r{i}", f"k{j}") for i in range(draw(st.integers(2, 5))) for j in range(draw(st.integers(1, 4)))]
    cel = st.sampled_from(pool)
    sommen = tuple((draw(cel), tuple(draw(st.lists(cel, min_size=1, max_size=6))))
                   for _ in range(draw(st.integers(1, 14))))
    tabel = Kruistabel({c: 1 for c in pool}, tuple(sorted({r for r, _ in pool})),
                       tuple(sorted({k for _, k in pool})), TOTAAL, frozenset(), sommen)
    return tabel, draw(st.sets(cel, max_size=len(pool)))


def _by_rank(tabel: Kruistabel, weg: set[Cel]) -> set[Cel]:
    unknown = sorted(weg)
    idx = {k: i for i, k in enumerate(unknown)}
    eqs: list[list[Fraction]] = []
    for som, leden in tabel.sommen:
        row = [Fraction(0)] * len(unknown)
        for c, coef in ((som, 1), *((m, -1) for m in leden)):
            if c in idx:
                row[idx[c]] += coef
        if any(row):
            eqs.append(row)
    if not eqs:
        return set()
    base = _rank(eqs)
    return {k for k, i in idx.items() if _rank([*eqs, [Fraction(int(j == i)) for j in range(len(unknown))]]) == base}


@settings(max_examples=300, deadline=None)
@given(sparse_system())
def test_elimination_agrees_with_the_rank_test_on_arbitrary_sums(t: tuple[Kruistabel, set[Cel]]) -> None:
    """The forward elimination and the one back substitution (ninth round) find exactly the cells whose
    unit vector lies in the row space, also with fractions and sums that are no table's."""
    tabel, weg = t
    assert bepaalde_cellen(tabel, weg) == _by_rank(tabel, weg)


def _bridge_table() -> tuple[dict[Cel, int], dict[str, str | None], set[Cel]]:
    """Two 2×2 blocks of small counts joined by one small cell: every row and column sum hides 0 or
    ≥ 2 cells, yet the joining cell lies on no cycle of hidden cells, so it is pinned."""
    rows: dict[str, str | None] = {"NL": None, "R1": "NL", "R2": "NL", "R3": "NL", "R4": "NL"}
    cats = ["po", "vo", "mbo", "vso"]
    small = {("R1", "po"): 3, ("R1", "vo"): 4, ("R2", "po"): 5, ("R2", "vo"): 2,
             ("R3", "mbo"): 6, ("R3", "vso"): 7, ("R4", "mbo"): 8, ("R4", "vso"): 1,
             ("R2", "mbo"): 9}
    cellen = {(r, c): small.get((r, c), 20) for r in rows if r != "NL" for c in cats}
    for r in list(rows)[1:]:
        cellen[(r, "*")] = sum(cellen[(r, c)] for c in cats)
    for c in [*cats, "*"]:
        cellen[("NL", c)] = sum(cellen[(r, c)] for r in list(rows)[1:])
    return cellen, rows, set(small)


def test_the_one_dimensional_rule_is_not_enough_in_two_dimensions() -> None:
    cellen, rows, primary = _bridge_table()
    cols = ["po", "vo", "mbo", "vso", "*"]
    for total, members in sums_2d(rows, cols):  # the 1-D rule is satisfied by primary suppression ...
        assert sum(1 for c in (total, *members) if c in primary) in (0, 2, 3)
    assert recoverable_2d_by_rank(rows, cols, primary) == {("R2", "mbo")}  # ... and still the bridge leaks
    # (R2, mbo) = NL.mbo - 20 - 6 - 8 and R3/R4 are fixed by their own row and column sums
    weg = onderdruk_kruistabel(cellen, rows)
    assert primary <= weg and recoverable_2d(rows, cols, weg) == set()
    assert len(weg - primary) == 1  # one extra cell closes a cycle through the bridge


def test_publish_cross_table() -> None:
    cellen, rows, primary = _bridge_table()
    del cellen[("R1", "mbo")]  # not stored: a published 0
    cellen[("R1", "*")] -= 20
    cellen[("NL", "mbo")] -= 20
    cellen[("NL", "*")] -= 20
    shown = publiceer_kruistabel(cellen, rows)
    assert len(shown) == 5 * 5
    assert shown[("R1", "mbo")] == Gepubliceerd(0, False)
    assert shown[("R2", "mbo")].weergave == "<10" and shown[("R2", "mbo")].waarde is None
    assert shown[("NL", "*")].waarde == cellen[("NL", "*")]
    weg = {c for c, p in shown.items() if p.onderdrukt}
    assert primary <= weg
    assert recoverable_2d(rows, ["po", "vo", "mbo", "vso", "*"], weg) == set()


def test_a_small_row_total_is_hidden_with_a_partner() -> None:
    """A region with 6 persons in total: its total and a part are hidden, and in the "*" column
    another region's total too (NL stays visible)."""
    rows: dict[str, str | None] = {"NL": None, "MC01": "NL", "MC02": "NL", "MC03": "NL"}
    cellen = {("MC01", "po"): 0, ("MC01", "vo"): 6, ("MC01", "*"): 6,
              ("MC02", "po"): 30, ("MC02", "vo"): 12, ("MC02", "*"): 42,
              ("MC03", "po"): 50, ("MC03", "vo"): 40, ("MC03", "*"): 90,
              ("NL", "po"): 80, ("NL", "vo"): 58, ("NL", "*"): 138}
    weg = onderdruk_kruistabel(cellen, rows)
    assert {("MC01", "vo"), ("MC01", "*")} <= weg
    assert not any(r == "NL" for r, _ in weg)
    assert recoverable_2d(rows, ["po", "vo", "*"], weg) == set()


def test_cross_table_input_errors() -> None:
    with pytest.raises(ValueError, match="cycle"):
        onderdruk_kruistabel({("A", "*"): 3}, {"A": "B", "B": "A"})
    with pytest.raises(ValueError, match="negative"):
        onderdruk_kruistabel({("A", "*"): -1}, {"A": None})


def _national_table(seed: int, share_small: float) -> tuple[dict[Cel, int], dict[str, str | None]]:
    """The issue-7 size: NL and 40 regions × 5 school types and "*"."""
    rnd = random.Random(seed)
    cats = ["po", "vo", "mbo", "(v)so", "geen"]
    rows: dict[str, str | None] = {"NL": None} | {f"MC{i:02d}": "NL" for i in range(40)}
    cellen: dict[Cel, int] = {}
    for r in list(rows)[1:]:
        for c in cats:
            cellen[(r, c)] = rnd.randint(1, 9) if rnd.random() < share_small else rnd.choice([0, rnd.randint(10, 300)])
        cellen[(r, "*")] = sum(cellen[(r, c)] for c in cats) + rnd.randint(0, 2)
    for c in [*cats, "*"]:
        cellen[("NL", c)] = sum(cellen[(r, c)] for r in list(rows)[1:])
    return cellen, rows


@pytest.mark.parametrize("share_small", [0.1, 0.3, 0.6])
def test_national_size_is_fast_and_safe(share_small: float) -> None:
    for seed in range(3):
        cellen, rows = _national_table(seed, share_small)
        start = time.perf_counter()
        weg = onderdruk_kruistabel(cellen, rows)
        assert time.perf_counter() - start < 1.0
        assert {c for c, v in cellen.items() if primair_onderdrukt(v)} <= weg
        assert bepaalde_cellen(kruistabel(cellen, rows), weg) == frozenset()


# --- sums resting on persons (issue 14.6) ----------------------------------------------------------


def test_a_sum_is_suppressed_by_the_persons_it_rests_on_not_by_its_value() -> None:
    assert primair_onderdrukt(500, personen=3), "500 hours of 3 pupils"
    assert not primair_onderdrukt(40, personen=12), "40 registrations of 12 pupils"
    assert not primair_onderdrukt(0, personen=0)
    assert primair_onderdrukt(7, personen=0), "a non-zero sum resting on nobody known: not published"
    assert primair_onderdrukt(0, personen=2), "contributions that cancel out still rest on 2 pupils"


def test_a_sum_table_gets_the_same_secondary_suppression_as_counts() -> None:
    tabel = {"NL": (None, 900), "MC21": ("NL", 880), "MC29": ("NL", 20)}
    shown = publiceer(boom(tabel, personen={"NL": 14, "MC21": 11, "MC29": 3}))
    assert shown["MC29"].onderdrukt, "20 hours of 3 pupils"
    assert shown["MC21"].onderdrukt, "else NL minus MC21 gives MC29 back"
    assert shown["NL"] == Gepubliceerd(900, False)
    # without the persons the same values would all be shown: the old leak
    assert not any(s.onderdrukt for s in publiceer(boom(tabel)).values())
