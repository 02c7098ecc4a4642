"""``MeldingGeregistreerd`` schema v2 carries the pupil's woongemeente and birth month (A4, A5, C); v1
reports on the log are read through the registered upcaster with both unknown (``None``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts.catalogue import CATALOGUE, decode, from_envelope, schema_uri
from contracts.envelope import Envelope, uuid7
from contracts.events.registratie import MeldingGeregistreerd
from contracts.golden import MELDING, PSEUDONIEM_LEERLING, golden_envelope, golden_event

TYPE = MeldingGeregistreerd.event_type


def test_v2_round_trips_with_woongemeente_and_birth_month() -> None:
    env = golden_envelope(TYPE)
    assert (env.schema_version, env.dataschema) == (2, schema_uri(TYPE, 2))
    assert env.data["woongemeente"] == "GM0363" and env.data["geboortejaar_maand"] == "2011-03"
    _, event = decode(env.to_json())
    assert event == golden_event(MeldingGeregistreerd)


def test_a_v1_report_is_upcast_with_both_unknown() -> None:
    assert CATALOGUE.has_upcaster(TYPE, 1)
    data = {"melding_id": str(MELDING), "soort": "LUXE", "melder": "SCHOOL",
            "school": {"brin": "12AB", "vestiging": "00"}, "startdatum": "2026-02-16", "einddatum": "2026-02-20"}
    env = Envelope.model_validate({
        "type": TYPE, "source": "urn:nl:leerrecht:registratie", "time": datetime(2026, 2, 20, 9, tzinfo=UTC),
        "subject": PSEUDONIEM_LEERLING, "dataschema": schema_uri(TYPE, 1), "schemaversion": 1,
        "correlationid": uuid7(), "region": "MC21", "data": data,
    })
    event = from_envelope(Envelope.from_json(env.to_json()))
    assert isinstance(event, MeldingGeregistreerd)
    assert (event.woongemeente, event.geboortejaar_maand) == (None, None)
    assert event.startdatum == date(2026, 2, 16)
    assert "woongemeente" not in data, "the upcaster must not mutate its input"
