"""Age limit by date on birth year-month (domain.md A1 Decision; rmc.domain.leeftijd)."""

from __future__ import annotations

import calendar
from datetime import date
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rmc.domain import (
    STANDAARD_LEEFTIJDSGRENZEN,
    Aanmelden,
    DomeinFout,
    binnen_leeftijdsgrens,
    decide,
    leeftijd_op,
    parse_leeftijdsgrenzen,
)

from contracts.codes import RmcAanmeldBron
from contracts.events import rmc

DOSSIER = UUID("01990000-0000-7000-8000-0000000000aa")


def aanmelden(gjm: str, datum: date) -> Aanmelden:
    return Aanmelden(
        dossier_id=DOSSIER,
        bron=RmcAanmeldBron.POTENTIEEL_VSV,
        datum=datum,
        woongemeente="GM0637",
        geboortejaar_maand=gjm,
    )


@pytest.mark.parametrize(
    ("gjm", "peildatum", "leeftijd"),
    [
        ("2003-01", date(2026, 1, 1), 22),  # in the birth month: not yet (youngest possible age)
        ("2003-01", date(2026, 1, 31), 22),
        ("2003-01", date(2026, 2, 1), 23),  # from the 1st of the next month
        ("2003-12", date(2026, 12, 31), 22),
        ("2003-12", date(2027, 1, 1), 23),
        ("2000-06", date(2025, 12, 15), 25),
        ("2010-02", date(2010, 2, 10), 0),  # born this month: 0 (never negative)
    ],
)
def test_age_counts_from_the_month_after_the_birth_month(gjm: str, peildatum: date, leeftijd: int) -> None:
    assert leeftijd_op(gjm, peildatum) == leeftijd


def test_a_date_before_the_birth_month_or_a_bad_month_is_refused() -> None:
    with pytest.raises(ValueError, match="peildatum"):
        leeftijd_op("2010-05", date(2010, 4, 30))
    with pytest.raises(ValueError, match="JJJJ-MM"):
        leeftijd_op("2010-13", date(2026, 1, 1))


@given(
    jaar=st.integers(1950, 2020),
    maand=st.integers(1, 12),
    peildatum=st.dates(date(1950, 1, 1), date(2100, 1, 1)),
)
def test_year_month_age_is_the_youngest_possible_exact_age(jaar: int, maand: int, peildatum: date) -> None:
    """For every real birthday in the month, the exact age is >= the year-month age: rmc never makes anyone
    older than they can be. It equals the age of someone born on the month's last day, except on that
    last day itself (the new age counts from the 1st of the next month: one day later still)."""
    geboorte_eerste = date(jaar, maand, 1)
    if peildatum < geboorte_eerste:
        return
    laatste_dag = calendar.monthrange(jaar, maand)[1]

    def exact(geboren: date) -> int:
        return (
            peildatum.year - geboren.year - ((peildatum.month, peildatum.day) < (geboren.month, geboren.day))
        )

    gjm = f"{jaar:04d}-{maand:02d}"
    ym = leeftijd_op(gjm, peildatum)
    exact_ages = [
        exact(date(jaar, maand, d)) for d in range(1, laatste_dag + 1) if date(jaar, maand, d) <= peildatum
    ]
    assert ym <= min(exact_ages)
    if peildatum >= date(jaar, maand, laatste_dag):
        op_de_laatste_dag = peildatum.month == maand and peildatum.day >= laatste_dag and peildatum.year > jaar
        assert ym == exact(date(jaar, maand, laatste_dag)) - (1 if op_de_laatste_dag else 0)


def test_the_limit_is_23_before_2026_and_27_from_then() -> None:
    assert STANDAARD_LEEFTIJDSGRENZEN.grens_op(date(2025, 12, 31)) == 23
    assert STANDAARD_LEEFTIJDSGRENZEN.grens_op(date(2026, 1, 1)) == 27


def test_a_25_year_old_is_not_taken_in_in_december_2025_but_is_in_january_2026() -> None:
    with pytest.raises(DomeinFout) as fout:
        decide(aanmelden("2000-06", date(2025, 12, 15)), None)
    assert (fout.value.veld, fout.value.regel) == ("geboortejaar_maand", "leeftijdsgrens")
    assert "25 jaar" in fout.value.melding and "tot 23 jaar" in fout.value.melding
    [event] = decide(aanmelden("2000-06", date(2026, 1, 5)), None)
    assert isinstance(event, rmc.JongereAangemeld) and event.datum == date(2026, 1, 5)


@pytest.mark.parametrize(
    ("gjm", "datum", "binnen"),
    [
        # turning 23 around the old limit (before 2026)
        ("2002-11", date(2025, 11, 30), True),  # 22 during the birth month
        ("2002-11", date(2025, 12, 1), False),  # 23 from the next month: limit 23 reached
        ("2002-12", date(2025, 12, 31), True),  # birthday month straddles the change of law
        ("2002-12", date(2026, 1, 1), True),  # 23 under the new limit 27
        # turning 27 around the new limit
        ("1999-01", date(2026, 1, 31), True),
        ("1999-01", date(2026, 2, 1), False),
        ("1999-03", date(2026, 3, 31), True),
        ("1999-03", date(2026, 4, 1), False),
        # 23..26-year-olds are outside in 2025 and inside in 2026
        ("2001-06", date(2025, 12, 31), False),
        ("2001-06", date(2026, 1, 1), True),
    ],
)
def test_birthdays_around_the_limit(gjm: str, datum: date, binnen: bool) -> None:
    assert binnen_leeftijdsgrens(gjm, datum, STANDAARD_LEEFTIJDSGRENZEN) is binnen
    if binnen:
        assert decide(aanmelden(gjm, datum), None)
    else:
        with pytest.raises(DomeinFout, match="leeftijdsgrens"):
            decide(aanmelden(gjm, datum), None)


def test_the_limit_is_configuration_with_dates_of_effect() -> None:
    tabel = parse_leeftijdsgrenzen("2026-01-01=27, 0001-01-01=23, 2030-08-01=30")
    assert [tabel.grens_op(d) for d in (date(2020, 1, 1), date(2026, 1, 1), date(2030, 8, 1))] == [23, 27, 30]
    assert tabel == parse_leeftijdsgrenzen("0001-01-01=23,2026-01-01=27,2030-08-01=30")
    with pytest.raises(ValueError, match="geen Doorstroompunt-leeftijdsgrens"):
        parse_leeftijdsgrenzen("2026-01-01=27").grens_op(date(2025, 12, 31))
    with pytest.raises(ValueError, match="JJJJ-MM-DD=leeftijd"):
        parse_leeftijdsgrenzen("2026-01-01:27")
    with pytest.raises(ValueError, match="leeg"):
        parse_leeftijdsgrenzen("")
