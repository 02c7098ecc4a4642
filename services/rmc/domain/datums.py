"""Calendar helpers of the Doorstroompunt rules (pure)."""

from __future__ import annotations

import calendar
from datetime import date

__all__ = ["NIET_LOSLATEN_DAGEN", "add_months", "iso_week", "maandag_van_week"]

NIET_LOSLATEN_DAGEN = 28
"""domain.md A6 "niet loslaten": a young person without contact for 4 weeks (28 days) is flagged."""


def add_months(d: date, months: int) -> date:
    """Same day ``months`` calendar months later, clamped to the month's end (30 Nov + 3 = 28 Feb).

    "Still placed after 3 months" (A6 ``GEPLAATST_DUURZAAM``) is counted in calendar months.

    Grounds: domain.md A6 (still placed after 3 months).
    """
    index = d.year * 12 + d.month - 1 + months
    jaar, maand = divmod(index, 12)
    dag = min(d.day, calendar.monthrange(jaar, maand + 1)[1])
    return date(jaar, maand + 1, dag)


def iso_week(d: date) -> str:
    """Grounds: domain.md A6 (traject partners send weekly progress)."""
    jaar, week, _ = d.isocalendar()
    return f"{jaar:04d}-W{week:02d}"


def maandag_van_week(week: str) -> date:
    """Monday of an ISO week ``YYYY-Www``; ``ValueError`` for a week that does not exist (W53).

    Grounds: domain.md A6 (traject partners send weekly progress).
    """
    jaar, _, w = week.partition("-W")
    return date.fromisocalendar(int(jaar), int(w), 1)
