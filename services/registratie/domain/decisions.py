"""Decision values returned by the rules. Pure data: the service adapter turns them into events.

Every rule returns these values and never performs I/O. Signals are recomputed from the facts on
every evaluation, so they are idempotent: `MeldplichtSignal.key` identifies "the same" report
across evaluations, and the adapter emits an event only when a key is new or its end date changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from contracts.codes import IntrekkingsReden, MeldingSoort, Plicht, UrenEenheid

from .model import Vrijstelling

__all__ = [
    "AbsoluutVerzuimSignal",
    "Decision",
    "HerbeoordelingSignal",
    "IntrekkingSignal",
    "LangdurigGeoorloofdSignal",
    "LateHercoderingSignal",
    "MazlCriterium",
    "MazlSignal",
    "MeldplichtSignal",
    "Ontvanger",
    "PotentieelVsvSignal",
    "ProtocolSignal",
]


class Ontvanger(StrEnum):
    LEERPLICHT = "LEERPLICHT"  # the woongemeente's leerplicht office (A4)
    DOORSTROOMPUNT = "DOORSTROOMPUNT"  # the region's Doorstroompunt (A3.5)
    SCHOOL = "SCHOOL"


@dataclass(frozen=True, slots=True)
class MeldplichtSignal:
    """A report (melding) the school must file (A3.1, A3.2, A3.3, A3.5).

    ``start``: first day of counted absence; ``end``: the day the threshold was reached (16 uur,
    18+), the last absent day (LRV, luxe), or ``None`` while LRV is ongoing. ``bereikt_op``: the day
    the duty arose; ``due_date``: ``bereikt_op`` + 5 working days (Algemene termijnenwet
    feestdagen). ``herhaalmelding``: 0 for a first report, 1–4 for repeats under continuous
    absence. ``voorlopig_tot``: counted ``ONBEKEND`` hours can still be recoded until this day
    (inclusive), so the school may wait until then before filing. ``melding_id``: set when the
    report is already filed (LRV/luxe: the adapter then only updates the end date).
    """

    soort: MeldingSoort
    school_id: str
    start: date
    end: date | None
    bereikt_op: date
    hours: Decimal
    unit: UrenEenheid
    due_date: date
    absence_ids: tuple[str, ...]
    ontvanger: Ontvanger = Ontvanger.LEERPLICHT
    herhaalmelding: int = 0
    voorlopig_tot: date | None = None
    melding_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.soort.value}|{self.school_id}|{self.start.isoformat()}"


@dataclass(frozen=True, slots=True)
class IntrekkingSignal:
    """A filed report overlaps a vrijstelling: withdraw it, status Ingetrokken, reason V (A3.10)."""

    melding_id: str
    vrijstelling: Vrijstelling
    reden: IntrekkingsReden = IntrekkingsReden.VRIJSTELLING  # DUO's reason "V"


@dataclass(frozen=True, slots=True)
class HerbeoordelingSignal:
    """A filed report no longer meets its threshold after a recoding.

    **Decision**: a filed report stays (it is a legal fact at DUO and only the school withdraws it,
    A4); the platform asks the school to review it instead of withdrawing it automatically.
    """

    melding_id: str
    soort: MeldingSoort
    hours_now: Decimal
    reden: str


@dataclass(frozen=True, slots=True)
class AbsoluutVerzuimSignal:
    """Leer- or kwalificatieplichtig, not enrolled anywhere, no vrijstelling (A3.6)."""

    sinds: date
    plicht: Plicht


@dataclass(frozen=True, slots=True)
class PotentieelVsvSignal:
    """Un-enrolled without SK, aged 12 up to the Doorstroompunt limit, not re-enrolled (A3.7)."""

    uitschrijfdatum: date
    school_id: str
    leeftijd: int
    ontvanger: Ontvanger = Ontvanger.DOORSTROOMPUNT


class MazlCriterium(StrEnum):
    VIERDE_ZIEKMELDING = "VIERDE_ZIEKMELDING"  # 4th sick report within 12 lesweken
    ZEVENDE_ZIEKTEDAG = "ZEVENDE_ZIEKTEDAG"  # 7th consecutive school day ill


@dataclass(frozen=True, slots=True)
class MazlSignal:
    """Zorgwekkend ziekteverzuim (MAZL practice, not law, A3.8): a signal to the school."""

    criterium: MazlCriterium
    school_id: str
    datum: date
    eerste_ziektedag: date
    aantal: int
    ontvanger: Ontvanger = Ontvanger.SCHOOL


@dataclass(frozen=True, slots=True)
class LangdurigGeoorloofdSignal:
    """Long authorised absence (A3.11): every lesdag of ≥ 4 consecutive lesweken absent, at least one
    day authorised. Not a DUO report: a signal to the school and a fact for the leerrecht count (C).
    ``datum``: the day the rule was met; ``dagen``: school days in the run so far."""

    school_id: str
    start: date
    datum: date
    dagen: int
    ontvanger: Ontvanger = Ontvanger.SCHOOL

    @property
    def key(self) -> str:
        return f"langdurig|{self.school_id}|{self.start.isoformat()}"


@dataclass(frozen=True, slots=True)
class LateHercoderingSignal:
    """A2 Decision (late recoding): a recoding of ``ONBEKEND`` made after its 2-school-day window
    removed a report duty that was already due. The recoding stands (the truth wins over the
    deadline); the removed duty is shown to the region's leerplicht office, never silently erased.
    ``start``/``bereikt_op``: the removed duty; ``hercodeerd_op``: the day of the (latest) late
    recoding that removed it."""

    soort: MeldingSoort
    school_id: str
    start: date
    bereikt_op: date
    hercodeerd_op: date
    ontvanger: Ontvanger = Ontvanger.LEERPLICHT

    @property
    def key(self) -> str:
        return f"late-hercodering|{self.soort.value}|{self.school_id}|{self.start.isoformat()}"


@dataclass(frozen=True, slots=True)
class ProtocolSignal:
    """A local protocol's signal rule fired (A3.9). Signals only add; they never suppress."""

    protocol_id: str
    protocol_valid_from: date
    regel_id: str
    omschrijving: str
    school_id: str
    start: date
    datum: date
    aantal: int
    hours: Decimal
    ontvanger: Ontvanger


Decision = (
    MeldplichtSignal
    | IntrekkingSignal
    | HerbeoordelingSignal
    | AbsoluutVerzuimSignal
    | PotentieelVsvSignal
    | MazlSignal
    | ProtocolSignal
    | LangdurigGeoorloofdSignal
    | LateHercoderingSignal
)
