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

**The klok** (the last day passed according to the log, :mod:`telling.domain.figures`): on day ``e``
a person's memberships are ``lidmaatschappen(facts recorded up to e, min(e, klok))``. They change on
the person's own days and, between them, on the days :func:`~telling.domain.figures.grenzen` names up
to the klok; those are the points of the history (:func:`_punten`). When the klok moves on from
``K0`` to ``K1``, only days after ``K0`` can change, and only for a person with a boundary in
``(K0, K1]``: the person's :func:`wekker`. So the history is still a function of the log (its facts
and its latest recorded day), whatever order a rebuild reads it in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from telling.domain.figures import (
    INDICATOREN,
    LEEG,
    Cell,
    Feiten,
    Membership,
    grenzen,
    is_leeg,
    lidmaatschappen,
    voeg_samen,
    volgende_grens,
)

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


def _eff(e: date, klok: date | None) -> date | None:
    return None if klok is None else min(e, klok)


def _punten(dagen: Mapping[date, Feiten], vanaf: date, basis: Feiten, klok: date | None,
            ) -> Iterator[tuple[date, Feiten]]:
    """Every day from ``vanaf`` on where the person's memberships may change, with the facts known
    then: the person's own days, and the klok boundaries between them up to the klok."""
    dagen_na = sorted(d for d in dagen if d >= vanaf)
    if not is_leeg(basis) and klok is not None:
        eind = min(klok, dagen_na[0] - timedelta(days=1)) if dagen_na else klok
        for t in grenzen(basis, vanaf - timedelta(days=1), eind):
            yield t, basis
    cum = basis
    for i, d in enumerate(dagen_na):
        cum = voeg_samen(cum, dagen[d])
        yield d, cum
        if klok is not None:
            eind = min(klok, dagen_na[i + 1] - timedelta(days=1)) if i + 1 < len(dagen_na) else klok
            for t in grenzen(cum, d, eind):
                yield t, cum


def wekker(dagen: Mapping[date, Feiten], klok: date | None) -> date | None:
    """The first day after ``klok`` on which the klok alone changes this person's history: a boundary
    of the facts known on some day that falls before the person's next day (``None``: never)."""
    if klok is None:
        return None
    volgorde = sorted(dagen)
    cum, beste = LEEG, None
    for i, d in enumerate(volgorde):
        cum = voeg_samen(cum, dagen[d])
        volgende = volgorde[i + 1] if i + 1 < len(volgorde) else None
        if volgende is not None and volgende <= klok + timedelta(days=1):
            continue
        t = volgende_grens(cum, klok, volgende)
        if t is not None and (beste is None or t < beste):
            beste = t
    return beste


Bronnen = dict[tuple[str, str, str, str, str], int]
"""Per member in its cell (:attr:`~telling.domain.figures.Membership.sleutel`) its number of sources in a
set of memberships: what a cell's value rests on."""


def bronnen(leden: frozenset[Membership]) -> Bronnen:
    """:data:`Bronnen` of ``leden`` (in a set each membership is unique: one source each)."""
    uit: Bronnen = {}
    for m in leden:
        k = m.sleutel
        uit[k] = uit.get(k, 0) + 1
    return uit


def _verschuif(tellers: Bronnen, eerder: frozenset[Membership], leden: frozenset[Membership],
               d: date, uit: Mutaties) -> None:
    """Move ``tellers`` (the sources of ``eerder``) to those of ``leden`` and add to ``uit`` the change
    of every cell's value on day ``d``. Why this way: only the memberships that differ are visited
    (two set differences of shared objects), where recounting both sets (:func:`waarden`) visited
    every membership of the person at every point (issue 16); keys are tuples of strings, hashed in C
    (eighth round)."""
    veranderd: dict[tuple[str, str, str, str, str], list[Any]] = {}
    for m in eerder - leden:
        v = veranderd.get(m.sleutel)
        if v is None:
            veranderd[m.sleutel] = [-1, m.cell]
        else:
            v[0] -= 1
    for m in leden - eerder:
        v = veranderd.get(m.sleutel)
        if v is None:
            veranderd[m.sleutel] = [1, m.cell]
        else:
            v[0] += 1
    for k, (verschil, cell) in veranderd.items():
        if not verschil:  # one source for another: the member still counts as before
            continue
        oud = tellers.get(k, 0)
        nieuw = oud + verschil
        drempel = INDICATOREN[k[0]].drempel
        waarde = (nieuw >= drempel) - (oud >= drempel)
        if waarde:
            uit[(cell, d)] += waarde
        if nieuw:
            tellers[k] = nieuw
        else:
            del tellers[k]


def _reeks(dagen: Mapping[date, Feiten], vanaf: date, basis: Feiten, basis_leden: frozenset[Membership],
           lid: str, klok: date | None = None, basis_bronnen: list[Bronnen] | None = None,
           ) -> tuple[Mutaties, frozenset[Membership]]:
    """The mutations of the days from ``vanaf`` on, relative to ``basis`` (the facts before it);
    ``basis_bronnen``: where ``bronnen(basis_leden)`` is kept once computed (shared by both series of
    :func:`verwerk`; most folds need it for one series only, or for none)."""
    uit: Mutaties = defaultdict(int)
    leden = basis_leden
    tellers: Bronnen | None = None
    for d, cum in _punten(dagen, vanaf, basis, klok):
        eerder, leden = leden, lidmaatschappen(cum, lid, _eff(d, klok))
        if leden == eerder:  # the usual klok boundary of someone else's figure: nothing moves
            continue
        if tellers is None:
            if basis_bronnen is None:
                basis_bronnen = []
            if not basis_bronnen:
                basis_bronnen.append(bronnen(basis_leden))
            tellers = dict(basis_bronnen[0])
        _verschuif(tellers, eerder, leden, d, uit)
    return {k: n for k, n in uit.items() if n}, leden


def verwerk(oud: Mapping[date, Feiten], nieuw: Mapping[date, Feiten], lid: str,
            klok_oud: date | None = None, klok_nieuw: date | None = None) -> Verschil:
    """The change from a person's days ``oud`` at klok ``klok_oud`` to ``nieuw`` at ``klok_nieuw``
    (``lid``: the pseudonym).

    Only the days from the earliest changed day (or the first day after the old klok) on are
    recomputed: the usual batch adds a new latest day and costs two membership derivations."""
    gewijzigd = [d for d in oud.keys() | nieuw.keys() if oud.get(d) != nieuw.get(d)]
    if klok_oud != klok_nieuw:
        gewijzigd.append(date.min if klok_oud is None or klok_nieuw is None
                         else min(klok_oud, klok_nieuw) + timedelta(days=1))
    if not gewijzigd:
        return Verschil()
    vanaf = min(gewijzigd)
    basis = stand({d: f for d, f in oud.items() if d < vanaf})
    # the day before ``vanaf`` is on or before both kloks, so it reads the same under either
    vorige_dag = vanaf - timedelta(days=1) if vanaf > date.min else vanaf
    basis_leden = lidmaatschappen(basis, lid, _eff(vorige_dag, klok_oud)) if not is_leeg(basis) else frozenset()
    basis_bronnen: list[Bronnen] = []  # both series start from it: computed once, when needed
    mut_oud, leden_oud = _reeks(oud, vanaf, basis, basis_leden, lid, klok_oud, basis_bronnen)
    mut_nieuw, leden_nieuw = _reeks(nieuw, vanaf, basis, basis_leden, lid, klok_nieuw, basis_bronnen)
    if not mut_oud:  # the usual fold: the old series has no point from ``vanaf`` on that moves a cell
        return Verschil(leden_nieuw - leden_oud, leden_oud - leden_nieuw, mut_nieuw)
    mutaties = {k: v - mut_oud.get(k, 0) for k, v in mut_nieuw.items()}
    for k, v in mut_oud.items():
        if k not in mut_nieuw:
            mutaties[k] = -v
    return Verschil(leden_nieuw - leden_oud, leden_oud - leden_nieuw,
                    {k: v for k, v in mutaties.items() if v})
