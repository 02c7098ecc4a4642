"""The one age convention (domain.md A1, Decision): full dates on the birthday, year-month with the
doubt inside the birth month on the side the rule names. Boundaries: the last day of the month
before the birth month, the first and last day of the birth month, the first day after it."""

from __future__ import annotations

from datetime import date

import pytest
from registratie.domain.model import PupilFacts
from registratie.domain.plicht import in_doorstroompunt_doelgroep
from rmc.domain.leeftijd import binnen_leeftijdsgrens

from leerrecht.leeftijd import Twijfel, geboortejaar_maand, leeftijd_op, verjaardag
from leerrecht.leeftijdsgrens import STANDAARD_LEEFTIJDSGRENS


@pytest.mark.parametrize(
    ("peildatum", "jongst", "oudst"),
    [
        (date(2026, 4, 30), 11, 11),  # last day of the month before: certainly not yet 12
        (date(2026, 5, 1), 11, 12),  # first day of the birth month: in doubt
        (date(2026, 5, 31), 11, 12),  # last day of the birth month: in doubt
        (date(2026, 6, 1), 12, 12),  # first day after: certainly 12
    ],
)
def test_year_month_boundaries_on_both_sides(peildatum: date, jongst: int, oudst: int) -> None:
    assert leeftijd_op("2014-05", peildatum, Twijfel.JONGST) == jongst
    assert leeftijd_op("2014-05", peildatum, Twijfel.OUDST) == oudst


@pytest.mark.parametrize(
    ("peildatum", "jongst", "oudst"),
    [
        (date(2026, 11, 30), 11, 11),
        (date(2026, 12, 1), 11, 12),
        (date(2026, 12, 31), 11, 12),
        (date(2027, 1, 1), 12, 12),  # the month after December is next year's January
    ],
)
def test_december_birth_month_crosses_the_year(peildatum: date, jongst: int, oudst: int) -> None:
    assert leeftijd_op("2014-12", peildatum, Twijfel.JONGST) == jongst
    assert leeftijd_op("2014-12", peildatum, Twijfel.OUDST) == oudst


def test_full_date_reaches_the_age_on_the_birthday() -> None:
    geboren = date(2014, 5, 17)
    assert leeftijd_op(geboren, date(2026, 5, 16)) == 11
    assert leeftijd_op(geboren, date(2026, 5, 17)) == 12
    assert leeftijd_op(geboren, date(2026, 5, 17), Twijfel.OUDST) == 12  # the side is irrelevant
    assert leeftijd_op(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert leeftijd_op(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert verjaardag(date(2008, 2, 29), 18) == date(2026, 3, 1)


def test_full_date_always_lies_between_the_two_year_month_sides() -> None:
    for dag in range(1, 32):
        geboren = date(2014, 5, dag)
        gjm = geboortejaar_maand(geboren)
        for peil in (date(2026, 4, 30), date(2026, 5, 1), date(2026, 5, 15), date(2026, 5, 31), date(2026, 6, 1)):
            exact = leeftijd_op(geboren, peil)
            assert leeftijd_op(gjm, peil, Twijfel.JONGST) <= exact <= leeftijd_op(gjm, peil, Twijfel.OUDST)


def test_year_month_needs_the_side_and_a_valid_value() -> None:
    with pytest.raises(ValueError, match="twijfelkant"):
        leeftijd_op("2014-05", date(2026, 5, 1))
    with pytest.raises(ValueError, match="JJJJ-MM"):
        leeftijd_op("2014-13", date(2026, 5, 1), Twijfel.JONGST)
    with pytest.raises(ValueError, match="geboortemaand"):
        leeftijd_op("2014-05", date(2014, 4, 30), Twijfel.OUDST)
    assert leeftijd_op("2014-05", date(2014, 5, 1), Twijfel.OUDST) == 0
    assert leeftijd_op("2014-05", date(2014, 5, 31), Twijfel.JONGST) == 0


@pytest.mark.parametrize(
    ("peildatum", "binnen"),
    [
        (date(2025, 12, 31), False),  # limit 23 before 2026: a 26-year-old is outside…
        (date(2026, 1, 1), True),  # …limit 27 from 2026; first day of the birth month: in doubt, included
        (date(2026, 1, 15), True),
        (date(2026, 1, 31), True),  # last day of the birth month: still included (protective)
        (date(2026, 2, 1), False),  # certainly 27
    ],
)
def test_registratie_and_rmc_agree_on_the_doorstroompunt_group(peildatum: date, binnen: bool) -> None:
    """Issue 12.6: for the same person born 1999-01, registratie dropped them from the target group
    on their birthday (15 January 2026) and rmc on 1 February. Both now decide on the year-month,
    the doubt on the side of help, so they leave on the same day."""
    geboren = date(1999, 1, 15)
    pupil = PupilFacts(pseudonym="p", geboortedatum=geboren)
    assert in_doorstroompunt_doelgroep(pupil, peildatum) is binnen
    assert binnen_leeftijdsgrens("1999-01", peildatum, STANDAARD_LEEFTIJDSGRENS) is binnen
    assert STANDAARD_LEEFTIJDSGRENS.binnen(geboren, peildatum) is binnen
