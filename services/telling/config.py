"""Configuration of the national telling service."""

from __future__ import annotations

from leerrecht.config import ServiceSettings


class TellingSettings(ServiceSettings):
    pass
