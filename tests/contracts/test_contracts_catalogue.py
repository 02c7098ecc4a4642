"""Catalogue: registry, to_envelope routing rules, from_envelope errors, and the upcasting mechanism."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pytest

from contracts.catalogue import (
    CATALOGUE,
    Catalogue,
    ContractError,
    EnvelopeRuleError,
    InvalidEventPayload,
    UnknownEventType,
    UnsupportedSchemaVersion,
    decode,
    event_class,
    event_classes,
    expect,
    from_envelope,
    schema_uri,
    to_envelope,
)
from contracts.codes import UrenEenheid
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie, telling
from contracts.events.base import Event
from contracts.golden import PSEUDONIEM_LEERLING, golden_envelope, golden_event

NOW = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)


def _env(event: Event, **kw: Any) -> Envelope:
    args: dict[str, Any] = {
        "subject": PSEUDONIEM_LEERLING,
        "source": "urn:nl:leerrecht:registratie",
        "occurred_at": NOW,
        "correlation_id": uuid7(),
        "region": "MC14",
    }
    args.update(kw)
    return to_envelope(event, **args)


def test_registry_contains_every_event_once() -> None:
    classes = event_classes()
    types = [c.event_type for c in classes]
    assert len(types) == len(set(types))
    assert {c.domein for c in classes} == {"registratie", "leerplicht", "rmc", "telling"}
    assert (
        event_class("nl.leerrecht.registratie.afwezigheid_geregistreerd")
        is registratie.AfwezigheidGeregistreerd
    )
    assert CATALOGUE.lookup("nl.leerrecht.telling.cijfer_bijgewerkt", 1) is telling.CijferBijgewerkt


def test_to_envelope_sets_type_version_and_dataschema() -> None:
    event = golden_event(registratie.AfwezigheidGeregistreerd)
    cause = uuid7()
    env = _env(event, causation_id=cause)
    assert env.type == "nl.leerrecht.registratie.afwezigheid_geregistreerd"
    assert env.schema_version == 1
    assert (
        env.dataschema
        == "https://leerrecht.nl/schemas/nl.leerrecht.registratie.afwezigheid_geregistreerd/v1.json"
    )
    assert env.dataschema == schema_uri(env.type, 1)
    assert env.causation_id == cause
    assert env.region == "MC14"
    assert env.time == NOW
    assert from_envelope(Envelope.from_json(env.to_json())) == event


@pytest.mark.parametrize(
    ("event", "kw", "message"),
    [
        (golden_event(registratie.AfwezigheidGeregistreerd), {"region": None}, "region is required"),
        (golden_event(registratie.AfwezigheidGeregistreerd), {"region": "MC1"}, "MC"),
        (golden_event(registratie.AfwezigheidGeregistreerd), {"subject": "123456782"}, "pseudonym"),
        (golden_event(registratie.AfwezigheidGeregistreerd), {"subject": "1" * 20}, "pseudonym"),
        (golden_event(registratie.AfwezigheidGeregistreerd), {"source": ""}, "source"),
        (golden_event(telling.CijferBijgewerkt), {"region": None}, "cell key"),
        (
            golden_event(telling.CijferBijgewerkt),
            {"region": "MC14", "subject": golden_event(telling.CijferBijgewerkt).cel_sleutel()},
            "not regional",
        ),
        (golden_event(registratie.LesurenGepland), {"region": None, "subject": "12AB01"}, "school"),
    ],
)
def test_to_envelope_enforces_routing_rules(event: Event, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(EnvelopeRuleError, match=message):
        _env(event, **kw)


def test_from_envelope_errors_are_clear_and_catchable() -> None:
    env = golden_envelope("nl.leerrecht.registratie.afwezigheid_geregistreerd")
    with pytest.raises(UnknownEventType, match=r"nl\.leerrecht\.registratie\.bestaat_niet"):
        from_envelope(env.model_copy(update={"type": "nl.leerrecht.registratie.bestaat_niet"}))
    with pytest.raises(UnsupportedSchemaVersion, match="upgrade the consumer"):
        from_envelope(env.model_copy(update={"schema_version": 2, "dataschema": None}))
    with pytest.raises(InvalidEventPayload, match="dataschema"):
        from_envelope(env.model_copy(update={"dataschema": "https://example.org/x.json"}))
    with pytest.raises(InvalidEventPayload, match="uren"):
        from_envelope(env.model_copy(update={"data": {**env.data, "uren": 99}}))
    with pytest.raises(ContractError):
        decode(b'{"not": "an envelope"}')
    assert issubclass(UnknownEventType, ContractError)
    assert issubclass(UnsupportedSchemaVersion, ContractError)


def test_decode_and_expect() -> None:
    env = golden_envelope("nl.leerrecht.registratie.afwezigheid_geregistreerd")
    decoded_env, event = decode(env.to_json())
    assert decoded_env == env
    assert isinstance(event, registratie.AfwezigheidGeregistreerd)
    assert expect(env, registratie.AfwezigheidGeregistreerd) == event
    with pytest.raises(UnknownEventType):
        expect(env, registratie.AfwezigheidGecorrigeerd)


def test_to_envelope_rejects_unregistered_classes() -> None:
    with pytest.raises(UnknownEventType):
        Catalogue().to_envelope(
            golden_event(registratie.AfwezigheidGeregistreerd),
            subject=PSEUDONIEM_LEERLING,
            source="urn:test",
            occurred_at=NOW,
            correlation_id=uuid7(),
            region="MC14",
        )


# --- upcasting, with a test-only event and catalogue -----------------------------------------------


class LesurenProef(registratie.RegistratieEvent):
    """Test-only event (domain.md A2): v1 had ``uren`` as an int without unit, v2 a string
    ``uren`` with an ``eenheid``, v3 renamed ``uren`` to ``lesuren`` as a number."""

    event_type: ClassVar[str] = "nl.leerrecht.registratie.lesuren_proef"
    schema_version: ClassVar[int] = 3

    datum: date
    lesuren: float
    eenheid: UrenEenheid


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "uren": str(data["uren"]), "eenheid": "LESUUR"}


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k != "uren"}
    out["lesuren"] = float(data["uren"])
    return out


def _proef_catalogue(with_second_step: bool = True) -> Catalogue:
    catalogue = Catalogue([LesurenProef])
    catalogue.register_upcaster(LesurenProef.event_type, 1)(_v1_to_v2)
    if with_second_step:
        catalogue.register_upcaster(LesurenProef.event_type, 2)(_v2_to_v3)
    return catalogue


def _old_envelope(version: int, data: dict[str, Any]) -> Envelope:
    return Envelope.model_validate(
        {
            "type": LesurenProef.event_type,
            "source": "urn:test",
            "time": NOW,
            "subject": PSEUDONIEM_LEERLING,
            "dataschema": schema_uri(LesurenProef.event_type, version),
            "schemaversion": version,
            "correlationid": uuid7(),
            "data": data,
        }
    )


def test_upcasters_chain_from_old_versions_to_the_current_model() -> None:
    catalogue = _proef_catalogue()
    v1 = {"datum": "2025-10-06", "uren": 3}
    event = catalogue.from_envelope(Envelope.from_json(_old_envelope(1, v1).to_json()))
    assert event == LesurenProef(datum=date(2025, 10, 6), lesuren=3.0, eenheid=UrenEenheid.LESUUR)
    assert v1 == {"datum": "2025-10-06", "uren": 3}, "upcasters must not mutate their input"
    v2 = {"datum": "2025-10-06", "uren": "2.5", "eenheid": "KLOKUUR"}
    assert catalogue.from_envelope(_old_envelope(2, v2)) == LesurenProef(
        datum=date(2025, 10, 6), lesuren=2.5, eenheid=UrenEenheid.KLOKUUR
    )
    v3 = {"datum": "2025-10-06", "lesuren": 1.0, "eenheid": "LESUUR"}
    assert catalogue.from_envelope(_old_envelope(3, v3)).lesuren == 1.0  # type: ignore[attr-defined]


def test_missing_upcaster_is_an_unsupported_version() -> None:
    catalogue = _proef_catalogue(with_second_step=False)
    with pytest.raises(UnsupportedSchemaVersion, match="no upcaster from v2 to v3"):
        catalogue.from_envelope(_old_envelope(1, {"datum": "2025-10-06", "uren": 3}))


def test_upcaster_registration_is_unique() -> None:
    catalogue = _proef_catalogue()
    with pytest.raises(ValueError, match="twice"):
        catalogue.register_upcaster(LesurenProef.event_type, 1)(_v1_to_v2)
    with pytest.raises(ValueError, match="twice"):
        ander = {
            "__doc__": "Copy (domain.md A2).",
            "event_type": LesurenProef.event_type,
            "schema_version": 3,
        }
        catalogue.register(type("Ander", (LesurenProef,), ander))
