"""Reactions: what rmc itself decides when a registratie fact arrives (domain.md A6, A3.5, A3.7).

* A potential vsv'er (``PotentieelVsvGesignaleerd``, A3.7) or an 18+ report
  (``MeldingGeregistreerd`` soort ``ACHTTIEN_PLUS``, A3.5) without an open dossier is taken in:
  ``Aanmelden`` → ``JongereAangemeld`` — unless the young person is at or above the age limit on the
  intake date (then nothing: see the Decision in :mod:`rmc.domain.decide`).
* A re-enrolment (``Herinschrijving``, A02) of a young person with an open dossier places them
  automatically with route ``ONDERWIJS``.
* A move out of the region (``Verhuisd`` from this region to another, A5/A6 moving house) of a young
  person with an open dossier transfers it: ``DossierOvergedragen`` + ``DossierGesloten(VERHUISD)``
  (the adapter also routes the transfer, with the case's history, to the new region's topic).

The projection runs :func:`verwerk` for every event, inside its transaction. Reaction events get
ids *derived* from the cause's id (:func:`afgeleid_id`), so a redelivery or a replay from offset 0
produces the very same events, which every consumer then drops as duplicates. The reactions are
folded into the file at once (so the next event already sees the intake or placement) and their
ids are remembered in ``Jongere.verwachte_echo``: when the published copy comes back from the log,
the fold skips it instead of counting it twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

from contracts.codes import MeldingSoort, RmcAanmeldBron
from contracts.events import registratie

from .decide import Aanmelden, AutomatischPlaatsen, Command, DomeinFout, Overdragen, decide
from .fold import apply, is_relevant
from .model import STANDAARD_REGELS, Gebeurtenis, Jongere, Kenmerken, Regels

__all__ = ["Verwerking", "afgeleid_id", "reageer", "verwerk"]


def afgeleid_id(oorzaak: UUID, label: str) -> UUID:
    """A deterministic UUIDv7-shaped id for something ``oorzaak`` caused: the cause's 48-bit
    timestamp (ids stay time-ordered) and 74 bits of SHA-256 over cause and label.

    Grounds: domain.md A6 (re-enrolment places the young person automatically).
    """
    ms = oorzaak.int >> 80 if oorzaak.version == 7 else 0
    rand = int.from_bytes(hashlib.sha256(f"{oorzaak}:{label}".encode()).digest()[:10], "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return UUID(int=value)


def _command_for(state: Jongere | None, g: Gebeurtenis, kenmerken: Kenmerken | None) -> Command | None:
    ev = g.event
    open_dossier = state is not None and state.dossier.open
    if isinstance(ev, registratie.PotentieelVsvGesignaleerd) and not open_dossier:
        return Aanmelden(dossier_id=afgeleid_id(g.id, "dossier"), bron=RmcAanmeldBron.POTENTIEEL_VSV,
                         datum=g.datum, woongemeente=ev.woongemeente,
                         geboortejaar_maand=ev.geboortejaar_maand)
    if (isinstance(ev, registratie.MeldingGeregistreerd) and ev.soort is MeldingSoort.ACHTTIEN_PLUS
            and not open_dossier):
        bekend = kenmerken or (
            Kenmerken(woongemeente=state.woongemeente, geboortejaar_maand=state.geboortejaar_maand)
            if state is not None else None
        )
        if bekend is None:
            return None  # nothing known of this pupil in the region: cannot check the age limit
        return Aanmelden(dossier_id=afgeleid_id(g.id, "dossier"), bron=RmcAanmeldBron.ACHTTIEN_PLUS_MELDING,
                         datum=g.datum, woongemeente=bekend.woongemeente,
                         geboortejaar_maand=bekend.geboortejaar_maand, melding_id=ev.melding_id)
    if isinstance(ev, registratie.Herinschrijving) and open_dossier:
        return AutomatischPlaatsen(traject_id=afgeleid_id(g.id, "traject"), school=ev.school,
                                   ingangsdatum=ev.ingangsdatum, niveau=ev.niveau)
    if (isinstance(ev, registratie.Verhuisd) and open_dossier and ev.oude_regio == g.regio
            and ev.nieuwe_regio != g.regio):
        return Overdragen(van_regio=g.regio, naar_regio=ev.nieuwe_regio, naar_gemeente=ev.nieuwe_gemeente,
                          verhuisdatum=ev.verhuisdatum)
    return None


def reageer(state: Jongere | None, g: Gebeurtenis, regels: Regels = STANDAARD_REGELS,
            kenmerken: Kenmerken | None = None) -> list[Gebeurtenis]:
    """The reaction events to ``g`` on the file ``state`` (which already includes ``g``).

    Grounds: domain.md A6 (re-enrolment places the young person automatically).
    """
    command = _command_for(state, g, kenmerken)
    if command is None:
        return []
    try:
        events = decide(command, state, regels)
    except DomeinFout:
        return []  # e.g. above the age limit: not taken in
    return [Gebeurtenis(id=afgeleid_id(g.id, f"reactie-{i}"), pseudoniem=g.pseudoniem, event=ev,
                        datum=g.datum, regio=g.regio)
            for i, ev in enumerate(events)]


@dataclass(frozen=True)
class Verwerking:
    """Result of one event: the new file, the events that changed it (``g`` and/or reactions, for the
    read rows), the reactions to publish, and whether ``g`` was the echo of an earlier reaction."""

    toestand: Jongere | None
    toegepast: tuple[Gebeurtenis, ...] = ()
    reacties: tuple[Gebeurtenis, ...] = ()
    echo: bool = False


def verwerk(state: Jongere | None, g: Gebeurtenis, regels: Regels = STANDAARD_REGELS,
            kenmerken: Kenmerken | None = None) -> Verwerking:
    """Fold ``g``, decide the reactions, fold those too (pure; the projection persists the result).

    Grounds: domain.md A6 (re-enrolment places the young person automatically).
    """
    if not is_relevant(g):
        return Verwerking(state)
    if state is not None and g.id in state.verwachte_echo:
        return Verwerking(apply(state, g), echo=True)
    nieuw = apply(state, g)
    toegepast: list[Gebeurtenis] = [g] if nieuw is not None else []
    reacties = reageer(nieuw, g, regels, kenmerken)
    for r in reacties:
        nieuw = apply(nieuw, r)
        assert nieuw is not None  # a reaction always lands on a file (intake creates it)
        nieuw = nieuw.model_copy(update={"verwachte_echo": (*nieuw.verwachte_echo, r.id)})
    return Verwerking(nieuw, tuple(toegepast) + tuple(reacties), tuple(reacties))
