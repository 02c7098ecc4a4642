"""Pure domain core of registratie: the legal reporting rules of domain.md A3.

No Kafka, no PostgreSQL, no HTTP, no I/O (the calendar reads its shipped CSVs once). The service
adapter builds the fact dataclasses from its log, calls `evaluate` after every change and turns
the returned decisions into events. See each module's docstring for the decisions taken where
the law is ambiguous. The vocabulary (codes, school types, units, report kinds and statuses,
vrijstelling articles, holiday regions) is ``contracts.codes``; `codes` adds the derived sets and
the one conversion to the school calendar's region spelling.
"""

from __future__ import annotations

from .bsn import Pgn, PgnOngeldig, PgnSoort, valideer_bsn, valideer_onderwijsnummer, valideer_pgn
from .codes import (
    GEOORLOOFD_CODES,
    ONGEOORLOOFD_CODES,
    VRIJSTELLING_ARTIKELEN,
    contractregio,
    is_vrijstelling,
    kalenderregio,
)
from .decisions import (
    AbsoluutVerzuimSignal,
    Decision,
    HerbeoordelingSignal,
    IntrekkingSignal,
    LangdurigGeoorloofdSignal,
    LateHercoderingSignal,
    MazlCriterium,
    MazlSignal,
    MeldplichtSignal,
    Ontvanger,
    PotentieelVsvSignal,
    ProtocolSignal,
)
from .evaluate import STANDAARD_CONFIG, RegelConfig, evaluate
from .model import Absence, Enrolment, FiledReport, PupilFacts, Recoding, Vrijstelling
from .plicht import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel, PlichtStatus, plicht_op
from .protocols import GracePeriod, Protocol, ProtocolScope, SignaalMaat, SignaalRegel
from .pseudonym import PseudonymKey, PseudonymKeyring, pseudonimiseer

__all__ = [
    "GEOORLOOFD_CODES",
    "ONGEOORLOOFD_CODES",
    "STANDAARD_CONFIG",
    "STANDAARD_LEEFTIJDSGRENS",
    "VRIJSTELLING_ARTIKELEN",
    "Absence",
    "AbsoluutVerzuimSignal",
    "Decision",
    "Enrolment",
    "FiledReport",
    "GracePeriod",
    "HerbeoordelingSignal",
    "IntrekkingSignal",
    "LangdurigGeoorloofdSignal",
    "LateHercoderingSignal",
    "LeeftijdsgrensTabel",
    "MazlCriterium",
    "MazlSignal",
    "MeldplichtSignal",
    "Ontvanger",
    "Pgn",
    "PgnOngeldig",
    "PgnSoort",
    "PlichtStatus",
    "PotentieelVsvSignal",
    "Protocol",
    "ProtocolScope",
    "ProtocolSignal",
    "PseudonymKey",
    "PseudonymKeyring",
    "PupilFacts",
    "Recoding",
    "RegelConfig",
    "SignaalMaat",
    "SignaalRegel",
    "Vrijstelling",
    "contractregio",
    "evaluate",
    "is_vrijstelling",
    "kalenderregio",
    "plicht_op",
    "pseudonimiseer",
    "valideer_bsn",
    "valideer_onderwijsnummer",
    "valideer_pgn",
]
