"""Builders for the leerplicht domain tests: facts, a dossier at a given MAS stage, pupil data."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from leerplicht.domain import Afwezigheid, Dossier, Feit, LeerlingGegevens, apply, decide
from leerplicht.domain.commands import Command

from contracts.codes import AfwezigheidCode, IntrekkingsReden, Melder, MeldingSoort, UrenEenheid
from contracts.events import registratie as reg
from contracts.events.base import Event, School

PSEUDO = "3f9a0c5e8b7d4a21c6e0f1b2a3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
SCHOOL = School(brin="12AB", vestiging="00")
_ids = itertools.count(1)


def uid() -> uuid.UUID:
    return uuid.UUID(int=next(_ids))


def feit(event: Event, op: date, subject: str = PSEUDO) -> Feit:
    return Feit(event, uuid.uuid4(), subject, op)


def melding(
    melding_id: uuid.UUID | None = None,
    soort: MeldingSoort = MeldingSoort.ZESTIEN_UUR,
    startdatum: date = date(2026, 3, 2),
) -> reg.MeldingGeregistreerd:
    if soort is MeldingSoort.ZESTIEN_UUR:
        return reg.MeldingGeregistreerd(
            melding_id=melding_id or uid(),
            soort=soort,
            melder=Melder.SCHOOL,
            school=SCHOOL,
            startdatum=startdatum,
            einddatum=date(2026, 3, 20),
            uren=Decimal("16"),
            eenheid=UrenEenheid.LESUUR,
        )
    return reg.MeldingGeregistreerd(
        melding_id=melding_id or uid(),
        soort=soort,
        melder=Melder.SCHOOL,
        school=None if soort is MeldingSoort.ABSOLUUT else SCHOOL,
        startdatum=startdatum,
    )


def ingetrokken(melding_id: uuid.UUID) -> reg.MeldingIngetrokken:
    return reg.MeldingIngetrokken(melding_id=melding_id, reden=IntrekkingsReden.ONTERECHT_GEMELD)


GEREGISTREERD_OP = date(2026, 3, 23)  # a Monday


def nieuw_dossier(op: date = GEREGISTREERD_OP, melding_id: uuid.UUID | None = None) -> Dossier:
    d = apply(None, feit(melding(melding_id), op))
    assert d is not None
    return d


def uitvoeren(state: Dossier, *commands: Command, op: date | None = None) -> Dossier:
    """Decide each command and fold its events, as the service does."""
    for c in commands:
        for ev in decide(c, state):
            nieuw = apply(state, feit(ev, op or c.datum))
            assert nieuw is not None
            state = nieuw
    return state


def leerling(
    geboortejaar_maand: str | None = "2012-01",
    afwezigheden: Sequence[Afwezigheid] = (),
    eerdere: int = 0,
) -> LeerlingGegevens:
    return LeerlingGegevens(geboortejaar_maand, tuple(afwezigheden), eerdere)


def afw(datum: date, uren: str, code: AfwezigheidCode = AfwezigheidCode.ONGEOORLOOFD) -> Afwezigheid:
    return Afwezigheid(datum, Decimal(uren), code)
