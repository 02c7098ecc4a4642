"""Disclosure control of published figures (domain.md C, **Decision**): pure, no I/O.

* **Primary suppression**: a published count of 1–9 persons is not shown (``<10``; on the count
  stream ``waarde=None, onderdrukt=True``). 0 is shown: "nobody" discloses nobody.
* **Secondary suppression**: a published table has margins. Municipalities add up to their region,
  regions to NL (up to persons without a known woongemeente, and persons counted in two areas after a
  move; those residuals are treated as *known* here, which is the cautious assumption). One hidden cell
  in a sum would be recoverable as "total minus the rest", so every sum (a parent and its children)
  must hide either nothing or at least two of its members. While some sum hides exactly one, the
  smallest other member of that sum is hidden too, preferring a non-zero child over the total (hiding
  the total pushes the problem one level up; hiding a 0 could be pinned by non-negativity).
  For a tree of sums (NL → regions → municipalities) this rule is sufficient: with every sum hiding 0
  or ≥ 2 members, each hidden member lies on a path between two others along which values can shift
  without changing any published number, so none is determined (the property tests check this with
  exact linear algebra on random tables).
* **Rates** (shares, percentages) only where the denominator is ≥ 100 and the numerator is shown.

Not covered (no such table is published yet): cross-tabulations by school type or age band (a second
dimension of sums), and relations between indicators (a union like ``thuiszitters`` is not a sum).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from contracts.events.telling import MIN_GEPUBLICEERDE_WAARDE

MIN_NOEMER = 100
WEERGAVE_ONDERDRUKT = "<10"


@dataclass(frozen=True)
class Knoop:
    """A cell of a hierarchical table: its key (the area code), value and the cells that sum to it."""

    sleutel: str
    waarde: int
    kinderen: tuple[Knoop, ...] = ()

    def alle(self) -> Iterator[Knoop]:
        yield self
        for k in self.kinderen:
            yield from k.alle()


@dataclass(frozen=True)
class Gepubliceerd:
    """What the public sees of one cell: the value, or ``None`` when suppressed."""

    waarde: int | None
    onderdrukt: bool

    @property
    def weergave(self) -> str:
        return WEERGAVE_ONDERDRUKT if self.waarde is None else str(self.waarde)


def primair_onderdrukt(waarde: int) -> bool:
    """Counts 1–9 are never published (domain.md C)."""
    return 0 < waarde < MIN_GEPUBLICEERDE_WAARDE


def onderdruk(wortel: Knoop) -> frozenset[str]:
    """The keys of all cells to suppress (primary and secondary) in the table rooted at ``wortel``."""
    knopen = list(wortel.alle())
    if len({k.sleutel for k in knopen}) != len(knopen):
        raise ValueError("cell keys must be unique within a table")
    sommen = [(k, k.kinderen) for k in knopen if k.kinderen]
    weg = {k.sleutel for k in knopen if primair_onderdrukt(k.waarde)}
    gewijzigd = True
    while gewijzigd:
        gewijzigd = False
        for ouder, kinderen in sommen:
            leden = (ouder, *kinderen)
            if sum(1 for k in leden if k.sleutel in weg) != 1:
                continue
            kandidaten = [k for k in leden if k.sleutel not in weg]
            keuze = min(kandidaten, key=lambda k: (k.waarde == 0, k is ouder, k.waarde, k.sleutel))
            weg.add(keuze.sleutel)
            gewijzigd = True
    return frozenset(weg)


def publiceer(wortel: Knoop) -> dict[str, Gepubliceerd]:
    """Every cell of the table as published."""
    weg = onderdruk(wortel)
    return {
        k.sleutel: Gepubliceerd(None, True) if k.sleutel in weg else Gepubliceerd(k.waarde, False)
        for k in wortel.alle()
    }


def boom(cellen: Mapping[str, tuple[str | None, int]], wortel: str = "NL") -> Knoop:
    """Build the table from cells ``{gebied: (ouder, waarde)}`` (as stored by the projection).

    A cell whose parent is not in the table hangs under the root; a missing root becomes a virtual
    root with the sum of its children (it is then treated as published: the cautious choice)."""
    kinderen: dict[str, list[str]] = {}
    for gebied, (ouder, _) in sorted(cellen.items()):
        if gebied == wortel:
            continue
        parent = ouder if ouder is not None and ouder in cellen and ouder != gebied else wortel
        kinderen.setdefault(parent, []).append(gebied)

    def bouw(sleutel: str, pad: frozenset[str]) -> Knoop:
        subs = tuple(bouw(k, pad | {k}) for k in kinderen.get(sleutel, []) if k not in pad)
        if sleutel in cellen:
            return Knoop(sleutel, cellen[sleutel][1], subs)
        return Knoop(sleutel, sum(s.waarde for s in subs), subs)

    return bouw(wortel, frozenset({wortel}))


def aandeel(teller: int | None, noemer: int | None) -> float | None:
    """A rate, only where the denominator is ≥ 100 and both counts are shown (domain.md C)."""
    if teller is None or noemer is None or noemer < MIN_NOEMER:
        return None
    return teller / noemer
