"""The coach's worklist (pure): who needs attention today (domain.md A6, A1, D).

* ``nieuw``: young people in status ``NIEUW`` (taken in, not yet reached), oldest intake first.
* ``niet_loslaten``: an open case without contact for 4 weeks (A6: "a text message counts as
  contact"). The clock runs from the last attempt that counts as contact (a successful attempt on
  any channel, or any text message), or from the intake date when there is none yet. It is flagged
  when ``vandaag - laatste_contact >= 28 days``. **Decision**: placed young people (``GEPLAATST``)
  are not on this list: they are followed by the 3-month placement check instead, and every
  automatic placement from a re-enrolment would otherwise surface here after 4 weeks.
  ``NIET_BEREIKBAAR`` young people *are* on it: persistent contact, even unanswered, builds trust
  (domain.md D).
* ``plaatsing_controleren``: placed, and 3 calendar months after the placement's start date have
  passed (is the placement lasting? → close with ``GEPLAATST_DUURZAAM``, A6).
* ``leeftijdsgrens``: open cases at or above the age limit in force today (A1; close with
  ``LEEFTIJDSGRENS``), computed on year-month as in :mod:`rmc.domain.leeftijd`.
* ``verhuisd``: open cases whose young person moved out of the region. Normally empty: the move
  transfers and closes the case automatically (:mod:`rmc.domain.reacties`); a safety net.
* ``sk_behaald``: open cases where DUO reported a startkwalificatie (close with ``SK_BEHAALD``).
* ``caseload``: open cases per coach (the client id of the coach who last acted on the file;
  ``None`` = nobody yet).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .datums import NIET_LOSLATEN_DAGEN, add_months
from .decide import DUURZAAM_NA_MAANDEN
from .leeftijd import binnen_leeftijdsgrens
from .model import STANDAARD_REGELS, Jongere, Regels, Status

__all__ = ["Werkitem", "Werklijst", "werklijst"]


@dataclass(frozen=True)
class Werkitem:
    pseudoniem: str
    status: Status
    sinds: date  # the date the item is counted from (intake, last contact, placement start, ...)
    coach: str | None
    dagen: int = 0  # days since ``sinds``


@dataclass(frozen=True)
class Werklijst:
    nieuw: list[Werkitem] = field(default_factory=list)
    niet_loslaten: list[Werkitem] = field(default_factory=list)
    plaatsing_controleren: list[Werkitem] = field(default_factory=list)
    leeftijdsgrens: list[Werkitem] = field(default_factory=list)
    verhuisd: list[Werkitem] = field(default_factory=list)
    sk_behaald: list[Werkitem] = field(default_factory=list)
    caseload: dict[str | None, int] = field(default_factory=dict)


def _item(j: Jongere, sinds: date, vandaag: date) -> Werkitem:
    return Werkitem(j.pseudoniem, j.dossier.status, sinds, j.coach, (vandaag - sinds).days)


def werklijst(jongeren: Iterable[Jongere], vandaag: date, regels: Regels = STANDAARD_REGELS,
              coach: str | None = None) -> Werklijst:
    """The worklist on ``vandaag``; with ``coach`` only that coach's cases (caseload stays complete).

    Grounds: domain.md A6 (keep in touch: no contact for 4 weeks).
    """
    lijst = Werklijst()
    caseload: Counter[str | None] = Counter()
    # the age check depends only on the year-month and the day: a region's thousands of open files share a
    # few hundred year-months, so each is decided once per list
    binnen: dict[str, bool] = {}
    for j in jongeren:
        d = j.dossier
        if not d.open:
            continue
        caseload[j.coach] += 1
        if coach is not None and j.coach != coach:
            continue
        if d.status is Status.NIEUW:
            lijst.nieuw.append(_item(j, d.aangemeld_op, vandaag))
        if d.status is not Status.GEPLAATST:
            sinds = d.laatste_contact or d.aangemeld_op
            if (vandaag - sinds).days >= NIET_LOSLATEN_DAGEN:
                lijst.niet_loslaten.append(_item(j, sinds, vandaag))
        elif d.plaatsing is not None and vandaag >= add_months(d.plaatsing.startdatum, DUURZAAM_NA_MAANDEN):
            lijst.plaatsing_controleren.append(_item(j, d.plaatsing.startdatum, vandaag))
        gjm = j.geboortejaar_maand
        if (erin := binnen.get(gjm)) is None:
            erin = binnen[gjm] = binnen_leeftijdsgrens(gjm, vandaag, regels.leeftijdsgrenzen)
        if not erin:
            lijst.leeftijdsgrens.append(_item(j, vandaag, vandaag))
        if d.verhuisd_buiten_regio:
            lijst.verhuisd.append(_item(j, vandaag, vandaag))
        if d.sk_behaald_op is not None:
            lijst.sk_behaald.append(_item(j, d.sk_behaald_op, vandaag))
    for items in (lijst.nieuw, lijst.niet_loslaten, lijst.plaatsing_controleren):
        items.sort(key=lambda w: (w.sinds, w.pseudoniem))
    lijst.caseload.update(caseload)
    return lijst
