"""A memoising view of the school calendar for the rules (domain.md A3: school days and lesweken).

The rules ask the same questions over and over: every evaluation of a pupil (after each accepted
absence, A3) walks that pupil's absences and the school days between them, and each
``SchoolKalender.is_schooldag`` scans the region's holidays. The calendar is immutable data, so the
answers can be kept: :class:`SnelleKalender` gives exactly the answers of the calendar it wraps (it
*is* one, with the same holidays and equated days) and remembers them per date and region. Dates
outside the known range still raise ``BuitenKalenderbereik`` every time (exceptions are not kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from leerrecht.kalender import SchoolKalender, Vakantieregio, standaard_kalender

__all__ = ["SnelleKalender", "snelle_kalender"]


@dataclass(frozen=True)
class SnelleKalender(SchoolKalender):
    _schooldag: dict[tuple[date, str], bool] = field(default_factory=dict, init=False, repr=False, compare=False)
    _vakantiedag: dict[tuple[date, str], bool] = field(default_factory=dict, init=False, repr=False,
                                                       compare=False)
    _lesweek: dict[tuple[date, str], bool] = field(default_factory=dict, init=False, repr=False, compare=False)

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


@cache
def snelle_kalender() -> SnelleKalender:
    """The national calendar (``standaard_kalender``), memoising.

    Grounds: domain.md A3.1 (lesweken of the school's region) and A3.12, Decision (calendar data is finite).
    """
    k = standaard_kalender()
    return SnelleKalender(k.vakanties, k.gelijkgesteld)
