"""Pure domain core of registratie: the legal reporting rules of domain.md A3.

No Kafka, no PostgreSQL, no HTTP, no I/O (the calendar reads its shipped CSVs once). The service
adapter builds the fact dataclasses from its log, calls `evaluate` after every change and turns
the returned decisions into events. See each module's docstring for the decisions taken where
the law is ambiguous.
"""

from __future__ import annotations

from .bsn import Pgn, PgnOngeldig, PgnSoort, valideer_bsn, valideer_onderwijsnummer, valideer_pgn
from .codes import GEOORLOOFD_CODES, ONGEOORLOOFD_CODES, AbsenceCode
from .decisions import (
    AbsoluutVerzuimSignal,
    Decision,
    HerbeoordelingSignal,
    IntrekkingSignal,
    MazlCriterium,
    MazlSignal,
    MeldplichtSignal,
    Ontvanger,
    PotentieelVsvSignal,
    ProtocolSignal,
)
from .evaluate import STANDAARD_CONFIG, RegelConfig, evaluate
from .model import (
    Absence,
    Enrolment,
    FiledReport,
    MeldingSoort,
    MeldingStatus,
    PupilFacts,
    Recoding,
    SchoolType,
    UrenEenheid,
    Vrijstelling,
    VrijstellingSoort,
)
from .plicht import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel, Plicht, plicht_op
from .protocols import GracePeriod, Protocol, ProtocolScope, SignaalMaat, SignaalRegel
from .pseudonym import PseudonymKey, PseudonymKeyring, pseudonimiseer

__all__ = [
    "GEOORLOOFD_CODES",
    "ONGEOORLOOFD_CODES",
    "STANDAARD_CONFIG",
    "STANDAARD_LEEFTIJDSGRENS",
    "Absence",
    "AbsenceCode",
    "AbsoluutVerzuimSignal",
    "Decision",
    "Enrolment",
    "FiledReport",
    "GracePeriod",
    "HerbeoordelingSignal",
    "IntrekkingSignal",
    "LeeftijdsgrensTabel",
    "MazlCriterium",
    "MazlSignal",
    "MeldingSoort",
    "MeldingStatus",
    "MeldplichtSignal",
    "Ontvanger",
    "Pgn",
    "PgnOngeldig",
    "PgnSoort",
    "Plicht",
    "PotentieelVsvSignal",
    "Protocol",
    "ProtocolScope",
    "ProtocolSignal",
    "PseudonymKey",
    "PseudonymKeyring",
    "PupilFacts",
    "Recoding",
    "RegelConfig",
    "SchoolType",
    "SignaalMaat",
    "SignaalRegel",
    "UrenEenheid",
    "Vrijstelling",
    "VrijstellingSoort",
    "evaluate",
    "plicht_op",
    "pseudonimiseer",
    "valideer_bsn",
    "valideer_onderwijsnummer",
    "valideer_pgn",
]
