"""Disclosure control of published figures (domain.md C, **Decision**): pure, no I/O.

* **Primary suppression**: a published count of 1–9 persons is not shown (``<10``; on the count
  stream ``waarde=None, onderdrukt=True``). 0 is shown: "nobody" discloses nobody. A sum (hours, a
  count of registrations) carries the number of persons it rests on (``Knoop.personen``): it is
  suppressed when that number is 1–9, whatever the sum (issue 14.6); secondary suppression is the same.
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
* **Cross-tables** (issue 7: breakdowns by school type or age band for NL and its regions,
  :func:`onderdruk_kruistabel`): rows are areas (a tree), columns the categories of one breakdown
  plus the total ``"*"``. Now every cell lies in two kinds of sums: its row (the categories add up to
  the row's total, up to persons counted in two categories: a residual treated as known) and its
  column (the regions add up to NL). Method: (1) primary suppression; (2) the 1-D rule above, iterated
  over *all* sums until none hides exactly one member; (3) **verification**: exact Gauss-Jordan
  elimination (``fractions.Fraction``) of the sum equations restricted to the hidden cells; a hidden
  cell is determined when its unit vector lies in their row space. Step 3 is needed because in two
  dimensions the 1-D rule is not sufficient: hidden cells that satisfy "0 or ≥ 2 per sum" can still be
  pinned by a chain of sums, e.g. two 2×2 blocks of hidden cells joined by one hidden cell: every row
  and column hides two or three cells, but the joining cell lies on no cycle of hidden cells, so no
  shift of values keeps all margins and changes it (it equals a published total minus cells that the
  blocks' own sums fix). While a cell is determined, the cheapest visible cell sharing a sum with it
  that breaks the determination is hidden too (non-zero, non-total, smallest first), and step 2 and 3
  repeat; this ends because each round hides one more cell and a fully hidden table pins nothing.
  (4) Greedy choices can turn out redundant, so secondary cells are shown again, most informative
  first, wherever the table stays safe (repeated until nothing changes): no single secondary cell can
  then be published on its own. This is a local minimum, not the least possible suppression (that is
  an integer programme; not worth it at these sizes).
  The criterion is *exact* recovery; bounds from non-negativity (a hidden 0, or a hidden pair known
  to sum to 3) are not widened to protection intervals, as for the 1-D tables. Cost for NL and 40
  regions × 6 columns: median ~5–30 ms, worst seen ~150 ms.
* **Rates** (shares, percentages) only where the denominator is ≥ 100 and the numerator is shown.

Not covered (no such table is published yet): relations between indicators (a union like
``thuiszitters`` is not a sum), and tables with three dimensions of sums (area × school type × age).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Set
from dataclasses import dataclass
from fractions import Fraction

from contracts.events.telling import MIN_GEPUBLICEERDE_WAARDE

MIN_NOEMER = 100
WEERGAVE_ONDERDRUKT = "<10"


@dataclass(frozen=True)
class Knoop:
    """A cell of a hierarchical table: its key (the area code), value and the cells that sum to it."""

    sleutel: str
    waarde: int
    kinderen: tuple[Knoop, ...] = ()
    personen: int | None = None
    """For a sum: the persons it rests on (``None``: ``waarde`` is itself a count of persons)."""

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


def primair_onderdrukt(waarde: int, personen: int | None = None) -> bool:
    """Counts 1–9 are never published (domain.md C), nor a sum resting on 1–9 persons (``personen``);
    a non-zero sum that rests on no known person is not published either (the cautious choice)."""
    if personen is None:
        return 0 < waarde < MIN_GEPUBLICEERDE_WAARDE
    return personen < MIN_GEPUBLICEERDE_WAARDE and (personen > 0 or waarde != 0)


def onderdruk(wortel: Knoop, vooraf: Set[str] = frozenset()) -> frozenset[str]:
    """The keys of all cells to suppress (primary and secondary) in the table rooted at ``wortel``;
    ``vooraf``: cells hidden for a reason outside this table (e.g. differencing over months,
    :mod:`telling.domain.maandreeks`), whose sums are then protected like a primary cell's.

    Grounds: domain.md C, Decision (disclosure control).
    """
    knopen = list(wortel.alle())
    if len({k.sleutel for k in knopen}) != len(knopen):
        raise ValueError("cell keys must be unique within a table")
    sommen = [(k, k.kinderen) for k in knopen if k.kinderen]
    weg = {k.sleutel for k in knopen if primair_onderdrukt(k.waarde, k.personen) or k.sleutel in vooraf}
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


def publiceer(wortel: Knoop, vooraf: Set[str] = frozenset()) -> dict[str, Gepubliceerd]:
    """Every cell of the table as published (``vooraf``: see :func:`onderdruk`).

    Grounds: domain.md C, Decision (disclosure control).
    """
    weg = onderdruk(wortel, vooraf)
    return {
        k.sleutel: Gepubliceerd(None, True) if k.sleutel in weg else Gepubliceerd(k.waarde, False)
        for k in wortel.alle()
    }


def boom(cellen: Mapping[str, tuple[str | None, int]], wortel: str = "NL",
         personen: Mapping[str, int] | None = None) -> Knoop:
    """Build the table from cells ``{gebied: (ouder, waarde)}`` (as stored by the projection).

    A cell whose parent is not in the table hangs under the root; a missing root becomes a virtual
    root with the sum of its children (it is then treated as published: the cautious choice).
    ``personen``: for a table of sums, the persons each cell rests on (a cell missing there: 0).

    Grounds: domain.md C, Decision (disclosure control).
    """
    kinderen: dict[str, list[str]] = {}
    for gebied, (ouder, _) in sorted(cellen.items()):
        if gebied == wortel:
            continue
        parent = ouder if ouder is not None and ouder in cellen and ouder != gebied else wortel
        kinderen.setdefault(parent, []).append(gebied)

    def bouw(sleutel: str, pad: frozenset[str]) -> Knoop:
        subs = tuple(bouw(k, pad | {k}) for k in kinderen.get(sleutel, []) if k not in pad)
        n = None if personen is None else personen.get(sleutel, 0)
        if sleutel in cellen:
            return Knoop(sleutel, cellen[sleutel][1], subs, n)
        return Knoop(sleutel, sum(s.waarde for s in subs), subs, n)

    return bouw(wortel, frozenset({wortel}))


def aandeel(teller: int | None, noemer: int | None) -> float | None:
    """A rate, only where the denominator is ≥ 100 and both counts are shown (domain.md C)."""
    if teller is None or noemer is None or noemer < MIN_NOEMER:
        return None
    return teller / noemer


# --- Cross-tables (two dimensions of sums) ---------------------------------------------------------

TOTAAL = "*"

Cel = tuple[str, str]
Getal = int | Fraction
"""A cell of a cross-table: ``(rij, kolom)`` = (area code, category code or the total ``"*"``)."""


@dataclass(frozen=True)
class Kruistabel:
    """A two-dimensional table in normal form: every row × column cell, and its sum equations.

    ``sommen`` holds one ``(totaal, leden)`` per published sum: each row's categories add up to the
    row's total cell, and per column the child areas add up to their parent area (up to a residual
    that is treated as known, like in :func:`onderdruk`)."""

    waarden: Mapping[Cel, int]
    rijen: tuple[str, ...]
    kolommen: tuple[str, ...]
    totaal: str
    heeft_kinderen: frozenset[str]
    sommen: tuple[tuple[Cel, tuple[Cel, ...]], ...]


def kruistabel(cellen: Mapping[Cel, int], ouders: Mapping[str, str | None],
               totaal: str = TOTAAL) -> Kruistabel:
    """Normalise ``cellen`` (``{(rij, kolom): waarde}``) with the area tree ``ouders`` (``{rij: ouder}``).

    Rows are the keys of ``ouders`` plus every row in ``cellen``; columns are the columns in
    ``cellen``. A missing cell of that grid is a published 0 (the projection stores no empty cells).
    A row whose parent is ``None`` or not a row of the table is a root: no column sum is published
    over it. The row sum exists when the table has the ``totaal`` column and at least one category.

    Grounds: domain.md C, Decision (disclosure control).
    """
    for (rij, kolom), waarde in cellen.items():
        if waarde < 0:
            raise ValueError(f"negative count in cell ({rij}, {kolom})")
    rijen = tuple(sorted(set(ouders) | {r for r, _ in cellen}))
    kolommen = tuple(sorted({k for _, k in cellen}, key=lambda k: (k == totaal, k)))
    rijset = set(rijen)
    ouder = {r: p for r in rijen if (p := ouders.get(r)) is not None and p in rijset}
    for start in rijen:  # the area tree must be a forest: a cycle would make a row its own total
        gezien, r = {start}, start
        while r in ouder:
            r = ouder[r]
            if r in gezien:
                raise ValueError(f"cycle in the area tree at row {start}")
            gezien.add(r)
    kinderen: dict[str, list[str]] = {}
    for r in rijen:
        if r in ouder:
            kinderen.setdefault(ouder[r], []).append(r)
    waarden = {(r, k): cellen.get((r, k), 0) for r in rijen for k in kolommen}
    sommen: list[tuple[Cel, tuple[Cel, ...]]] = []
    categorieen = [k for k in kolommen if k != totaal]
    if totaal in kolommen and categorieen:
        sommen += [((r, totaal), tuple((r, k) for k in categorieen)) for r in rijen]
    for p, kids in sorted(kinderen.items()):
        sommen += [((p, k), tuple((c, k) for c in kids)) for k in kolommen]
    return Kruistabel(waarden, rijen, kolommen, totaal, frozenset(kinderen), tuple(sommen))


def _voorkeur(tabel: Kruistabel) -> Callable[[Cel], tuple[bool, bool, bool, int, str, str]]:
    """Which visible cell to hide first: non-zero (a hidden 0 could be pinned by non-negativity), not
    a total (hiding a row total or a parent area pushes the problem to the next sum), smallest (least
    information lost), then by key so the choice is deterministic."""

    def sleutel(cel: Cel) -> tuple[bool, bool, bool, int, str, str]:
        waarde = tabel.waarden[cel]
        return (waarde == 0, cel[1] == tabel.totaal, cel[0] in tabel.heeft_kinderen, waarde, cel[0], cel[1])

    return sleutel


def _enkelvoudig_aanvullen(tabel: Kruistabel, weg: set[Cel], vast: Set[Cel] = frozenset()) -> None:
    """The 1-D rule over every sum (rows and columns): while a sum hides exactly one member, hide
    its most preferred visible member too (in place), never one of ``vast``."""
    voorkeur = _voorkeur(tabel)
    gewijzigd = True
    while gewijzigd:
        gewijzigd = False
        for som, leden in tabel.sommen:
            alle = (som, *leden)
            if sum(1 for c in alle if c in weg) != 1:
                continue
            kandidaten = [c for c in alle if c not in weg and c not in vast]
            if not kandidaten:
                raise ValueError(f"sum {som} hides one member and every other member must stay published")
            weg.add(min(kandidaten, key=voorkeur))
            gewijzigd = True


def bepaalde_cellen(tabel: Kruistabel, weg: Set[Cel]) -> frozenset[Cel]:
    """The hidden cells an attacker can compute exactly from the published cells and the margins.

    The sum equations restricted to the hidden cells form a linear system ``A x = b`` (``b`` from the
    published cells and the known residuals). A hidden cell is determined exactly when its unit vector
    lies in the row space of ``A``; in the reduced row echelon form that is a pivot column whose row has
    no other non-zero entry (the set is a property of ``A``, whatever the order of elimination). Sparse
    rows (dicts) keep it fast: the equations have ±1 coefficients and a handful of unknowns each. Exact
    without ``Fraction`` where possible: sums of a table are (nearly) totally unimodular, so almost
    every pivot is ±1 and the rows stay integers; only another pivot turns a row into fractions
    (Python's int and Fraction are both exact).

    Why forward elimination first and the back substitution once at the end: keeping every pivot row
    reduced after each new pivot (Gauss-Jordan step by step) rewrote the earlier pivot rows again and
    again, most of the count stream's disclosure control (issue 16, ninth round). A pivot row holds only
    columns from its pivot on, so a new row is reduced by the pivots in increasing column order (a heap),
    and the back substitution runs from the last pivot column down, each row once.

    Grounds: domain.md C, Decision (disclosure control).
    """
    draaipunten: dict[Cel, dict[Cel, Getal]] = {}
    for som, leden in tabel.sommen:
        rij: dict[Cel, Getal] = {}
        if som in weg:
            rij[som] = 1
        for c in leden:
            if c in weg:
                rij[c] = rij.get(c, 0) - 1
        if not rij:
            continue
        rij = _vooruit(rij, draaipunten)
        if not rij:
            continue
        p = min(rij)
        f = rij[p]
        if f == -1:
            rij = {c: -v for c, v in rij.items()}
        elif f != 1:
            rij = {c: Fraction(v) / f for c, v in rij.items()}
        draaipunten[p] = rij
    for p in sorted(draaipunten, reverse=True):  # back substitution: the later pivot rows are reduced
        rij = draaipunten[p]
        andere = [c for c in rij if c != p and c in draaipunten]
        if not andere:
            continue
        for q in andere:
            g = rij.pop(q)
            for c, v in draaipunten[q].items():
                if c != q:
                    rij[c] = rij.get(c, 0) - g * v
        draaipunten[p] = {c: v for c, v in rij.items() if v != 0}
    return frozenset(p for p, rij in draaipunten.items() if len(rij) == 1)


def _vooruit(rij: dict[Cel, Getal], draaipunten: Mapping[Cel, Mapping[Cel, Getal]]) -> dict[Cel, Getal]:
    """``rij`` reduced by the pivot rows (in place), without zeros: no pivot column is left in it. A pivot
    row has no column before its pivot, so subtracting it only brings in later columns: taken from a
    heap in increasing order, every pivot column is eliminated once, after all that can bring it in."""
    hoop = [c for c in rij if c in draaipunten]
    heapq.heapify(hoop)
    gezien = set(hoop)
    while hoop:
        p = heapq.heappop(hoop)
        f = rij.pop(p, 0)
        if f == 0:
            continue
        for c, v in draaipunten[p].items():
            if c == p:
                continue
            rij[c] = rij.get(c, 0) - f * v
            if c not in gezien and c in draaipunten:
                gezien.add(c)
                heapq.heappush(hoop, c)
    return {c: v for c, v in rij.items() if v != 0}


def _buren(tabel: Kruistabel, cel: Cel) -> set[Cel]:
    """The cells sharing a sum with ``cel``: its row, its parent and child areas in its column."""
    return {c for som, leden in tabel.sommen if cel == som or cel in leden for c in (som, *leden)}


def onderdruk_kruistabel(cellen: Mapping[Cel, int], ouders: Mapping[str, str | None],
                         totaal: str = TOTAAL, *, vooraf: Set[Cel] = frozenset(),
                         vast: Set[Cel] = frozenset()) -> frozenset[Cel]:
    """The cells of a cross-table to suppress, primary and secondary (domain.md C **Decision**).

    ``cellen`` maps ``(rij, kolom)`` to a count: rows are areas (NL and its regions, a tree given by
    ``ouders``), columns the categories of one breakdown plus the total column ``totaal``. See the
    module docstring for the method; the result hides every 1–9 cell, no hidden cell is exactly
    derivable from the published cells and the margins, and no secondary cell could be shown again
    on its own without making some hidden cell derivable.

    ``vooraf``: cells already hidden elsewhere (the total column as suppressed in the area table, which
    is published too); ``vast``: cells already published elsewhere, never hidden here. Together they keep
    the cross-table consistent with the area table, so neither reveals what the other hides."""
    return _onderdruk(kruistabel(cellen, ouders, totaal), vooraf, vast)


def _onderdruk(tabel: Kruistabel, vooraf: Set[Cel], vast: Set[Cel]) -> frozenset[Cel]:
    """The method of :func:`onderdruk_kruistabel` on a table in normal form (any set of sums)."""
    voorkeur = _voorkeur(tabel)
    primair = {c for c, w in tabel.waarden.items() if primair_onderdrukt(w)} | set(vooraf)
    if primair & set(vast):
        raise ValueError(f"cells both to hide and to publish: {sorted(primair & set(vast))}")
    weg = set(primair)
    _enkelvoudig_aanvullen(tabel, weg, vast)
    while bepaald := bepaalde_cellen(tabel, weg):
        # a cycle of sums pins a hidden cell: hide a neighbour that breaks it (the cheapest that
        # does; if none does on its own, the cheapest, and the loop goes on). Every round hides at
        # least one more cell, and a fully hidden table pins nothing, so this ends.
        doel = min(bepaald, key=voorkeur)
        kandidaten = sorted(_buren(tabel, doel) - weg - vast, key=voorkeur)
        if not kandidaten:
            kandidaten = sorted((c for c in tabel.waarden if c not in weg and c not in vast), key=voorkeur)
        if not kandidaten:
            raise ValueError(f"cell {doel} is derivable and every visible cell must stay published")
        keuze = next((c for c in kandidaten if doel not in bepaalde_cellen(tabel, weg | {c})), kandidaten[0])
        weg.add(keuze)
        _enkelvoudig_aanvullen(tabel, weg, vast)
    # greedy choices can become redundant later: show again every secondary cell that is not needed,
    # largest (most informative) first. Repeat until a pass changes nothing: showing one cell can make
    # another unneeded (it was needed only to protect the cell now shown, which is no longer secret).
    gewijzigd = True
    while gewijzigd:
        gewijzigd = False
        for cel in sorted(weg - primair, key=voorkeur, reverse=True):
            weg.discard(cel)
            if bepaalde_cellen(tabel, weg):
                weg.add(cel)
            else:
                gewijzigd = True
    return frozenset(weg)


def publiceer_kruistabel(cellen: Mapping[Cel, int], ouders: Mapping[str, str | None],
                         totaal: str = TOTAAL, *, vooraf: Set[Cel] = frozenset(),
                         vast: Set[Cel] = frozenset()) -> dict[Cel, Gepubliceerd]:
    """Every cell of the cross-table (the full rows × columns grid) as published.

    Grounds: domain.md C, Decision (disclosure control).
    """
    tabel = kruistabel(cellen, ouders, totaal)
    weg = onderdruk_kruistabel(cellen, ouders, totaal, vooraf=vooraf, vast=vast)
    return {c: Gepubliceerd(None, True) if c in weg else Gepubliceerd(w, False) for c, w in tabel.waarden.items()}


def publiceer_uitsplitsingen(gebieden: Mapping[str, tuple[str | None, int]], gepubliceerd: Mapping[str, Gepubliceerd],
                             uitsplitsingen: Mapping[tuple[str, str], int]) -> dict[tuple[str, str], Gepubliceerd]:
    """The breakdown cells ``{(gebied, "dimensie:categorie"): waarde}`` of one figure as published.

    ``gebieden`` is the figure's area table (``{gebied: (ouder, waarde)}``: municipalities, regions,
    NL) and ``gepubliceerd`` how it was published (:func:`publiceer`). The breakdowns are published
    for NL and the regions: per dimension, the categories of an area add up to its total, and per
    category the regions add up to NL. All of it is one system of sums, solved together: the area
    totals are fixed as the area table published them (hidden there: hidden here, ``vooraf``; shown
    there: never hidden here, ``vast``), and breakdown cells are hidden until no hidden cell, of either
    publication, can be derived from everything published together (checked per dimension against
    the whole area tree: the municipalities' sums pin region totals too). Categories may add up to
    less than the total (unknown school type or age): that residual is treated as known.

    Grounds: domain.md C, Decision (disclosure control).
    """
    if not uitsplitsingen:
        return {}
    waarden: dict[Cel, int] = {(g, TOTAAL): w for g, (_, w) in gebieden.items()}
    sommen: list[tuple[Cel, tuple[Cel, ...]]] = []
    kinderen: dict[str, list[str]] = {}
    for g, (ouder, _) in sorted(gebieden.items()):
        if ouder is not None and ouder in gebieden and ouder != g:
            kinderen.setdefault(ouder, []).append(g)
    sommen += [((p, TOTAAL), tuple((k, TOTAAL) for k in kids)) for p, kids in sorted(kinderen.items())]
    categorieen: dict[str, set[str]] = {}
    for (g, u), w in uitsplitsingen.items():
        waarden[(g, u)] = w
        waarden.setdefault((g, TOTAAL), 0)
        categorieen.setdefault(u.partition(":")[0], set()).add(u)
    waarden.setdefault(("NL", TOTAAL), 0)
    # every region of the area table is a row, also one without any breakdown cell (its categories
    # are empty cells that may have to be hidden): a region left out would make the NL row's sum
    # pin the other regions' totals (the residual is treated as known)
    regios = {g for g, (ouder, _) in gebieden.items() if ouder == "NL"}
    for _, us in sorted(categorieen.items()):
        rijen = sorted({g for g, u in uitsplitsingen if u in us} | regios | {"NL"})
        for r in rijen:
            sommen.append(((r, TOTAAL), tuple((r, u) for u in sorted(us))))
        for u in sorted(us):
            sommen.append((("NL", u), tuple((r, u) for r in rijen if r != "NL")))
    for som, leden in sommen:
        for cel in (som, *leden):
            waarden.setdefault(cel, 0)  # an empty cell is a published 0
    tabel = Kruistabel(waarden, tuple(sorted({g for g, _ in waarden})), tuple(sorted({k for _, k in waarden})),
                       TOTAAL, frozenset(kinderen) | {"NL"}, tuple(sommen))
    totaal_weg = {(g, TOTAAL) for g, s in gepubliceerd.items() if s.onderdrukt}
    vast = {c for c in waarden if c[1] == TOTAAL} - totaal_weg
    weg = _onderdruk(tabel, totaal_weg, vast)
    # every stored cell, and an empty cell that had to be hidden too (else it would read as a published 0)
    uit = {k: Gepubliceerd(None, True) if k in weg else Gepubliceerd(w, False) for k, w in uitsplitsingen.items()}
    uit.update({k: Gepubliceerd(None, True) for k in weg if k[1] != TOTAAL and k not in uit})
    return uit
