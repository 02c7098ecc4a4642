"""Configuration of a leerplicht instance: one regional office, one region.

A transferred dossier arrives with its history in the event (``DossierOvergedragen`` v2), so an
office needs no address of, nor a token at, any other region's office.
"""

from __future__ import annotations

import base64
import binascii

from pydantic import Field, SecretStr, model_validator

from leerrecht.config import RegionalSettings

ONTWIKKELSLEUTEL = b"leerrecht-leerplicht-ontwikkeling-alleen-0123456789"
"""The BSN search key when none is set, allowed only with ``AUTH_MODE=static`` (development and tests,
like the processing log without its owner role): never a production instance's key."""


class LeerplichtSettings(RegionalSettings):
    # The key of the BSN search hash (leerplicht.identiteit.pgn_hash), base64, >= 32 bytes; the
    # instance's own secret. A new key re-reads the identity topic at start (hashes cannot be converted).
    pgn_zoeksleutel: SecretStr | None = Field(default=None, alias="PGN_ZOEKSLEUTEL", repr=False)
    # The key it replaces, set during a rotation only: the BSN search also finds the rows still hashed with
    # it, so an officer finds a pupil by BSN while the identity topic is read again (leerplicht.identiteit).
    pgn_zoeksleutel_vorig: SecretStr | None = Field(default=None, alias="PGN_ZOEKSLEUTEL_VORIG", repr=False)

    @model_validator(mode="after")
    def _zoeksleutel_gezet(self) -> LeerplichtSettings:
        if self.pgn_zoeksleutel is None and self.auth_mode != "static":
            raise ValueError("PGN_ZOEKSLEUTEL ontbreekt: de sleutel van de BSN-zoekhash (base64, minstens "
                             "32 bytes) is verplicht buiten AUTH_MODE=static")
        self.zoeksleutels()
        return self

    def zoeksleutel(self) -> bytes:
        if self.pgn_zoeksleutel is None:
            return ONTWIKKELSLEUTEL
        return _sleutel(self.pgn_zoeksleutel, "PGN_ZOEKSLEUTEL")

    def zoeksleutels(self) -> tuple[bytes, ...]:
        """The keys the BSN search hashes with: this instance's, then the one it replaces (a rotation)."""
        if self.pgn_zoeksleutel_vorig is None:
            return (self.zoeksleutel(),)
        if self.pgn_zoeksleutel is None:
            raise ValueError("PGN_ZOEKSLEUTEL_VORIG is gezet zonder PGN_ZOEKSLEUTEL")
        vorig = _sleutel(self.pgn_zoeksleutel_vorig, "PGN_ZOEKSLEUTEL_VORIG")
        if vorig == self.zoeksleutel():
            raise ValueError("PGN_ZOEKSLEUTEL_VORIG is gelijk aan PGN_ZOEKSLEUTEL")
        return (self.zoeksleutel(), vorig)


def _sleutel(waarde: SecretStr, naam: str) -> bytes:
    try:
        sleutel = base64.b64decode(waarde.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{naam} is geen geldige base64") from None
    if len(sleutel) < 32:
        raise ValueError(f"{naam} is {len(sleutel)} bytes; minstens 32 bytes vereist")
    return sleutel
