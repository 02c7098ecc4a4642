"""Recoding an absence (domain.md A2): the decided ``AfwezigheidGecorrigeerd`` is schema v2 and carries
the absence's ``datum`` and the hours in force before it (``oude_uren``), so that telling can move
hours between its geoorloofd/ongeoorloofd sums without keeping every absence (domain.md C)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from registratie.domain.intake import Afgewezen, AfwezigheidStand, afwezigheid_hercoderen

from contracts.catalogue import from_envelope, to_envelope
from contracts.codes import AfwezigheidCode
from contracts.envelope import uuid7
from contracts.events.registratie import AfwezigheidGecorrigeerd

PSEUDONIEM = "ab" * 32
AFWEZIGHEID = UUID("0199aaaa-0000-7000-8000-000000000001")
NU = datetime(2026, 11, 27, 9, tzinfo=UTC)


def _stand(code: AfwezigheidCode = AfwezigheidCode.ONBEKEND, uren: str = "3") -> AfwezigheidStand:
    return AfwezigheidStand(AFWEZIGHEID, PSEUDONIEM, "MC28", "00AP00", date(2026, 11, 26), code, Decimal(uren))


def _enig(stand: AfwezigheidStand, code: AfwezigheidCode, uren: Decimal | None = None) -> AfwezigheidGecorrigeerd:
    besluit = afwezigheid_hercoderen(stand, school="00AP00", nieuwe_code=code, nieuwe_uren=uren)
    assert (besluit.pseudoniem, besluit.regio) == (PSEUDONIEM, "MC28")
    [event] = besluit.events
    assert isinstance(event, AfwezigheidGecorrigeerd)
    return event


def test_a_recoding_carries_the_date_and_the_hours_before_it() -> None:
    event = _enig(_stand(), AfwezigheidCode.ZIEK)
    assert (event.datum, event.oude_code, event.nieuwe_code) == (
        date(2026, 11, 26), AfwezigheidCode.ONBEKEND, AfwezigheidCode.ZIEK)
    assert (event.oude_uren, event.nieuwe_uren) == (Decimal("3"), None)
    env = to_envelope(event, subject=PSEUDONIEM, source="urn:nl:leerrecht:registratie",
                      occurred_at=NU, correlation_id=uuid7(), region="MC28")
    assert env.schema_version == 2
    assert env.dataschema is not None and env.dataschema.endswith("/v2.json")
    assert env.data["datum"] == "2026-11-26" and env.data["oude_uren"] == 3
    assert from_envelope(env) == event


def test_oude_uren_are_the_hours_in_force_after_an_earlier_recoding() -> None:
    """A state folded over an earlier correction of the hours (2.5 h) gives 2.5 as oude_uren, not the
    hours first registered: telling subtracts what it added last."""
    event = _enig(_stand(AfwezigheidCode.ONGEOORLOOFD, "2.5"), AfwezigheidCode.ZIEK, Decimal("4"))
    assert (event.oude_uren, event.nieuwe_uren) == (Decimal("2.5"), Decimal("4"))


def test_unchanged_hours_are_not_repeated_as_nieuwe_uren() -> None:
    event = _enig(_stand(), AfwezigheidCode.ZIEK, Decimal("3.00"))
    assert event.oude_uren == Decimal("3") and event.nieuwe_uren is None


def test_a_recoding_that_changes_nothing_is_refused_in_dutch() -> None:
    with pytest.raises(Afgewezen) as fout:
        afwezigheid_hercoderen(_stand(), school="00AP00", nieuwe_code=AfwezigheidCode.ONBEKEND,
                               nieuwe_uren=Decimal("3"))
    assert fout.value.regel == "iets_gewijzigd"
    assert fout.value.melding == "De hercodering wijzigt de code noch de uren."
