"""DUO's monthly vsv lists as intake decisions (domain.md A3.7; no I/O).

* **A01** (un-enrolments without SK of people aged 12 up to the Doorstroompunt limit who are not
  re-enrolled) becomes :class:`PotentieelVsvGesignaleerd`, the Doorstroompunt's intake (A6).
* **A02** (re-enrolments) becomes :class:`Herinschrijving`, which places the young person with
  route ``ONDERWIJS`` (A6).

Whether somebody was already told the same fact (the platform's own signal, an earlier list) is the
adapter's business (``registratie.api``); these functions only judge one row against the person.
**Decision**: an A01 row is refused when registratie itself knows the person is enrolled today in an
enrolment that started after the un-enrolment: DUO's list says "not re-enrolled", our facts say
otherwise, and publishing would start a Doorstroompunt case for somebody at school.
"""

from __future__ import annotations

from datetime import date

from contracts.codes import Opleidingsniveau, SchoolType
from contracts.events.registratie import Herinschrijving, PotentieelVsvGesignaleerd

from .intake import Afgewezen, Besluit, Leerling, school_of
from .plicht import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel, leeftijd_op
from .vsv import VSV_MINIMUM_LEEFTIJD

__all__ = ["herinschrijving_a02", "potentieel_vsv_a01"]


def _niet_in_toekomst(veld: str, datum: date, vandaag: date) -> None:
    if datum > vandaag:
        raise Afgewezen(veld, "niet_in_toekomst", "Deze datum mag niet in de toekomst liggen.")


def _bekend(leerling: Leerling | None) -> Leerling:
    if leerling is None:
        raise Afgewezen("pgn", "bekende_leerling", "Deze leerling is niet bekend bij de registratie.")
    return leerling


def potentieel_vsv_a01(
    leerling: Leerling | None, *, lijst_maand: str, uitschrijfdatum: date, laatste_school: str | None,
    school_type: SchoolType | None, vandaag: date, grenzen: LeeftijdsgrensTabel = STANDAARD_LEEFTIJDSGRENS,
) -> Besluit:
    """One A01 row (A3.7): the person must be 12 up to the Doorstroompunt limit (A1) on the
    un-enrolment day, when registratie knows the birth date, and not re-enrolled as far as we know.

    Grounds: domain.md A3.7 (potential vsv: DUO's A01 and A02 lists).
    """
    leerling = _bekend(leerling)
    _niet_in_toekomst("uitschrijfdatum", uitschrijfdatum, vandaag)
    if leerling.geboortedatum is not None:
        leeftijd = leeftijd_op(leerling.geboortedatum, uitschrijfdatum)
        if leeftijd < VSV_MINIMUM_LEEFTIJD or not grenzen.binnen(leerling.geboortedatum, uitschrijfdatum):
            raise Afgewezen("geboortedatum", "leeftijd_12_tot_doorstroompuntgrens",
                            "Deze persoon was op de uitschrijfdatum niet tussen 12 jaar en de leeftijdsgrens "
                            "van het Doorstroompunt.")
    if leerling.startkwalificatie_op is not None and leerling.startkwalificatie_op <= uitschrijfdatum:
        raise Afgewezen("pgn", "zonder_startkwalificatie", "Deze persoon heeft al een startkwalificatie.")
    if any(i.ingangsdatum > uitschrijfdatum and i.actief_op(vandaag) for i in leerling.inschrijvingen):
        raise Afgewezen("pgn", "niet_heringeschreven",
                        "Deze persoon is volgens de registratie na de uitschrijfdatum weer ingeschreven.")
    event = PotentieelVsvGesignaleerd(
        lijst_maand=lijst_maand, uitschrijfdatum=uitschrijfdatum,
        laatste_school=school_of(laatste_school) if laatste_school else None, school_type=school_type,
        woongemeente=leerling.woongemeente, geboortejaar_maand=leerling.geboortejaar_maand,
    )
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))


def herinschrijving_a02(
    leerling: Leerling | None, *, lijst_maand: str, school: str, school_type: SchoolType, ingangsdatum: date,
    niveau: Opleidingsniveau | None, vandaag: date,
) -> Besluit:
    """One A02 row (A3.7): a re-enrolment of a person registratie knows.

    Grounds: domain.md A3.7 (potential vsv: DUO's A01 and A02 lists).
    """
    leerling = _bekend(leerling)
    _niet_in_toekomst("ingangsdatum", ingangsdatum, vandaag)
    event = Herinschrijving(lijst_maand=lijst_maand, school=school_of(school), school_type=school_type,
                            ingangsdatum=ingangsdatum, niveau=niveau)
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))
