"""Intake decisions: a school's or DUO's submission, checked against the pupil's state, becomes events.

Pure functions (`decide(command, state) -> events`): no I/O. The adapter (``registratie.intake``)
loads the state, calls these, and publishes what they return. Errors are
:class:`Afgewezen` with the field and the rule, in Dutch, for the school.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from contracts.codes import AfwezigheidCode, SchoolType, UrenEenheid, Vakantieregio
from contracts.events.base import Event, School
from contracts.events.registratie import AfwezigheidGeregistreerd, LeerlingIngeschreven


class Afgewezen(ValueError):
    """A submission (or one row of it) is refused. ``veld`` names the field, ``regel`` the rule."""

    def __init__(self, veld: str, regel: str, melding: str) -> None:
        super().__init__(melding)
        self.veld, self.regel, self.melding = veld, regel, melding

    def as_dict(self) -> dict[str, str]:
        return {"veld": self.veld, "regel": self.regel, "melding": self.melding}


@dataclass(frozen=True)
class Inschrijving:
    """What registratie knows of a current enrolment (its own state)."""

    school: str
    school_type: SchoolType
    vakantieregio: Vakantieregio
    ingangsdatum: date
    einddatum: date | None


@dataclass(frozen=True)
class Leerling:
    pseudoniem: str
    woongemeente: str
    regio: str
    inschrijvingen: tuple[Inschrijving, ...]

    def inschrijving_op(self, school: str, op: date) -> Inschrijving | None:
        for ins in self.inschrijvingen:
            if ins.school == school and ins.ingangsdatum <= op and (ins.einddatum is None or op <= ins.einddatum):
                return ins
        return None


@dataclass(frozen=True)
class Besluit:
    """Events to publish for one pupil, and where: the woongemeente's region (A4)."""

    pseudoniem: str
    regio: str
    events: tuple[Event, ...]


def school_of(code: str) -> School:
    return School(brin=code[:4], vestiging=code[4:6])


def uren_eenheid(school_type: SchoolType) -> UrenEenheid:
    """po and so count clock hours, the others lesson hours (domain.md A2)."""
    return UrenEenheid.KLOKUUR if school_type in (SchoolType.PO, SchoolType.SO) else UrenEenheid.LESUUR


def inschrijven(
    *,
    pseudoniem: str,
    regio: str,
    woongemeente: str,
    geboortedatum: date,
    school: str,
    school_type: SchoolType,
    vakantieregio: Vakantieregio,
    ingangsdatum: date,
    klas: str | None,
    isk: bool,
    vandaag: date,
) -> Besluit:
    if ingangsdatum > vandaag:
        raise Afgewezen("ingangsdatum", "niet_in_toekomst", "De ingangsdatum mag niet in de toekomst liggen.")
    if geboortedatum >= ingangsdatum:
        raise Afgewezen("geboortedatum", "voor_ingangsdatum", "De geboortedatum moet vóór de ingangsdatum liggen.")
    event = LeerlingIngeschreven(
        school=school_of(school), school_type=school_type, ingangsdatum=ingangsdatum,
        vakantieregio=vakantieregio, woongemeente=woongemeente,
        geboortejaar_maand=f"{geboortedatum.year:04d}-{geboortedatum.month:02d}", klas=klas, isk=isk,
    )
    return Besluit(pseudoniem, regio, (event,))


def afwezigheid_registreren(
    leerling: Leerling | None,
    *,
    afwezigheid_id: UUID,
    school: str,
    datum: date,
    uren: Decimal,
    code: AfwezigheidCode,
    vandaag: date,
) -> Besluit:
    """Absence is accepted only for a pupil enrolled at the submitting school on that day."""
    if datum > vandaag:
        raise Afgewezen("datum", "niet_in_toekomst", "Afwezigheid kan niet in de toekomst worden geregistreerd.")
    if not Decimal("0") < uren <= Decimal("24"):
        raise Afgewezen("uren", "bereik_0_24", "Uren moet groter dan 0 en ten hoogste 24 zijn.")
    ins = leerling.inschrijving_op(school, datum) if leerling else None
    if leerling is None or ins is None:
        raise Afgewezen("leerling", "ingeschreven_op_school",
                        "Deze leerling is op die datum niet ingeschreven op uw school.")
    event = AfwezigheidGeregistreerd(
        afwezigheid_id=afwezigheid_id, school=school_of(school), datum=datum, uren=uren,
        eenheid=uren_eenheid(ins.school_type), code=code,
    )
    return Besluit(leerling.pseudoniem, leerling.regio, (event,))
