"""Who is covered, by date (domain.md A1): leerplicht, kwalificatieplicht, Doorstroompunt group.

Decisions:

* **Leerplicht start** = the first day of the month after the month of the 5th birthday. The law
  says "the first *school day*" of that month; no absence can be registered on a non-school day,
  so the first calendar day is equivalent for every rule here and needs no calendar.
* **Leerplicht end** = 31 July of the schooljaar (1 Aug – 31 Jul) in which the pupil turns 16, or
  the end of the schooljaar after which 12 full school years were completed, when known and
  earlier. A startkwalificatie does not end full leerplicht.
* **Kwalificatieplicht** runs from the day after leerplicht ends until the day before the 18th
  birthday, or until the day before the SK diploma date, whichever is first.
* **Ages** come from the platform's one age function, :mod:`leerrecht.leeftijd` (A1 Decision: on
  the full birth date, age N is reached on the N-th birthday; 29 February → 1 March in non-leap
  years, **UNSURE**, no source read).
* **Doorstroompunt age limit** is configuration with a date of effect (A1): below 23 before
  2026-01-01, below 27 from then ("up to 23" = not yet 23, DUO [S1]). It is decided on the birth
  year-month with the doubt on the side of help (:meth:`LeeftijdsgrensTabel.binnen`), as rmc and
  telling decide it from the log, so the person leaves the group on the same day everywhere.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from contracts.codes import Plicht
from leerrecht.leeftijd import leeftijd_op, verjaardag
from leerrecht.leeftijdsgrens import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel

from .model import PupilFacts

__all__ = [
    "STANDAARD_LEEFTIJDSGRENS",
    "LeeftijdsgrensTabel",
    "PlichtStatus",
    "in_doorstroompunt_doelgroep",
    "is_kwalificatieplichtig",
    "is_leer_of_kwalificatieplichtig",
    "is_leerplichtig",
    "kwalificatieplicht_einde",
    "leeftijd_op",
    "leerplicht_begin",
    "leerplicht_einde",
    "plicht_op",
    "schooljaar_begin",
    "verjaardag",
]


class PlichtStatus(StrEnum):
    """Where a person stands on a day (A1). Not ``contracts.codes.Plicht``, which names only the two
    obligations; `plicht` maps the two statuses that are one to it."""

    NOG_NIET = "NOG_NIET"  # before leerplicht starts
    LEERPLICHTIG = "LEERPLICHTIG"
    KWALIFICATIEPLICHTIG = "KWALIFICATIEPLICHTIG"
    GEEN = "GEEN"  # leerplicht over and (18 reached or SK obtained)

    @property
    def plicht(self) -> Plicht | None:
        """The obligation in force, as the contract names it; ``None`` when there is none."""
        return _PLICHT.get(self)


_PLICHT = {
    PlichtStatus.LEERPLICHTIG: Plicht.LEERPLICHT,
    PlichtStatus.KWALIFICATIEPLICHTIG: Plicht.KWALIFICATIEPLICHT,
}


def schooljaar_begin(d: date) -> date:
    """1 August of the schooljaar containing ``d``.

    Grounds: domain.md terms (schooljaar: 1 Aug - 31 Jul) and A1.
    """
    return date(d.year if d.month >= 8 else d.year - 1, 8, 1)


@lru_cache(maxsize=65536)
def leerplicht_begin(geboortedatum: date) -> date:
    """Grounds: art. 3 Lpw; domain.md A1. Kept per birth date: the rules ask it for every day they
    judge (``plicht_op``), and it depends on nothing else."""
    vijf = verjaardag(geboortedatum, 5)
    return date(vijf.year + 1, 1, 1) if vijf.month == 12 else date(vijf.year, vijf.month + 1, 1)


def leerplicht_einde(pupil: PupilFacts) -> date:
    """Last day of full leerplicht (inclusive).

    Grounds: art. 4 Lpw; domain.md A1.
    """
    zestien = verjaardag(pupil.geboortedatum, 16)
    einde = date(schooljaar_begin(zestien).year + 1, 7, 31)
    if pupil.twaalf_schooljaren_op is not None and pupil.twaalf_schooljaren_op < einde:
        einde = pupil.twaalf_schooljaren_op
    return einde


def kwalificatieplicht_einde(pupil: PupilFacts) -> date:
    """Last day of kwalificatieplicht (inclusive); before leerplicht_einde+1 means none at all.

    Grounds: art. 4a Lpw; domain.md A1.
    """
    einde = verjaardag(pupil.geboortedatum, 18) - timedelta(days=1)
    if pupil.startkwalificatie_op is not None:
        einde = min(einde, pupil.startkwalificatie_op - timedelta(days=1))
    return einde


def plicht_op(pupil: PupilFacts, d: date) -> PlichtStatus:
    """Grounds: art. 3, 4 and 4a Lpw; domain.md A1."""
    if d < leerplicht_begin(pupil.geboortedatum):
        return PlichtStatus.NOG_NIET
    if d <= leerplicht_einde(pupil):
        return PlichtStatus.LEERPLICHTIG
    if d <= kwalificatieplicht_einde(pupil):
        return PlichtStatus.KWALIFICATIEPLICHTIG
    return PlichtStatus.GEEN


def is_leerplichtig(pupil: PupilFacts, d: date) -> bool:
    """Grounds: art. 3 and 4 Lpw; domain.md A1."""
    return plicht_op(pupil, d) is PlichtStatus.LEERPLICHTIG


def is_kwalificatieplichtig(pupil: PupilFacts, d: date) -> bool:
    """Grounds: art. 4a Lpw; domain.md A1."""
    return plicht_op(pupil, d) is PlichtStatus.KWALIFICATIEPLICHTIG


def is_leer_of_kwalificatieplichtig(pupil: PupilFacts, d: date) -> bool:
    """Grounds: art. 3, 4 and 4a Lpw; domain.md A1."""
    return plicht_op(pupil, d) in (PlichtStatus.LEERPLICHTIG, PlichtStatus.KWALIFICATIEPLICHTIG)




def in_doorstroompunt_doelgroep(
    pupil: PupilFacts, d: date, grenzen: LeeftijdsgrensTabel = STANDAARD_LEEFTIJDSGRENS
) -> bool:
    """Past leer- and kwalificatieplicht, without SK, younger than the limit in force on ``d``.

    Grounds: domain.md A1 (Doorstroompunt target group, Decision: the upper age with a date of effect).
    """
    return (
        plicht_op(pupil, d) is PlichtStatus.GEEN
        and not pupil.heeft_sk_op(d)
        and grenzen.binnen(pupil.geboortedatum, d)
    )
