"""Validation of the persoonsgebonden nummer (PGN): BSN or DUO onderwijsnummer.

Why: a PGN is the only key that links a pupil across schools, DUO and the leerplicht office
(domain.md B, "Identity and privacy"); a typo links absence to the wrong child. Both numbers carry
an elfproef (11-check) that catches every single-digit error and most transpositions.

Rules implemented:

* **BSN** (burgerservicenummer): 9 digits (an 8-digit number is padded with a leading zero, as
  older systems drop it); ``9*d1 + 8*d2 + … + 2*d8 - 1*d9`` must be divisible by 11; not all zeros.
* **Onderwijsnummer** (DUO, for pupils without a BSN): 9 digits, **starts with "10"**, and the same
  weighted sum as the BSN (weights 9..2, -1) leaves **remainder 5** modulo 11. Source: python-stdnum
  ``stdnum.nl.onderwijsnummer`` (test value ``101222331``), which cites nl.wikipedia "Onderwijsnummer".
  ``shared/reference/domain-sources.md`` has no statement on the checksum. The variant suggested in
  the brief (weights 9..1, sum divisible by 11, starts with 1) rejects stdnum's documented valid
  example, so it was not used. **UNSURE**: confirm against DUO's programma van eisen.
  Because a valid onderwijsnummer has remainder 5, it can never also pass the BSN check, so
  `valideer_pgn` can tell the two apart without a type hint.

Error messages are Dutch and name the rule that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Pgn",
    "PgnOngeldig",
    "PgnSoort",
    "is_geldig_bsn",
    "is_geldig_onderwijsnummer",
    "valideer_bsn",
    "valideer_onderwijsnummer",
    "valideer_pgn",
]

_GEWICHTEN = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_SCHEIDINGSTEKENS = " .-"


class PgnOngeldig(ValueError):
    """The number is not a valid BSN or onderwijsnummer; the message names the rule."""


class PgnSoort(StrEnum):
    BSN = "BSN"
    ONDERWIJSNUMMER = "ONDERWIJSNUMMER"


@dataclass(frozen=True, slots=True)
class Pgn:
    """A validated PGN in canonical form (9 digits). Never put this on a shared topic."""

    soort: PgnSoort
    nummer: str

    def __repr__(self) -> str:  # keep PGNs out of logs and tracebacks
        return f"Pgn(soort={self.soort.value}, nummer=*********)"


def _normaliseer(waarde: str, naam: str) -> str:
    if not isinstance(waarde, str):
        raise PgnOngeldig(f"{naam} moet als tekst worden aangeleverd, niet als {type(waarde).__name__}")
    cijfers = "".join(ch for ch in waarde.strip() if ch not in _SCHEIDINGSTEKENS)
    if not cijfers:
        raise PgnOngeldig(f"{naam} is leeg")
    if not cijfers.isascii() or not cijfers.isdigit():
        raise PgnOngeldig(
            f"{naam} mag alleen cijfers bevatten (spaties, punten en streepjes worden genegeerd)"
        )
    if len(cijfers) == 8:
        cijfers = "0" + cijfers
    if len(cijfers) != 9:
        raise PgnOngeldig(f"{naam} moet 9 cijfers hebben (of 8 zonder voorloopnul), niet {len(cijfers)}")
    return cijfers


def _elfproef_som(cijfers: str) -> int:
    return sum(w * int(c) for w, c in zip(_GEWICHTEN, cijfers, strict=True))


def valideer_bsn(waarde: str) -> str:
    """Return the canonical 9-digit BSN, or raise `PgnOngeldig` naming the failed rule.

    Grounds: domain.md terms (PGN: BSN or onderwijsnummer) and B (identity and privacy).
    """
    cijfers = _normaliseer(waarde, "BSN")
    if int(cijfers) == 0:
        raise PgnOngeldig("BSN mag niet uit alleen nullen bestaan")
    if _elfproef_som(cijfers) % 11 != 0:
        raise PgnOngeldig(
            "BSN voldoet niet aan de elfproef: 9×c1 + 8×c2 + … + 2×c8 − 1×c9 moet deelbaar zijn door 11"
        )
    return cijfers


def valideer_onderwijsnummer(waarde: str) -> str:
    """Return the canonical onderwijsnummer, or raise `PgnOngeldig` naming the failed rule.

    Grounds: domain.md terms (PGN: BSN or onderwijsnummer) and B (identity and privacy).
    """
    cijfers = _normaliseer(waarde, "onderwijsnummer")
    if not cijfers.startswith("10"):
        raise PgnOngeldig("onderwijsnummer moet met '10' beginnen")
    if _elfproef_som(cijfers) % 11 != 5:
        raise PgnOngeldig(
            "onderwijsnummer voldoet niet aan de elfproef voor onderwijsnummers: "
            "9×c1 + 8×c2 + … + 2×c8 − 1×c9 moet bij deling door 11 rest 5 geven"
        )
    return cijfers


def is_geldig_bsn(waarde: str) -> bool:
    """Grounds: domain.md terms (PGN: BSN or onderwijsnummer) and B (identity and privacy)."""
    try:
        valideer_bsn(waarde)
    except PgnOngeldig:
        return False
    return True


def is_geldig_onderwijsnummer(waarde: str) -> bool:
    """Grounds: domain.md terms (PGN: BSN or onderwijsnummer) and B (identity and privacy)."""
    try:
        valideer_onderwijsnummer(waarde)
    except PgnOngeldig:
        return False
    return True


def valideer_pgn(waarde: str) -> Pgn:
    """Classify and validate a PGN: a BSN, or else an onderwijsnummer.

    Grounds: domain.md terms (PGN: BSN or onderwijsnummer) and B (identity and privacy).
    """
    cijfers = _normaliseer(waarde, "persoonsgebonden nummer")
    if int(cijfers) != 0 and _elfproef_som(cijfers) % 11 == 0:
        return Pgn(PgnSoort.BSN, cijfers)
    if cijfers.startswith("10") and _elfproef_som(cijfers) % 11 == 5:
        return Pgn(PgnSoort.ONDERWIJSNUMMER, cijfers)
    raise PgnOngeldig(
        "persoonsgebonden nummer is geen geldig BSN (elfproef: gewogen som deelbaar door 11) "
        "en geen geldig onderwijsnummer (begint met '10', gewogen som geeft rest 5)"
    )
