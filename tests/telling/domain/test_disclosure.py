"""Disclosure control (domain.md C Decision): no suppressed cell can be recovered exactly.

An attacker knows every published cell and that each total is the sum of its parts plus a known
residual (persons without a known woongemeente). A suppressed cell is *exactly recoverable* when its
unit vector lies in the row space of the sum equations over the suppressed cells; we test that with
exact rational Gaussian elimination on random one- and two-level tables.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from telling.domain.disclosure import Knoop, aandeel, boom, onderdruk, primair_onderdrukt, publiceer


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
