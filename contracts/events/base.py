"""Base class and shared field types of all event payloads.

Why these choices:

* **strict, frozen, extra="forbid"**: an event is a fact; it cannot change after creation, no value is
  silently coerced (``"5"`` is not 5), and an undeclared field is rejected, which also stops a
  producer from smuggling personal data onto the shared log in a field nobody reviewed.
* Strict mode means Python callers pass real ``date``/``Decimal``/enum objects, while the JSON path
  (``model_validate_json``) accepts the JSON spellings (ISO dates, numbers, enum values). Consumers
  therefore decode via :meth:`Event.from_data`, which goes through the JSON path.
* Field types that could carry identifying data are constrained: every string has an enum, a
  pattern, a format, or a length limit plus the ``x-vrije-tekst`` marker (see :func:`vrije_tekst`),
  and a test walks every schema to keep it that way.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

# Event type names: nl.leerrecht.<domein>.<snake_case van de Nederlandse term>.
EVENT_TYPE_RE = re.compile(r"^nl\.leerrecht\.(registratie|leerplicht|rmc|telling)\.[a-z][a-z0-9_]*$")

Domein = Literal["registratie", "leerplicht", "rmc", "telling"]

# What the Kafka key / envelope subject of an event is (see contracts.topics):
#   LEERLING: a pseudonym of a pupil/young person -> the region's events topic;
#   SCHOOL:   a school location (brin+vestiging)   -> the school topic;
#   CIJFER:   an aggregate cell key                -> the count stream;
#   VESTIGING: a school location in the national register (brin+vestiging) -> the register topic.
Onderwerp = Literal["LEERLING", "SCHOOL", "CIJFER", "VESTIGING"]

VRIJE_TEKST_MARKER = "x-vrije-tekst"
MAX_VRIJE_TEKST = 500


def vrije_tekst(max_length: int, description: str) -> Any:
    """A free-text field: allowed only where domain.md requires one (e.g. closing reason OVERIG).

    Free text can contain anything, including names, so it is length-limited and marked in the JSON
    Schema (``x-vrije-tekst: true``) so that reviewers, the docs and the privacy test can see it.
    """
    if max_length > MAX_VRIJE_TEKST:
        raise ValueError(f"free text is limited to {MAX_VRIJE_TEKST} characters")
    return Field(
        default=None,
        min_length=1,
        max_length=max_length,
        description=description + " FREE TEXT: must not contain names or other identifying data.",
        json_schema_extra={VRIJE_TEKST_MARKER: True},
    )


Brin = Annotated[str, Field(pattern=r"^[0-9]{2}[A-Z]{2}$", description="BRIN4 school number, e.g. 12AB.")]
Vestiging = Annotated[str, Field(pattern=r"^[0-9]{2}$", description="BRIN vestiging number, e.g. 00.")]
Gemeentecode = Annotated[
    str,
    Field(
        pattern=r"^GM[0-9]{4}$",
        description="CBS municipality code, e.g. GM0363 (a municipality, not personal data).",
    ),
]
Regiocode = Annotated[str, Field(pattern=r"^MC[0-9]{2}$", description="Doorstroompunt region code, MCxx.")]
GeboortejaarMaand = Annotated[
    str,
    Field(
        pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$",
        description=(
            "Birth year and month (YYYY-MM), never the birth date: enough for the age rules "
            "(A1, A3.5, A3.7) at month precision; the exact date stays in the regional identity topic."
        ),
    ),
]
IsoWeek = Annotated[
    str, Field(pattern=r"^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$", description="ISO week, e.g. 2025-W37.")
]
Klas = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,19}$",
        description="Class or group code as the school names it (e.g. 3B, H4a, groep 7), max 20 characters.",
    ),
]
Code = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$",
        description="A technical identifier (lower-case slug), e.g. a rule id or partner code.",
    ),
]


def _decimal_to_float(value: Decimal) -> float:
    return float(value)


Uren = Annotated[
    Decimal,
    Field(gt=0, le=24, decimal_places=2),
    PlainSerializer(_decimal_to_float, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 24,
            "description": "Hours in the event's unit, > 0 and ≤ 24, at most 2 decimals (JSON number).",
        }
    ),
]
"""Hours on one day: a ``Decimal`` in Python (sums for the 16-hour rule must be exact), a JSON number
on the wire. Late arrival of m minutes is m/60 rounded up to 0.01 (A2: minutes missed count)."""

UrenTotaal = Annotated[
    Decimal,
    Field(ge=0, le=10000, decimal_places=2),
    PlainSerializer(_decimal_to_float, return_type=float, when_used="json"),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "maximum": 10000,
            "description": "Total hours over a period, at most 2 decimals (JSON number).",
        }
    ),
]


class School(BaseModel):
    """A school location: BRIN plus vestiging (domain.md B). Institutions are not personal data."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    brin: Brin
    vestiging: Vestiging

    @property
    def code(self) -> str:
        """BRIN6 (brin + vestiging), the key of the school topic."""
        return f"{self.brin}{self.vestiging}"


class Event(BaseModel):
    """Base of every event payload (the ``data`` of an :class:`~contracts.envelope.Envelope`).

    Concrete classes set ``event_type`` (``nl.leerrecht.<domein>.<term>``), ``schema_version`` (bumped
    on any incompatible change, with an upcaster, see :mod:`contracts.catalogue`), ``domein`` (the
    producing bounded context) and ``onderwerp`` (what the subject/Kafka key is, which decides the
    topic, see :mod:`contracts.topics`).
    """

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    domein: ClassVar[Domein]
    onderwerp: ClassVar[Onderwerp] = "LEERLING"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            return  # an abstract intermediate class
        if not EVENT_TYPE_RE.match(cls.event_type):
            raise TypeError(f"{cls.__name__}: bad event_type {cls.event_type!r}")
        if cls.event_type.split(".")[2] != cls.domein:
            raise TypeError(f"{cls.__name__}: event_type {cls.event_type!r} is not in domein {cls.domein!r}")
        if not isinstance(cls.__dict__.get("schema_version"), int) or cls.schema_version < 1:
            raise TypeError(f"{cls.__name__}: schema_version must be an int >= 1")
        if not (cls.__doc__ or "").strip() or "domain.md" not in (cls.__doc__ or ""):
            raise TypeError(f"{cls.__name__}: the docstring must cite the rule in domain.md")

    def to_data(self) -> dict[str, Any]:
        """The JSON-ready payload for ``Envelope.data``."""
        return self.model_dump(mode="json")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Self:
        """Decode a JSON-shaped payload (strings for dates, etc.) under the strict JSON rules."""
        return cls.model_validate_json(orjson.dumps(data))
