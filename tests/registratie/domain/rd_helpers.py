"""Builders shared by the registratie domain tests (imported by basename; no __init__ here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from registratie.domain import (
    Absence,
    Decision,
    Enrolment,
    FiledReport,
    MeldplichtSignal,
    Protocol,
    PupilFacts,
    Recoding,
    evaluate,
    kalenderregio,
)

from contracts.codes import AfwezigheidCode, MeldingSoort, SchoolType, Vakantieregio
from leerrecht.kalender import standaard_kalender

D = date
SCHOOL = "00AP00"
STANDAARD_START = D(2024, 8, 1)
STANDAARD_GEBOORTEDATUM = D(2012, 3, 15)


def vo(
    start: date = STANDAARD_START,
    end: date | None = None,
    *,
    isk: bool = False,
    regio: Vakantieregio = Vakantieregio.MIDDEN,
    school: str = SCHOOL,
) -> Enrolment:
    return Enrolment(school, SchoolType.VO, regio, start, end, isk)


def pupil(geboortedatum: date = STANDAARD_GEBOORTEDATUM, *enrolments: Enrolment, **kw: object) -> PupilFacts:
    return PupilFacts("p-test", geboortedatum, enrolments=enrolments or (vo(),), **kw)  # type: ignore[arg-type]


_counter = iter(range(10**9))


def afw(d: date, hours: object, code: str = "ONGEOORLOOFD", **kw: object) -> Absence:
    return Absence(f"a{next(_counter)}", d, hours, AfwezigheidCode(code), **kw)  # type: ignore[arg-type]


def schooldagen(van: date, tot: date, regio: Vakantieregio = Vakantieregio.MIDDEN) -> list[date]:
    return list(standaard_kalender().schooldagen(kalenderregio(regio), van, tot))


def dagelijks(
    van: date, tot: date, hours: object, code: str = "ONGEOORLOOFD", regio: Vakantieregio = Vakantieregio.MIDDEN
) -> list[Absence]:
    return [afw(d, hours, code) for d in schooldagen(van, tot, regio)]


def run(
    p: PupilFacts,
    absences: Sequence[Absence],
    today: date,
    *,
    recodings: Sequence[Recoding] = (),
    reports: Sequence[FiledReport] = (),
    protocols: Sequence[Protocol] = (),
) -> list[Decision]:
    return evaluate(p, absences, recodings, reports, protocols, today)


def meldingen(decisions: Iterable[Decision], soort: MeldingSoort | None = None) -> list[MeldplichtSignal]:
    return [d for d in decisions if isinstance(d, MeldplichtSignal) and (soort is None or d.soort is soort)]


def zestien(decisions: Iterable[Decision]) -> list[MeldplichtSignal]:
    return meldingen(decisions, MeldingSoort.ZESTIEN_UUR)


def uren(x: object) -> Decimal:
    return Decimal(str(x))


def week(monday: date, i: int) -> date:
    return monday + timedelta(weeks=i)
