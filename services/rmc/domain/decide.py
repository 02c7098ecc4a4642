"""Decisions: ``decide(command, state) -> events`` for the Doorstroompunt file (domain.md A6, A1).

Every rule that refuses raises :class:`DomeinFout` naming the field (``veld``), the rule
(``regel``) and a Dutch message for the coach. A decision that has nothing to add returns ``[]``
(e.g. a partner re-sending an identical week report). Ids of new things (dossier, traject) are
given in the command: the core draws no random numbers and reads no clock; ``vandaag`` is the
adapter's date in the Netherlands.

Transitions (A6 Decision):

* ``NIEUW`` → ``IN_BEELD``: a successful contact attempt (any channel) emits ``InBeeld`` with it.
* ``NIEUW`` → ``NIET_BEREIKBAAR``: emitted with the failed attempt that makes ≥ 3 documented
  attempts spread over ≥ 4 weeks (first to last attempt ≥ 28 days). An unanswered text message is
  a documented attempt. ``NIET_BEREIKBAAR`` → ``IN_BEELD`` on a later successful contact.
* → ``IN_TRAJECT``: a route can be chosen only once the young person is in beeld (from
  ``IN_BEELD``, or from ``IN_TRAJECT``/``GEPLAATST`` to change route after drop-out); route
  ``TRAJECT`` (a programme) needs the partner that runs it.
* ``IN_TRAJECT`` → ``GEPLAATST`` by a coach; a re-enrolment (DUO A02) places automatically with
  ``ONDERWIJS`` from any open status (:class:`AutomatischPlaatsen`): without a traject yet it emits
  ``TrajectGestart(ONDERWIJS)`` first, so the status path stays NIEUW → IN_TRAJECT → GEPLAATST.
* → ``AFGESLOTEN`` from any open status, with a reason whose condition must hold:
  ``GEPLAATST_DUURZAAM`` only when placed and ≥ 3 calendar months after the start date;
  ``LEEFTIJDSGRENS`` only at or above the age limit in force on the closing date; ``VERHUISD`` only
  after a move out of the region; ``GEEN_HULP_GEWENST`` only after the young person was reached
  at least once (one cannot know they want no help without contact). ``SK_BEHAALD`` and
  ``OVERLEDEN`` need no condition the file can check.
* **Moving house (A5/A6)**: a young person with an open case who moves to another region
  (``Verhuisd`` from this region to another) is transferred automatically (:class:`Overdragen`,
  decided by :mod:`rmc.domain.reacties`): ``DossierOvergedragen`` (published on both regions' topics;
  the new region continues the case with its history) and ``DossierGesloten(VERHUISD)`` here. The
  closing date is the moving date, but never before the intake.
* **Intake above the age limit (Decision)**: a young person at or above the limit on the intake
  date is *not taken in* (no ``JongereAangemeld``; :class:`Aanmelden` is refused with rule
  ``leeftijdsgrens``). They are outside the target group (A1), so opening and at once closing a
  case would only inflate the Doorstroompunt's intake figures. ``LEEFTIJDSGRENS`` is the closing
  reason for young people who pass the limit *during* their case; the worklist shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from contracts.codes import (
    ContactKanaal,
    Opleidingsniveau,
    RmcAanmeldBron,
    RmcRoute,
    RmcSluitreden,
    Voortgang,
)
from contracts.events import rmc
from contracts.events.base import Event, School
from contracts.events.rmc import NIET_BEREIKBAAR_MIN_DAGEN, NIET_BEREIKBAAR_MIN_POGINGEN

from .datums import add_months, iso_week, maandag_van_week
from .leeftijd import binnen_leeftijdsgrens, leeftijd_op
from .model import STANDAARD_REGELS, Dossier, Jongere, Regels, Status

__all__ = [
    "Aanmelden",
    "Afsluiten",
    "AutomatischPlaatsen",
    "Command",
    "ContactpogingRegistreren",
    "DomeinFout",
    "Overdragen",
    "Plaatsen",
    "TrajectStarten",
    "VoortgangMelden",
    "decide",
]

PLAATSING_MAX_VOORUIT = timedelta(days=366)
DUURZAAM_NA_MAANDEN = 3
_ONDERWIJS_BESTEMMINGEN = (RmcRoute.ONDERWIJS, RmcRoute.COMBINATIE)


class DomeinFout(ValueError):
    """A command breaks a rule: ``veld`` (field), ``regel`` (rule id), ``melding`` (Dutch text)."""

    def __init__(self, veld: str, regel: str, melding: str) -> None:
        super().__init__(f"{veld}: {regel}: {melding}")
        self.veld = veld
        self.regel = regel
        self.melding = melding


@dataclass(frozen=True)
class Aanmelden:
    """Intake of a signal (A6: potential vsv A3.7, 18+ report A3.5) on ``datum`` (the intake date)."""

    dossier_id: UUID
    bron: RmcAanmeldBron
    datum: date
    woongemeente: str
    geboortejaar_maand: str
    melding_id: UUID | None = None


@dataclass(frozen=True)
class ContactpogingRegistreren:
    datum: date
    kanaal: ContactKanaal
    geslaagd: bool
    vandaag: date


@dataclass(frozen=True)
class TrajectStarten:
    traject_id: UUID
    route: RmcRoute
    datum: date
    vandaag: date
    partner: str | None = None


@dataclass(frozen=True)
class Plaatsen:
    bestemming: RmcRoute
    startdatum: date
    vandaag: date
    niveau: Opleidingsniveau | None = None
    school: School | None = None


@dataclass(frozen=True)
class Afsluiten:
    reden: RmcSluitreden
    datum: date
    vandaag: date


@dataclass(frozen=True)
class VoortgangMelden:
    """A traject partner's weekly report (A6, D); ``partner`` comes from the partner's credentials."""

    partner: str
    traject_id: UUID
    week: str
    aanwezigheid_pct: int
    voortgang: Voortgang
    vandaag: date


@dataclass(frozen=True)
class AutomatischPlaatsen:
    """Re-enrolment at a school (DUO A02, ``Herinschrijving``) places automatically (A6)."""

    traject_id: UUID
    school: School
    ingangsdatum: date
    niveau: Opleidingsniveau | None = None


@dataclass(frozen=True)
class Overdragen:
    """Transfer the open case to the region the young person moved to (domain.md A5/A6 moving house)."""

    van_regio: str
    naar_regio: str
    naar_gemeente: str
    verhuisdatum: date


Command = (
    Aanmelden
    | ContactpogingRegistreren
    | TrajectStarten
    | Plaatsen
    | Afsluiten
    | VoortgangMelden
    | AutomatischPlaatsen
    | Overdragen
)


def decide(command: Command, state: Jongere | None, regels: Regels = STANDAARD_REGELS) -> list[Event]:
    """The events ``command`` leads to on this file, or :class:`DomeinFout`.

    Grounds: domain.md A6, Decision (statuses).
    """
    if isinstance(command, Aanmelden):
        return _aanmelden(command, state, regels)
    if isinstance(command, AutomatischPlaatsen):
        return _automatisch_plaatsen(command, state)
    jongere, d = _open_dossier(state)
    if isinstance(command, ContactpogingRegistreren):
        return _contactpoging(command, d)
    if isinstance(command, TrajectStarten):
        return _traject(command, d)
    if isinstance(command, Plaatsen):
        return _plaatsen(command, d)
    if isinstance(command, Afsluiten):
        return _afsluiten(command, jongere, d, regels)
    if isinstance(command, Overdragen):
        return _overdragen(command, d)
    return _voortgang(command, d)


def _open_dossier(state: Jongere | None) -> tuple[Jongere, Dossier]:
    if state is None:
        raise DomeinFout("pseudoniem", "geen_dossier", "Deze jongere is niet bekend bij het Doorstroompunt")
    if not state.dossier.open:
        raise DomeinFout("status", "dossier_gesloten",
                         f"Het dossier is afgesloten ({state.dossier.sluitreden}); "
                         "wijzigingen zijn niet meer mogelijk")
    return state, state.dossier


def _datum_in_dossier(veld: str, datum: date, vandaag: date, d: Dossier) -> None:
    if datum > vandaag:
        raise DomeinFout(veld, "niet_in_toekomst", f"{veld} {datum:%d-%m-%Y} ligt in de toekomst")
    if datum < d.aangemeld_op:
        raise DomeinFout(veld, "niet_voor_aanmelding",
                         f"{veld} {datum:%d-%m-%Y} ligt voor de aanmelding ({d.aangemeld_op:%d-%m-%Y})")


def _aanmelden(c: Aanmelden, state: Jongere | None, regels: Regels) -> list[Event]:
    if state is not None and state.dossier.open:
        raise DomeinFout("pseudoniem", "al_in_begeleiding", "Deze jongere heeft al een open dossier")
    if not binnen_leeftijdsgrens(c.geboortejaar_maand, c.datum, regels.leeftijdsgrenzen):
        leeftijd = leeftijd_op(c.geboortejaar_maand, c.datum)
        grens = regels.leeftijdsgrenzen.grens_op(c.datum)
        raise DomeinFout("geboortejaar_maand", "leeftijdsgrens",
                         f"Op {c.datum:%d-%m-%Y} is de jongere {leeftijd} jaar; het Doorstroompunt "
                         f"begeleidt jongeren tot {grens} jaar: niet aangenomen")
    return [rmc.JongereAangemeld(dossier_id=c.dossier_id, bron=c.bron, datum=c.datum,
                                 woongemeente=c.woongemeente, geboortejaar_maand=c.geboortejaar_maand,
                                 melding_id=c.melding_id)]


def _contactpoging(c: ContactpogingRegistreren, d: Dossier) -> list[Event]:
    _datum_in_dossier("datum", c.datum, c.vandaag, d)
    events: list[Event] = [rmc.ContactpogingGedaan(dossier_id=d.dossier_id, datum=c.datum, kanaal=c.kanaal,
                                                   geslaagd=c.geslaagd)]
    if c.geslaagd:
        if d.status in (Status.NIEUW, Status.NIET_BEREIKBAAR):
            events.append(rmc.InBeeld(dossier_id=d.dossier_id, datum=c.datum))
        return events
    if d.status is Status.NIEUW:
        mislukt = [p.datum for p in d.contactpogingen if not p.geslaagd] + [c.datum]
        eerste, laatste = min(mislukt), max(mislukt)
        if (len(mislukt) >= NIET_BEREIKBAAR_MIN_POGINGEN
                and (laatste - eerste).days >= NIET_BEREIKBAAR_MIN_DAGEN):
            events.append(rmc.NietBereikbaar(dossier_id=d.dossier_id, datum=laatste,
                                             aantal_pogingen=len(mislukt), eerste_poging=eerste))
    return events


def _traject(c: TrajectStarten, d: Dossier) -> list[Event]:
    if d.status not in (Status.IN_BEELD, Status.IN_TRAJECT, Status.GEPLAATST):
        raise DomeinFout("status", "eerst_in_beeld",
                         f"Een route kiezen kan pas als de jongere in beeld is; de status is {d.status}")
    _datum_in_dossier("datum", c.datum, c.vandaag, d)
    if d.traject is not None and c.datum < d.traject.datum:
        raise DomeinFout("datum", "niet_voor_huidig_traject",
                         f"datum ligt voor de start van het huidige traject ({d.traject.datum:%d-%m-%Y})")
    if c.route is RmcRoute.TRAJECT and c.partner is None:
        raise DomeinFout("partner", "verplicht_bij_route_traject",
                         "Route TRAJECT (een programma) vraagt de partner die het programma uitvoert")
    return [rmc.TrajectGestart(dossier_id=d.dossier_id, traject_id=c.traject_id, route=c.route, datum=c.datum,
                               partner=c.partner)]


def _plaatsen(c: Plaatsen, d: Dossier) -> list[Event]:
    if d.status is not Status.IN_TRAJECT or d.traject is None:
        raise DomeinFout("status", "eerst_traject",
                         "Plaatsen kan alleen vanuit een traject (status IN_TRAJECT); "
                         f"de status is {d.status}")
    if c.bestemming is RmcRoute.TRAJECT:
        raise DomeinFout("bestemming", "traject_is_geen_plaatsing",
                         "Een programma (TRAJECT) is een route, geen plaatsing: start een traject")
    if c.bestemming in _ONDERWIJS_BESTEMMINGEN and c.niveau is None:
        raise DomeinFout("niveau", "verplicht_bij_onderwijs",
                         f"Bij bestemming {c.bestemming} hoort een opleidingsniveau")
    if c.school is not None and c.bestemming not in _ONDERWIJS_BESTEMMINGEN:
        raise DomeinFout("school", "alleen_bij_onderwijs",
                         "Een school hoort alleen bij bestemming ONDERWIJS of COMBINATIE")
    if c.startdatum < d.traject.datum:
        raise DomeinFout("startdatum", "niet_voor_traject",
                         f"startdatum ligt voor de start van het traject ({d.traject.datum:%d-%m-%Y})")
    if c.startdatum > c.vandaag + PLAATSING_MAX_VOORUIT:
        raise DomeinFout("startdatum", "te_ver_vooruit", "startdatum ligt meer dan een jaar in de toekomst")
    return [rmc.JongereGeplaatst(dossier_id=d.dossier_id, bestemming=c.bestemming, niveau=c.niveau,
                                 startdatum=c.startdatum, school=c.school)]


def _afsluiten(c: Afsluiten, j: Jongere, d: Dossier, regels: Regels) -> list[Event]:
    _datum_in_dossier("datum", c.datum, c.vandaag, d)
    if c.reden is RmcSluitreden.GEPLAATST_DUURZAAM:
        if d.status is not Status.GEPLAATST or d.plaatsing is None:
            raise DomeinFout("reden", "duurzaam_vraagt_plaatsing",
                             "GEPLAATST_DUURZAAM kan alleen als de jongere geplaatst is")
        drie_maanden = add_months(d.plaatsing.startdatum, DUURZAAM_NA_MAANDEN)
        if c.datum < drie_maanden:
            raise DomeinFout("reden", "duurzaam_na_drie_maanden",
                             f"Duurzaam geplaatst is pas na 3 maanden: vanaf {drie_maanden:%d-%m-%Y}")
    elif c.reden is RmcSluitreden.LEEFTIJDSGRENS:
        if binnen_leeftijdsgrens(j.geboortejaar_maand, c.datum, regels.leeftijdsgrenzen):
            grens = regels.leeftijdsgrenzen.grens_op(c.datum)
            leeftijd = leeftijd_op(j.geboortejaar_maand, c.datum)
            raise DomeinFout("reden", "leeftijdsgrens_niet_bereikt",
                             f"Op {c.datum:%d-%m-%Y} is de jongere {leeftijd} jaar, "
                             f"onder de grens van {grens}")
    elif c.reden is RmcSluitreden.VERHUISD:
        if not d.verhuisd_buiten_regio:
            raise DomeinFout("reden", "geen_verhuizing_buiten_regio",
                             "Er is geen verhuizing naar een andere regio geregistreerd")
    elif c.reden is RmcSluitreden.GEEN_HULP_GEWENST and not d.ooit_bereikt:
        raise DomeinFout("reden", "eerst_contact",
                         "GEEN_HULP_GEWENST vraagt minstens één geslaagd contact met de jongere")
    return [rmc.DossierGesloten(dossier_id=d.dossier_id, reden=c.reden, datum=c.datum)]


def _overdragen(c: Overdragen, d: Dossier) -> list[Event]:
    if c.van_regio == c.naar_regio:
        raise DomeinFout("naar_regio", "zelfde_regio", "Een overdracht gaat naar een andere regio")
    if not d.verhuisd_buiten_regio:
        raise DomeinFout("reden", "geen_verhuizing_buiten_regio",
                         "Er is geen verhuizing naar een andere regio geregistreerd")
    datum = max(c.verhuisdatum, d.aangemeld_op)
    return [
        rmc.DossierOvergedragen(dossier_id=d.dossier_id, van_regio=c.van_regio, naar_regio=c.naar_regio,
                                naar_gemeente=c.naar_gemeente, datum=datum),
        rmc.DossierGesloten(dossier_id=d.dossier_id, reden=RmcSluitreden.VERHUISD, datum=datum),
    ]


def _voortgang(c: VoortgangMelden, d: Dossier) -> list[Event]:
    t = d.traject
    deelnemer = t is not None and (t.partner, t.traject_id) == (c.partner, c.traject_id)
    if d.status is not Status.IN_TRAJECT or t is None or not deelnemer:
        raise DomeinFout("traject_id", "geen_deelnemer",
                         "Deze jongere neemt nu niet deel aan dit traject van deze partner")
    try:
        maandag = maandag_van_week(c.week)
    except ValueError:
        raise DomeinFout("week", "ongeldige_week", "week bestaat niet (verwacht JJJJ-Www)") from None
    if maandag > c.vandaag:
        raise DomeinFout("week", "niet_in_toekomst", f"week {c.week} is nog niet begonnen")
    if c.week < iso_week(t.datum):
        raise DomeinFout("week", "voor_start_traject",
                         f"week {c.week} ligt voor de start van het traject ({iso_week(t.datum)})")
    if not 0 <= c.aanwezigheid_pct <= 100:
        raise DomeinFout("aanwezigheid_pct", "percentage", "aanwezigheid_pct ligt tussen 0 en 100")
    for w in d.voortgang:
        if (w.traject_id, w.week, w.aanwezigheid_pct, w.voortgang) == (
                c.traject_id, c.week, c.aanwezigheid_pct, c.voortgang):
            return []  # the same report again (a retry): nothing new
    return [rmc.TrajectVoortgang(dossier_id=d.dossier_id, traject_id=c.traject_id, partner=c.partner,
                                 week=c.week, aanwezigheid_pct=c.aanwezigheid_pct, voortgang=c.voortgang)]


def _automatisch_plaatsen(c: AutomatischPlaatsen, state: Jongere | None) -> list[Event]:
    if state is None or not state.dossier.open:
        raise DomeinFout("pseudoniem", "geen_open_dossier", "Geen open Doorstroompunt-dossier om te plaatsen")
    d = state.dossier
    p = d.plaatsing
    if (d.status is Status.GEPLAATST and p is not None and p.bestemming is RmcRoute.ONDERWIJS
            and p.school == c.school.code and p.startdatum == c.ingangsdatum):
        return []  # this enrolment placed the young person already (a repeated A02 list)
    events: list[Event] = []
    if d.status in (Status.NIEUW, Status.IN_BEELD, Status.NIET_BEREIKBAAR):
        events.append(rmc.TrajectGestart(dossier_id=d.dossier_id, traject_id=c.traject_id,
                                         route=RmcRoute.ONDERWIJS, datum=c.ingangsdatum))
    events.append(rmc.JongereGeplaatst(dossier_id=d.dossier_id, bestemming=RmcRoute.ONDERWIJS,
                                       niveau=c.niveau, startdatum=c.ingangsdatum, school=c.school,
                                       automatisch=True))
    return events
