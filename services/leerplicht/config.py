"""Configuration of a leerplicht instance: one regional office, one region.

A transferred dossier arrives with its history in the event (``DossierOvergedragen`` v2), so an
office needs no address of, nor a token at, any other region's office.
"""

from __future__ import annotations

from leerrecht.config import RegionalSettings


class LeerplichtSettings(RegionalSettings):
    pass
