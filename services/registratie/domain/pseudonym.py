"""Pseudonyms for pupils: a keyed hash of the PGN (domain.md B, "Identity and privacy").

The shared log carries pseudonyms, never a PGN. A pseudonym is
``f"{key_id}:{digest}"`` where ``digest`` is HMAC-SHA256(key, "pgn:" + canonical PGN), base32
encoded, lower case, truncated to 26 characters (130 bits: collisions are negligible for any
national population). Without the key the PGN cannot be recovered or confirmed by trying all
~10^9 BSNs, which a plain hash would allow.

Rotation (why the key id is part of the pseudonym):

* A new key gets a **new key id**; registratie pseudonymises new events with the new key from
  the moment it is configured. Old events on the log are never rewritten: their pseudonyms,
  prefixed with the old key id, stay valid identifiers for those events.
* To link old and new events of one pupil, **registratie alone** keeps a re-keying map
  ``old pseudonym → new pseudonym`` (it can compute both from the PGN it holds, see
  `PseudonymKeyring.alle_pseudoniemen`) and publishes, if needed, a ``PseudoniemGewijzigd`` link
  event; other services never see a key or a PGN.
* An old key is destroyed once no consumer needs the link any more; events keep their pseudonyms.

The key comes from configuration (the service adapter reads it); this module does no I/O.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .bsn import valideer_pgn

__all__ = [
    "MIN_SLEUTEL_BYTES",
    "PSEUDONIEM_LENGTE",
    "PseudonymKey",
    "PseudonymKeyring",
    "is_pseudoniem",
    "pseudonimiseer",
]

PSEUDONIEM_LENGTE = 26
MIN_SLEUTEL_BYTES = 32
_KEY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_PSEUDONIEM = re.compile(rf"^[a-z0-9][a-z0-9_-]{{0,31}}:[a-z2-7]{{{PSEUDONIEM_LENGTE}}}$")


@dataclass(frozen=True)
class PseudonymKey:
    """An HMAC key with its public identifier. The secret never appears in ``repr``."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise ValueError(
                "sleutel-id moet bestaan uit 1–32 kleine letters, cijfers, '-' of '_' "
                f"en met een letter of cijfer beginnen; kreeg {self.key_id!r}"
            )
        if len(self.secret) < MIN_SLEUTEL_BYTES:
            raise ValueError(f"pseudonimiseringssleutel moet minstens {MIN_SLEUTEL_BYTES} bytes zijn")

    @classmethod
    def from_base64(cls, key_id: str, secret_b64: str) -> PseudonymKey:
        """Build from configuration text (standard base64)."""
        try:
            secret = base64.b64decode(secret_b64, validate=True)
        except ValueError as exc:
            raise ValueError("pseudonimiseringssleutel is geen geldige base64-tekst") from exc
        return cls(key_id, secret)


def pseudonimiseer(pgn: str, key: PseudonymKey) -> str:
    """The pseudonym of a PGN under ``key``; the PGN is validated and canonicalised first.

    Canonicalising means ``"12345678"`` and ``"012345678"`` (and ``"0123.45.678"``) get the same
    pseudonym. Raises `registratie.domain.bsn.PgnOngeldig` for an invalid PGN.

    Grounds: domain.md B (identity and privacy: a keyed-hash pseudonym, never the PGN).
    """
    canoniek = valideer_pgn(pgn).nummer
    mac = hmac.digest(key.secret, b"pgn:" + canoniek.encode("ascii"), "sha256")
    return f"{key.key_id}:{b32_begin(mac)}"


_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B32_PAAR = [a + b for a in _B32 for b in _B32]  # every 10 bits as their two characters
assert PSEUDONIEM_LENGTE == 26  # 13 pairs of characters below


def b32_begin(mac: bytes) -> str:
    """``base64.b32encode(mac).decode().lower()[:PSEUDONIEM_LENGTE]``, the same characters for a digest of
    at least 20 bytes, without encoding the whole digest: the standard library's base32 is Python code,
    and it was half of the pseudonym's cost in every absence the intake takes (issue 16).

    Grounds: domain.md B (identity and privacy: a keyed-hash pseudonym, never the PGN)."""
    n = int.from_bytes(mac[:20], "big")  # 160 bits: the first 32 characters
    return "".join([_B32_PAAR[(n >> s) & 1023] for s in range(150, 20, -10)])


def is_pseudoniem(waarde: str) -> bool:
    """Syntactic check of a pseudonym (``key_id:26 base32 chars``).

    Grounds: domain.md B (identity and privacy: a keyed-hash pseudonym, never the PGN).
    """
    return bool(_PSEUDONIEM.match(waarde))


@dataclass(frozen=True)
class PseudonymKeyring:
    """The current key plus retired keys still needed to build the re-keying map."""

    current: PseudonymKey
    retired: tuple[PseudonymKey, ...] = ()

    def __post_init__(self) -> None:
        ids = [self.current.key_id, *(k.key_id for k in self.retired)]
        if len(set(ids)) != len(ids):
            raise ValueError("sleutel-id's in de sleutelring moeten uniek zijn")

    def pseudoniem(self, pgn: str) -> str:
        return pseudonimiseer(pgn, self.current)

    def alle_pseudoniemen(self, pgn: str) -> Mapping[str, str]:
        """Pseudonym of ``pgn`` under every key, by key id: the rows of the re-keying map."""
        keys = (self.current, *self.retired)
        return {k.key_id: pseudonimiseer(pgn, k) for k in keys}
