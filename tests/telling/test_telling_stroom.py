"""The count stream's records (telling.stream.Berichten): built with ``positie`` checked once per round,
they must be exactly the records :func:`cijfer_event` and :func:`to_envelope` build per cell, and the
contract's checks must still refuse what they refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from telling.domain.disclosure import Gepubliceerd
from telling.stream import Berichten
from telling.tabellen import cel_sleutel, cijfer_event

from contracts.catalogue import decode, to_envelope
from contracts.envelope import utcnow, uuid7
from contracts.events.telling import CijferBijgewerkt

POS = {f"t.leerrecht.regio.MC{i:02d}.events:{p}": 1000 * i + p for i in range(1, 41) for p in range(3)}
CELLEN = [
    ("thuiszitters", "2025-2026", "NL", "", Gepubliceerd(120, False)),
    ("thuiszitters", "2025-2026", "MC21", "", Gepubliceerd(None, True)),
    ("thuiszitters", "2025-2026", "GM0363", "", Gepubliceerd(0, False)),
    ("thuiszitters", "2025-2026", "NL", "schooltype:vo", Gepubliceerd(40, False)),
    ("thuiszitters", "2025-2026", "MC21", "leeftijd:12-15", Gepubliceerd(None, True)),
    ("relatief_verzuim", "2025-2026", "MC29", "", Gepubliceerd(10, False)),
]


def _zonder_ids(raw: bytes) -> dict[str, object]:
    """The record without what differs in every build (its id, times and correlation id)."""
    doc = json.loads(raw)
    for k in ("id", "time", "recordedtime", "correlationid"):
        doc.pop(k)
    return doc


def test_records_equal_those_built_cell_by_cell() -> None:
    berichten = Berichten("t.telling.cijfers", POS)
    for indicator, periode, gebied, uitsplitsing, shown in CELLEN:
        sleutel = cel_sleutel(indicator, periode, gebied, uitsplitsing)
        snel = berichten.maak(sleutel, indicator, periode, gebied, shown, uitsplitsing)
        ev = cijfer_event(indicator, periode, gebied, shown, POS, uitsplitsing)
        env = to_envelope(ev, subject=sleutel, source="urn:nl:leerrecht:telling", occurred_at=utcnow(),
                          correlation_id=uuid7())
        assert snel.topic == "t.telling.cijfers" and snel.key_bytes() == sleutel.encode()
        assert _zonder_ids(snel.envelope.to_json()) == _zonder_ids(env.to_json())
        _, terug = decode(snel.envelope.to_json())  # what an analyst's consumer reads
        assert isinstance(terug, CijferBijgewerkt) and terug == ev and terug.positie == POS


def test_every_record_is_still_checked_by_the_contract() -> None:
    berichten = Berichten("t.telling.cijfers", POS)
    sleutel = cel_sleutel("thuiszitters", "2025-2026", "NL")
    berichten.maak(sleutel, "thuiszitters", "2025-2026", "NL", Gepubliceerd(120, False), "")
    # a later record of the round (built with the stand-in positie) is refused as before
    with pytest.raises(ValidationError, match="1-9 must be suppressed"):
        berichten.maak(sleutel, "thuiszitters", "2025-2026", "NL", Gepubliceerd(5, False), "")
    with pytest.raises(ValidationError, match="exactly when onderdrukt"):
        berichten.maak(sleutel, "thuiszitters", "2025-2026", "NL", Gepubliceerd(None, False), "")


def test_the_rounds_positie_is_checked_once_as_the_contract_checks_it() -> None:
    fout = {**POS, "geen topic partitie": 3}
    berichten = Berichten("t.telling.cijfers", fout)
    with pytest.raises(ValidationError, match="positie entries"):
        berichten.maak(cel_sleutel("thuiszitters", "2025-2026", "NL"), "thuiszitters", "2025-2026", "NL",
                       Gepubliceerd(120, False), "")

