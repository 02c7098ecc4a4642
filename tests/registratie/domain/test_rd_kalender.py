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
