"""The national code sets as the rules use them (domain.md A2, A3), from ``contracts.codes``.

The rules speak the contract's vocabulary directly: ``AfwezigheidCode``, ``SchoolType``,
``UrenEenheid``, ``MeldingSoort``, ``MeldingStatus``, ``Vrijstellingsartikel``, ``Vakantieregio``
(``contracts`` is a pure package, so the domain stays free of I/O). This module adds only what the
rules need on top, and the one boundary between the contract's holiday regions and the calendar's:

* ``ONGEOORLOOFD_CODES`` / ``GEOORLOOFD_CODES``: which codes count towards the legal thresholds
  (A3.1: ``ONGEOORLOOFD``, ``TE_LAAT``, ``LUXE`` and provisional ``ONBEKEND``), derived from
  ``AfwezigheidCode.telt_voor_meldplicht`` so the two can never disagree.
* ``VRIJSTELLING_ARTIKELEN``: the articles that are a real exemption (see ``is_vrijstelling``).
* ``kalenderregio``: ``contracts.codes.Vakantieregio`` (``NOORD``…, the wire spelling) to
  ``leerrecht.kalender.Vakantieregio`` (``noord``…, the calendar data's spelling). Every call into
  the school calendar goes through here (``Enrolment.kalenderregio``); nothing else converts case.
"""

from __future__ import annotations

from contracts.codes import AfwezigheidCode, Vakantieregio, Vrijstellingsartikel
from leerrecht.kalender import Vakantieregio as KalenderRegio

__all__ = [
    "GEOORLOOFD_CODES",
    "ONGEOORLOOFD_CODES",
    "VRIJSTELLING_ARTIKELEN",
    "KalenderRegio",
    "contractregio",
    "is_vrijstelling",
    "kalenderregio",
]

#: Codes whose hours count towards the legal thresholds (A3.1); ONBEKEND provisionally.
ONGEOORLOOFD_CODES: frozenset[AfwezigheidCode] = frozenset(
    c for c in AfwezigheidCode if c.telt_voor_meldplicht
)

#: Authorised absence (art. 11 Lpw grounds); never counts towards a legal report.
GEOORLOOFD_CODES: frozenset[AfwezigheidCode] = frozenset(AfwezigheidCode) - ONGEOORLOOFD_CODES

#: **Decision**: only 5a/5b/5c/15 are exemptions that withdraw reports (A3.10) and stop counting;
#: 3a/3b are *vervangende* leerplicht: the pupil still attends an (adapted) programme, so absence
#: there still counts.
VRIJSTELLING_ARTIKELEN: frozenset[Vrijstellingsartikel] = frozenset(
    {
        Vrijstellingsartikel.ARTIKEL_5A,
        Vrijstellingsartikel.ARTIKEL_5B,
        Vrijstellingsartikel.ARTIKEL_5C,
        Vrijstellingsartikel.ARTIKEL_15,
    }
)


def is_vrijstelling(artikel: Vrijstellingsartikel) -> bool:
    """A real exemption (5a/5b/5c/15), not vervangende leerplicht (3a/3b).

    Grounds: art. 5, 5a and 15 Lpw (vrijstellingen) versus art. 3a/3b Lpw (vervangende leerplicht);
    domain.md A3.6 and A3.10.
    """
    return artikel in VRIJSTELLING_ARTIKELEN


_KALENDERREGIO: dict[Vakantieregio, KalenderRegio] = {
    Vakantieregio.NOORD: KalenderRegio.NOORD,
    Vakantieregio.MIDDEN: KalenderRegio.MIDDEN,
    Vakantieregio.ZUID: KalenderRegio.ZUID,
}
_CONTRACTREGIO: dict[KalenderRegio, Vakantieregio] = {v: k for k, v in _KALENDERREGIO.items()}


def kalenderregio(regio: Vakantieregio) -> KalenderRegio:
    """The calendar's spelling of a contract holiday region (the single conversion point).

    Grounds: domain.md A3.1 (the holiday weeks of the school's region).
    """
    return _KALENDERREGIO[regio]


def contractregio(regio: KalenderRegio) -> Vakantieregio:
    """Inverse of :func:`kalenderregio`: for data sources that use the calendar's spelling
    (the DUO school register, the municipality table).

    Grounds: domain.md A3.1 (the holiday weeks of the school's region).
    """
    return _CONTRACTREGIO[regio]
