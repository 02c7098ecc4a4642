"""The officer's worklist: due dates in working days and what is overdue (domain.md A5).

A5 **Decision** (default deadlines): pick up a report within 5 working days; first contact within 10
working days; a case without any action for 6 weeks is flagged. Working days follow the Algemene
termijnenwet (weekends and public holidays are skipped; :func:`leerrecht.kalender.add_working_days`).

Decisions where A5 is silent:

* **Pick-up** is counted from the day the report was registered (filed by the school, A4
  *Geregistreerd*): due on ``add_working_days(geregistreerd_op, 5)``.
* **First contact** (an onderzoek started, or a conversation or home visit) is counted from the
  registration of the dossier's first report too, not from the pick-up: a late pick-up must not
  buy extra time for the family's first contact. Due on ``add_working_days(eerste registratie, 10)``.
* An item is **overdue** the working day after its due date (the due date itself is still in time);
  ``werkdagen_te_laat`` counts the working days past the due date.
* **Six weeks without action** = 42 calendar days after the latest step of the office (any
  leerplicht event), or after the opening of the dossier when there was none. Flagged from day 42 on.
* Only open dossiers are on the worklist; withdrawn reports need no pick-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from contracts.codes import MeldingSoort, MeldingStatus
from leerrecht.kalender import add_working_days, working_days_between

from .dossier import Dossier

__all__ = [
    "EERSTE_CONTACT_WERKDAGEN",
    "OPPAKKEN_WERKDAGEN",
    "STIL_NA",
    "Termijn",
    "WerkItem",
    "WerkSoort",
    "Werklijst",
    "contact_termijn",
    "oppak_termijn",
    "volgende_termijn",
    "werklijst",
]

OPPAKKEN_WERKDAGEN = 5
EERSTE_CONTACT_WERKDAGEN = 10
STIL_NA = timedelta(weeks=6)


class WerkSoort(StrEnum):
    OPPAKKEN = "OPPAKKEN"  # a report Geregistreerd, to be picked up
    EERSTE_CONTACT = "EERSTE_CONTACT"  # in behandeling, no contact yet
    GEEN_ACTIE = "GEEN_ACTIE"  # 6 weeks without any action


@dataclass(frozen=True, slots=True)
class WerkItem:
    soort: WerkSoort
    dossier_id: UUID
    pseudoniem: str
    sinds: date
    """The day the clock started (registration, or the latest action for GEEN_ACTIE)."""
    uiterlijk: date
    """Due date (inclusive); for GEEN_ACTIE the day the case became flagged."""
    te_laat: bool
    werkdagen_te_laat: int
    melding_id: UUID | None = None
    melding_soort: MeldingSoort | None = None
    behandelaar: str | None = None


@dataclass(frozen=True, slots=True)
class Werklijst:
    peildatum: date
    oppakken: tuple[WerkItem, ...]
    """All reports waiting for pick-up, overdue or not, oldest due first."""
    te_laat: tuple[WerkItem, ...]
    """Everything overdue (pick-up, first contact) and every case 6 weeks without action."""
    open_per_behandelaar: dict[str, int]
    """Open dossiers per officer; ``""`` = not yet assigned."""


def oppak_termijn(geregistreerd_op: date, gelijkgesteld: Collection[date] = ()) -> date:
    """Grounds: domain.md A5, Decision (default deadlines)."""
    return add_working_days(geregistreerd_op, OPPAKKEN_WERKDAGEN, gelijkgesteld)


def contact_termijn(eerste_registratie_op: date, gelijkgesteld: Collection[date] = ()) -> date:
    """Grounds: domain.md A5, Decision (default deadlines)."""
    return add_working_days(eerste_registratie_op, EERSTE_CONTACT_WERKDAGEN, gelijkgesteld)


def _achter(uiterlijk: date, peildatum: date, gelijkgesteld: Collection[date]) -> int:
    return max(0, working_days_between(uiterlijk, peildatum, gelijkgesteld)) if peildatum > uiterlijk else 0


def items_voor(
    dossier: Dossier,
    peildatum: date,
    behandelaar: str | None = None,
    gelijkgesteld: Collection[date] = (),
) -> list[WerkItem]:
    """The worklist items of one dossier on ``peildatum`` (none for a closed dossier).

    Grounds: domain.md A5, Decision (default deadlines).
    """
    if not dossier.open:
        return []
    items: list[WerkItem] = []
    for m in dossier.meldingen:
        if m.status is not MeldingStatus.GEREGISTREERD:
            continue
        uiterlijk = oppak_termijn(m.geregistreerd_op, gelijkgesteld)
        achter = _achter(uiterlijk, peildatum, gelijkgesteld)
        items.append(
            WerkItem(
                WerkSoort.OPPAKKEN,
                dossier.dossier_id,
                dossier.pseudoniem,
                m.geregistreerd_op,
                uiterlijk,
                achter > 0,
                achter,
                m.melding_id,
                m.soort,
                behandelaar,
            )
        )
    opgepakt = any(m.in_behandeling_op is not None for m in dossier.meldingen)
    if opgepakt and dossier.eerste_contact_op is None:
        sinds = dossier.eerste_registratie_op
        uiterlijk = contact_termijn(sinds, gelijkgesteld)
        achter = _achter(uiterlijk, peildatum, gelijkgesteld)
        items.append(
            WerkItem(
                WerkSoort.EERSTE_CONTACT,
                dossier.dossier_id,
                dossier.pseudoniem,
                sinds,
                uiterlijk,
                achter > 0,
                achter,
                behandelaar=behandelaar,
            )
        )
    laatste = dossier.laatste_actie_op or dossier.geopend_op
    gemarkeerd_op = laatste + STIL_NA
    if peildatum >= gemarkeerd_op:
        items.append(
            WerkItem(
                WerkSoort.GEEN_ACTIE,
                dossier.dossier_id,
                dossier.pseudoniem,
                laatste,
                gemarkeerd_op,
                True,
                max(0, working_days_between(gemarkeerd_op, peildatum, gelijkgesteld)),
                behandelaar=behandelaar,
            )
        )
    return items


def werklijst(
    dossiers: Iterable[tuple[Dossier, str | None]],
    peildatum: date,
    gelijkgesteld: Collection[date] = (),
) -> Werklijst:
    """The region's worklist on ``peildatum`` from ``(dossier, behandelaar)`` pairs.

    Grounds: domain.md A5, Decision (default deadlines).
    """
    oppakken: list[WerkItem] = []
    te_laat: list[WerkItem] = []
    per_behandelaar: Counter[str] = Counter()
    for dossier, behandelaar in dossiers:
        if not dossier.open:
            continue
        per_behandelaar[behandelaar or ""] += 1
        for item in items_voor(dossier, peildatum, behandelaar, gelijkgesteld):
            if item.soort is WerkSoort.OPPAKKEN:
                oppakken.append(item)
            if item.te_laat:
                te_laat.append(item)
    key = lambda i: (i.uiterlijk, str(i.dossier_id), str(i.melding_id))  # noqa: E731
    return Werklijst(
        peildatum=peildatum,
        oppakken=tuple(sorted(oppakken, key=key)),
        te_laat=tuple(sorted(te_laat, key=key)),
        open_per_behandelaar=dict(sorted(per_behandelaar.items())),
    )


@dataclass(frozen=True, slots=True)
class Termijn:
    """A dossier's next deadline, fixed when the dossier changes, so the worklist can filter, sort and
    page on it in SQL (thousands of cases per region) instead of folding every dossier per request."""

    soort: WerkSoort
    uiterlijk: date
    """The earliest due date of the dossier's open items."""
    te_laat_vanaf: date
    """The first day on which any item of the dossier is overdue: ``peildatum >= te_laat_vanaf``
    exactly when :func:`items_voor` has an item with ``te_laat`` on that peildatum."""


def volgende_termijn(dossier: Dossier, gelijkgesteld: Collection[date] = ()) -> Termijn | None:
    """The next deadline of an open dossier and the day it becomes overdue (``None`` when closed).

    The same rules as :func:`items_voor` (domain.md A5, Decision (default deadlines)), without a
    peildatum: pick-up and first contact are overdue the working day after their due date, six weeks
    without action is flagged on the day itself.
    """
    if not dossier.open:
        return None
    kandidaten: list[tuple[date, date, WerkSoort]] = []
    for m in dossier.meldingen:
        if m.status is MeldingStatus.GEREGISTREERD:
            uiterlijk = oppak_termijn(m.geregistreerd_op, gelijkgesteld)
            kandidaten.append((uiterlijk, add_working_days(uiterlijk, 1, gelijkgesteld), WerkSoort.OPPAKKEN))
    opgepakt = any(m.in_behandeling_op is not None for m in dossier.meldingen)
    if opgepakt and dossier.eerste_contact_op is None:
        uiterlijk = contact_termijn(dossier.eerste_registratie_op, gelijkgesteld)
        kandidaten.append((uiterlijk, add_working_days(uiterlijk, 1, gelijkgesteld), WerkSoort.EERSTE_CONTACT))
    gemarkeerd_op = (dossier.laatste_actie_op or dossier.geopend_op) + STIL_NA
    kandidaten.append((gemarkeerd_op, gemarkeerd_op, WerkSoort.GEEN_ACTIE))
    uiterlijk, _, soort = min(kandidaten, key=lambda k: (k[0], k[1]))
    return Termijn(soort, uiterlijk, min(k[1] for k in kandidaten))
