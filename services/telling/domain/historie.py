"""The as-of history of the figures: what every cell was on any past *peildatum* (pure, no I/O).

Two clocks, kept apart on purpose (domain.md C: "each figure is reproducible from the log"):

* **Event time** decides *which period* a fact counts in: the schooljaar of a report's end date, the
  vsv-jaar of an un-enrolment, ... (:func:`~telling.domain.figures.lidmaatschappen`).
* **Recorded time** decides *since when the figures know it*: the envelope's ``recordedtime`` (when the
  platform put the event on the log), as a calendar day in Europe/Amsterdam: the *registratiedag*.

The figures *as of peildatum D* are the figures computed from exactly the events recorded on or before
D. Because recordedtime travels with the event, that history is a function of the log: a rebuild from
offset 0 produces the same history as the live run, whatever order it reads the 40 regional topics in.
A withdrawal recorded on 3 November lowers the figures from 3 November on; the figures as of
2 November keep the report. (What the count stream *published* at the time, with its positions, is
the other view; it is on the compacted topic, not here.)

How: telling keeps each person's facts **per registratiedag** (``Dagen``: day → the facts of the events
recorded that day). The facts as they stood on day D are the union (:func:`voeg_samen`) of the days up to
D, so an event that arrives late, or out of order across topics, is simply folded into its own day.
:func:`verwerk` compares a person's days before and after a batch and returns

* the net membership change (as before: the live cells), and
* the change of the person's contribution to every cell *per registratiedag*: the mutations of the
  history table. A cell's value as of D is the sum of its mutations up to D.

Summed over batches these mutations telescope to the person's final history, so replay, batch size and
arrival order do not change the history either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from telling.domain.figures import LEEG, Cell, Feiten, Membership, lidmaatschappen, voeg_samen, waarden

Dagen = dict[date, Feiten]
Mutaties = dict[tuple[Cell, date], int]


@dataclass(frozen=True)
class Verschil:
    """What one batch changed for one person."""

    erbij: frozenset[Membership] = frozenset()
    eraf: frozenset[Membership] = frozenset()
    mutaties: Mutaties = field(default_factory=dict)


def stand(dagen: Mapping[date, Feiten], tot: date | None = None) -> Feiten:
    """The person's facts as they stood at the end of ``tot`` (``None``: everything known)."""
    f = LEEG
    for d in sorted(dagen):
        if tot is not None and d > tot:
            break
        f = voeg_samen(f, dagen[d])
    return f


def _reeks(dagen: Mapping[date, Feiten], vanaf: date, basis: Feiten, basis_leden: frozenset[Membership],
           lid: str) -> tuple[Mutaties, frozenset[Membership]]:
    """The mutations of the days from ``vanaf`` on, relative to ``basis`` (the facts before it)."""
    uit: Mutaties = defaultdict(int)
    cum, leden = basis, basis_leden
    vorige = waarden(basis_leden)
    for d in sorted(x for x in dagen if x >= vanaf):
        cum = voeg_samen(cum, dagen[d])
        leden = lidmaatschappen(cum, lid)
        nu = waarden(leden)
        for cell in nu.keys() | vorige.keys():
            verschil = nu.get(cell, 0) - vorige.get(cell, 0)
            if verschil:
                uit[(cell, d)] += verschil
        vorige = nu
    return uit, leden


def verwerk(oud: Mapping[date, Feiten], nieuw: Mapping[date, Feiten], lid: str) -> Verschil:
    """The change from a person's days ``oud`` to ``nieuw`` (``lid``: the pseudonym).

    Only the days from the earliest changed day on are recomputed: the usual batch adds a new latest
    day and costs two membership derivations, as without history."""
    gewijzigd = [d for d in oud.keys() | nieuw.keys() if oud.get(d) != nieuw.get(d)]
    if not gewijzigd:
        return Verschil()
    vanaf = min(gewijzigd)
    basis = stand({d: f for d, f in oud.items() if d < vanaf})
    basis_leden = lidmaatschappen(basis, lid) if basis != LEEG else frozenset()
    mut_oud, leden_oud = _reeks(oud, vanaf, basis, basis_leden, lid)
    mut_nieuw, leden_nieuw = _reeks(nieuw, vanaf, basis, basis_leden, lid)
    mutaties = {k: v - mut_oud.get(k, 0) for k, v in mut_nieuw.items()}
    for k, v in mut_oud.items():
        if k not in mut_nieuw:
            mutaties[k] = -v
    return Verschil(leden_nieuw - leden_oud, leden_oud - leden_nieuw,
                    {k: v for k, v in mutaties.items() if v})
