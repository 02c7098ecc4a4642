"""Commands of the officer and ``decide(command, state) -> list[Event]``: the MAS order (domain.md A4, A5).

``decide`` is pure: it checks a command against the dossier state and returns the events to publish,
or raises :class:`DomeinFout` with a Dutch message naming the field (``veld``) and the rule
(``regel``). The adapter loads the state, runs ``decide``, publishes; the fold then applies the
events (see :mod:`leerplicht.domain.dossier`).

The order enforced, and why:

* Only an **open** dossier takes new steps; a closed one is never closed twice (A5: closed with one
  reason; a transferred case is closed for the old office).
* A report moves Geregistreerd → In behandeling → Afgesloten / Ter kennisgeving aangenomen (A4,
  exactly). Taking a still-Geregistreerd report *ter kennisgeving* emits the pick-up first, so the
  DUO status sequence stays complete.
* **Every report starts an onderzoek** (A5): an onderzoek needs the report picked up; a report is
  *Afgesloten* only after its onderzoek (otherwise it is *ter kennisgeving aangenomen*).
* **A route needs an onderzoek** (A5: "Then a route"); the basisroute is not combined with
  vervolgroutes (A5 Decision, also enforced by the contract).
* An intervention belongs to one route (``InterventieSoort.route``): a vervolgroute step needs its
  route chosen; a conversation or home visit may happen from pick-up on (it is first contact); the
  letter and the warning need the onderzoek. OM decision needs a proces-verbaal, a court ruling needs
  a dagvaarding (A5: proces-verbaal → OM → sepot, transactie or dagvaarding → uitspraak).
* **Halt** (A5) only when the advice (:mod:`leerplicht.domain.halt`) is ``GESCHIKT`` or the officer
  overrides it with a reason (the override is its own event, before the route/referral); never a
  second referral for the same pupil (A5: once per pupil). A Halt outcome is recorded once, on the
  referral it belongs to.
* A **closing reason** must fit the file: ``HALT_POSITIEF`` needs a positive Halt outcome,
  ``PV_AFGEDAAN`` a proces-verbaal with an OM decision or ruling, ``NAAR_ZORG`` a care route,
  ``INGETROKKEN`` only withdrawn reports, ``VERZUIM_BEEINDIGD`` an onderzoek; ``OVERIG`` needs a
  toelichting and only ``OVERIG`` may carry one. Reports still *Geregistreerd* must be picked up
  first; reports *In behandeling* are closed along with the dossier.
* Dates: a step is never dated before the dossier opened (the adapter refuses dates in the future).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contracts.codes import (
    HaltAdvies,
    InterventieSoort,
    InterventieUitkomst,
    LeerplichtSluitreden,
    MasRoute,
    MeldingStatus,
)
from contracts.events import leerplicht as lp
from contracts.events.base import Event

from .dossier import Dossier, DossierFase, Melding
from .halt import LeerlingGegevens, halt_advies
from .teksten import INTERVENTIE, ROUTE, SLUITREDEN, UITKOMST, datum_nl

__all__ = [
    "Command",
    "DomeinFout",
    "DraagOver",
    "KiesRoute",
    "NeemInBehandeling",
    "NeemTerKennisgeving",
    "SluitDossier",
    "SluitMeldingAf",
    "StartOnderzoek",
    "VoerInterventieUit",
    "decide",
]


class DomeinFout(ValueError):
    """A command that breaks a rule: ``veld`` (the field), ``regel`` (the rule id), Dutch ``melding``."""

    def __init__(self, veld: str, regel: str, melding: str) -> None:
        super().__init__(f"{veld}: {melding}")
        self.veld = veld
        self.regel = regel
        self.melding = melding


@dataclass(frozen=True, slots=True)
class NeemInBehandeling:
    melding_id: UUID
    datum: date


@dataclass(frozen=True, slots=True)
class NeemTerKennisgeving:
    melding_id: UUID
    datum: date


@dataclass(frozen=True, slots=True)
class SluitMeldingAf:
    melding_id: UUID
    datum: date


@dataclass(frozen=True, slots=True)
class StartOnderzoek:
    melding_id: UUID
    datum: date
    met_leerling: bool


@dataclass(frozen=True, slots=True)
class KiesRoute:
    routes: tuple[MasRoute, ...]
    datum: date
    leerling: LeerlingGegevens | None = None
    """Needed when the Halt route is chosen (advice, A5)."""
    halt_toelichting: str | None = None
    """The officer's reason for overriding a ``NIET_GESCHIKT`` Halt advice."""


@dataclass(frozen=True, slots=True)
class VoerInterventieUit:
    """A new intervention (a fresh ``interventie_id``) or the outcome of an earlier one (its id)."""

    interventie_id: UUID
    soort: InterventieSoort
    datum: date
    uitkomst: InterventieUitkomst | None = None
    leerling: LeerlingGegevens | None = None
    halt_toelichting: str | None = None


@dataclass(frozen=True, slots=True)
class SluitDossier:
    reden: LeerplichtSluitreden
    datum: date
    toelichting: str | None = None


@dataclass(frozen=True, slots=True)
class DraagOver:
    """Transfer the open dossier to the new region's office (A5 moving house). Not an officer's command:
    the service issues it when registratie's ``Verhuisd`` leaves this region (see
    :mod:`leerplicht.domain.verhuizing`)."""

    van_regio: str
    naar_regio: str
    naar_gemeente: str
    datum: date
    geschiedenis: lp.DossierGeschiedenis | None = None
    """The dossier's history as the old office holds it (the adapter gathers it, contract v2)."""


Command = (
    NeemInBehandeling
    | NeemTerKennisgeving
    | SluitMeldingAf
    | StartOnderzoek
    | KiesRoute
    | VoerInterventieUit
    | SluitDossier
    | DraagOver
)

_UITKOMST_VERPLICHT = frozenset({InterventieSoort.OM_BESLISSING, InterventieSoort.UITSPRAAK})
_NA_ONDERZOEK = frozenset({InterventieSoort.KENNISGEVINGSBRIEF, InterventieSoort.WAARSCHUWINGSGESPREK})
_ZORGROUTES = frozenset({MasRoute.VRIJWILLIGE_HULP, MasRoute.VERPLICHT_KADER})
_PV_AFGEDAAN = frozenset(
    {
        InterventieUitkomst.SEPOT,
        InterventieUitkomst.TRANSACTIE,
        InterventieUitkomst.TAAKSTRAF,
        InterventieUitkomst.BOETE,
        InterventieUitkomst.VRIJSPRAAK,
        InterventieUitkomst.ANDERE_STRAF,
    }
)


def decide(command: Command, state: Dossier) -> list[Event]:
    """The events ``command`` produces on ``state``, or :class:`DomeinFout`.

    Grounds: domain.md A5 (MAS case handling) and A4 (report statuses).
    """
    _eis_open(state)
    if command.datum < state.geopend_op:
        raise DomeinFout(
            "datum",
            "datum_na_opening",
            f"de datum {datum_nl(command.datum)} ligt voor de opening van het dossier ({datum_nl(state.geopend_op)})",
        )
    match command:
        case NeemInBehandeling():
            return _in_behandeling(command, state)
        case NeemTerKennisgeving():
            return _ter_kennisgeving(command, state)
        case SluitMeldingAf():
            return _melding_af(command, state)
        case StartOnderzoek():
            return _onderzoek(command, state)
        case KiesRoute():
            return _route(command, state)
        case VoerInterventieUit():
            return _interventie(command, state)
        case SluitDossier():
            return _sluit(command, state)
        case DraagOver():
            return _draag_over(command, state)
    raise TypeError(f"onbekende opdracht {type(command).__name__}")  # pragma: no cover


# ---- helpers --------------------------------------------------------------------------------


def _eis_open(state: Dossier) -> None:
    if state.fase is DossierFase.GESLOTEN:
        assert state.sluiting is not None
        raise DomeinFout(
            "dossier_id",
            "dossier_open",
            f"het dossier is al gesloten op {datum_nl(state.sluiting.datum)} (reden: "
            f"{SLUITREDEN[state.sluiting.reden]}); een gesloten dossier krijgt geen nieuwe stappen",
        )
    if state.fase is DossierFase.OVERGEDRAGEN:
        assert state.sluiting is not None
        raise DomeinFout(
            "dossier_id",
            "dossier_open",
            f"het dossier is overgedragen aan regio {state.sluiting.naar_regio}; dit bureau kan het niet meer wijzigen",
        )


def _melding(state: Dossier, melding_id: UUID) -> Melding:
    m = state.melding(melding_id)
    if m is None:
        raise DomeinFout("melding_id", "melding_in_dossier", "deze melding hoort niet bij dit dossier")
    return m


def _status_label(m: Melding) -> str:
    return m.status.duo_label


def _niet_voor(datum: date, eerder: date, veld: str, wat: str) -> None:
    if datum < eerder:
        raise DomeinFout(veld, "datum_volgorde", f"de datum {datum_nl(datum)} ligt voor {wat} ({datum_nl(eerder)})")


# ---- reports (A4) -----------------------------------------------------------------------------


def _in_behandeling(c: NeemInBehandeling, state: Dossier) -> list[Event]:
    m = _melding(state, c.melding_id)
    if m.status is not MeldingStatus.GEREGISTREERD:
        raise DomeinFout(
            "melding_id",
            "status_geregistreerd",
            f"de melding heeft status {_status_label(m)}; alleen een melding met status Geregistreerd "
            "kan in behandeling worden genomen",
        )
    _niet_voor(c.datum, m.geregistreerd_op, "datum", "de registratie van de melding")
    return [
        lp.MeldingInBehandeling(
            melding_id=m.melding_id,
            dossier_id=state.dossier_id,
            datum=c.datum,
            nieuw_dossier=m.melding_id == state.eerste_melding_id,
        )
    ]


def _ter_kennisgeving(c: NeemTerKennisgeving, state: Dossier) -> list[Event]:
    m = _melding(state, c.melding_id)
    events: list[Event] = []
    if m.status is MeldingStatus.GEREGISTREERD:
        events += _in_behandeling(NeemInBehandeling(c.melding_id, c.datum), state)
    elif m.status is not MeldingStatus.IN_BEHANDELING:
        raise DomeinFout(
            "melding_id",
            "melding_open",
            f"de melding heeft al de eindstatus {_status_label(m)}",
        )
    events.append(
        lp.MeldingTerKennisgevingAangenomen(melding_id=m.melding_id, dossier_id=state.dossier_id, datum=c.datum)
    )
    return events


def _melding_af(c: SluitMeldingAf, state: Dossier) -> list[Event]:
    m = _melding(state, c.melding_id)
    if m.status is not MeldingStatus.IN_BEHANDELING:
        raise DomeinFout(
            "melding_id",
            "status_in_behandeling",
            f"de melding heeft status {_status_label(m)}; alleen een melding In behandeling kan worden "
            "afgesloten",
        )
    onderzoek = state.onderzoek_voor(m.melding_id)
    if onderzoek is None:
        raise DomeinFout(
            "melding_id",
            "onderzoek_vereist",
            "elke melding start een onderzoek; sluit af na het onderzoek, of neem de "
            "melding ter kennisgeving aan",
        )
    _niet_voor(c.datum, onderzoek.datum, "datum", "de start van het onderzoek")
    return [lp.MeldingAfgesloten(melding_id=m.melding_id, dossier_id=state.dossier_id, datum=c.datum)]


# ---- MAS steps (A5) ---------------------------------------------------------------------------


def _onderzoek(c: StartOnderzoek, state: Dossier) -> list[Event]:
    m = _melding(state, c.melding_id)
    if m.status is MeldingStatus.GEREGISTREERD:
        raise DomeinFout(
            "melding_id",
            "status_in_behandeling",
            "de melding heeft status Geregistreerd; neem haar eerst in behandeling",
        )
    if m.status is not MeldingStatus.IN_BEHANDELING:
        raise DomeinFout(
            "melding_id",
            "melding_open",
            f"de melding heeft al de eindstatus {_status_label(m)}",
        )
    if state.onderzoek_voor(m.melding_id) is not None:
        raise DomeinFout(
            "melding_id", "onderzoek_eenmalig", "voor deze melding is het onderzoek al gestart"
        )
    assert m.in_behandeling_op is not None
    _niet_voor(c.datum, m.in_behandeling_op, "datum", "het in behandeling nemen van de melding")
    return [
        lp.OnderzoekGestart(
            dossier_id=state.dossier_id, melding_id=m.melding_id, datum=c.datum, met_leerling=c.met_leerling
        )
    ]


def _eis_onderzoek(state: Dossier, veld: str, wat: str) -> None:
    if not state.onderzoeken:
        raise DomeinFout(
            veld,
            "onderzoek_vereist",
            f"{wat} kan pas na de start van een onderzoek: elke melding start een onderzoek, daarna "
            "volgt een route",
        )


def _halt_toets(
    state: Dossier,
    leerling: LeerlingGegevens | None,
    peildatum: date,
    toelichting: str | None,
    veld: str,
) -> list[Event]:
    """Halt only when eligible or overridden with a reason; never twice (A5). Returns the override
    event when one is needed (and a reason is given)."""
    gegevens = leerling or LeerlingGegevens(geboortejaar_maand=None)
    beoordeling = halt_advies(state, gegevens, peildatum)
    if not beoordeling.eerste_verwijzing:
        raise DomeinFout(
            veld,
            "halt_eenmalig",
            "de leerling is al eerder naar Halt verwezen voor verzuim; een Halt-afdoening voor verzuim "
            "gebeurt eenmaal per leerling",
        )
    if beoordeling.geschikt or state.halt_overschrijvingen:
        if toelichting is not None and not state.halt_overschrijvingen:
            raise DomeinFout(
                "halt_toelichting",
                "halt_toelichting_alleen_bij_overschrijven",
                "het Halt-advies is Geschikt; een toelichting hoort alleen bij het overschrijven van het advies",
            )
        return []
    if toelichting is None or not toelichting.strip():
        raise DomeinFout(
            "halt_toelichting",
            "halt_advies",
            "het Halt-advies is Niet geschikt ("
            + "; ".join(beoordeling.redenen)
            + "); Halt kan alleen met een toelichting waarom het advies wordt overschreven",
        )
    return [
        lp.HaltAdviesOverschreven(
            dossier_id=state.dossier_id,
            advies=HaltAdvies.NIET_GESCHIKT,
            datum=peildatum,
            toelichting=toelichting,
        )
    ]


def _route(c: KiesRoute, state: Dossier) -> list[Event]:
    _eis_onderzoek(state, "routes", "een route kiezen")
    routes = tuple(c.routes)
    if not routes:
        raise DomeinFout("routes", "route_vereist", "kies de basisroute of ten minste één vervolgroute")
    if len(set(routes)) != len(routes):
        raise DomeinFout("routes", "routes_uniek", "elke route mag maar één keer voorkomen")
    if MasRoute.BASISROUTE in routes and len(routes) > 1:
        raise DomeinFout(
            "routes",
            "basisroute_alleen",
            "de basisroute wordt niet gecombineerd met vervolgroutes; kies de basisroute óf een of meer "
            "vervolgroutes",
        )
    if set(routes) == set(state.huidige_routes):
        raise DomeinFout("routes", "route_gewijzigd", "deze route(s) zijn al gekozen")
    _niet_voor(c.datum, min(o.datum for o in state.onderzoeken), "datum", "de start van het onderzoek")
    events: list[Event] = []
    if MasRoute.HALT in routes and MasRoute.HALT not in state.gekozen_routes:
        events += _halt_toets(state, c.leerling, c.datum, c.halt_toelichting, "routes")
    elif c.halt_toelichting is not None:
        raise DomeinFout(
            "halt_toelichting",
            "halt_toelichting_alleen_bij_overschrijven",
            "een Halt-toelichting hoort alleen bij het kiezen van de Halt-route tegen het advies in",
        )
    events.append(lp.RouteGekozen(dossier_id=state.dossier_id, routes=list(routes), datum=c.datum))
    return events


def _interventie(c: VoerInterventieUit, state: Dossier) -> list[Event]:
    if c.uitkomst is not None and c.uitkomst not in c.soort.mogelijke_uitkomsten:
        mogelijk = ", ".join(sorted(UITKOMST[u] for u in c.soort.mogelijke_uitkomsten)) or "geen"
        raise DomeinFout(
            "uitkomst",
            "uitkomst_past",
            f"de uitkomst {UITKOMST[c.uitkomst]} past niet bij {INTERVENTIE[c.soort]} (mogelijk: {mogelijk})",
        )
    bestaand = state.interventie(c.interventie_id)
    if bestaand is not None:
        return _uitkomst(c, state, bestaand.soort, bestaand.uitkomst, bestaand.datum)
    if not any(m.in_behandeling_op is not None for m in state.meldingen):
        raise DomeinFout(
            "soort",
            "in_behandeling",
            "neem eerst een melding in behandeling voordat er interventies worden vastgelegd",
        )
    if c.soort in _UITKOMST_VERPLICHT and c.uitkomst is None:
        raise DomeinFout("uitkomst", "uitkomst_vereist", f"{INTERVENTIE[c.soort]} wordt vastgelegd met de uitkomst")
    if c.soort in _NA_ONDERZOEK:
        _eis_onderzoek(state, "soort", f"{INTERVENTIE[c.soort]}")
    route = c.soort.route
    if route.vervolgroute and route not in state.gekozen_routes:
        raise DomeinFout(
            "soort",
            "route_gekozen",
            f"{INTERVENTIE[c.soort]} hoort bij de route {ROUTE[route]}; kies eerst die route",
        )
    events: list[Event] = []
    if c.soort is InterventieSoort.HALT_VERWIJZING:
        events += _halt_toets(state, c.leerling, c.datum, c.halt_toelichting, "soort")
    elif c.halt_toelichting is not None:
        raise DomeinFout(
            "halt_toelichting",
            "halt_toelichting_alleen_bij_overschrijven",
            "een Halt-toelichting hoort alleen bij een Halt-verwijzing tegen het advies in",
        )
    if c.soort is InterventieSoort.OM_BESLISSING and not state.interventies_van(InterventieSoort.PROCES_VERBAAL):
        raise DomeinFout(
            "soort",
            "proces_verbaal_vereist",
            "een OM-beslissing volgt op een proces-verbaal; leg eerst het proces-verbaal vast",
        )
    if c.soort is InterventieSoort.UITSPRAAK and not any(
        i.uitkomst is InterventieUitkomst.DAGVAARDING for i in state.interventies_van(InterventieSoort.OM_BESLISSING)
    ):
        raise DomeinFout(
            "soort",
            "dagvaarding_vereist",
            "een uitspraak volgt op een OM-beslissing met dagvaarding",
        )
    events.append(
        lp.InterventieUitgevoerd(
            dossier_id=state.dossier_id,
            interventie_id=c.interventie_id,
            soort=c.soort,
            datum=c.datum,
            uitkomst=c.uitkomst,
        )
    )
    return events


def _uitkomst(
    c: VoerInterventieUit,
    state: Dossier,
    soort: InterventieSoort,
    uitkomst: InterventieUitkomst | None,
    sinds: date,
) -> list[Event]:
    """The outcome of an earlier intervention, e.g. Halt positief/negatief (A5)."""
    if soort is not c.soort:
        raise DomeinFout(
            "soort",
            "interventie_soort",
            f"deze interventie is een {INTERVENTIE[soort]}, geen {INTERVENTIE[c.soort]}",
        )
    if uitkomst is not None:
        raise DomeinFout(
            "uitkomst",
            "uitkomst_eenmalig",
            f"de uitkomst van deze interventie is al vastgelegd ({UITKOMST[uitkomst]})",
        )
    if c.uitkomst is None:
        raise DomeinFout(
            "uitkomst",
            "uitkomst_vereist",
            "deze interventie bestaat al; leg de uitkomst vast of gebruik een nieuw id",
        )
    if c.halt_toelichting is not None:
        raise DomeinFout(
            "halt_toelichting",
            "halt_toelichting_alleen_bij_overschrijven",
            "een Halt-toelichting hoort niet bij het vastleggen van een uitkomst",
        )
    _niet_voor(c.datum, sinds, "datum", "de interventie zelf")
    return [
        lp.InterventieUitgevoerd(
            dossier_id=state.dossier_id,
            interventie_id=c.interventie_id,
            soort=soort,
            datum=c.datum,
            uitkomst=c.uitkomst,
        )
    ]


# ---- closing (A5) -----------------------------------------------------------------------------


def _sluit(c: SluitDossier, state: Dossier) -> list[Event]:
    if (c.reden is LeerplichtSluitreden.OVERIG) != (c.toelichting is not None and bool(c.toelichting.strip())):
        raise DomeinFout(
            "toelichting",
            "toelichting_bij_overig",
            "een toelichting is verplicht bij de reden Overig en niet toegestaan bij andere redenen",
        )
    geregistreerd = [m for m in state.meldingen if m.status is MeldingStatus.GEREGISTREERD]
    if geregistreerd:
        raise DomeinFout(
            "meldingen",
            "meldingen_opgepakt",
            f"{len(geregistreerd)} melding(en) hebben nog status Geregistreerd; neem ze eerst in behandeling "
            "of ter kennisgeving aan",
        )
    _reden_past(c.reden, state)
    events: list[Event] = []
    for m in state.meldingen:
        if m.status is not MeldingStatus.IN_BEHANDELING:
            continue
        if state.onderzoek_voor(m.melding_id) is not None:
            events.append(lp.MeldingAfgesloten(melding_id=m.melding_id, dossier_id=state.dossier_id, datum=c.datum))
        else:
            events.append(
                lp.MeldingTerKennisgevingAangenomen(melding_id=m.melding_id, dossier_id=state.dossier_id, datum=c.datum)
            )
    if state.laatste_actie_op is not None:
        _niet_voor(c.datum, state.laatste_actie_op, "datum", "de laatste stap in het dossier")
    events.append(
        lp.DossierGesloten(dossier_id=state.dossier_id, reden=c.reden, datum=c.datum, toelichting=c.toelichting)
    )
    return events


def _reden_past(reden: LeerplichtSluitreden, state: Dossier) -> None:
    def fout(uitleg: str) -> DomeinFout:
        return DomeinFout("reden", "reden_past", f"de reden {SLUITREDEN[reden]} past niet: {uitleg}")

    if reden is LeerplichtSluitreden.HALT_POSITIEF and not any(
        i.uitkomst is InterventieUitkomst.HALT_POSITIEF
        for i in state.interventies_van(InterventieSoort.HALT_VERWIJZING)
    ):
        raise fout("er is geen Halt-verwijzing met uitkomst positief vastgelegd")
    if reden is LeerplichtSluitreden.PV_AFGEDAAN:
        if not state.interventies_van(InterventieSoort.PROCES_VERBAAL):
            raise fout("er is geen proces-verbaal vastgelegd")
        if not any(i.uitkomst in _PV_AFGEDAAN for i in state.interventies):
            raise fout("het proces-verbaal is nog niet afgedaan (sepot, transactie of uitspraak)")
    if reden is LeerplichtSluitreden.NAAR_ZORG and not (state.gekozen_routes & _ZORGROUTES):
        raise fout("er is geen zorgroute (vrijwillige hulp of verplicht kader) gekozen")
    if reden is LeerplichtSluitreden.INGETROKKEN and any(
        m.status is not MeldingStatus.INGETROKKEN for m in state.meldingen
    ):
        raise fout("niet alle meldingen in dit dossier zijn ingetrokken")
    if reden is LeerplichtSluitreden.VERZUIM_BEEINDIGD and not state.onderzoeken:
        raise fout("er is nog geen onderzoek gestart")


# ---- moving house (A5) ------------------------------------------------------------------------


def _draag_over(c: DraagOver, state: Dossier) -> list[Event]:
    """The open reports (Geregistreerd, In behandeling) travel with the dossier; the rest is history."""
    if c.naar_regio == c.van_regio:
        raise DomeinFout("naar_regio", "andere_regio", "een overdracht gaat naar een andere regio")
    open_ids = [m.melding_id for m in state.meldingen if m.status in _OPEN_STATUS]
    return [
        lp.DossierOvergedragen(
            dossier_id=state.dossier_id,
            van_regio=c.van_regio,
            naar_regio=c.naar_regio,
            naar_gemeente=c.naar_gemeente,
            open_meldingen=open_ids,
            datum=c.datum,
            geschiedenis=c.geschiedenis,
        )
    ]


_OPEN_STATUS = frozenset({MeldingStatus.GEREGISTREERD, MeldingStatus.IN_BEHANDELING})
