"""The Doorstroompunt (RMC) age limit by date of effect (domain.md A1, a **Decision**).

The target group runs up to 23, raised to 27 from 1 January 2026 (Wet van school naar duurzaam werk).
The limit is configuration with a date of effect, shared by registratie (18+ reports, potential vsv)
and rmc (intake, closing at the limit), so both apply the same table.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date


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


STANDAARD_LEEFTIJDSGRENS = LeeftijdsgrensTabel(((date.min, 23), (date(2026, 1, 1), 27)))
