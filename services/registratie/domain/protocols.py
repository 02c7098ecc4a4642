"""Local protocols agreed between a school (or region) and its leerplicht office (A3.9).

A protocol is versioned: every version has a ``valid_from`` date and the version in force on a
day is the one with the latest ``valid_from`` on or before it. A school's own protocol takes
precedence over one for its type, and that over its region's. **Local protocols by type** (issue 13):
scope ``SCHOOLTYPE`` with ``scope_code`` a school type (``po``, ``so``, ``vo``, ``vso``, ``mbo``) or
``ISK``; it applies to every enrolment of that type, the type read from the register on the date
(an enrolment at a location the register marks as ISK is an ISK enrolment unless the school says
otherwise, see ``registratie.api``). So one agreed "ISK: no reports in the first 6 weeks" covers
every ISK department, including one DUO's feed adds later. Two kinds of content:

* **Signal rules** only ADD signals (`ProtocolSignal`) — e.g. "5× late or absent within 4 lesweken
  → signal to leerplicht", "≥ 60 hours authorised absence in the schooljaar → report suggestion".
  They never suppress or delay a legal report.
* **Grace periods** (the ISK case): absence in the first N weeks after enrolment does not count
  towards a report; it stays registered and visible (and still feeds signal rules and MAZL), and
  counting starts the day after the grace period ends. **Decision**: the grace period of the
  protocol version in force on the enrolment's start date applies; it covers all reports (16 uur,
  LRV, luxe, 18+). N is in calendar weeks from the enrolment start (the agreement speaks of "the
  first six weeks after enrolment").

Decision on counting signal rules: ``KEER`` counts *days* with at least one absence with one of
the rule's codes (schools register per day, A2); ``UREN`` sums hours. The window is the last N
lesweken (holiday weeks skipped) or, with ``venster_lesweken=None``, the schooljaar so far. After a
signal the count restarts the day after it, like the legal rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from contracts.codes import AfwezigheidCode
from leerrecht.kalender import SchoolKalender

from .decisions import Ontvanger, ProtocolSignal
from .model import Absence, Enrolment
from .plicht import schooljaar_begin

__all__ = [
    "ISK",
    "GracePeriod",
    "Protocol",
    "ProtocolScope",
    "SignaalMaat",
    "SignaalRegel",
    "geldend_protocol",
    "gratie_einde",
    "protocol_signalen",
    "soorten_van",
]


class ProtocolScope(StrEnum):
    SCHOOL = "SCHOOL"  # scope_code = school_id (BRIN + vestiging)
    REGIO = "REGIO"  # scope_code = the pupil's leerplicht region code
    SCHOOLTYPE = "SCHOOLTYPE"  # scope_code = a school type (po, so, vo, vso, mbo) or ISK


ISK = "ISK"
"""``scope_code`` of a SCHOOLTYPE protocol for ISK enrolments (internationale schakelklas)."""


def soorten_van(enrolment: Enrolment) -> tuple[str, ...]:
    """The type codes a SCHOOLTYPE protocol can name for this enrolment, most specific first.

    Grounds: domain.md A3.9 (local protocols, the ISK department's grace period)."""
    return ((ISK,) if enrolment.isk else ()) + (enrolment.school_type.value,)


class SignaalMaat(StrEnum):
    KEER = "KEER"
    UREN = "UREN"


@dataclass(frozen=True, slots=True)
class SignaalRegel:
    regel_id: str
    omschrijving: str
    codes: frozenset[AfwezigheidCode]
    maat: SignaalMaat
    drempel: Decimal
    venster_lesweken: int | None = 4
    ontvanger: Ontvanger = Ontvanger.LEERPLICHT

    def __post_init__(self) -> None:
        object.__setattr__(self, "drempel", Decimal(str(self.drempel)))
        if self.drempel <= 0:
            raise ValueError(f"signaalregel {self.regel_id}: drempel moet groter dan 0 zijn")
        if self.venster_lesweken is not None and self.venster_lesweken < 1:
            raise ValueError(f"signaalregel {self.regel_id}: venster moet minstens 1 lesweek zijn")
        if not self.codes:
            raise ValueError(f"signaalregel {self.regel_id}: geen verzuimcodes opgegeven")


@dataclass(frozen=True, slots=True)
class GracePeriod:
    weken: int = 6
    alleen_isk: bool = True

    def __post_init__(self) -> None:
        if self.weken < 1:
            raise ValueError("gratieperiode moet minstens 1 week zijn")


@dataclass(frozen=True, slots=True)
class Protocol:
    protocol_id: str
    scope: ProtocolScope
    scope_code: str
    valid_from: date
    signaal_regels: tuple[SignaalRegel, ...] = ()
    gratieperiodes: tuple[GracePeriod, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", ProtocolScope(self.scope))
        ids = [r.regel_id for r in self.signaal_regels]
        if len(set(ids)) != len(ids):
            raise ValueError(f"protocol {self.protocol_id}: regel-id's moeten uniek zijn")


def geldend_protocol(
    protocols: Iterable[Protocol], school_id: str, regiocode: str | None, on: date,
    soorten: Sequence[str] = (),
) -> Protocol | None:
    """The protocol version in force on ``on``: the school's own, else the one for its type (the
    first of ``soorten`` that has one: ISK before the school type), else the region's.

    Grounds: domain.md A3.9 (local protocols, versioned with their valid-from date).
    """
    candidates = [p for p in protocols if p.valid_from <= on]
    own = [p for p in candidates if p.scope is ProtocolScope.SCHOOL and p.scope_code == school_id]
    if own:
        return max(own, key=lambda p: p.valid_from)
    for soort in soorten:
        per_type = [p for p in candidates if p.scope is ProtocolScope.SCHOOLTYPE and p.scope_code == soort]
        if per_type:
            return max(per_type, key=lambda p: p.valid_from)
    regional = [
        p
        for p in candidates
        if p.scope is ProtocolScope.REGIO and regiocode is not None and p.scope_code == regiocode
    ]
    return max(regional, key=lambda p: p.valid_from) if regional else None


def gratie_einde(protocols: Iterable[Protocol], enrolment: Enrolment, regiocode: str | None) -> date | None:
    """Last day of the grace period for this enrolment, or ``None`` when none applies.

    Grounds: domain.md A3.9 (local protocols, versioned with their valid-from date).
    """
    protocol = geldend_protocol(protocols, enrolment.school_id, regiocode, enrolment.start, soorten_van(enrolment))
    if protocol is None:
        return None
    einden = [
        enrolment.start + timedelta(weeks=g.weken) - timedelta(days=1)
        for g in protocol.gratieperiodes
        if enrolment.isk or not g.alleen_isk
    ]
    return max(einden) if einden else None


def protocol_signalen(
    protocols: Sequence[Protocol],
    enrolment: Enrolment,
    regiocode: str | None,
    absences: Sequence[Absence],
    kalender: SchoolKalender,
) -> list[ProtocolSignal]:
    """Fire the signal rules of the protocol versions in force, over this enrolment's absences.

    ``absences`` must already carry their current codes and belong to this enrolment.

    Grounds: domain.md A3.9 (local protocols, versioned with their valid-from date).
    """
    soorten = soorten_van(enrolment)
    # only the versions geldend_protocol can choose for this enrolment (its school, its types, its region):
    # none (no protocol configured for it, the usual case) means no signal without walking its days
    kan_gelden: dict[ProtocolScope, set[str | None]] = {
        ProtocolScope.SCHOOL: {enrolment.school_id}, ProtocolScope.REGIO: {regiocode},
        ProtocolScope.SCHOOLTYPE: set(soorten)}
    protocols = [p for p in protocols if p.scope_code in kan_gelden[p.scope]]
    if not protocols:
        return []
    regio = enrolment.kalenderregio
    days = sorted({a.date for a in absences})
    per_day: dict[date, list[Absence]] = {}
    for a in absences:
        per_day.setdefault(a.date, []).append(a)

    # every (protocol_id, regel_id) that any applicable version defines: one chain each
    chains: dict[tuple[str, str], date] = {}
    signals: list[ProtocolSignal] = []
    for e in days:
        if kalender.lesweek_van(e, regio) is None:
            continue
        protocol = geldend_protocol(protocols, enrolment.school_id, regiocode, e, soorten)
        if protocol is None:
            continue
        for regel in protocol.signaal_regels:
            chain_start = chains.get((protocol.protocol_id, regel.regel_id), enrolment.start)
            if e < chain_start or not any(a.code in regel.codes for a in per_day[e]):
                continue
            if regel.venster_lesweken is None:
                lo = schooljaar_begin(e)
            else:
                lo = kalender.venster_begin(e, regel.venster_lesweken, regio)
            lo = max(lo, chain_start)
            matching = [
                a
                for d in days
                if lo <= d <= e
                for a in per_day[d]
                if a.code in regel.codes and kalender.lesweek_van(d, regio) is not None
            ]
            aantal = len({a.date for a in matching})
            uren = sum((a.hours for a in matching), Decimal(0))
            waarde = Decimal(aantal) if regel.maat is SignaalMaat.KEER else uren
            if waarde >= regel.drempel:
                signals.append(
                    ProtocolSignal(
                        protocol_id=protocol.protocol_id,
                        protocol_valid_from=protocol.valid_from,
                        regel_id=regel.regel_id,
                        omschrijving=regel.omschrijving,
                        school_id=enrolment.school_id,
                        start=min(a.date for a in matching),
                        datum=e,
                        aantal=aantal,
                        hours=uren,
                        ontvanger=regel.ontvanger,
                    )
                )
                chains[(protocol.protocol_id, regel.regel_id)] = e + timedelta(days=1)
    return signals
