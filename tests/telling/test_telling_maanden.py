"""The months of the monthly trend (issue 15, point 5): a schooljaar runs August to July, a vsv-jaar
October to September, and each month is read as of its last day."""

from __future__ import annotations

from datetime import date

from telling import labels
from telling.api import maandeinden
from telling.domain.figures import INDICATOREN


def test_month_ends_of_a_schooljaar_and_a_vsv_jaar() -> None:
    sj = maandeinden("2024-2025", "schooljaar")
    assert len(sj) == 12 and sj[0] == date(2024, 8, 31) and sj[-1] == date(2025, 7, 31)
    assert date(2025, 2, 28) in sj and date(2024, 12, 31) in sj
    vsv = maandeinden("2023-2024", "vsvjaar")
    assert vsv[0] == date(2023, 10, 31) and vsv[-1] == date(2024, 9, 30) and date(2024, 2, 29) in vsv


def test_every_published_indicator_has_a_plain_dutch_name() -> None:
    for ind in INDICATOREN.values():
        if ind.gepubliceerd:
            naam = labels.NAMEN.get(ind.id)
            assert naam and "_" not in naam and "." not in naam, ind.id
