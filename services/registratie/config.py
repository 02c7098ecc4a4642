"""Configuration of the registratie service (environment variables)."""

from __future__ import annotations

from pydantic import Field

from leerrecht.config import ServiceSettings


class RegistratieSettings(ServiceSettings):
    # HMAC key for pseudonyms, base64, ≥ 32 bytes; the id is part of every pseudonym (rotation).
    pseudonym_key: str = Field(alias="PSEUDONYM_KEY", repr=False)
    pseudonym_key_id: str = Field(default="k1", alias="PSEUDONYM_KEY_ID")
    # Regions whose topics this intake creates on start ("*" = all 40 Doorstroompunt regions).
    regions: str = Field(default="*", alias="REGIONS")
