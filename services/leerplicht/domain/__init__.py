"""Pure domain core of leerplicht: the dossier fold, the MAS decisions, Halt advice and the worklist
(domain.md A4, A5). No Kafka, no PostgreSQL, no HTTP; the calendar reads its shipped CSVs once."""

from __future__ import annotations

from .commands import (
    Command,
    DomeinFout,
    DraagOver,
    KiesRoute,
    NeemInBehandeling,
    NeemTerKennisgeving,
    SluitDossier,
    SluitMeldingAf,
    StartOnderzoek,
    VoerInterventieUit,
    decide,
)
from .dossier import (
    Dossier,
    DossierFase,
    Feit,
    Interventie,
    Melding,
    apply,
    dossier_id_van,
    fold,
    hoort_bij_leerplicht,
    melding_id_van,
    nieuw_dossier_id,
)
from .halt import Afwezigheid, HaltBeoordeling, LeerlingGegevens, halt_advies
from .verhuizing import herbouw, neem_over, overdracht_opdracht
from .werklijst import WerkItem, Werklijst, WerkSoort, items_voor, werklijst

__all__ = [
    "Afwezigheid",
    "Command",
    "DomeinFout",
    "Dossier",
    "DossierFase",
    "DraagOver",
    "Feit",
    "HaltBeoordeling",
    "Interventie",
    "KiesRoute",
    "LeerlingGegevens",
    "Melding",
    "NeemInBehandeling",
    "NeemTerKennisgeving",
    "SluitDossier",
    "SluitMeldingAf",
    "StartOnderzoek",
    "VoerInterventieUit",
    "WerkItem",
    "WerkSoort",
    "Werklijst",
    "apply",
    "decide",
    "dossier_id_van",
    "fold",
    "halt_advies",
    "herbouw",
    "hoort_bij_leerplicht",
    "items_voor",
    "melding_id_van",
    "neem_over",
    "nieuw_dossier_id",
    "overdracht_opdracht",
    "werklijst",
]
