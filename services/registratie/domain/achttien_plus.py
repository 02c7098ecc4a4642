"""Doorstroompunt / 18+ absence report (domain.md A3.5).

Who: a student past leer- and kwalificatieplicht (so 18 or older; with SK there is no report at
all), without SK, younger than the Doorstroompunt age limit in force on the day (23
before 2026-01-01, 27 from then; `plicht.LeeftijdsgrensTabel`). Reported to the region's
Doorstroompunt.

**Decision** (the law names no threshold for this report): the same counter as the 16-uur rule —
≥ 16 hours of ongeoorloofd absence within 4 consecutive lesweken, the same repeat rules and the
same 5-working-day deadline — configurable through `DrempelRegel`. DUO notes many municipalities
agree that 18+ absence is reported on the 16-uur pattern [S2]. A pupil who turns 18 mid-window:
hours before the birthday count for the 16-uur rule only, hours from the birthday for this rule
only (the birthday is a barrier for both counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from contracts.codes import MeldingSoort

from .context import EnrolmentContext
from .decisions import MeldplichtSignal, Ontvanger
from .model import FiledReport
from .plicht import STANDAARD_LEEFTIJDSGRENS, LeeftijdsgrensTabel, in_doorstroompunt_doelgroep
from .zestien_uur import DrempelRegel, drempel_signalen

__all__ = ["ACHTTIEN_PLUS_REGEL", "achttien_plus_signalen"]

ACHTTIEN_PLUS_REGEL = DrempelRegel(soort=MeldingSoort.ACHTTIEN_PLUS, ontvanger=Ontvanger.DOORSTROOMPUNT)


def achttien_plus_signalen(
    ctx: EnrolmentContext,
    filed: Sequence[FiledReport],
    grenzen: LeeftijdsgrensTabel = STANDAARD_LEEFTIJDSGRENS,
    regel: DrempelRegel = ACHTTIEN_PLUS_REGEL,
    voorloop: Sequence[MeldplichtSignal] = (),
) -> list[MeldplichtSignal]:
    """Grounds: domain.md A3.5 (Doorstroompunt/18+ report) and A1 (the age limit). ``voorloop``: as in
    `drempel_signalen` (an incremental evaluation resumes the chain)."""
    def telbaar(d: date) -> bool:
        return ctx.telbaar_basis(d) and in_doorstroompunt_doelgroep(ctx.pupil, d, grenzen)

    return drempel_signalen(ctx, regel, telbaar, filed, voorloop)
