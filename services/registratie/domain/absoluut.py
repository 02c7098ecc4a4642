"""Absoluut verzuim derived from enrolment state (domain.md A3.6).

A resident who is leer- or kwalificatieplichtig, not enrolled at any school and without
vrijstelling. DUO supplies candidates; the platform also derives them from its own facts. The
pupil facts are those of residents (the adapter only evaluates residents of its region).
``sinds`` is the first day of the current uninterrupted spell (no enrolment, no vrijstelling,
plichtig); vervangende leerplicht (3a/3b) does not count as a vrijstelling, but a pupil under 3a/3b
is normally enrolled at a programme.
"""

from __future__ import annotations

from datetime import date, timedelta

from .decisions import AbsoluutVerzuimSignal
from .model import PupilFacts
from .plicht import is_leer_of_kwalificatieplichtig, leerplicht_begin, plicht_op

__all__ = ["absoluut_verzuim"]


def absoluut_verzuim(pupil: PupilFacts, today: date) -> AbsoluutVerzuimSignal | None:
    def absoluut(d: date) -> bool:
        return (
            is_leer_of_kwalificatieplichtig(pupil, d)
            and not pupil.ingeschreven_op(d)
            and not pupil.vrijgesteld_op(d)
        )

    if not absoluut(today):
        return None
    begin = leerplicht_begin(pupil.geboortedatum)
    sinds = today
    while sinds > begin and absoluut(sinds - timedelta(days=1)):
        sinds -= timedelta(days=1)
    plicht = plicht_op(pupil, today).plicht
    assert plicht is not None  # absoluut(today) holds: leer- or kwalificatieplichtig
    return AbsoluutVerzuimSignal(sinds=sinds, plicht=plicht)
