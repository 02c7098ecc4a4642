"""Configuration of an RMC (Doorstroompunt) instance: one region."""

from __future__ import annotations

from pydantic import Field

from leerrecht.config import RegionalSettings


class RmcSettings(RegionalSettings):
    # domain.md A1 Decision: the Doorstroompunt upper age is configuration with a date of effect.
    leeftijdsgrenzen: str = Field(default="0001-01-01=23,2026-01-01=27", alias="RMC_LEEFTIJDSGRENZEN")
    # Seconds an automatic reaction waits in the outbox before publishing (see rmc.uitgaand).
    uitgaand_wacht_s: float = Field(default=1.0, alias="RMC_UITGAAND_WACHT_S", ge=0, le=60)
