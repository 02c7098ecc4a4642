"""``DossierOvergedragen`` schema v2 carries the dossier's history (domain.md A5), so the new office
needs nothing from the old one; v1 transfers on the log are read with the history unknown (``None``).
``DossierToegewezen`` puts the officer's assignment on the log (an account id, never a name)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from contracts.catalogue import CATALOGUE, decode, from_envelope, schema_uri
from contracts.envelope import Envelope, uuid7
from contracts.events.leerplicht import DossierOvergedragen, DossierToegewezen
from contracts.golden import DOSSIER, MELDING, PSEUDONIEM_LEERLING, golden_envelope, golden_event

TYPE = DossierOvergedragen.event_type


def test_v2_round_trips_with_its_history() -> None:
    env = golden_envelope(TYPE)
    assert (env.schema_version, env.dataschema) == (2, schema_uri(TYPE, 2))
    _, event = decode(env.to_json())
    assert event == golden_event(DossierOvergedragen)
    assert isinstance(event, DossierOvergedragen) and event.geschiedenis is not None
    assert [s.type.rsplit(".", 1)[1] for s in event.geschiedenis.tijdlijn] == [
        "melding_geregistreerd", "melding_in_behandeling"
    ]


def test_every_timeline_entry_of_the_golden_transfer_is_a_valid_catalogue_event() -> None:
    """``data`` is held to the named event's own schema: the consumer decodes it through the catalogue."""
    event = golden_event(DossierOvergedragen)
    assert event.geschiedenis is not None
    for stap in event.geschiedenis.tijdlijn:
        cls = CATALOGUE.lookup(stap.type, stap.schema_version)
        cls.from_data(CATALOGUE.upcast(stap.type, stap.schema_version, stap.data))


def test_a_v1_transfer_is_upcast_with_its_history_unknown() -> None:
    assert CATALOGUE.has_upcaster(TYPE, 1)
    data = {"dossier_id": str(DOSSIER), "van_regio": "MC14", "naar_regio": "MC25", "naar_gemeente": "GM0599",
            "open_meldingen": [str(MELDING)], "datum": "2026-01-16"}
    env = Envelope.model_validate({
        "type": TYPE, "source": "urn:nl:leerrecht:leerplicht", "time": datetime(2026, 1, 16, 9, tzinfo=UTC),
        "subject": PSEUDONIEM_LEERLING, "dataschema": schema_uri(TYPE, 1), "schemaversion": 1,
        "correlationid": uuid7(), "region": "MC25", "data": data,
    })
    event = from_envelope(Envelope.from_json(env.to_json()))
    assert isinstance(event, DossierOvergedragen)
    assert event.geschiedenis is None and event.datum == date(2026, 1, 16)
    assert "geschiedenis" not in data, "the upcaster must not mutate its input"


def test_a_timeline_entry_names_a_leerrecht_event_type_and_source() -> None:
    data = golden_envelope(TYPE).data
    stap = data["geschiedenis"]["tijdlijn"][0]
    for veld, fout in [("type", "com.example.iets"), ("bron", "https://example.org/x")]:
        bad = {**data, "geschiedenis": {**data["geschiedenis"], "tijdlijn": [{**stap, veld: fout}]}}
        with pytest.raises(ValidationError):
            DossierOvergedragen.from_data(bad)


@pytest.mark.parametrize("behandelaar", ["Jan de Vries", "a@b.nl", "x" * 65, ""])
def test_the_assignment_names_an_account_id_never_free_text(behandelaar: str) -> None:
    with pytest.raises(ValidationError):
        DossierToegewezen(dossier_id=DOSSIER, behandelaar=behandelaar, datum=date(2025, 10, 29))
