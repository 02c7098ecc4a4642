"""Configuration of a leerplicht instance: one regional office, one region."""

from __future__ import annotations

from leerrecht.config import RegionalSettings


class LeerplichtSettings(RegionalSettings):
    pass
