"""The pure core of rmc, the regional Doorstroompunt (domain.md A6, A1, A3.5, A3.7): the young
person's file as a fold over events, decisions with Dutch errors, automatic reactions to registratie
facts, and the coach's worklist. No I/O: the adapter (projection.py, api.py) does that."""

from .decide import (
    Aanmelden,
    Afsluiten,
    AutomatischPlaatsen,
    Command,
    ContactpogingRegistreren,
    DomeinFout,
    Plaatsen,
    TrajectStarten,
    VoortgangMelden,
    decide,
)
from .fold import HANDLED_TYPES, apply, fold, is_relevant
from .leeftijd import (
    STANDAARD_LEEFTIJDSGRENZEN,
    LeeftijdsgrensTabel,
    binnen_leeftijdsgrens,
    leeftijd_op,
    parse_leeftijdsgrenzen,
)
from .model import (
    OPEN_STATUSSEN,
    STANDAARD_REGELS,
    Contactpoging,
    Dossier,
    Gebeurtenis,
    Jongere,
    Kenmerken,
    Plaatsing,
    Regels,
    Status,
    Traject,
    Voortgangsweek,
)
from .reacties import Verwerking, afgeleid_id, reageer, verwerk
from .werklijst import Werkitem, Werklijst, werklijst

__all__ = [
    "HANDLED_TYPES",
    "OPEN_STATUSSEN",
    "STANDAARD_LEEFTIJDSGRENZEN",
    "STANDAARD_REGELS",
    "Aanmelden",
    "Afsluiten",
    "AutomatischPlaatsen",
    "Command",
    "Contactpoging",
    "ContactpogingRegistreren",
    "DomeinFout",
    "Dossier",
    "Gebeurtenis",
    "Jongere",
    "Kenmerken",
    "LeeftijdsgrensTabel",
    "Plaatsen",
    "Plaatsing",
    "Regels",
    "Status",
    "Traject",
    "TrajectStarten",
    "Verwerking",
    "VoortgangMelden",
    "Voortgangsweek",
    "Werkitem",
    "Werklijst",
    "afgeleid_id",
    "apply",
    "binnen_leeftijdsgrens",
    "decide",
    "fold",
    "is_relevant",
    "leeftijd_op",
    "parse_leeftijdsgrenzen",
    "reageer",
    "verwerk",
    "werklijst",
]
