"""The one age convention of the platform (domain.md A1, **Decision (one age convention, everywhere)**).

Every service computes ages here, so that the same person crosses an age boundary on the same day
in registratie, leerplicht, rmc and telling.

* **Full birth date** (registratie only; it never leaves registratie): age N is reached on the N-th
  birthday. A 29 February birthday is reached on 1 March in a non-leap year.
* **Birth year-month** (``"JJJJ-MM"``, what the shared log carries): a person is *certainly* N from
  the first day of the month after the birth month, and *certainly not yet* N before the first day
  of the birth month. Inside the birth month the age is in doubt, and the rule that asks says on
  which side the doubt falls (:class:`Twijfel`): a protective rule (the Doorstroompunt's help, A1)
  includes the person; an advice that must be certain (Halt from 12, A5) takes the side that makes
  the advice cautious.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

__all__ = ["Twijfel", "geboortejaar_maand", "leeftijd_op", "verjaardag"]

_JAAR_MAAND = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


class Twijfel(StrEnum):
    """Which age counts inside the birth month, when only the birth year-month is known."""

    JONGST = "JONGST"
    """The youngest possible age: the birthday counts as not yet reached until the month is over
    (the age the person *certainly* has)."""
    OUDST = "OUDST"
    """The oldest possible age: the birthday counts as reached from the first of the birth month."""


def _jaar_maand(tekst: str) -> tuple[int, int]:
    match = _JAAR_MAAND.match(tekst)
    if not match:
        raise ValueError("geboortejaar_maand moet de vorm JJJJ-MM hebben")
    return int(match.group(1)), int(match.group(2))


def geboortejaar_maand(geboortedatum: date) -> str:
    """The birth year-month of a full birth date, as the log carries it (``"JJJJ-MM"``).

    Grounds: domain.md A1, Decision (one age convention).
    """
    return f"{geboortedatum.year:04d}-{geboortedatum.month:02d}"


def verjaardag(geboortedatum: date, leeftijd: int) -> date:
    """The day age ``leeftijd`` is reached (29 February → 1 March in non-leap years).

    Grounds: domain.md A1, Decision (one age convention).
    """
    jaar = geboortedatum.year + leeftijd
    try:
        return geboortedatum.replace(year=jaar)
    except ValueError:  # 29 February in a non-leap year
        return date(jaar, 3, 1)


def leeftijd_op(geboorte: date | str, peildatum: date, twijfel: Twijfel | None = None) -> int:
    """Age in whole years on ``peildatum``.

    ``geboorte`` is a full birth date (``twijfel`` is then irrelevant) or a birth year-month
    ``"JJJJ-MM"``, for which ``twijfel`` is required: the caller must say which side the doubt
    inside the birth month falls on (A1). A peildatum before the birth (month) is an error.

    Grounds: domain.md A1, Decision (one age convention).
    """
    if isinstance(geboorte, date):
        if peildatum < geboorte:
            raise ValueError("peildatum ligt voor de geboortedatum")
        jaren = peildatum.year - geboorte.year
        return jaren - 1 if verjaardag(geboorte, jaren) > peildatum else jaren
    if twijfel is None:
        raise ValueError("bij alleen een geboortejaar en -maand moet de twijfelkant gegeven zijn")
    jaar, maand = _jaar_maand(geboorte)
    if (peildatum.year, peildatum.month) < (jaar, maand):
        raise ValueError("peildatum ligt voor de geboortemaand")
    jaren = peildatum.year - jaar
    if peildatum.month < maand or (peildatum.month == maand and twijfel is Twijfel.JONGST):
        jaren -= 1
    return max(0, jaren)  # inside the birth month of the birth year itself: 0, not -1
