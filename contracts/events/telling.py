"""Events of *telling*: the national aggregate figures (domain.md C). No pseudonyms: the subject and
Kafka key of a figure is its cell key (:meth:`CijferBijgewerkt.cel_sleutel`).

Disclosure control is part of the contract (domain.md C Decision): the count stream is the national,
published output, so a cell with a count of 1–9 cannot be expressed; it must be sent as suppressed
(``waarde=None, onderdrukt=True``). Secondary suppression may also suppress larger cells.
"""

from __future__ import annotations

import re
from typing import ClassVar, Self

from pydantic import Field, model_validator

from contracts.codes import GebiedType, TellingSchoolType
from contracts.events.base import Domein, Event, Onderwerp

PERIODE_RE = r"^(schooljaar|vsvjaar):[0-9]{4}-[0-9]{4}$|^peildatum:[0-9]{4}-[0-9]{2}-[0-9]{2}$"
POSITIE_SLEUTEL_RE = re.compile(r"^[A-Za-z0-9._-]+:[0-9]+$")
MIN_GEPUBLICEERDE_WAARDE = 10

_GEBIED_CODE = {
    GebiedType.GEMEENTE: re.compile(r"^GM[0-9]{4}$"),
    GebiedType.REGIO: re.compile(r"^MC[0-9]{2}$"),
    GebiedType.LAND: re.compile(r"^NL$"),
}


class TellingEvent(Event):
    domein: ClassVar[Domein] = "telling"
    onderwerp: ClassVar[Onderwerp] = "CIJFER"


class CijferBijgewerkt(TellingEvent):
    """A published figure (cell) has a new value (domain.md C: leerplichttelling, MAS monitor, vsv,
    leerrecht count; disclosure control Decision). Reproducible from the log: ``positie`` is the
    as-of position, per ``"<topic>:<partition>"`` the next offset to read (Kafka's committed-offset
    meaning), of the event topics the value was computed from; ``definitie_id`` is the versioned
    definition used."""

    event_type: ClassVar[str] = "nl.leerrecht.telling.cijfer_bijgewerkt"
    schema_version: ClassVar[int] = 1

    indicator_id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$", description="E.g. absoluut_verzuim.")
    definitie_id: str = Field(
        pattern=r"^[a-z][a-z0-9_]{1,63}/v[0-9]{1,4}$",
        description="Versioned definition, e.g. absoluut_verzuim/v1.",
    )
    periode: str = Field(
        pattern=PERIODE_RE, description="schooljaar:2025-2026, vsvjaar:2025-2026 or peildatum:2025-09-01."
    )
    gebied_type: GebiedType
    gebied_code: str = Field(pattern=r"^(GM[0-9]{4}|MC[0-9]{2}|NL)$")
    school_type: TellingSchoolType | None = Field(default=None, description="Breakdown; None = all.")
    leeftijdsband: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,2}-[0-9]{1,2}$|^[0-9]{1,2}\+$",
        description="Breakdown, e.g. 12-15, 18+.",
    )
    waarde: int | None = Field(ge=0, description="Count of unique persons; None when suppressed.")
    onderdrukt: bool
    positie: dict[str, int] = Field(min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _disclosure_control(self) -> Self:
        if not _GEBIED_CODE[self.gebied_type].match(self.gebied_code):
            raise ValueError(f"gebied_code {self.gebied_code!r} does not fit gebied_type {self.gebied_type}")
        if self.onderdrukt != (self.waarde is None):
            raise ValueError("waarde is None exactly when onderdrukt")
        if self.waarde is not None and 0 < self.waarde < MIN_GEPUBLICEERDE_WAARDE:
            raise ValueError("counts 1-9 must be suppressed (domain.md C disclosure control)")
        for sleutel, offset in self.positie.items():
            if not POSITIE_SLEUTEL_RE.match(sleutel) or offset < 0:
                raise ValueError(f"positie entries are '<topic>:<partition>': offset >= 0, got {sleutel!r}")
        return self

    def cel_sleutel(self) -> str:
        """The cell key: envelope subject and Kafka key on the count stream (latest value per cell)."""
        return self.sleutel(self.indicator_id, self.periode, self.gebied_code, self.school_type, self.leeftijdsband)

    @staticmethod
    def sleutel(indicator_id: str, periode: str, gebied_code: str, school_type: TellingSchoolType | None,
                leeftijdsband: str | None) -> str:
        """:meth:`cel_sleutel` from the parts, without building (and validating) the event: a
        publisher compares keys of every cell and builds events only for the cells that changed."""
        return "|".join((indicator_id, periode, gebied_code,
                         school_type.value if school_type is not None else "*", leeftijdsband or "*"))
