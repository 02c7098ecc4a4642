"""The record value an envelope becomes: ``Envelope.to_json`` writes with pydantic's JSON writer (a third
of the cost of ``orjson.dumps(model_dump(mode="json"))``, every published event passes there). The bytes
on the log must not change with it: consumers, hashes of raw records and dead-letter copies compare them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from contracts.envelope import Envelope

PAYLOADS: list[dict[str, Any]] = [
    {},
    {"uren": 2.5, "n": 3, "groot": 2**53 + 1, "negatief": -7, "nul": 0.0, "min_nul": -0.0},
    {"floats": [0.1, 1e-7, 1e20, 1.7976931348623157e308, 24.0, 1 / 3, 5e-324, 123456789.123456789]},
    {"tekst": "é € 🙂 Zoë ĳ", "controle": "\n\t\r\x01\x1f\x7f", "html": "</script><!--", "lijn": "\u2028\u2029"},
    {"quote": 'a"b\\c/d', "leeg": "", "waar": True, "onwaar": False, "niets": None},
    {"genest": {"a": [1, {"b": None, "c": [True, 2.25]}], "d": {"e": {}}}, "lijst": []},
]


def _oud(env: Envelope) -> bytes:
    """What ``to_json`` wrote before (orjson over pydantic's JSON-mode dump)."""
    return orjson.dumps(env.model_dump(mode="json", by_alias=True, exclude_none=True))


@pytest.mark.parametrize("data", PAYLOADS)
@pytest.mark.parametrize("tz", [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])
def test_to_json_writes_the_same_bytes_as_before(data: dict[str, Any], tz: timezone) -> None:
    moment = datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=tz)
    for extra in ({}, {"causation_id": uuid.uuid4(), "region": "MC28", "subject_sequence": 7,
                       "dataschema": "https://leerrecht.nl/schemas/x/v1.json"}):
        env = Envelope(type="nl.leerrecht.test.x", source="urn:nl:leerrecht:test", time=moment,
                       subject="k1:abcdefghijklmnop", schema_version=1, correlation_id=uuid.uuid4(),
                       recorded_at=moment.replace(microsecond=0), data=data, **extra)
        assert env.to_json() == _oud(env)
        assert Envelope.from_json(env.to_json()) == env
