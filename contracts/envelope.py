"""The event envelope: what every record on a Leerrecht topic looks like.

The envelope *is* a CloudEvents 1.0 structured-mode JSON document (the NL GOV CloudEvents profile is
the Dutch government's standard for event notifications), so any CloudEvents consumer can read our
log without knowing our Python models. Field names in Python are the platform's own; the aliases are
the CloudEvents attribute names used on the wire. CloudEvents extension attribute names must be
lower-case alphanumerics, hence ``correlationid`` and friends.

``subjectsequence`` is optional and was added later: an envelope without it is as valid as before
(absent = unknown), so old events and old consumers keep working. It is our own extension, not the
CloudEvents ``sequence`` extension, whose value is a string ordered lexicographically.

The payload (``data``) is kept as a plain mapping here: the envelope is decoded once by every
consumer, while the typed payload model is chosen from ``(type, schema_version)`` by the catalogue
(see :mod:`contracts.catalogue`), which also upcasts old versions.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SPECVERSION: Literal["1.0"] = "1.0"
TYPE_PREFIX = "nl.leerrecht."


def uuid7() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): time-ordered, so ids sort by creation and index well in PostgreSQL.

    Python 3.11 has no ``uuid.uuid7``; this is the RFC layout with 74 random bits.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """One event on the log, in CloudEvents structured mode.

    ``subject`` is always a pseudonym (keyed hash of the PGN) or an aggregate key, never a PGN,
    name or address: the shared log must stay free of directly identifying data (domain.md B).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    specversion: Literal["1.0"] = SPECVERSION
    id: uuid.UUID = Field(
        default_factory=uuid7,
        description="Event id: a UUIDv7 for a new fact; a deterministic UUIDv5 where the same fact must "
                    "get the same id on every replay (e.g. a transfer derived from another event). "
                    "Consumers deduplicate on it.",
    )
    type: str = Field(description="Event type, e.g. nl.leerrecht.registratie.afwezigheid_geregistreerd.")
    source: str = Field(description="Producer, as a URI reference, e.g. urn:nl:leerrecht:registratie.")
    time: AwareDatetime = Field(description="When it happened in the world (occurred_at).")
    subject: str = Field(description="Pseudonym of the pupil/young person, or an aggregate key.")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, description="URI of the payload's JSON Schema.")
    schema_version: int = Field(alias="schemaversion", ge=1)
    recorded_at: AwareDatetime = Field(alias="recordedtime", default_factory=utcnow)
    correlation_id: uuid.UUID = Field(alias="correlationid")
    causation_id: uuid.UUID | None = Field(alias="causationid", default=None)
    region: str | None = Field(default=None, description="Doorstroompunt region code (MCxx) it is routed to.")
    subject_sequence: int | None = Field(
        alias="subjectsequence", default=None, ge=1,
        description="Per-subject sequence number, given by the producer when it decided the event: "
                    "1, 2, 3, … without gaps per (source, subject, topic), so a consumer can see that an "
                    "event is missing or arrived out of order. A re-publish carries the same number "
                    "(and the same id). Absent: unknown (older events, producers that do not number).",
    )
    data: dict[str, Any]

    @property
    def occurred_at(self) -> datetime:
        return self.time

    @property
    def producer(self) -> str:
        return self.source

    def to_json(self) -> bytes:
        """The record value. pydantic's own JSON writer gives the same bytes as ``orjson.dumps`` of
        ``model_dump(mode="json")`` did (tests/contracts/test_envelope_json.py) at a third of the cost:
        every published event passes here. Called on the model's serializer itself: ``model_dump_json``
        is a Python wrapper that passes a dozen options on and returns ``str`` (encoded again here),
        about a third of the call's cost (issue 16, the EventPublisher)."""
        return _SERIALIZER.to_json(self, by_alias=True, exclude_none=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        """An envelope from a record value. On the model's validator itself: ``model_validate_json`` is a
        Python wrapper around the same call, a tenth of the decode's cost on the runner's path (issue 16)."""
        if cls is Envelope:
            return _VALIDATOR.validate_json(raw, by_alias=True)  # type: ignore[no-any-return]
        return cls.model_validate_json(raw, by_alias=True)


_SERIALIZER = Envelope.__pydantic_serializer__
"""The envelope's compiled serializer (pydantic-core), for :meth:`Envelope.to_json`."""
_VALIDATOR = Envelope.__pydantic_validator__
"""The envelope's compiled validator (pydantic-core), for :meth:`Envelope.from_json`."""
