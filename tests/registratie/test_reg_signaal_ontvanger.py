"""A local protocol's signal goes to the recipient its rule names (A3.9), also to the region's
Doorstroompunt (A3.5, A6): never silently to leerplicht instead."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import cast

import pytest
from registratie.domain import Ontvanger, ProtocolSignal
from registratie.regels import voorstellen
from registratie.state import Feiten

from contracts.codes import SignaalOntvanger
from contracts.events import registratie as reg


@pytest.mark.parametrize(
    ("ontvanger", "verwacht"),
    [
        (Ontvanger.SCHOOL, SignaalOntvanger.SCHOOL),
        (Ontvanger.LEERPLICHT, SignaalOntvanger.LEERPLICHT),
        (Ontvanger.DOORSTROOMPUNT, SignaalOntvanger.DOORSTROOMPUNT),
    ],
)
def test_a_protocol_signal_goes_to_the_recipient_of_its_rule(ontvanger: Ontvanger, verwacht: object) -> None:
    signaal = ProtocolSignal(
        protocol_id="regio-mc30", protocol_valid_from=date(2025, 8, 1), regel_id="mc30.18plus-3x",
        omschrijving="drie keer ongeoorloofd in vier lesweken", school_id="00AP00", start=date(2025, 9, 1),
        datum=date(2025, 9, 22), aantal=3, hours=Decimal("9"), ontvanger=ontvanger,
    )
    (voorstel,) = voorstellen(cast(Feiten, None), [signaal], date(2025, 9, 22))
    event = voorstel.maak(uuid.uuid4())
    assert isinstance(event, reg.SignaalGegeven)
    assert event.ontvangers == [verwacht]
