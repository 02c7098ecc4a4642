"""``AfwezigheidGecorrigeerd`` schema v2 (domain.md A2: a recoding is an event of its own): it carries the
absence's ``datum`` and ``oude_uren``; v1 events on the log are read through the registered upcaster,
with both fields ``None`` (unknown), never guessed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.catalogue import CATALOGUE, InvalidEventPayload, decode, from_envelope, schema_uri
from contracts.codes import AfwezigheidCode
from contracts.envelope import Envelope, uuid7
from contracts.events.registratie import AfwezigheidGecorrigeerd
from contracts.golden import AFWEZIGHEID, PSEUDONIEM_LEERLING, golden_envelope, golden_event

TYPE = AfwezigheidGecorrigeerd.event_type


def _v1(data: dict[str, Any]) -> Envelope:
    return Envelope.model_validate({
        "type": TYPE, "source": "urn:nl:leerrecht:registratie", "time": datetime(2025, 10, 7, 9, tzinfo=UTC),
        "subject": PSEUDONIEM_LEERLING, "dataschema": schema_uri(TYPE, 1), "schemaversion": 1,
        "correlationid": uuid7(), "region": "MC14", "data": data,
    })


def test_v2_round_trips_with_datum_and_oude_uren() -> None:
    env = golden_envelope(TYPE)
    assert (env.schema_version, env.dataschema) == (2, schema_uri(TYPE, 2))
    assert env.data["datum"] == "2025-10-06" and env.data["oude_uren"] == 5
    _, event = decode(env.to_json())
    assert event == golden_event(AfwezigheidGecorrigeerd)
    assert isinstance(event, AfwezigheidGecorrigeerd)
    assert (event.datum, event.oude_uren) == (date(2025, 10, 6), Decimal(5))


def test_a_v1_correction_is_upcast_with_unknown_datum_and_oude_uren() -> None:
    assert CATALOGUE.has_upcaster(TYPE, 1)
    data = {"afwezigheid_id": str(AFWEZIGHEID), "oude_code": "ONBEKEND", "nieuwe_code": "ZIEK", "nieuwe_uren": 2.5}
    event = from_envelope(Envelope.from_json(_v1(data).to_json()))
    assert event == AfwezigheidGecorrigeerd(
        afwezigheid_id=AFWEZIGHEID, datum=None, oude_code=AfwezigheidCode.ONBEKEND,
        nieuwe_code=AfwezigheidCode.ZIEK, oude_uren=None, nieuwe_uren=Decimal("2.5"))
    assert "datum" not in data, "the upcaster must not mutate its input"
    zonder_uren = {k: v for k, v in data.items() if k != "nieuwe_uren"}
    assert from_envelope(_v1(zonder_uren)).nieuwe_uren is None  # type: ignore[attr-defined]


def test_v1_rules_still_hold_after_the_upcast() -> None:
    with pytest.raises(InvalidEventPayload, match="change the code or the hours"):
        from_envelope(_v1({"afwezigheid_id": str(AFWEZIGHEID), "oude_code": "ZIEK", "nieuwe_code": "ZIEK"}))


@pytest.mark.parametrize(("changes", "message"), [
    ({"datum": None}, "known together"),
    ({"oude_uren": None}, "known together"),
    ({"nieuwe_code": "ONBEKEND"}, "change the code or the hours"),
    ({"nieuwe_code": "ONBEKEND", "nieuwe_uren": 5}, "change the code or the hours"),  # = oude_uren
    ({"oude_uren": 0}, "greater than 0"),
])
def test_v2_payload_rules(changes: dict[str, Any], message: str) -> None:
    data = {**golden_envelope(TYPE).data, **changes}
    with pytest.raises(ValidationError, match=message):
        AfwezigheidGecorrigeerd.from_data(data)


def test_v2_requires_the_keys_and_allows_a_correction_of_hours_only() -> None:
    data = golden_envelope(TYPE).data
    for veld in ("datum", "oude_uren"):
        with pytest.raises(ValidationError, match=veld):
            AfwezigheidGecorrigeerd.from_data({k: v for k, v in data.items() if k != veld})
    alleen_uren = AfwezigheidGecorrigeerd.from_data({**data, "nieuwe_code": "ONBEKEND", "nieuwe_uren": 3})
    assert (alleen_uren.oude_uren, alleen_uren.nieuwe_uren) == (Decimal(5), Decimal(3))
