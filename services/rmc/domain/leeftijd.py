"""The Doorstroompunt age limit by date, on birth year-month (domain.md A1, A6).

**Configuration with a date of effect** (A1 Decision): the upper age is 23 before 2026-01-01 and 27
from then on (Wet van school naar duurzaam werk). "Up to 23" means *not yet 23* (the same reading
registratie applies, DUO): a young person is inside the target group while ``leeftijd < grens``,
where the limit is the one in force *on the day of the check*. A 25-year-old is therefore outside
on 2025-12-15 (limit 23) and inside on 2026-01-05 (limit 27).

**Age on year-month (Decision).** Events carry ``geboortejaar_maand`` (YYYY-MM), never the birth
date (domain.md B). Within the birth month the exact age is unknown, so rmc counts a new age as
reached on the **first day of the month after the birth month**: never older than the young person
can be (one day younger than someone born on the month's last day, on that day only). Why
this side: registratie decides potential vsv on the exact birth date (A3.7), and the Doorstroompunt
must never turn away someone that registratie correctly signalled; the price is that a young person
may stay in the group up to one month longer than the exact rule would allow, which only errs on
the side of help. Example: born 2003-01, age 22 on 2026-01-31, age 23 from 2026-02-01.
"""

from __future__ import annotations

import re
from datetime import date

from leerrecht.leeftijdsgrens import STANDAARD_LEEFTIJDSGRENS as STANDAARD_LEEFTIJDSGRENZEN
from leerrecht.leeftijdsgrens import LeeftijdsgrensTabel

__all__ = [
    "STANDAARD_LEEFTIJDSGRENZEN",
    "LeeftijdsgrensTabel",
    "binnen_leeftijdsgrens",
    "leeftijd_op",
    "parse_leeftijdsgrenzen",
]

_JAAR_MAAND = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def _jaar_maand(geboortejaar_maand: str) -> tuple[int, int]:
    match = _JAAR_MAAND.match(geboortejaar_maand)
    if not match:
        raise ValueError("geboortejaar_maand moet de vorm JJJJ-MM hebben")
    return int(match.group(1)), int(match.group(2))


def leeftijd_op(geboortejaar_maand: str, peildatum: date) -> int:
    """Age in whole years on ``peildatum``; a birthday counts from the 1st of the next month."""
    jaar, maand = _jaar_maand(geboortejaar_maand)
    if (peildatum.year, peildatum.month) < (jaar, maand):
        raise ValueError("peildatum ligt voor de geboortemaand")
    return max(0, peildatum.year - jaar - (1 if peildatum.month <= maand else 0))




def binnen_leeftijdsgrens(geboortejaar_maand: str, peildatum: date, tabel: LeeftijdsgrensTabel) -> bool:
    """Inside the target group's age range on ``peildatum`` (age below the limit then in force)."""
    return leeftijd_op(geboortejaar_maand, peildatum) < tabel.grens_op(peildatum)


def parse_leeftijdsgrenzen(spec: str) -> LeeftijdsgrensTabel:
    """``"0001-01-01=23,2026-01-01=27"`` → a table (the configuration format, RMC_LEEFTIJDSGRENZEN)."""
    versies: list[tuple[date, int]] = []
    for deel in filter(None, (p.strip() for p in spec.split(","))):
        van, _, grens = deel.partition("=")
        try:
            versies.append((date.fromisoformat(van.strip()), int(grens)))
        except ValueError:
            raise ValueError(f"leeftijdsgrens {deel!r}: verwacht JJJJ-MM-DD=leeftijd") from None
    return LeeftijdsgrensTabel(tuple(versies))
