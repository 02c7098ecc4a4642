"""The Doorstroompunt (RMC) age limit by date of effect (domain.md A1, a **Decision**).

The target group runs up to 23, raised to 27 from 1 January 2026 (Wet van school naar duurzaam werk).
The limit is configuration with a date of effect, shared by registratie (18+ reports, potential vsv)
and rmc (intake, closing at the limit), so both apply the same table.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date

from .leeftijd import Twijfel, geboortejaar_maand, leeftijd_op


@dataclass(frozen=True)
class LeeftijdsgrensTabel:
    """Upper age (exclusive) of the target group by date of effect: ``((valid_from, grens), …)``."""

    versies: tuple[tuple[date, int], ...]

    def __post_init__(self) -> None:
        if not self.versies:
            raise ValueError("leeftijdsgrenstabel is leeg")
        object.__setattr__(self, "versies", tuple(sorted(self.versies)))

    def grens_op(self, d: date) -> int:
        i = bisect.bisect_right([v for v, _ in self.versies], d) - 1
        if i < 0:
            raise ValueError(f"geen Doorstroompunt-leeftijdsgrens bekend op {d.isoformat()}")
        return self.versies[i][1]

    def binnen(self, geboorte: date | str, peildatum: date) -> bool:
        """Inside the target group's age range on ``peildatum``: younger than the limit in force then.

        Decided on the birth **year-month**, with the doubt inside the birth month on the side of
        help (A1: the Doorstroompunt is a protective rule, it includes the person), also where
        registratie knows the full date: rmc and telling see only the year-month on the log, and
        the same person must leave the group on the same day in every service (issue 12.6). Born
        1999-01: inside up to 31 January 2026 (limit 27), outside from 1 February 2026."""
        gjm = geboortejaar_maand(geboorte) if isinstance(geboorte, date) else geboorte
        return leeftijd_op(gjm, peildatum, Twijfel.JONGST) < self.grens_op(peildatum)


STANDAARD_LEEFTIJDSGRENS = LeeftijdsgrensTabel(((date.min, 23), (date(2026, 1, 1), 27)))
