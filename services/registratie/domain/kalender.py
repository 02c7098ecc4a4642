"""A memoising view of the school calendar for the rules (domain.md A3: school days and lesweken).

The rules ask the same questions over and over: every evaluation of a pupil (after each accepted
absence, A3) walks that pupil's absences and the school days between them, and each
``SchoolKalender.is_schooldag`` scans the region's holidays. The calendar is immutable data, so the
answers can be kept: :class:`SnelleKalender` gives exactly the answers of the calendar it wraps (it
*is* one, with the same holidays and equated days) and remembers them per date and region. Dates
outside the known range still raise ``BuitenKalenderbereik`` every time (exceptions are not kept).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from leerrecht.kalender import BuitenKalenderbereik, SchoolKalender, Vakantieregio, standaard_kalender

__all__ = ["SnelleKalender", "snelle_kalender"]


@dataclass(frozen=True)
class SnelleKalender(SchoolKalender):
    _schooldag: dict[tuple[date, str], bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _vakantiedag: dict[tuple[date, str], bool] = field(default_factory=dict, init=False, repr=False,
                                                       compare=False)
    _lesweek: dict[tuple[date, str], bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _maanden: dict[tuple[str, int, int], list[date] | None] = field(default_factory=dict, init=False, repr=False,
                                                                    compare=False)

    def is_schooldag(self, d: date, regio: Vakantieregio | str) -> bool:
        key = (d, str(regio))
        antwoord = self._schooldag.get(key)
        if antwoord is None:
            antwoord = self._schooldag[key] = super().is_schooldag(d, regio)
        return antwoord

    def is_vakantiedag(self, d: date, regio: Vakantieregio | str) -> bool:
        key = (d, str(regio))
        antwoord = self._vakantiedag.get(key)
        if antwoord is None:
            antwoord = self._vakantiedag[key] = super().is_vakantiedag(d, regio)
        return antwoord

    def is_lesweek(self, week_start_: date, regio: Vakantieregio | str) -> bool:
        key = (week_start_, str(regio))
        antwoord = self._lesweek.get(key)
        if antwoord is None:
            antwoord = self._lesweek[key] = super().is_lesweek(week_start_, regio)
        return antwoord

    def schooldagen(self, regio: Vakantieregio | str, van: date, tot: date) -> Iterator[date]:
        """The school days in ``[van, tot]``, from a list kept per region and month: the rules walk a
        pupil's school days from the first absence up to today at every evaluation (``lrv.runs``),
        hundreds of days asked one by one before (issue 16, batch intake). A month the calendar does
        not wholly cover is walked day by day as the base class does, so it yields the same days and
        raises ``BuitenKalenderbereik`` at the same day."""
        d = van
        while d <= tot:
            volgende = date(d.year + d.month // 12, d.month % 12 + 1, 1)
            dagen = self._maand(regio, d.year, d.month, volgende)
            if dagen is None:
                yield from super().schooldagen(regio, d, min(tot, volgende - timedelta(days=1)))
            else:
                for x in dagen[bisect.bisect_left(dagen, d):]:
                    if x > tot:
                        return
                    yield x
            d = volgende

    def _maand(self, regio: Vakantieregio | str, jaar: int, maand: int, volgende: date) -> list[date] | None:
        key = (str(regio), jaar, maand)
        if key not in self._maanden:
            try:
                self._maanden[key] = list(super().schooldagen(regio, date(jaar, maand, 1),
                                                              volgende - timedelta(days=1)))
            except BuitenKalenderbereik:
                self._maanden[key] = None
        return self._maanden[key]


@cache
def snelle_kalender() -> SnelleKalender:
    """The national calendar (``standaard_kalender``), memoising.

    Grounds: domain.md A3.1 (lesweken of the school's region) and A3.12, Decision (calendar data is finite).
    """
    k = standaard_kalender()
    return SnelleKalender(k.vakanties, k.gelijkgesteld)
