"""The event catalogue: every event class by ``(event_type, schema_version)``, and the two crossings
between typed events and envelopes on the log.

* :func:`to_envelope` wraps an event for publishing and checks the routing rules that can be checked
  locally (subject shape per :mod:`contracts.topics` key rule, region present exactly for regional
  events).
* :func:`from_envelope` decodes an envelope into the current model, **upcasting** payloads written
  under an older schema version through registered upcasters: pure ``dict -> dict`` functions from
  version *n* to *n + 1*, chained. Old events on the log are never rewritten.

Registered upcasters (below :data:`CATALOGUE`): ``AfwezigheidGecorrigeerd``, ``MeldingGeregistreerd``,
``DossierOvergedragen`` and ``VrijstellingGeregistreerd`` v1 → v2. The chaining of several steps is
exercised by a test with a test-only catalogue.

``dataschema`` is the https URI ``https://leerrecht.nl/schemas/<type>/v<n>.json``, mirroring the
committed snapshot ``contracts/schemas/<type>/v<n>.json`` (also the ``$id`` inside it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic import ValidationError

from contracts.envelope import Envelope, utcnow, uuid7
from contracts.events import leerplicht, registratie, rmc, telling
from contracts.events.base import Event, School
from contracts.identity import is_pseudoniem
from contracts.topics import TopicError, check_region

SCHEMA_BASE_URI = "https://leerrecht.nl/schemas"
_BRIN6_RE = re.compile(r"^[0-9]{2}[A-Z]{2}[0-9]{2}$")

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
E = TypeVar("E", bound=Event)


class ContractError(Exception):
    """Base of all catalogue errors: a consumer can catch this one and dead-letter the record."""


class UnknownEventType(ContractError, LookupError):
    """The envelope's ``type`` is not in this catalogue (a newer producer, or a typo)."""


class UnsupportedSchemaVersion(ContractError):
    """No way to read this version: newer than the model (upgrade the consumer) or no upcaster path."""


class InvalidEventPayload(ContractError):
    """The payload does not validate against the (upcast) model, or ``dataschema`` disagrees."""


class EnvelopeRuleError(ContractError):
    """``to_envelope`` arguments violate a routing rule (subject shape, region)."""


def schema_uri(event_type: str, version: int) -> str:
    return f"{SCHEMA_BASE_URI}/{event_type}/v{version}.json"


class Catalogue:
    """A registry of event classes and upcasters. The module-level :data:`CATALOGUE` holds all of
    Leerrecht's events; tests build their own to exercise upcasting in isolation."""

    def __init__(self, classes: Iterable[type[Event]] = ()) -> None:
        self._classes: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[E]) -> type[E]:
        if "event_type" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} is not a concrete event class")
        if cls.event_type in self._classes and self._classes[cls.event_type] is not cls:
            raise ValueError(f"event type {cls.event_type} registered twice")
        self._classes[cls.event_type] = cls
        return cls

    def register_upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: register the pure function turning a ``from_version`` payload into the next one."""

        def decorate(fn: Upcaster) -> Upcaster:
            key = (event_type, from_version)
            if key in self._upcasters:
                raise ValueError(f"upcaster {event_type} v{from_version} registered twice")
            self._upcasters[key] = fn
            return fn

        return decorate

    def event_classes(self) -> list[type[Event]]:
        return sorted(self._classes.values(), key=lambda c: c.event_type)

    def event_class(self, event_type: str) -> type[Event]:
        try:
            return self._classes[event_type]
        except KeyError:
            raise UnknownEventType(f"unknown event type {event_type!r}") from None

    def lookup(self, event_type: str, schema_version: int) -> type[Event]:
        """The class that reads ``(event_type, schema_version)`` (after upcasting), or raise."""
        cls = self.event_class(event_type)
        if schema_version > cls.schema_version:
            raise UnsupportedSchemaVersion(
                f"{event_type} v{schema_version} is newer than this consumer's v{cls.schema_version}:"
                " upgrade the consumer"
            )
        if schema_version < 1:
            raise UnsupportedSchemaVersion(f"{event_type}: bad schema version {schema_version}")
        for version in range(schema_version, cls.schema_version):
            if (event_type, version) not in self._upcasters:
                raise UnsupportedSchemaVersion(f"{event_type}: no upcaster from v{version} to v{version + 1}")
        return cls

    def has_upcaster(self, event_type: str, from_version: int) -> bool:
        return (event_type, from_version) in self._upcasters

    def upcast(self, event_type: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
        """Bring a payload from ``schema_version`` to the current version of its class."""
        cls = self.lookup(event_type, schema_version)
        for version in range(schema_version, cls.schema_version):
            data = self._upcasters[(event_type, version)](dict(data))
        return data

    def from_envelope(self, envelope: Envelope) -> Event:
        cls = self.lookup(envelope.type, envelope.schema_version)
        expected_schema = schema_uri(envelope.type, envelope.schema_version)
        if envelope.dataschema is not None and envelope.dataschema != expected_schema:
            raise InvalidEventPayload(f"dataschema {envelope.dataschema!r} is not {expected_schema!r}")
        data = self.upcast(envelope.type, envelope.schema_version, envelope.data)
        try:
            return cls.from_data(data)
        except ValidationError as exc:
            raise InvalidEventPayload(
                f"{envelope.type} v{envelope.schema_version} (id {envelope.id}): {exc}"
            ) from exc

    def to_envelope(
        self,
        event: Event,
        *,
        subject: str,
        source: str,
        occurred_at: datetime,
        correlation_id: UUID,
        causation_id: UUID | None = None,
        region: str | None = None,
        event_id: UUID | None = None,
        recorded_at: datetime | None = None,
    ) -> Envelope:
        cls = type(event)
        if self._classes.get(cls.event_type) is not cls:
            raise UnknownEventType(f"{cls.__name__} is not registered in this catalogue")
        _check_subject(event, subject)
        if cls.onderwerp == "LEERLING":
            if region is None:
                raise EnvelopeRuleError(f"{cls.__name__} is a regional event: region is required")
            try:
                check_region(region)
            except TopicError as exc:
                raise EnvelopeRuleError(str(exc)) from exc
        elif region is not None:
            raise EnvelopeRuleError(f"{cls.__name__} is not regional: region must be None")
        if not source:
            raise EnvelopeRuleError("source is required, e.g. urn:nl:leerrecht:registratie")
        return Envelope.model_validate(
            {
                "id": event_id or uuid7(),
                "type": cls.event_type,
                "source": source,
                "time": occurred_at,
                "subject": subject,
                "dataschema": schema_uri(cls.event_type, cls.schema_version),
                "schemaversion": cls.schema_version,
                "recordedtime": recorded_at or utcnow(),
                "correlationid": correlation_id,
                "causationid": causation_id,
                "region": region,
                "data": event.to_data(),
            }
        )


def _check_subject(event: Event, subject: str) -> None:
    kind = type(event).onderwerp
    if kind == "LEERLING" and not is_pseudoniem(subject):
        raise EnvelopeRuleError("subject must be a pseudonym (16-128 chars [A-Za-z0-9_:-], not all digits)")
    if kind in ("SCHOOL", "VESTIGING") and not _BRIN6_RE.match(subject):
        raise EnvelopeRuleError("subject of a school event is the BRIN6 (brin + vestiging)")
    school = getattr(event, "school", None)
    if kind == "VESTIGING" and isinstance(school, School) and subject != school.code:
        raise EnvelopeRuleError(f"subject must be the event's school {school.code!r}")
    if isinstance(event, telling.CijferBijgewerkt) and subject != event.cel_sleutel():
        raise EnvelopeRuleError(f"subject of a figure is its cell key {event.cel_sleutel()!r}")
    if isinstance(event, registratie.LesurenGepland) and subject != event.school.code:
        raise EnvelopeRuleError(f"subject must be the event's school {event.school.code!r}")


def _concrete_events(*modules: Any) -> list[type[Event]]:
    found: list[type[Event]] = []
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Event)
                and "event_type" in value.__dict__
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


CATALOGUE = Catalogue(_concrete_events(registratie, leerplicht, rmc, telling))
"""All Leerrecht events. Register upcasters here, next to the models, when a version is bumped."""


@CATALOGUE.register_upcaster(registratie.AfwezigheidGecorrigeerd.event_type, 1)
def _afwezigheid_gecorrigeerd_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 → v2: ``datum`` and ``oude_uren`` were not recorded in v1 and cannot be derived from the
    payload, so they become ``None`` (*unknown*), never a guess (see the model's docstring)."""
    return {**data, "datum": None, "oude_uren": None}


@CATALOGUE.register_upcaster(registratie.MeldingGeregistreerd.event_type, 1)
def _melding_geregistreerd_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 → v2: the woongemeente and birth month were not in v1; ``None`` (unknown), never a guess."""
    return {**data, "woongemeente": None, "geboortejaar_maand": None}


@CATALOGUE.register_upcaster(leerplicht.DossierOvergedragen.event_type, 1)
def _dossier_overgedragen_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 → v2: a v1 transfer carried only a pointer, its history is unknown (``None``), never made up."""
    return {**data, "geschiedenis": None}


@CATALOGUE.register_upcaster(registratie.VrijstellingGeregistreerd.event_type, 1)
def _vrijstelling_geregistreerd_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 → v2: the woongemeente was not in v1; ``None`` (unknown), never a guess."""
    return {**data, "woongemeente": None}


def event_classes() -> list[type[Event]]:
    """All current event classes, sorted by event type."""
    return CATALOGUE.event_classes()


def event_class(event_type: str) -> type[Event]:
    return CATALOGUE.event_class(event_type)


def to_envelope(
    event: Event,
    *,
    subject: str,
    source: str,
    occurred_at: datetime,
    correlation_id: UUID,
    causation_id: UUID | None = None,
    region: str | None = None,
    event_id: UUID | None = None,
    recorded_at: datetime | None = None,
) -> Envelope:
    """Wrap ``event`` for the log. ``subject``: the pseudonym (pupil events), BRIN6 (school events) or
    the cell key (figures); ``region``: the MCxx of the topic, exactly for pupil events."""
    return CATALOGUE.to_envelope(
        event,
        subject=subject,
        source=source,
        occurred_at=occurred_at,
        correlation_id=correlation_id,
        causation_id=causation_id,
        region=region,
        event_id=event_id,
        recorded_at=recorded_at,
    )


def from_envelope(envelope: Envelope) -> Event:
    """Decode (and upcast) the payload of ``envelope`` into its current event model."""
    return CATALOGUE.from_envelope(envelope)


def decode(raw: bytes | str) -> tuple[Envelope, Event]:
    """Parse a record value from the log into its envelope and typed event."""
    try:
        envelope = Envelope.from_json(raw)
    except ValidationError as exc:
        raise InvalidEventPayload(f"not a Leerrecht envelope: {exc}") from exc
    return envelope, from_envelope(envelope)


def expect(envelope: Envelope, cls: type[E]) -> E:
    """Decode and check the class in one step, typed for the caller."""
    event = from_envelope(envelope)
    if not isinstance(event, cls):
        raise UnknownEventType(f"expected {cls.event_type}, got {envelope.type}")
    return event
