"""The memoising calendar gives exactly the national calendar's answers (domain.md A3 counts school
days and lesweken; the intake evaluates with the memoising one for speed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from registratie.domain.kalender import snelle_kalender

from leerrecht.kalender import BuitenKalenderbereik, Vakantieregio, standaard_kalender


def _antwoord(kal: object, vraag: str, d: date, regio: object) -> object:
    try:
        return getattr(kal, vraag)(d, regio)
    except BuitenKalenderbereik:
        return "buiten bereik"


@pytest.mark.parametrize("regio", [*Vakantieregio, *(r.value for r in Vakantieregio)])
def test_same_answers_as_the_national_calendar_twice_over(regio: object) -> None:
    gewoon, snel = standaard_kalender(), snelle_kalender()
    start = snel.bereik(Vakantieregio(regio))[0] - timedelta(days=10)
    vragen = 0
    for _ in range(2):  # the second round is answered from memory
        for i in range(3 * 366):
            d = start + timedelta(days=i)
            for vraag in ("is_schooldag", "is_vakantiedag", *(("is_lesweek",) if d.weekday() == 0 else ())):
                assert _antwoord(snel, vraag, d, regio) == _antwoord(gewoon, vraag, d, regio), (vraag, d)
                vragen += 1
    assert vragen > 4000
    # sanity: the range check still bites, and is not remembered as an answer
    for _ in range(2):
        with pytest.raises(BuitenKalenderbereik):
            snel.is_schooldag(start, regio)  # type: ignore[arg-type]


def _dagen(kal: object, regio: object, van: date, tot: date) -> list[object]:
    """The school days as a caller walks them, with where the range check stopped it."""
    uit: list[object] = []
    try:
        uit.extend(kal.schooldagen(regio, van, tot))  # type: ignore[attr-defined]
    except BuitenKalenderbereik:
        uit.append("buiten bereik")
    return uit


@pytest.mark.parametrize("regio", [*Vakantieregio, "midden"])
def test_school_days_per_month_are_the_national_calendars_also_at_its_edges(regio: object) -> None:
    """``schooldagen`` is answered from lists per month (issue 16): the same days in the same order, and
    the range check raised after the same days, for spans that start or end outside the calendar."""
    gewoon, snel = standaard_kalender(), snelle_kalender()
    eerste, laatste = snel.bereik(Vakantieregio(regio))
    spannen = [(eerste + timedelta(days=a), eerste + timedelta(days=a + n))
               for a in range(-40, 900, 37) for n in (-1, 0, 3, 31, 200, 420)]
    spannen += [(laatste - timedelta(days=a), laatste + timedelta(days=b)) for a in (0, 5, 60) for b in (0, 9, 40)]
    for _ in range(2):  # the second round from the kept months
        for van, tot in spannen:
            assert _dagen(snel, regio, van, tot) == _dagen(gewoon, regio, van, tot), (van, tot)
    # a caller that stops at the first day (lrv.eerste_volle_lesweek) gets it, not the range check
    van, tot = laatste - timedelta(days=100), laatste + timedelta(days=30)
    eerst = next(iter(snel.schooldagen(regio, van, tot)))  # type: ignore[arg-type]
    assert eerst == next(iter(gewoon.schooldagen(regio, van, tot)))  # type: ignore[arg-type]
