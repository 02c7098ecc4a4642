"""The national absence code set (domain.md A2).

Defined locally so the domain core does not depend on unfinished work in ``contracts``; the values
are exactly those of domain.md A2 and the lead engineer will unify this enum with
``contracts.events.codes`` later (the string values are the contract, not the class).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["GEOORLOOFD_CODES", "ONGEOORLOOFD_CODES", "AbsenceCode"]


class AbsenceCode(StrEnum):
    """Why a pupil was absent; every school registers *all* absence with one of these codes."""

    ZIEK = "ZIEK"  # art. 11 d Lpw
    VERLOF_VAKANTIE = "VERLOF_VAKANTIE"  # art. 11 f, 13a
    VERLOF_GEWICHTIG = "VERLOF_GEWICHTIG"  # art. 11 g, 14
    RELIGIEUS = "RELIGIEUS"  # art. 11 e, 13
    SCHORSING = "SCHORSING"  # art. 11 c
    SCHOOL_GESLOTEN = "SCHOOL_GESLOTEN"  # art. 11 a, b
    ONGEOORLOOFD = "ONGEOORLOOFD"
    TE_LAAT = "TE_LAAT"  # minutes missed count as time missed
    LUXE = "LUXE"  # holiday without leave, art. 13a
    ONBEKEND = "ONBEKEND"  # provisional: counts as ongeoorloofd unless recoded

    @property
    def is_ongeoorloofd(self) -> bool:
        return self in ONGEOORLOOFD_CODES


#: Codes whose hours count towards the legal thresholds (A3.1); ONBEKEND provisionally.
ONGEOORLOOFD_CODES: frozenset[AbsenceCode] = frozenset(
    {AbsenceCode.ONGEOORLOOFD, AbsenceCode.TE_LAAT, AbsenceCode.LUXE, AbsenceCode.ONBEKEND}
)

#: Authorised absence (art. 11 Lpw grounds); never counts towards a legal report.
GEOORLOOFD_CODES: frozenset[AbsenceCode] = frozenset(AbsenceCode) - ONGEOORLOOFD_CODES
