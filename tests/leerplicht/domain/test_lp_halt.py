"""Halt eligibility advice (domain.md A5): 12 to 17 at the time of the verzuim, first referral, at most 60
hours missed and at most 60 times late."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from leerplicht.domain import halt_advies
from leerplicht.domain.halt import zeker_leeftijd
from lp_helpers import afw, leerling, nieuw_dossier

from contracts.codes import AfwezigheidCode, HaltAdvies

PEIL = date(2026, 4, 7)


def test_eligible_pupil() -> None:
    b = halt_advies(nieuw_dossier(), leerling("2013-02", [afw(date(2026, 3, 9), "10")]), PEIL)
    assert b.advies is HaltAdvies.GESCHIKT and b.geschikt
    assert b.redenen == () and b.eerste_verwijzing
    assert b.uren_verzuim == 10


@pytest.mark.parametrize(
    ("gjm", "peil", "leeftijd"),
    [
        ("2014-05", date(2026, 4, 30), 11),
        ("2014-05", date(2026, 5, 1), 11),  # in the birth month: not certain
        ("2014-05", date(2026, 5, 31), 11),
        ("2014-05", date(2026, 6, 1), 12),
        ("2014-12", date(2027, 1, 1), 12),
        ("2014-01", date(2026, 12, 31), 12),
    ],
)
def test_age_is_the_age_certainly_reached(gjm: str, peil: date, leeftijd: int) -> None:
    assert zeker_leeftijd(gjm, peil) == leeftijd


def test_under_12_or_uncertain_or_unknown_is_not_eligible() -> None:
    d = nieuw_dossier()
    assert halt_advies(d, leerling("2014-05"), date(2026, 5, 15)).advies is HaltAdvies.NIET_GESCHIKT
    assert halt_advies(d, leerling("2014-05"), date(2026, 6, 1)).advies is HaltAdvies.GESCHIKT
    unknown = halt_advies(d, leerling(None), PEIL)
    assert unknown.advies is HaltAdvies.NIET_GESCHIKT and "leeftijd onbekend" in unknown.redenen[0]


def test_only_ongeoorloofd_codes_count_as_hours_missed() -> None:
    d = nieuw_dossier()
    history = [
        afw(date(2026, 3, 9), "100", AfwezigheidCode.ZIEK),
        afw(date(2026, 3, 10), "30", AfwezigheidCode.VERLOF_GEWICHTIG),
        afw(date(2026, 3, 11), "20", AfwezigheidCode.ONBEKEND),
        afw(date(2026, 3, 12), "20", AfwezigheidCode.LUXE),
        afw(date(2026, 3, 13), "19", AfwezigheidCode.ONGEOORLOOFD),
        afw(date(2026, 3, 16), "0.5", AfwezigheidCode.TE_LAAT),  # minutes missed count (A2)
    ]
    b = halt_advies(d, leerling(afwezigheden=history), PEIL)
    assert b.uren_verzuim == pytest.approx(59.5) and b.geschikt and b.keer_te_laat == 1


def test_only_absence_within_the_case_period_counts() -> None:
    """From the start of the reported verzuim (earliest report start) up to the peildatum."""
    d = nieuw_dossier()  # report period starts 2026-03-02
    history = [afw(date(2026, 2, 27), "50"), afw(date(2026, 3, 2), "5"), afw(date(2026, 4, 8), "50")]
    b = halt_advies(d, leerling(afwezigheden=history), PEIL)
    assert b.uren_verzuim == 5 and b.geschikt


def test_an_earlier_referral_makes_it_not_eligible() -> None:
    b = halt_advies(nieuw_dossier(), leerling(eerdere=1), PEIL)
    assert not b.geschikt and not b.eerste_verwijzing
    assert any("eerder naar Halt" in r for r in b.redenen)


def test_all_reasons_are_listed() -> None:
    history = [afw(date(2026, 3, 9), "1", AfwezigheidCode.TE_LAAT)] * 61
    b = halt_advies(nieuw_dossier(), leerling("2016-01", history, eerdere=2), PEIL)
    assert len(b.redenen) == 4


# ---- issue 12.5: Halt is for minors; only MORE than 60 hours / times late goes to the OM ----------


@pytest.mark.parametrize("gjm", ["2007-01", "1999-06"])  # 18 and 26 at the time of the verzuim
def test_an_adult_is_not_eligible(gjm: str) -> None:
    b = halt_advies(nieuw_dossier(), leerling(gjm), PEIL)
    assert b.advies is HaltAdvies.NIET_GESCHIKT
    assert any("18 jaar" in r for r in b.redenen)


@pytest.mark.parametrize(
    ("gjm", "geschikt"),
    [
        ("2008-04", True),  # verzuim since 2026-03-02: 17, the 18th birthday month is not yet begun
        ("2008-03", False),  # 18th birthday month is that of the verzuim's start: maybe 18 already
        ("2008-02", False),  # certainly 18
    ],
)
def test_upper_age_is_certainly_under_18_at_the_start_of_the_verzuim(gjm: str, geschikt: bool) -> None:
    assert halt_advies(nieuw_dossier(), leerling(gjm), PEIL).geschikt is geschikt


def test_exactly_60_hours_or_60_times_late_is_still_eligible() -> None:
    d = nieuw_dossier()
    zestig = [afw(date(2026, 3, 9), "59.5"), afw(date(2026, 3, 10), "0.5")]
    assert halt_advies(d, leerling(afwezigheden=zestig), PEIL).geschikt
    meer = halt_advies(d, leerling(afwezigheden=[*zestig, afw(date(2026, 3, 11), "0.1")]), PEIL)
    assert not meer.geschikt and meer.uren_verzuim == Decimal("60.1") and "60.1 uur" in meer.redenen[0]
    lates = [afw(date(2026, 3, 9), "0.1", AfwezigheidCode.TE_LAAT)] * 60
    assert halt_advies(d, leerling(afwezigheden=lates), PEIL).geschikt
    b = halt_advies(d, leerling(afwezigheden=[*lates, lates[0]]), PEIL)
    assert not b.geschikt and b.keer_te_laat == 61 and "61 keer te laat" in b.redenen[0]
