"""``MeldplichtVervallen`` and ``MeldingHerbeoordelingGevraagd`` (issue 12): a lapsed duty and a report
to review are events on the log, not state kept only in registratie's school view (domain.md A2, A4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from contracts.catalogue import decode
from contracts.codes import HerbeoordelingsReden, MeldingSoort, UrenEenheid
from contracts.events.registratie import MeldingHerbeoordelingGevraagd, MeldplichtVervallen
from contracts.golden import MELDING, SCHOOL, golden_envelope, golden_event


@pytest.mark.parametrize("cls", [MeldplichtVervallen, MeldingHerbeoordelingGevraagd])
def test_the_golden_example_round_trips(cls: type) -> None:
    _, event = decode(golden_envelope(cls.event_type).to_json())
    assert event == golden_event(cls)


@pytest.mark.parametrize(("soort", "reden"), [
    (MeldingSoort.LRV, HerbeoordelingsReden.ONDER_DREMPEL),  # LRV is not reviewed on its hours
    (MeldingSoort.LUXE, HerbeoordelingsReden.ONDER_DREMPEL),
    (MeldingSoort.ZESTIEN_UUR, HerbeoordelingsReden.GEEN_LUXE),
])
def test_a_review_reason_fits_the_kind_of_report(soort: MeldingSoort, reden: HerbeoordelingsReden) -> None:
    with pytest.raises(ValidationError):
        MeldingHerbeoordelingGevraagd(melding_id=MELDING, soort=soort, school=SCHOOL, peildatum=date(2025, 11, 3),
                                      uren_nu=Decimal(0), eenheid=UrenEenheid.LESUUR, reden=reden)
