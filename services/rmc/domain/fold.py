"""The fold: ``apply(state, gebeurtenis) -> state`` over the region's log (domain.md A6).

The fold is *total*: it records what happened and never refuses a fact on the log (decisions
refuse, in :mod:`rmc.domain.decide`). An event that does not fit the current state (for another
dossier, or for a closed case) changes nothing but the version, so two copies of the file built
from the same log always agree.

What changes the file:

* **Intake** (A6): ``JongereAangemeld`` opens a dossier in status ``NIEUW``; the signals that lead to
  it (``PotentieelVsvGesignaleerd`` A3.7, 18+ ``MeldingGeregistreerd`` A3.5) are turned into
  ``JongereAangemeld`` by :func:`rmc.domain.reacties.reageer`. Without a file, only
  ``JongereAangemeld`` creates one.
* ``Herinschrijving`` (A3.7 A02) has its effect through the reaction (automatic placement); here it
  only counts as an event on the file.
* ``Verhuisd`` (B): the woongemeente changes; a move out of the region marks the open dossier, for
  closing with ``VERHUISD`` (transfers between regions are deferred).
* rmc's own events move the status as domain.md A6 describes.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.codes import MeldingSoort
from contracts.events import registratie, rmc

from .model import Contactpoging, Dossier, Gebeurtenis, Jongere, Plaatsing, Status, Traject, Voortgangsweek

__all__ = ["HANDLED_TYPES", "apply", "fold", "is_relevant"]

HANDLED_TYPES = frozenset(
    {
        registratie.PotentieelVsvGesignaleerd.event_type,
        registratie.MeldingGeregistreerd.event_type,
        registratie.Herinschrijving.event_type,
        registratie.Verhuisd.event_type,
        registratie.StartkwalificatieBehaald.event_type,
        rmc.JongereAangemeld.event_type,
        rmc.ContactpogingGedaan.event_type,
        rmc.InBeeld.event_type,
        rmc.NietBereikbaar.event_type,
        rmc.TrajectGestart.event_type,
        rmc.TrajectVoortgang.event_type,
        rmc.JongereGeplaatst.event_type,
        rmc.DossierOvergedragen.event_type,
        rmc.DossierGesloten.event_type,
    }
)
"""Event types the file is folded from. ``MeldingGeregistreerd`` counts only for the 18+ soort."""


def is_relevant(g: Gebeurtenis) -> bool:
    """Does this event belong on a young person's Doorstroompunt file at all?"""
    ev = g.event
    if ev.event_type not in HANDLED_TYPES:
        return False
    if isinstance(ev, registratie.MeldingGeregistreerd):
        return ev.soort is MeldingSoort.ACHTTIEN_PLUS
    return True


def apply(state: Jongere | None, g: Gebeurtenis) -> Jongere | None:
    """Fold one event into the file; ``None`` = no file (yet)."""
    if not is_relevant(g):
        return state
    ev = g.event
    if state is None:
        if isinstance(ev, rmc.JongereAangemeld):
            return Jongere(
                pseudoniem=g.pseudoniem,
                versie=1,
                woongemeente=ev.woongemeente,
                geboortejaar_maand=ev.geboortejaar_maand,
                dossier=_nieuw_dossier(ev),
            )
        return None
    if g.id in state.verwachte_echo:
        # Our own reaction coming back from the log: already folded when it was decided.
        rest = tuple(i for i in state.verwachte_echo if i != g.id)
        return state.model_copy(update={"verwachte_echo": rest})

    state = state.model_copy(update={"versie": state.versie + 1})
    if g.actor is not None and ev.domein == "rmc":
        state = state.model_copy(update={"coach": g.actor})
    d = state.dossier

    if isinstance(ev, rmc.JongereAangemeld):
        if d.open:
            return state  # already in care: a second intake changes nothing
        return state.model_copy(update={
            "dossier": _nieuw_dossier(ev),
            "eerdere_dossiers": (*state.eerdere_dossiers, d.dossier_id),
            "woongemeente": ev.woongemeente,
            "geboortejaar_maand": ev.geboortejaar_maand,
        })
    if isinstance(ev, registratie.PotentieelVsvGesignaleerd):
        return state.model_copy(update={"woongemeente": ev.woongemeente,
                                        "geboortejaar_maand": ev.geboortejaar_maand})
    if isinstance(ev, registratie.MeldingGeregistreerd):
        if d.open and ev.melding_id not in d.melding_ids:
            d = d.model_copy(update={"melding_ids": (*d.melding_ids, ev.melding_id)})
        return state.model_copy(update={"dossier": d})
    if isinstance(ev, registratie.Herinschrijving):
        return state
    if isinstance(ev, registratie.Verhuisd):
        if d.open:
            if ev.oude_regio == g.regio and ev.nieuwe_regio != g.regio:
                d = d.model_copy(update={"verhuisd_buiten_regio": True})
            elif ev.nieuwe_regio == g.regio:
                d = d.model_copy(update={"verhuisd_buiten_regio": False})
        return state.model_copy(update={"woongemeente": ev.nieuwe_gemeente, "dossier": d})
    if isinstance(ev, registratie.StartkwalificatieBehaald):
        if d.open:
            d = d.model_copy(update={"sk_behaald_op": ev.datum})
        return state.model_copy(update={"dossier": d})

    # rmc's own events concern one dossier; an event for another (older) dossier changes nothing.
    if getattr(ev, "dossier_id", None) != d.dossier_id:
        return state
    return state.model_copy(update={"dossier": _apply_rmc(d, g)})


def _nieuw_dossier(ev: rmc.JongereAangemeld) -> Dossier:
    return Dossier(
        dossier_id=ev.dossier_id,
        bron=ev.bron,
        aangemeld_op=ev.datum,
        melding_ids=(ev.melding_id,) if ev.melding_id is not None else (),
    )


def _apply_rmc(d: Dossier, g: Gebeurtenis) -> Dossier:
    ev = g.event
    if isinstance(ev, rmc.DossierGesloten):
        if not d.open:
            return d
        return d.model_copy(update={"status": Status.AFGESLOTEN, "gesloten_op": ev.datum,
                                    "sluitreden": ev.reden})
    if not d.open:
        return d  # facts after closing stay on the log but do not reopen the case
    if isinstance(ev, rmc.ContactpogingGedaan):
        poging = Contactpoging(datum=ev.datum, kanaal=ev.kanaal, geslaagd=ev.geslaagd)
        return d.model_copy(update={"contactpogingen": (*d.contactpogingen, poging)})
    if isinstance(ev, rmc.InBeeld):
        if d.status in (Status.NIEUW, Status.NIET_BEREIKBAAR):
            return d.model_copy(update={"status": Status.IN_BEELD, "in_beeld_sinds": ev.datum})
        return d
    if isinstance(ev, rmc.NietBereikbaar):
        if d.status is Status.NIEUW:
            return d.model_copy(update={"status": Status.NIET_BEREIKBAAR, "niet_bereikbaar_sinds": ev.datum})
        return d
    if isinstance(ev, rmc.TrajectGestart):
        traject = Traject(traject_id=ev.traject_id, route=ev.route, datum=ev.datum, partner=ev.partner)
        return d.model_copy(update={"status": Status.IN_TRAJECT, "traject": traject, "plaatsing": None})
    if isinstance(ev, rmc.TrajectVoortgang):
        week = Voortgangsweek(traject_id=ev.traject_id, partner=ev.partner, week=ev.week,
                              aanwezigheid_pct=ev.aanwezigheid_pct, voortgang=ev.voortgang)
        rest = tuple(w for w in d.voortgang if (w.traject_id, w.week) != (ev.traject_id, ev.week))
        return d.model_copy(update={"voortgang": (*rest, week)})  # a correction replaces its week
    if isinstance(ev, rmc.JongereGeplaatst):
        plaatsing = Plaatsing(bestemming=ev.bestemming, niveau=ev.niveau, startdatum=ev.startdatum,
                              school=ev.school.code if ev.school else None, automatisch=ev.automatisch)
        return d.model_copy(update={"status": Status.GEPLAATST, "plaatsing": plaatsing})
    if isinstance(ev, rmc.DossierOvergedragen):
        if ev.van_regio == g.regio:
            return d.model_copy(update={"overgedragen_naar": ev.naar_regio})
        return d
    return d


def fold(events: Iterable[Gebeurtenis], state: Jongere | None = None) -> Jongere | None:
    for g in events:
        state = apply(state, g)
    return state
