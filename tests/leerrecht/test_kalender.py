"""Tests for leerrecht.kalender: lesweken, feestdagen (Atw), working days, region table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leerrecht.kalender import (
    BuitenKalenderbereik,
    GemeenteRegio,
    OnbekendeGemeente,
    RegionTable,
    RegionTableVersion,
    SchoolKalender,
    SchoolVakantie,
    Vakantieregio,
    add_working_days,
    feestdagen,
    is_feestdag,
    is_lesweek,
    is_werkdag,
    lesweken,
    load_region_table,
    load_schoolvakanties,
    pasen,
    rmc_regio_for,
    standaard_kalender,
    vakantieregio_for,
    week_start,
    working_days_between,
)

D = date

# ---------------------------------------------------------------------------------------------
# shipped data
# ---------------------------------------------------------------------------------------------


def test_schoolvakanties_data_shape() -> None:
    vakanties = load_schoolvakanties()
    assert len(vakanties) == 120
    for v in vakanties:
        assert v.begin.weekday() == 5, v  # Saturday
        assert v.eind.weekday() == 6, v  # Sunday
        lengte = (v.eind - v.begin).days + 1
        assert lengte == {"Kerstvakantie": 16, "Zomervakantie": 44}.get(v.naam, 9), v


def test_region_table_shape() -> None:
    versie = load_region_table().version_on()
    assert versie.peiljaar == 2026
    assert len(versie.gemeenten) == 342
    assert len({g.rmc_regiocode for g in versie.gemeenten.values()}) == 40
    assert sum(g.vakantieregio_gesplitst for g in versie.gemeenten.values()) == 4


# ---------------------------------------------------------------------------------------------
# lesweken
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("monday", "regio", "expected"),
    [
        # herfstvakantie 2025 noord/midden: Sat 18 Oct – Sun 26 Oct → only the week of 20 Oct
        (D(2025, 10, 13), "noord", True),
        (D(2025, 10, 20), "noord", False),
        (D(2025, 10, 27), "noord", True),
        # zuid had its herfstvakantie a week earlier (11–19 Oct)
        (D(2025, 10, 13), "zuid", False),
        (D(2025, 10, 20), "zuid", True),
        # kerstvakantie 20 Dec 2025 – 4 Jan 2026: two holiday weeks, all regions
        (D(2025, 12, 15), "midden", True),
        (D(2025, 12, 22), "midden", False),
        (D(2025, 12, 29), "midden", False),
        (D(2026, 1, 5), "midden", True),
        # voorjaarsvakantie 2026: midden 14–22 Feb, noord 21 Feb – 1 Mar
        (D(2026, 2, 16), "midden", False),
        (D(2026, 2, 16), "noord", True),
        (D(2026, 2, 23), "noord", False),
        # meivakantie 25 Apr – 3 May 2026 (contains Koningsdag and 5 May? 5 May is after it)
        (D(2026, 4, 27), "zuid", False),
        # the week of Hemelvaart is a lesweek: a feestdag is not a school holiday
        (D(2026, 5, 11), "midden", True),
    ],
)
def test_is_lesweek(monday: date, regio: str, expected: bool) -> None:
    assert is_lesweek(monday, regio) is expected
    assert is_lesweek(monday, Vakantieregio(regio)) is expected


def test_zomervakantie_noord_2026_is_six_holiday_weeks() -> None:
    weeks = [D(2026, 7, 6) + timedelta(weeks=i) for i in range(6)]
    assert not any(is_lesweek(w, "noord") for w in weeks)
    assert is_lesweek(D(2026, 6, 29), "noord")  # Sat 4 Jul starts the holiday: week of 29 Jun is a lesweek
    assert is_lesweek(D(2026, 8, 17), "noord")  # holiday ends Sun 16 Aug


def test_saturday_to_sunday_nine_days_makes_exactly_one_holiday_week() -> None:
    """The documented rule: a 9-day Sat–Sun holiday covers one week's Mon–Fri, not the weekends'."""
    k = standaard_kalender()
    v = next(
        v
        for v in load_schoolvakanties()
        if v.naam == "Herfstvakantie" and v.regio is Vakantieregio.NOORD and v.schooljaar == "2025-2026"
    )
    # Sat 18 Oct lies in the ISO week of 13 Oct, Sun 26 Oct in the week of 20 Oct
    affected = sorted({week_start(v.begin + timedelta(days=i)) for i in range(9)})
    assert affected == [D(2025, 10, 13), D(2025, 10, 20)]
    assert [k.is_lesweek(w, "noord") for w in affected] == [True, False]
    assert k.is_lesweek(D(2025, 10, 27), "noord")


def _kalender(*vakanties: tuple[date, date]) -> SchoolKalender:
    extra = [
        SchoolVakantie("x", "bereik", Vakantieregio.MIDDEN, D(2030, 1, 5), D(2030, 1, 6)),
        SchoolVakantie("x", "bereik", Vakantieregio.MIDDEN, D(2030, 12, 28), D(2030, 12, 29)),
    ]
    return SchoolKalender(
        tuple(extra + [SchoolVakantie("x", "eigen", Vakantieregio.MIDDEN, b, e) for b, e in vakanties])
    )


def test_partly_covered_week_stays_a_lesweek() -> None:
    k = _kalender((D(2030, 3, 6), D(2030, 3, 10)))  # Wed–Sun
    assert k.is_lesweek(D(2030, 3, 4), "midden")
    assert k.is_schooldag(D(2030, 3, 5), "midden")
    assert not k.is_schooldag(D(2030, 3, 6), "midden")


def test_mon_to_fri_holiday_without_weekend_is_a_holiday_week() -> None:
    k = _kalender((D(2030, 3, 4), D(2030, 3, 8)))
    assert not k.is_lesweek(D(2030, 3, 4), "midden")


def test_is_lesweek_requires_monday() -> None:
    with pytest.raises(ValueError, match="geen maandag"):
        is_lesweek(D(2025, 10, 14), "noord")


@pytest.mark.parametrize("monday", [D(2020, 10, 5), D(2019, 3, 4), D(2028, 9, 4), D(2030, 1, 7)])
def test_outside_data_raises(monday: date) -> None:
    with pytest.raises(BuitenKalenderbereik, match="buiten de bekende schoolvakanties"):
        is_lesweek(monday, "noord")


def test_lesweken_iteration_skips_holidays() -> None:
    assert list(lesweken("noord", D(2025, 10, 13), D(2025, 11, 2))) == [D(2025, 10, 13), D(2025, 10, 27)]
    # a range starting on a Saturday does not include that week
    assert list(lesweken("noord", D(2025, 10, 11), D(2025, 10, 17))) == [D(2025, 10, 13)]


def test_window_of_four_lesweken_spans_a_holiday() -> None:
    k = standaard_kalender()
    # 4 lesweken ending in the week of 3 Nov 2025 (noord): 3 Nov, 27 Oct, (20 Oct holiday), 13 Oct, 6 Oct
    assert k.venster_begin(D(2025, 11, 5), 4, "noord") == D(2025, 10, 6)
    # zuid: 3 Nov, 27 Oct, 20 Oct, (13 Oct holiday), 6 Oct
    assert k.venster_begin(D(2025, 11, 5), 4, "zuid") == D(2025, 10, 6)
    assert k.venster_begin(D(2025, 12, 10), 4, "noord") == D(2025, 11, 17)  # no holiday: 4 calendar weeks
    assert k.schuif_lesweken(D(2025, 10, 13), 1, "noord") == D(2025, 10, 27)
    assert k.schuif_lesweken(D(2025, 10, 27), -1, "noord") == D(2025, 10, 13)
    assert k.lesweek_index(D(2025, 10, 27), "noord") - k.lesweek_index(D(2025, 10, 13), "noord") == 1


def test_schooldagen_exclude_feestdagen_and_holidays() -> None:
    k = standaard_kalender()
    # week of Hemelvaart 2026 (Thu 14 May): 4 school days
    assert list(k.schooldagen("midden", D(2026, 5, 11), D(2026, 5, 17))) == [
        D(2026, 5, 11),
        D(2026, 5, 12),
        D(2026, 5, 13),
        D(2026, 5, 15),
    ]
    assert k.add_schooldagen(D(2026, 5, 13), 2, "midden") == D(2026, 5, 18)
    assert k.add_schooldagen(D(2026, 2, 13), 1, "midden") == D(2026, 2, 23)  # over voorjaarsvakantie


@given(st.dates(min_value=D(2020, 10, 12), max_value=D(2028, 7, 3)), st.sampled_from(list(Vakantieregio)))
def test_lesweek_rule_matches_definition(d: date, regio: Vakantieregio) -> None:
    monday = week_start(d)
    k = standaard_kalender()
    eerste, laatste = k.bereik(regio)
    if monday < eerste or monday + timedelta(days=4) > laatste:
        return
    covered = all(k.is_vakantiedag(monday + timedelta(days=i), regio) for i in range(5))
    assert k.is_lesweek(monday, regio) is (not covered)


# ---------------------------------------------------------------------------------------------
# Easter and feestdagen
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jaar", "expected"),
    [
        (1818, D(1818, 3, 22)),  # earliest possible date
        (1943, D(1943, 4, 25)),  # latest possible date
        (2000, D(2000, 4, 23)),
        (2008, D(2008, 3, 23)),
        (2011, D(2011, 4, 24)),
        (2019, D(2019, 4, 21)),
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2028, D(2028, 4, 16)),
        (2038, D(2038, 4, 25)),
        (2285, D(2285, 3, 22)),
    ],
)
def test_pasen(jaar: int, expected: date) -> None:
    assert pasen(jaar) == expected


@given(st.integers(min_value=1583, max_value=4099))
def test_pasen_is_a_sunday_in_range(jaar: int) -> None:
    p = pasen(jaar)
    assert p.weekday() == 6
    assert D(jaar, 3, 22) <= p <= D(jaar, 4, 25)


def test_feestdagen_2026() -> None:
    assert dict(feestdagen(2026)) == {
        D(2026, 1, 1): "Nieuwjaarsdag",
        D(2026, 4, 3): "Goede Vrijdag",
        D(2026, 4, 5): "Eerste Paasdag",
        D(2026, 4, 6): "Tweede Paasdag",
        D(2026, 4, 27): "Koningsdag",
        D(2026, 5, 5): "Bevrijdingsdag",
        D(2026, 5, 14): "Hemelvaartsdag",
        D(2026, 5, 24): "Eerste Pinksterdag",
        D(2026, 5, 25): "Tweede Pinksterdag",
        D(2026, 12, 25): "Eerste Kerstdag",
        D(2026, 12, 26): "Tweede Kerstdag",
    }


@pytest.mark.parametrize(
    ("jaar", "expected"),
    [(2014, D(2014, 4, 26)), (2025, D(2025, 4, 26)), (2026, D(2026, 4, 27)), (2031, D(2031, 4, 26))],
)
def test_koningsdag_moves_to_saturday_when_sunday(jaar: int, expected: date) -> None:
    assert feestdagen(jaar)[expected] == "Koningsdag"
    assert D(jaar, 4, 27) == expected or D(jaar, 4, 27) not in feestdagen(jaar)


def test_koninginnedag_before_2014() -> None:
    assert feestdagen(2013)[D(2013, 4, 30)] == "Koninginnedag"
    assert feestdagen(2006)[D(2006, 4, 29)] == "Koninginnedag"  # 30 April 2006 was a Sunday


def test_bevrijdingsdag_every_year_under_atw() -> None:
    for jaar in range(2020, 2031):
        assert is_feestdag(D(jaar, 5, 5)), jaar


def test_bevrijdingsdag_and_hemelvaart_on_one_day() -> None:
    assert feestdagen(2016)[D(2016, 5, 5)] == "Bevrijdingsdag en Hemelvaartsdag"


def test_goede_vrijdag_is_gelijkgesteld() -> None:
    assert not is_werkdag(D(2026, 4, 3))


# ---------------------------------------------------------------------------------------------
# working days
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 3, 6), 5, D(2026, 3, 13)),  # Friday + 5 over one weekend
        (D(2026, 3, 7), 1, D(2026, 3, 9)),  # from a Saturday
        (D(2026, 3, 5), 5, D(2026, 3, 12)),
        (D(2026, 4, 24), 1, D(2026, 4, 28)),  # Koningsdag Monday 27 April 2026
        (D(2026, 4, 22), 5, D(2026, 4, 30)),
        (D(2025, 4, 25), 1, D(2025, 4, 28)),  # Koningsdag 2025 moved to Saturday 26 April
        (D(2026, 4, 2), 1, D(2026, 4, 7)),  # Goede Vrijdag + weekend + Tweede Paasdag
        (D(2026, 3, 30), 5, D(2026, 4, 8)),
        (D(2026, 5, 4), 1, D(2026, 5, 6)),  # 5 May 2026 (Tuesday)
        (D(2026, 5, 13), 1, D(2026, 5, 15)),  # Hemelvaart
        (D(2026, 5, 22), 1, D(2026, 5, 26)),  # Tweede Pinksterdag
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Kerst on Fri/Sat
        (D(2025, 12, 24), 1, D(2025, 12, 29)),  # Kerst on Thu/Fri
        (D(2025, 12, 22), 5, D(2025, 12, 31)),
        (D(2025, 12, 31), 1, D(2026, 1, 2)),  # Nieuwjaarsdag
        (D(2026, 3, 9), 0, D(2026, 3, 9)),
        (D(2026, 3, 13), -5, D(2026, 3, 6)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected
    assert working_days_between(start, expected) == n


def test_gelijkgestelde_dag_by_royal_decree() -> None:
    vrijdag_na_hemelvaart = D(2026, 5, 15)
    assert add_working_days(D(2026, 5, 13), 1) == vrijdag_na_hemelvaart
    assert add_working_days(D(2026, 5, 13), 1, {vrijdag_na_hemelvaart}) == D(2026, 5, 18)


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31)), st.integers(min_value=-40, max_value=40))
def test_working_days_round_trip(d: date, n: int) -> None:
    target = add_working_days(d, n)
    assert working_days_between(d, target) == n
    if n != 0:
        assert is_werkdag(target)
    assert (target >= d) if n >= 0 else (target < d)


def test_working_days_between_counts_days_stepped_over() -> None:
    # forward (a, b], backward [b, a): Saturday → previous Friday is one step back
    assert working_days_between(D(2026, 3, 7), D(2026, 3, 6)) == -1
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 7)) == 0
    assert working_days_between(D(2026, 3, 6), D(2026, 3, 6)) == 0


def _stappend(a: date, b: date, gelijkgesteld: frozenset[date]) -> int:
    """working_days_between as it was: day by day (the reference for the counted one)."""
    lo, hi, sign = (a + timedelta(days=1), b, 1) if a <= b else (b, a - timedelta(days=1), -1)
    count, d = 0, lo
    while d <= hi:
        count += is_werkdag(d, gelijkgesteld)
        d += timedelta(days=1)
    return sign * count


@given(st.dates(min_value=D(1999, 1, 1), max_value=D(2041, 12, 31)),
       st.dates(min_value=D(1999, 1, 1), max_value=D(2041, 12, 31)),
       st.frozensets(st.dates(min_value=D(1999, 1, 1), max_value=D(2041, 12, 31)), max_size=6))
def test_working_days_between_counts_as_stepping_day_by_day(a: date, b: date, gelijkgesteld: frozenset[date]) -> None:
    # the counted form (issue 16: the worklist stepped every overdue item's days) against stepping;
    # equated days may fall on a weekend or a feestdag, and are then not counted twice
    near = frozenset(x for x in gelijkgesteld if x.weekday() < 5) | {a, b}
    for g in (gelijkgesteld, near):
        assert working_days_between(a, b, g) == _stappend(a, b, frozenset(g))


@pytest.mark.parametrize(("a", "b", "n"), [
    (D(2025, 12, 24), D(2025, 12, 29), 1),  # Christmas and a weekend in between: only 29 December
    (D(2025, 12, 31), D(2026, 1, 2), 1),  # across the year: Nieuwjaarsdag not, 2 January is
    (D(2016, 5, 4), D(2016, 5, 6), 1),  # 5 May 2016: Bevrijdingsdag and Hemelvaartsdag, one day
    (D(2026, 1, 1), D(2027, 1, 1), 253),  # a whole year: 261 weekdays, 8 feestdagen on a weekday
])
def test_working_days_between_over_holidays(a: date, b: date, n: int) -> None:
    assert working_days_between(a, b) == n == _stappend(a, b, frozenset())


# ---------------------------------------------------------------------------------------------
# region table
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "rmc", "vak"),
    [
        ("GM0363", "MC21", "noord"),  # Amsterdam
        ("GM0599", "MC29", "midden"),  # Rotterdam
        ("GM0202", "MC41", "zuid"),  # Arnhem
        ("GM0268", "MC40", "zuid"),  # Nijmegen
        ("GM1723", "MC35", "zuid"),  # Alphen-Chaam, moved to Midden-Brabant on 1 Aug 2025
        ("363", "MC21", "noord"),
        (" gm0363 ", "MC21", "noord"),
    ],
)
def test_region_lookups(code: str, rmc: str, vak: str) -> None:
    assert rmc_regio_for(code) == rmc
    assert vakantieregio_for(code) == vak
    assert load_region_table().region_for(code, D(2026, 3, 1)).rmc_regiocode == rmc


def test_split_municipality_is_flagged() -> None:
    assert load_region_table().region_for("GM0736").vakantieregio_gesplitst
    assert not load_region_table().region_for("GM0363").vakantieregio_gesplitst


def test_unknown_municipality_and_date_before_first_version() -> None:
    table = load_region_table()
    with pytest.raises(OnbekendeGemeente, match="komt niet voor"):
        table.region_for("GM9999", D(2026, 1, 1))
    with pytest.raises(OnbekendeGemeente, match="ongeldige gemeentecode"):
        table.region_for("Amsterdam")
    with pytest.raises(OnbekendeGemeente, match="geen versie van de regiotabel"):
        table.region_for("GM0363", D(2025, 7, 31))


def test_region_table_versions_by_date() -> None:
    def regio(code: str, rmc: str) -> GemeenteRegio:
        return GemeenteRegio(code, "X", rmc, "R", Vakantieregio.ZUID, False)

    table = RegionTable(
        (
            RegionTableVersion(D(2027, 1, 1), 2027, {"GM0001": regio("GM0001", "MC02")}),
            RegionTableVersion(D(2025, 8, 1), 2026, {"GM0001": regio("GM0001", "MC01")}),
        )
    )
    assert table.region_for("GM0001", D(2026, 12, 31)).rmc_regiocode == "MC01"
    assert table.region_for("GM0001", D(2027, 1, 1)).rmc_regiocode == "MC02"
    assert table.region_for("GM0001").rmc_regiocode == "MC02"
    with pytest.raises(ValueError, match="dezelfde ingangsdatum"):
        RegionTable((table.versions[0], table.versions[0]))
