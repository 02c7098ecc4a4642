"""Event payload models, one module per producing domain (domain.md B: registratie, leerplicht, rmc,
telling). Import classes from their module, e.g. ``from contracts.events.registratie import
AfwezigheidGeregistreerd``: leerplicht and rmc both have a ``DossierOvergedragen`` and a
``DossierGesloten`` (same Dutch term, different event types), so there is no flat namespace.
"""

from contracts.events import leerplicht, registratie, rmc, telling
from contracts.events.base import Event, School

__all__ = ["Event", "School", "leerplicht", "registratie", "rmc", "telling"]
