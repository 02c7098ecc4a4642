"""The Doorstroompunt age limit by date, on birth year-month (domain.md A1, A6).

**Configuration with a date of effect** (A1 Decision): the upper age is 23 before 2026-01-01 and 27
from then on (Wet van school naar duurzaam werk). "Up to 23" means *not yet 23* (the same reading
registratie applies, DUO): a young person is inside the target group while ``leeftijd < grens``,
where the limit is the one in force *on the day of the check*. A 25-year-old is therefore outside
on 2025-12-15 (limit 23) and inside on 2026-01-05 (limit 27).

**Age on year-month (Decision, A1: one age convention).** The platform's one age function,
:func:`leerrecht.leeftijd.leeftijd_op`. Events carry ``geboortejaar_maand`` (YYYY-MM), never the
birth date (domain.md B). Within the birth month the exact age is unknown; the Doorstroompunt is a
protective rule, so the doubt falls on the side of help: a new age counts from the **first day of
the month after the birth month**. registratie decides the same limit on the same year-month
(:meth:`leerrecht.leeftijdsgrens.LeeftijdsgrensTabel.binnen`), so a young person leaves the group on
the same day in both. Example: born 2003-01, age 22 on 2026-01-31, age 23 from 2026-02-01.
"""

from __future__ import annotations

from datetime import date

from leerrecht.leeftijd import Twijfel
from leerrecht.leeftijd import leeftijd_op as _leeftijd_op
from leerrecht.leeftijdsgrens import STANDAARD_LEEFTIJDSGRENS as STANDAARD_LEEFTIJDSGRENZEN
from leerrecht.leeftijdsgrens import LeeftijdsgrensTabel

__all__ = [
    "STANDAARD_LEEFTIJDSGRENZEN",
    "LeeftijdsgrensTabel",
    "binnen_leeftijdsgrens",
    "leeftijd_op",
    "parse_leeftijdsgrenzen",
]


def leeftijd_op(geboortejaar_maand: str, peildatum: date) -> int:
    """Age in whole years on ``peildatum``; a birthday counts from the 1st of the next month (the
    shared convention, doubt on the side of help).

    Grounds: domain.md A1, Decision (the upper age with a date of effect; one age convention).
    """
    return _leeftijd_op(geboortejaar_maand, peildatum, Twijfel.JONGST)


def binnen_leeftijdsgrens(geboortejaar_maand: str, peildatum: date, tabel: LeeftijdsgrensTabel) -> bool:
    """Inside the target group's age range on ``peildatum`` (age below the limit then in force).

    Grounds: domain.md A1, Decision (the upper age with a date of effect; one age convention).
    """
    return tabel.binnen(geboortejaar_maand, peildatum)


def parse_leeftijdsgrenzen(spec: str) -> LeeftijdsgrensTabel:
    """``"0001-01-01=23,2026-01-01=27"`` → a table (the configuration format, RMC_LEEFTIJDSGRENZEN).

    Grounds: domain.md A1, Decision (the upper age with a date of effect; one age convention).
    """
    versies: list[tuple[date, int]] = []
    for deel in filter(None, (p.strip() for p in spec.split(","))):
        van, _, grens = deel.partition("=")
        try:
            versies.append((date.fromisoformat(van.strip()), int(grens)))
        except ValueError:
            raise ValueError(f"leeftijdsgrens {deel!r}: verwacht JJJJ-MM-DD=leeftijd") from None
    return LeeftijdsgrensTabel(tuple(versies))
