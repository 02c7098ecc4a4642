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

    @model_validator(mode="after")
    def _zoeksleutel_gezet(self) -> LeerplichtSettings:
        if self.pgn_zoeksleutel is None:
            if self.auth_mode != "static":
                raise ValueError("PGN_ZOEKSLEUTEL ontbreekt: de sleutel van de BSN-zoekhash (base64, minstens "
                                 "32 bytes) is verplicht buiten AUTH_MODE=static")
            return self
        self.zoeksleutel()
        return self

    def zoeksleutel(self) -> bytes:
        if self.pgn_zoeksleutel is None:
            return ONTWIKKELSLEUTEL
        try:
            sleutel = base64.b64decode(self.pgn_zoeksleutel.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("PGN_ZOEKSLEUTEL is geen geldige base64") from None
        if len(sleutel) < 32:
            raise ValueError(f"PGN_ZOEKSLEUTEL is {len(sleutel)} bytes; minstens 32 bytes vereist")
        return sleutel
