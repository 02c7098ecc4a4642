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
* ``Verhuisd`` (B): the woongemeente changes; a move out of the region marks the open dossier (the
  reaction in :mod:`rmc.domain.reacties` then transfers and closes it).
* ``DossierOvergedragen`` (A5/A6 moving house): in the old region it records where the case went
  (``DossierGesloten(VERHUISD)`` follows); in the new region it arrives after the case's history
  (the old instance re-publishes the history events, same ids, on the new region's topic, so this
  file was built from them) and the case continues here: the woongemeente becomes the new one and
  ``overgenomen_van`` names the old region.
* rmc's own events move the status as domain.md A6 describes.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.codes import MeldingSoort
from contracts.events import registratie, rmc

from .model import Contactpoging, Dossier, Gebeurtenis, Jongere, Plaatsing, Status, Traject, Voortgangsweek

__all__ = ["GESCHIEDENIS_TYPES", "HANDLED_TYPES", "apply", "fold", "hervatten", "is_relevant", "is_terugkeer"]

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

GESCHIEDENIS_TYPES = frozenset(
    t.event_type
    for t in (
        rmc.JongereAangemeld,
        rmc.ContactpogingGedaan,
        rmc.InBeeld,
        rmc.NietBereikbaar,
        rmc.TrajectGestart,
        rmc.TrajectVoortgang,
        rmc.JongereGeplaatst,
    )
)
"""The case history that moves with a transfer (A5/A6): not a closing, not an earlier transfer."""


def is_relevant(g: Gebeurtenis) -> bool:
    """Does this event belong on a young person's Doorstroompunt file at all?

    Grounds: domain.md A6 (Doorstroompunt trajectbegeleiding) and A5 (moving house).
    """
    ev = g.event
    if ev.event_type not in HANDLED_TYPES:
        return False
    if isinstance(ev, registratie.MeldingGeregistreerd):
        return ev.soort is MeldingSoort.ACHTTIEN_PLUS
    return True


def apply(state: Jongere | None, g: Gebeurtenis) -> Jongere | None:
    """Fold one event into the file; ``None`` = no file (yet).

    Grounds: domain.md A6 (Doorstroompunt trajectbegeleiding) and A5 (moving house).
    """
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
    if isinstance(ev, rmc.DossierOvergedragen) and ev.naar_regio == g.regio and d.open:
        state = state.model_copy(update={"woongemeente": ev.naar_gemeente})
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
        if ev.naar_regio == g.regio:
            return d.model_copy(update={"overgenomen_van": ev.van_regio, "verhuisd_buiten_regio": False,
                                        "overgedragen_naar": None})
        return d
    return d


def is_terugkeer(state: Jongere | None, g: Gebeurtenis) -> bool:
    """A case transferred away from this region earlier comes back (the young person moved back).

    Grounds: domain.md A6 (Doorstroompunt trajectbegeleiding) and A5 (moving house).
    """
    ev = g.event
    return (
        isinstance(ev, rmc.DossierOvergedragen)
        and ev.naar_regio == g.regio
        and state is not None
        and state.dossier.dossier_id == ev.dossier_id
        and not state.dossier.open
        and state.dossier.overgedragen_naar is not None
    )


def hervatten(state: Jongere, geschiedenis: Iterable[Gebeurtenis]) -> Jongere:
    """Reopen a returning case (:func:`is_terugkeer`) from its whole history, in log order.

    The file here was closed with ``VERHUISD`` when the case left; while it was away, the other
    region's history events came back as copies and were ignored by the closed file (and those that
    were already here once are dropped as duplicates by id). Folding the history events of the case
    (:data:`GESCHIEDENIS_TYPES`, both periods, without the closing) gives the case as it stands now;
    the version stays monotonic (a stale form never matches) and no coach holds it yet.

    Grounds: domain.md A6 (Doorstroompunt trajectbegeleiding) and A5 (moving house).
    """
    herbouwd: Jongere | None = None
    dossier_id = state.dossier.dossier_id
    for g in geschiedenis:
        if g.event.event_type in GESCHIEDENIS_TYPES and getattr(g.event, "dossier_id", None) == dossier_id:
            herbouwd = apply(herbouwd, g)
    if herbouwd is None:
        return state
    return herbouwd.model_copy(update={
        "versie": state.versie,
        "coach": None,
        "woongemeente": state.woongemeente,
        "eerdere_dossiers": state.eerdere_dossiers,
        "verwachte_echo": state.verwachte_echo,
    })


def fold(events: Iterable[Gebeurtenis], state: Jongere | None = None) -> Jongere | None:
    """Grounds: domain.md A6 (Doorstroompunt trajectbegeleiding) and A5 (moving house)."""
    for g in events:
        state = apply(state, g)
    return state
