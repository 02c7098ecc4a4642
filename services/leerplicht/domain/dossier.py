"""The leerplicht dossier aggregate: one pupil's case at this region's office (domain.md A4, A5).

State is a pure fold over the facts (events) of one dossier, in log order::

    dossier = None
    for feit in feiten:
        dossier = apply(dossier, feit)

What folds into a dossier:

* registratie's ``MeldingGeregistreerd`` (a report filed and routed to this region, A4) opens a new
  dossier, or joins the pupil's open one (the adapter passes that open dossier as the state; the
  contract's ``MeldingInBehandeling.nieuw_dossier`` names the same choice). A new dossier gets the
  deterministic id :func:`nieuw_dossier_id` of its first report, so a replay from offset 0 rebuilds
  the same ids. ``MeldingIngetrokken`` (A4 *Ingetrokken*) and ``MeldingEinddatumVastgesteld`` (A3.2)
  update the report.
* leerplicht's own events (MAS steps, A5): pick-up, onderzoek, route(s), Halt override,
  interventions, report and dossier closing, transfer.

Why ``apply`` never raises on a valid event: the rules of the MAS order are enforced by
:func:`leerplicht.domain.commands.decide` *before* an event exists. Once an event is on the log it is
a fact, and the fold must accept facts in whatever order the log holds them (a school may withdraw a
report the moment the officer picks it up). Report statuses therefore only move forward
(Geregistreerd < In behandeling < an end status), so both orders fold to the same state. An event
that changes nothing (a duplicate report id) is a no-op: ``apply`` returns the same object and the
``version`` (number of events applied, for optimistic concurrency) does not move.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from contracts.codes import (
    InterventieSoort,
    InterventieUitkomst,
    IntrekkingsReden,
    LeerplichtSluitreden,
    MasRoute,
    MeldingSoort,
    MeldingStatus,
)
from contracts.events import leerplicht as lp
from contracts.events import registratie as reg
from contracts.events.base import Event

__all__ = [
    "BEHANDELD_DOOR_LEERPLICHT",
    "DOSSIER_NAMESPACE",
    "Dossier",
    "DossierFase",
    "Feit",
    "HaltOverschrijving",
    "Interventie",
    "Melding",
    "Onderzoek",
    "RouteKeuze",
    "Sluiting",
    "apply",
    "dossier_id_van",
    "fold",
    "hoort_bij_leerplicht",
    "melding_id_van",
    "nieuw_dossier_id",
]

DOSSIER_NAMESPACE = uuid.UUID("6b0f9d3e-3c1a-5d2e-9f47-1e5c0a7b8d21")
"""uuid5 namespace of dossier ids: a dossier is named after the report that opened it."""

BEHANDELD_DOOR_LEERPLICHT = frozenset(
    {
        MeldingSoort.ZESTIEN_UUR,
        MeldingSoort.LRV,
        MeldingSoort.LUXE,
        MeldingSoort.OVERIG,
        MeldingSoort.ABSOLUUT,
    }
)
"""Report kinds the leerplicht office handles. ``ACHTTIEN_PLUS`` goes to the region's Doorstroompunt
(domain.md A3.5), not to leerplicht, so it never opens a leerplicht dossier."""


def nieuw_dossier_id(melding_id: UUID) -> UUID:
    """The id of the dossier opened by report ``melding_id`` (deterministic: replay-safe).

    Grounds: domain.md A4 (report lifecycle) and A5 (the leerplicht dossier).
    """
    return uuid.uuid5(DOSSIER_NAMESPACE, str(melding_id))


def hoort_bij_leerplicht(event: reg.MeldingGeregistreerd) -> bool:
    """Grounds: domain.md A4 (report lifecycle) and A5 (the leerplicht dossier)."""
    return event.soort in BEHANDELD_DOOR_LEERPLICHT


class DossierFase(StrEnum):
    """Where the case is: open, closed with a reason (A5 fixed list), or transferred (A5 moving house)."""

    OPEN = "OPEN"
    GESLOTEN = "GESLOTEN"
    OVERGEDRAGEN = "OVERGEDRAGEN"


@dataclass(frozen=True, slots=True)
class Feit:
    """One event with what the fold needs from its envelope: id, the pupil's pseudonym and the day
    it happened (the envelope time as a date in Europe/Amsterdam; the adapter converts)."""

    event: Event
    event_id: UUID
    subject: str
    op: date


@dataclass(frozen=True, slots=True)
class Melding:
    """A report in this dossier with its DUO status (A4, exactly the five statuses)."""

    melding_id: UUID
    soort: MeldingSoort
    status: MeldingStatus
    geregistreerd_op: date
    startdatum: date
    einddatum: date | None
    in_behandeling_op: date | None = None
    afgehandeld_op: date | None = None
    intrekkingsreden: IntrekkingsReden | None = None


@dataclass(frozen=True, slots=True)
class Onderzoek:
    melding_id: UUID
    datum: date
    met_leerling: bool


@dataclass(frozen=True, slots=True)
class RouteKeuze:
    routes: tuple[MasRoute, ...]
    datum: date


@dataclass(frozen=True, slots=True)
class Interventie:
    """An intervention; a Halt referral's outcome is recorded later on the same ``interventie_id``."""

    interventie_id: UUID
    soort: InterventieSoort
    datum: date
    uitkomst: InterventieUitkomst | None = None
    uitkomst_op: date | None = None


@dataclass(frozen=True, slots=True)
class HaltOverschrijving:
    datum: date
    toelichting: str


@dataclass(frozen=True, slots=True)
class Sluiting:
    reden: LeerplichtSluitreden
    datum: date
    toelichting: str | None = None
    naar_regio: str | None = None


_RANG = {
    MeldingStatus.GEREGISTREERD: 0,
    MeldingStatus.IN_BEHANDELING: 1,
    MeldingStatus.AFGESLOTEN: 2,
    MeldingStatus.TER_KENNISGEVING_AANGENOMEN: 2,
    MeldingStatus.INGETROKKEN: 2,
}


@dataclass(frozen=True, slots=True)
class Dossier:
    """The case state. Tuples keep it immutable; order is the order of the facts."""

    dossier_id: UUID
    pseudoniem: str
    geopend_op: date
    eerste_melding_id: UUID
    meldingen: tuple[Melding, ...]
    version: int = 1
    fase: DossierFase = DossierFase.OPEN
    onderzoeken: tuple[Onderzoek, ...] = ()
    routekeuzes: tuple[RouteKeuze, ...] = ()
    interventies: tuple[Interventie, ...] = ()
    halt_overschrijvingen: tuple[HaltOverschrijving, ...] = ()
    sluiting: Sluiting | None = None
    laatste_actie_op: date | None = None
    """Day of the office's latest step (any leerplicht event), for the 6-week flag (A5)."""
    overgenomen_van: str | None = None
    """Region whose office transferred this dossier to this one (A5 moving house), if any."""
    overgenomen_op: date | None = None

    # ---- queries -------------------------------------------------------------------------

    @property
    def open(self) -> bool:
        return self.fase is DossierFase.OPEN

    def melding(self, melding_id: UUID) -> Melding | None:
        return next((m for m in self.meldingen if m.melding_id == melding_id), None)

    def onderzoek_voor(self, melding_id: UUID) -> Onderzoek | None:
        return next((o for o in self.onderzoeken if o.melding_id == melding_id), None)

    def interventie(self, interventie_id: UUID) -> Interventie | None:
        return next((i for i in self.interventies if i.interventie_id == interventie_id), None)

    def interventies_van(self, soort: InterventieSoort) -> tuple[Interventie, ...]:
        return tuple(i for i in self.interventies if i.soort is soort)

    @property
    def huidige_routes(self) -> tuple[MasRoute, ...]:
        """The latest choice (A5: escalating is a new choice)."""
        return self.routekeuzes[-1].routes if self.routekeuzes else ()

    @property
    def gekozen_routes(self) -> frozenset[MasRoute]:
        """Every route chosen so far: steps of an earlier route may still get their outcome."""
        return frozenset(r for k in self.routekeuzes for r in k.routes)

    @property
    def eerste_contact_op(self) -> date | None:
        """First contact with parents/pupil: an onderzoek started, or a conversation or home visit
        (A5 default deadline: first contact within 10 working days)."""
        dagen = [o.datum for o in self.onderzoeken] + [
            i.datum for i in self.interventies if i.soort in (InterventieSoort.GESPREK, InterventieSoort.HUISBEZOEK)
        ]
        return min(dagen) if dagen else None

    @property
    def eerste_registratie_op(self) -> date:
        return min(m.geregistreerd_op for m in self.meldingen)

    @property
    def verzuim_sinds(self) -> date:
        """Start of the verzuim this case is about: the earliest report period start."""
        return min(m.startdatum for m in self.meldingen)


# ---- the fold -----------------------------------------------------------------------------


def dossier_id_van(event: Event) -> UUID | None:
    """The dossier a leerplicht event names (``None`` for events that name only a report).

    Grounds: domain.md A4 (report lifecycle) and A5 (the leerplicht dossier).
    """
    value = getattr(event, "dossier_id", None)
    return value if isinstance(value, UUID) else None


def melding_id_van(event: Event) -> UUID | None:
    """Grounds: domain.md A4 (report lifecycle) and A5 (the leerplicht dossier)."""
    value = getattr(event, "melding_id", None)
    return value if isinstance(value, UUID) else None


def fold(feiten: list[Feit] | tuple[Feit, ...], start: Dossier | None = None) -> Dossier | None:
    """Grounds: domain.md A4 (report lifecycle) and A5 (the leerplicht dossier)."""
    state = start
    for feit in feiten:
        state = apply(state, feit)
    return state


def apply(state: Dossier | None, feit: Feit) -> Dossier | None:
    """Apply one fact. ``None`` + a report opens a dossier; anything else on ``None`` is ignored.

    Grounds: domain.md A4 (report lifecycle) and A5 (the leerplicht dossier).
    """
    ev = feit.event
    if state is None:
        if isinstance(ev, reg.MeldingGeregistreerd) and hoort_bij_leerplicht(ev):
            return Dossier(
                dossier_id=nieuw_dossier_id(ev.melding_id),
                pseudoniem=feit.subject,
                geopend_op=feit.op,
                eerste_melding_id=ev.melding_id,
                meldingen=(_nieuwe_melding(ev, feit.op),),
            )
        return None
    nieuw = _apply(state, feit)
    if nieuw is state:
        return state
    return replace(nieuw, version=state.version + 1)


def _nieuwe_melding(ev: reg.MeldingGeregistreerd, op: date) -> Melding:
    return Melding(
        melding_id=ev.melding_id,
        soort=ev.soort,
        status=MeldingStatus.GEREGISTREERD,
        geregistreerd_op=op,
        startdatum=ev.startdatum,
        einddatum=ev.einddatum,
    )


def _vervang_melding(state: Dossier, melding_id: UUID, **changes: Any) -> Dossier:
    meldingen = tuple(replace(m, **changes) if m.melding_id == melding_id else m for m in state.meldingen)
    return replace(state, meldingen=meldingen)


def _status(state: Dossier, melding_id: UUID, status: MeldingStatus, op: date, **extra: object) -> Dossier:
    """Move a report's status forward only (see module doc); record the day either way."""
    m = state.melding(melding_id)
    if m is None:
        return state
    changes: dict[str, object] = dict(extra)
    if _RANG[status] > _RANG[m.status]:
        changes["status"] = status
    if status is MeldingStatus.IN_BEHANDELING:
        if m.in_behandeling_op is None:
            changes["in_behandeling_op"] = op
    elif status.eindstatus and m.afgehandeld_op is None and "status" in changes:
        changes["afgehandeld_op"] = op
    changes = {k: v for k, v in changes.items() if getattr(m, k) != v}
    if not changes:
        return state
    return _vervang_melding(state, melding_id, **changes)


def _actie(state: Dossier, datum: date) -> date:
    return datum if state.laatste_actie_op is None else max(state.laatste_actie_op, datum)


def _apply(state: Dossier, feit: Feit) -> Dossier:
    ev = feit.event
    # --- registratie ---
    if isinstance(ev, reg.MeldingGeregistreerd):
        if state.melding(ev.melding_id) is not None or not hoort_bij_leerplicht(ev):
            return state
        return replace(state, meldingen=(*state.meldingen, _nieuwe_melding(ev, feit.op)))
    if isinstance(ev, reg.MeldingIngetrokken):
        return _status(state, ev.melding_id, MeldingStatus.INGETROKKEN, feit.op, intrekkingsreden=ev.reden)
    if isinstance(ev, reg.MeldingEinddatumVastgesteld):
        m = state.melding(ev.melding_id)
        if m is None or m.einddatum == ev.einddatum:
            return state
        return _vervang_melding(state, ev.melding_id, einddatum=ev.einddatum)
    # --- leerplicht ---
    if isinstance(ev, lp.MeldingInBehandeling):
        s = _status(state, ev.melding_id, MeldingStatus.IN_BEHANDELING, ev.datum)
        return replace(s, laatste_actie_op=_actie(state, ev.datum))
    if isinstance(ev, lp.MeldingAfgesloten):
        s = _status(state, ev.melding_id, MeldingStatus.AFGESLOTEN, ev.datum)
        return replace(s, laatste_actie_op=_actie(state, ev.datum))
    if isinstance(ev, lp.MeldingTerKennisgevingAangenomen):
        s = _status(state, ev.melding_id, MeldingStatus.TER_KENNISGEVING_AANGENOMEN, ev.datum)
        return replace(s, laatste_actie_op=_actie(state, ev.datum))
    if isinstance(ev, lp.OnderzoekGestart):
        onderzoek = Onderzoek(ev.melding_id, ev.datum, ev.met_leerling)
        return replace(state, onderzoeken=(*state.onderzoeken, onderzoek), laatste_actie_op=_actie(state, ev.datum))
    if isinstance(ev, lp.RouteGekozen):
        keuze = RouteKeuze(tuple(ev.routes), ev.datum)
        return replace(state, routekeuzes=(*state.routekeuzes, keuze), laatste_actie_op=_actie(state, ev.datum))
    if isinstance(ev, lp.HaltAdviesOverschreven):
        o = HaltOverschrijving(ev.datum, ev.toelichting or "")
        return replace(
            state,
            halt_overschrijvingen=(*state.halt_overschrijvingen, o),
            laatste_actie_op=_actie(state, ev.datum),
        )
    if isinstance(ev, lp.InterventieUitgevoerd):
        return _interventie(state, ev)
    if isinstance(ev, lp.DossierGesloten):
        if not state.open:
            return state
        sluiting = Sluiting(ev.reden, ev.datum, ev.toelichting)
        return replace(state, fase=DossierFase.GESLOTEN, sluiting=sluiting, laatste_actie_op=_actie(state, ev.datum))
    if isinstance(ev, lp.DossierOvergedragen):
        if not state.open:
            return state
        sluiting = Sluiting(LeerplichtSluitreden.VERHUISD, ev.datum, None, naar_regio=ev.naar_regio)
        return replace(
            state, fase=DossierFase.OVERGEDRAGEN, sluiting=sluiting, laatste_actie_op=_actie(state, ev.datum)
        )
    return state


def _interventie(state: Dossier, ev: lp.InterventieUitgevoerd) -> Dossier:
    bestaand = state.interventie(ev.interventie_id)
    if bestaand is None:
        nieuw = Interventie(ev.interventie_id, ev.soort, ev.datum, ev.uitkomst, ev.datum if ev.uitkomst else None)
        return replace(state, interventies=(*state.interventies, nieuw), laatste_actie_op=_actie(state, ev.datum))
    if ev.uitkomst is None or bestaand.uitkomst == ev.uitkomst:
        return state
    bijgewerkt = replace(bestaand, uitkomst=ev.uitkomst, uitkomst_op=ev.datum)
    interventies = tuple(bijgewerkt if i.interventie_id == ev.interventie_id else i for i in state.interventies)
    return replace(state, interventies=interventies, laatste_actie_op=_actie(state, ev.datum))
