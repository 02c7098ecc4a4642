"""The service's notion of "today": the Dutch calendar date (school days, deadlines, A3).

Why a class: every rule is evaluated "for today" (domain.md A3), and a deadline such as "within 5
working days" turns on the date in the Netherlands, not in UTC. Tests and demos can pin the date
(``REGISTRATIE_VANDAAG``, or ``app.state.klok.vast`` in-process) so that legal edge cases are
reproducible on any day.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from contracts.envelope import utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Klok:
    def __init__(self, vast: date | None = None) -> None:
        self.vast = vast

    def vandaag(self) -> date:
        return self.vast if self.vast is not None else datetime.now(AMSTERDAM).date()

    def nu(self) -> datetime:
        return utcnow()
