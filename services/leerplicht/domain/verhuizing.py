"""Moving house (domain.md A5): an open dossier moves with the pupil to the new region's office.

A5: *when the woongemeente changes to another region, open reports and dossiers are transferred with
their history to the new region's office; the old office sees a closed, transferred case.*

The two halves, both pure:

* **Old office** — :func:`overdracht_opdracht` turns registratie's ``Verhuisd`` (on the old region's
  topic) into a :class:`~leerplicht.domain.commands.DraagOver` command for the pupil's open dossier;
  ``decide`` turns that into ``DossierOvergedragen`` (published on both regions' topics with one event
  id), and the fold closes the old dossier with reason ``VERHUISD`` (fase ``OVERGEDRAGEN``).
* **New office** — :func:`herbouw` folds the history the transfer carries (contract v2: the old
  office's timeline) and :func:`neem_over` reopens the dossier: the reports keep their DUO status
  (A4), the MAS steps, routes and interventions stay visible, and the version continues from the old
  office's (the transfer is the last entry of the shared timeline). Nothing is asked of the old
  office, so a replay of the new region's topic is self-contained.

Decisions where A5 is silent:

* The transfer is **dated** on the move date, but never before the dossier opened (a move reported
  late by DUO can predate the report; a step is never dated before the dossier opened).
* Only reports that are still open (*Geregistreerd* or *In behandeling*) are listed as open reports;
  reports with an end status travel as history.
* The dossier keeps its id in the new region: the id names the case, not the office.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from contracts.events import leerplicht as lp
from contracts.events import registratie as reg

from .commands import DraagOver
from .dossier import Dossier, DossierFase, Feit, apply

__all__ = ["herbouw", "neem_over", "overdracht_opdracht"]


def overdracht_opdracht(state: Dossier | None, verhuisd: reg.Verhuisd, regio: str) -> DraagOver | None:
    """The transfer this office (``regio``) must make after ``verhuisd``, or ``None``: no open dossier,
    a move within the region, or a move that is not out of this region.

    Grounds: domain.md A5 (moving house: transferred with their history).
    """
    if state is None or not state.open:
        return None
    if verhuisd.oude_regio != regio or not verhuisd.regio_gewijzigd:
        return None
    return DraagOver(
        van_regio=regio,
        naar_regio=verhuisd.nieuwe_regio,
        naar_gemeente=verhuisd.nieuwe_gemeente,
        datum=max(verhuisd.verhuisdatum, state.geopend_op),
    )


def neem_over(geschiedenis: Dossier, overdracht: lp.DossierOvergedragen) -> Dossier:
    """The new office's dossier: the old office's fold (which ends with this transfer, so it is
    ``OVERGEDRAGEN``), reopened for the new office. The version stays: the new office's timeline is
    the old one, whose last entry is the transfer.

    Grounds: domain.md A5 (moving house: transferred with their history).
    """
    if geschiedenis.dossier_id != overdracht.dossier_id:
        raise ValueError("history of another dossier")
    if geschiedenis.fase is not DossierFase.OVERGEDRAGEN:
        raise ValueError("the old office has not applied the transfer yet")
    return replace(
        geschiedenis,
        fase=DossierFase.OPEN,
        sluiting=None,
        overgenomen_van=overdracht.van_regio,
        overgenomen_op=overdracht.datum,
    )



def herbouw(stappen: Sequence[Feit], overdracht: Feit) -> Dossier:
    """The new office's dossier from the transferred history: the fold of the old office's timeline
    ``stappen`` (version *n* is step *n*), then the transfer itself, reopened here (:func:`neem_over`).
    An earlier transfer inside the history (a second move) reopens the case at that point too, as it
    did at the office that received it. Raises ``ValueError`` when the history does not fold into the
    dossier the transfer names, with one version per step.

    Grounds: domain.md A5 (moving house: transferred with their history).
    """
    assert isinstance(overdracht.event, lp.DossierOvergedragen)
    state: Dossier | None = None
    for n, feit in enumerate(stappen, start=1):
        state = apply(state, feit)
        if state is None or state.version != n:
            raise ValueError(f"step {n} of the history does not fold into the dossier")
        if isinstance(feit.event, lp.DossierOvergedragen):
            state = neem_over(state, feit.event)
    if state is None or state.dossier_id != overdracht.event.dossier_id:
        raise ValueError("history of another dossier")
    return neem_over(apply(state, overdracht) or state, overdracht.event)
