"""National figures as a pure fold over events: each event yields increments to counter cells.

A cell is (indicator, gebied, periode). ``gebied`` is ``NL`` or a region code; ``periode`` a
schooljaar (1 Aug – 31 Jul, domain.md C). Unique-person indicators yield a *membership* instead
of an increment: the projection counts a person once per cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.codes import AfwezigheidCode
from contracts.events.base import Event
from contracts.events.registratie import AfwezigheidGeregistreerd

NATIONAAL = "NL"

DEFINITIES: dict[str, str] = {
    "afwezigheid.registraties": "Aantal geregistreerde afwezigheden (alle codes), per schooljaar.",
    "afwezigheid.uren.geoorloofd": "Som van geregistreerde uren geoorloofde afwezigheid (A2), per schooljaar.",
    "afwezigheid.uren.ongeoorloofd": "Som van geregistreerde uren ongeoorloofde of nog onbekende afwezigheid (A2).",
    "leerlingen.met_ongeoorloofde_afwezigheid": (
        "Unieke leerlingen met minstens één registratie ongeoorloofde afwezigheid, per schooljaar."
    ),
}

ONGEOORLOOFD = frozenset({AfwezigheidCode.ONGEOORLOOFD, AfwezigheidCode.TE_LAAT, AfwezigheidCode.LUXE,
                          AfwezigheidCode.ONBEKEND})


def schooljaar(d: date) -> str:
    start = d.year if d.month >= 8 else d.year - 1
    return f"{start}-{start + 1}"


@dataclass(frozen=True)
class Cell:
    indicator: str
    gebied: str
    periode: str


@dataclass(frozen=True)
class Increment:
    cell: Cell
    amount: Decimal


@dataclass(frozen=True)
class Membership:
    """``person`` counts once towards ``cell``, however many events say so."""

    cell: Cell
    person: str


def _both(indicator: str, region: str, periode: str) -> list[Cell]:
    return [Cell(indicator, NATIONAAL, periode), Cell(indicator, region, periode)]


def effects(event: Event, subject: str, region: str) -> Iterable[Increment | Membership]:
    if isinstance(event, AfwezigheidGeregistreerd):
        jaar = schooljaar(event.datum)
        kind = "ongeoorloofd" if event.code in ONGEOORLOOFD else "geoorloofd"
        for cell in _both("afwezigheid.registraties", region, jaar):
            yield Increment(cell, Decimal(1))
        for cell in _both(f"afwezigheid.uren.{kind}", region, jaar):
            yield Increment(cell, event.uren)
        if kind == "ongeoorloofd":
            for cell in _both("leerlingen.met_ongeoorloofde_afwezigheid", region, jaar):
                yield Membership(cell, subject)
