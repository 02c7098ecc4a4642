"""Configuration of an RMC (Doorstroompunt) instance: one region."""

from __future__ import annotations

from leerrecht.config import RegionalSettings


class RmcSettings(RegionalSettings):
    pass
