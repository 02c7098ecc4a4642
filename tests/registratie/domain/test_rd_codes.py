"""The domain speaks the contract's vocabulary; the calendar's region spelling is converted in one place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from registratie.domain import (
    GEOORLOOFD_CODES,
    ONGEOORLOOFD_CODES,
    Absence,
    Enrolment,
    Recoding,
    contractregio,
    is_vrijstelling,
    kalenderregio,
)
from registratie.domain.hercodering import apply_recodings
from registratie.domain.plicht import PlichtStatus

from contracts.codes import AfwezigheidCode, SchoolType, UrenEenheid, Vakantieregio, Vrijstellingsartikel
from leerrecht.kalender import Vakantieregio as KalenderRegio


def test_counting_codes_follow_the_contract() -> None:
    assert {c.value for c in ONGEOORLOOFD_CODES} == {"ONGEOORLOOFD", "TE_LAAT", "LUXE", "ONBEKEND"}
    assert frozenset(AfwezigheidCode) == ONGEOORLOOFD_CODES | GEOORLOOFD_CODES
    assert all(c.telt_voor_meldplicht for c in ONGEOORLOOFD_CODES)


def test_region_boundary_round_trips_and_enrolment_uses_it() -> None:
    for r in Vakantieregio:
        assert contractregio(kalenderregio(r)) is r
    assert kalenderregio(Vakantieregio.NOORD) is KalenderRegio.NOORD
    e = Enrolment("00AP00", SchoolType.PO, Vakantieregio.ZUID, date(2025, 8, 1))
    assert e.kalenderregio is KalenderRegio.ZUID and e.eenheid is UrenEenheid.KLOKUUR
    with pytest.raises(ValueError):
        Enrolment("00AP00", SchoolType.PO, "zuid", date(2025, 8, 1))  # type: ignore[arg-type]


def test_only_real_exemptions_withdraw() -> None:
    assert {a.value for a in Vrijstellingsartikel if is_vrijstelling(a)} == {"5a", "5b", "5c", "15"}


def test_plicht_status_maps_to_the_contract_obligation() -> None:
    assert PlichtStatus.LEERPLICHTIG.plicht is not None and PlichtStatus.LEERPLICHTIG.plicht.value == "LEERPLICHT"
    assert PlichtStatus.GEEN.plicht is None and PlichtStatus.NOG_NIET.plicht is None


def test_a_recoding_can_correct_the_hours_too() -> None:
    a = Absence("a1", date(2026, 3, 2), 4, AfwezigheidCode.ONBEKEND)
    [r] = apply_recodings([a], [Recoding("a1", AfwezigheidCode.TE_LAAT, date(2026, 3, 3), Decimal("0.25"))],
                          date(2026, 3, 3))
    assert (r.code, r.hours, r.recoded_on) == (AfwezigheidCode.TE_LAAT, Decimal("0.25"), date(2026, 3, 3))
    [kept] = apply_recodings([a], [Recoding("a1", AfwezigheidCode.ZIEK, date(2026, 3, 3))], date(2026, 3, 3))
    assert kept.hours == 4
