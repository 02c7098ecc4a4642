"""``VrijstellingGeregistreerd`` schema v2 carries the woongemeente DUO states for the person (C,
Decision: a vrijstelling counts there, enrolled or not); v1 vrijstellingen on the log are read through
the registered upcaster with the woongemeente unknown (``None``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from contracts.catalogue import CATALOGUE, decode, from_envelope, schema_uri
from contracts.compat import breaking_changes
from contracts.envelope import Envelope, uuid7
from contracts.events.registratie import VrijstellingGeregistreerd
from contracts.generate import PACKAGE_DIR
from contracts.golden import PSEUDONIEM_LEERLING, VRIJSTELLING, golden_envelope, golden_event

TYPE = VrijstellingGeregistreerd.event_type


def test_v2_round_trips_with_the_woongemeente() -> None:
    env = golden_envelope(TYPE)
    assert (env.schema_version, env.dataschema) == (2, schema_uri(TYPE, 2))
    assert env.data["woongemeente"] == "GM0363"
    _, event = decode(env.to_json())
    assert event == golden_event(VrijstellingGeregistreerd)


def test_a_v1_vrijstelling_is_upcast_with_the_woongemeente_unknown() -> None:
    assert CATALOGUE.has_upcaster(TYPE, 1)
    data = {"vrijstelling_id": str(VRIJSTELLING), "artikel": "5a", "van": "2025-11-01", "tot_en_met": None}
    env = Envelope.model_validate({
        "type": TYPE, "source": "urn:nl:leerrecht:registratie", "time": datetime(2025, 11, 28, 9, tzinfo=UTC),
        "subject": PSEUDONIEM_LEERLING, "dataschema": schema_uri(TYPE, 1), "schemaversion": 1,
        "correlationid": uuid7(), "region": "MC21", "data": data,
    })
    event = from_envelope(Envelope.from_json(env.to_json()))
    assert isinstance(event, VrijstellingGeregistreerd)
    assert event.woongemeente is None
    assert (event.van, event.tot_en_met) == (date(2025, 11, 1), None)
    assert "woongemeente" not in data, "the upcaster must not mutate its input"


def test_v2_only_adds_an_optional_field_to_the_v1_snapshot() -> None:
    """The compatibility check between the two committed snapshots: nothing removed or narrowed."""
    pad = PACKAGE_DIR / "schemas" / TYPE
    v1, v2 = (json.loads((pad / f"v{n}.json").read_text()) for n in (1, 2))
    assert breaking_changes(v1, v2) == []
    assert "woongemeente" not in v1["properties"] and "woongemeente" in v2["properties"]
    assert "woongemeente" not in v2.get("required", [])
