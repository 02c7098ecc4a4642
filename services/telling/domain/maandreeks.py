"""Disclosure control of the monthly trend (domain.md C, **Decision**; issue 15.5): pure, no I/O.

The trend publishes, per schooljaar (or vsv-jaar), each area's figure as it stood at the end of every
month. Each month's table alone is protected by :func:`telling.domain.disclosure.publiceer` (counts
1–9 hidden, and sums that would reveal them). That is not enough over time: two published month ends
of one area are two totals of overlapping sets of persons, and their difference is the change between
them. Most figures are running counts (a pupil who became relatively absent stays counted for the
year), so 12 at the end of September and 15 at the end of October says that 3 pupils were added in
October in that area: a figure resting on 3 persons, which is never published as a cell.

The rule here, the differencing complement of what :mod:`~telling.domain.disclosure` does for margins:

1. **Over months**: within one area and year, no two *published* month ends may differ by 1–9, whether
   consecutive or not (a figure that also falls, e.g. a correction, makes a difference over several
   months as telling as one over one). Walking the months in order, a month end that differs by 1–9
   from any earlier published one is hidden; it is the later one that goes, so what was published stays.
2. **Within a month**: a month end hidden by rule 1 is then hidden in that month's table as well
   (``vooraf``), so the sums of areas hide another member and it cannot be recomputed as "NL minus the
   other regions".
3. **Between equal neighbours**: most figures only grow within a year, so a hidden month end between
   two published ones of the same value is that value. The later of the two is hidden as well (and
   so on, until a published month end differs or the year ends).
4. Rules 2 and 3 can hide a cell of another area, whose series then skips a month, so the rules run
   again until nothing changes. Hiding only grows and the cells are finite, so this ends.

Worst case it protects, tested (``tests/telling/domain/test_maandreeks.py`` with exact arithmetic on
random series, ``tests/telling/test_telling_maandreeks_onthulling.py`` through the API's read): a region
growing by 1–9 in one month between published month ends of ≥ 10, and the same after a hidden month;
a hidden cell is never computable from its month's sums nor pinned between equal neighbours. What is
not claimed: bounds. A hidden month end of a growing figure lies between its published neighbours
(as any hidden cell lies between 0 and its total); the criterion, as in
:mod:`~telling.domain.disclosure`, is exact recovery.
Values 1–9 are never published (primary), so two published values are 0 or ≥ 10 and a difference of
1–9 only arises between two values ≥ 10.

Not covered here: other reads of the same history. ``peildatum`` reads (``/v1/cijfers``, ``/v1/reeksen``,
the breakdowns) on arbitrary days and the live value can be differenced against each other and against
a month end in the same way; protecting those needs the same control over every day a caller may ask
for (or reads limited to month ends), which is a change of those endpoints (README issue 15).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from contracts.events.telling import MIN_GEPUBLICEERDE_WAARDE
from telling.domain.disclosure import Gepubliceerd, boom, publiceer

Tabel = Mapping[str, tuple[str | None, int]]
"""One month's area table: ``{gebied: (ouder, waarde)}`` as the month end reads it."""


def verschil_onthult(a: int, b: int) -> bool:
    """Two published values whose difference would be a count of 1–9 (domain.md C)."""
    return 0 < abs(a - b) < MIN_GEPUBLICEERDE_WAARDE


def publiceer_maanden(tabellen: Sequence[Tabel]) -> list[dict[str, Gepubliceerd]]:
    """Every month's area table of one figure and year as published, months in order (see the module
    docstring). An area a month's table lacks is 0 that month (as the trend shows it).

    Grounds: domain.md C, Decision (disclosure control).
    """
    vooraf: list[set[str]] = [set() for _ in tabellen]
    gebieden = sorted({g for t in tabellen for g in t})
    while True:
        maanden = [{k: v for k, v in publiceer(boom(t), frozenset(extra)).items() if k in t} if t else {}
                   for t, extra in zip(tabellen, vooraf, strict=True)]
        nieuw = False
        for gebied in gebieden:
            getoond: list[int] = [0]  # before the first month nobody is counted
            verborgen_sinds_laatste = False
            for i, maand in enumerate(maanden):
                cel = maand.get(gebied, Gepubliceerd(0, False))
                if cel.waarde is None:
                    verborgen_sinds_laatste = True
                    continue
                if any(verschil_onthult(cel.waarde, eerder) for eerder in getoond) or (
                        verborgen_sinds_laatste and cel.waarde == getoond[-1]):
                    vooraf[i].add(gebied)
                    nieuw = True
                else:
                    getoond.append(cel.waarde)
                    verborgen_sinds_laatste = False
        if not nieuw:
            return maanden
