"""Potential vsv: un-enrolment without SK (domain.md A3.7; DUO A01/A02).

A person aged 12 up to the Doorstroompunt limit (on the un-enrolment day, `plicht.LeeftijdsgrensTabel`;
the limit on the birth year-month as rmc decides it, A1)
whose last enrolment ended without a startkwalificatie and who is not enrolled again (re-enrolment,
DUO A02, removes the signal). A school change with no day in between is not an un-enrolment.
An SK obtained later also removes the signal (the person is no longer a potential vsv'er).
"""

from __future__ import annotations

from datetime import date

from .decisions import PotentieelVsvSignal
from .model import PupilFacts
from .plicht import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel, leeftijd_op

__all__ = ["VSV_MINIMUM_LEEFTIJD", "potentieel_vsv"]

VSV_MINIMUM_LEEFTIJD = 12


def potentieel_vsv(
    pupil: PupilFacts, today: date, grenzen: LeeftijdsgrensTabel = STANDAARD_LEEFTIJDSGRENS
) -> PotentieelVsvSignal | None:
    """Grounds: domain.md A3.7 (potential vsv)."""
    if not pupil.enrolments or pupil.ingeschreven_op(today) or pupil.heeft_sk_op(today):
        return None
    ended = [e for e in pupil.enrolments if e.end is not None and e.end < today]
    if not ended:
        return None  # only future enrolments: not an un-enrolment
    last = max(ended, key=lambda e: (e.end or e.start, e.school_id))
    assert last.end is not None
    if any(e.start > last.end and e.start <= today for e in pupil.enrolments):
        return None  # re-enrolled since (and that enrolment ended too: covered by `last`)
    leeftijd = leeftijd_op(pupil.geboortedatum, last.end)
    if leeftijd < VSV_MINIMUM_LEEFTIJD or not grenzen.binnen(pupil.geboortedatum, last.end):
        return None
    return PotentieelVsvSignal(uitschrijfdatum=last.end, school_id=last.school_id, leeftijd=leeftijd)
