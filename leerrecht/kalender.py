"""School calendar, lesweken, public holidays and working days (shared runtime).

Why this module exists: the legal reporting rules (domain.md A3) count in *lesweken* of the
pupil's school ("16 uur in 4 aaneengesloten lesweken"; holiday weeks are skipped, not counted)
and set deadlines in *werkdagen* ("onverwijld" = within 5 working days, domain.md A3.1 and A5).
Both depend on Dutch calendars that are easy to get subtly wrong, so they live here once, pure
and tested. The only I/O is reading the reference CSVs shipped as package data
(`leerrecht/data/`, see `leerrecht/data/SOURCES.md`).

Decisions (where the sources are ambiguous):

* **Lesweek.** A school week is an ISO week, Monday to Friday. A week is a *vakantieweek* only when
  the school holiday covers **all five** of its weekdays; a week with at least one weekday outside
  the school holiday is a lesweek. The published holidays run Saturday to Sunday (9, 16 or 44
  days), so e.g. a herfstvakantie of Sat 10 Oct – Sun 18 Oct 2020 makes exactly the week of
  Mon 12 Oct a vakantieweek; the week of 5 Oct stays a lesweek although its weekend is in the
  holiday (the closing Sunday belongs to the holiday week itself: ISO weeks end on Sunday).
  A partly covered week (only possible with school-specific calendars) stays a lesweek:
  counting it gives the school less room before the 16-hour threshold, never more, and a pupil
  can only be absent on days the school is open.
* **Public holidays do not make a week a vakantieweek.** A week with Hemelvaartsdag or Koningsdag
  is a lesweek; those days are simply not *schooldagen*.
* **Schooldag** = a weekday that is not in the school holiday and not an algemeen erkende
  feestdag (below). Studiedagen and school-specific free days are not modelled.
* **Outside the data** (before the first known holiday of a region, after the last one) the
  calendar cannot tell holiday from lesweek and raises `BuitenKalenderbereik` instead of guessing.
* **The data has a known end** (domain.md A3.12, a Decision): `SchoolKalender.einde` is the last day
  known for *every* region, and `kalender_stand` says "degraded" from 12 months before it, so the
  next school year is loaded long before the rules would stop. Further school years are validated
  here (`lees_schoolvakanties`, `uitbreiding`: complete, following on, never changing a known
  holiday) and loaded by the service that evaluates the rules (registratie) without a release.
* **Feestdagen for working-day deadlines follow the Algemene termijnenwet (Atw) art. 3**:
  lid 1: Nieuwjaarsdag, tweede Paasdag, tweede Pinksterdag, beide Kerstdagen, Hemelvaartsdag, the
  day the King's birthday is celebrated (Koningsdag) and **the fifth of May, every year** (the
  "once every five years" rule for Bevrijdingsdag is a cao/employer practice, not the Atw);
  lid 2: **Goede Vrijdag is gelijkgesteld** with these days for the Atw, so it is not a working
  day here either (the brief's assumption that it is not a feestdag was checked and is wrong for
  the Atw). Days equated by Royal Decree under lid 3 (e.g. the Friday after Hemelvaart, published
  for three years at a time) are not built in; pass them as ``gelijkgesteld``.
* Koningsdag is 27 April, or 26 April when the 27th is a Sunday (since 2014). Before 2014
  Koninginnedag was 30 April, or 29 April when the 30th was a Sunday.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources

__all__ = [
    "WAARSCHUWING_MAANDEN",
    "BuitenKalenderbereik",
    "GemeenteRegio",
    "KalenderFout",
    "KalenderStand",
    "OnbekendeGemeente",
    "OngeldigeSchoolvakanties",
    "RegionTable",
    "RegionTableVersion",
    "SchoolKalender",
    "SchoolVakantie",
    "Vakantieregio",
    "add_working_days",
    "feestdagen",
    "is_feestdag",
    "is_lesweek",
    "is_werkdag",
    "kalender_stand",
    "lees_schoolvakanties",
    "lesweken",
    "load_region_table",
    "load_schoolvakanties",
    "pasen",
    "rmc_regio_for",
    "standaard_kalender",
    "uitbreiding",
    "vakantieregio_for",
    "week_start",
    "working_days_between",
]

_DATA_PACKAGE = "leerrecht.data"
_ONE_DAY = timedelta(days=1)


class Vakantieregio(StrEnum):
    """The three school-holiday regions set by the Rijksoverheid."""

    NOORD = "noord"
    MIDDEN = "midden"
    ZUID = "zuid"


class BuitenKalenderbereik(ValueError):
    """A date falls outside the school-holiday data, so lesweken cannot be decided."""


class OnbekendeGemeente(KeyError):
    """A gemeentecode is not in the region table (version) asked for."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the Dutch message readable.
        return str(self.args[0]) if self.args else "onbekende gemeente"


def week_start(d: date) -> date:
    """The Monday of the ISO week that contains ``d``.

    Grounds: domain.md A3.1 (lesweken).
    """
    return d - timedelta(days=d.weekday())


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files(_DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------------------------------------
# School holidays and lesweken
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchoolVakantie:
    """One school holiday of one region; ``begin`` and ``eind`` are both inclusive."""

    schooljaar: str
    naam: str
    regio: Vakantieregio
    begin: date
    eind: date

    def __post_init__(self) -> None:
        if self.eind < self.begin:
            raise ValueError(f"vakantie {self.naam} {self.regio}: einddatum {self.eind} ligt voor begindatum")

    def bevat(self, d: date) -> bool:
        return self.begin <= d <= self.eind


@cache
def load_schoolvakanties() -> tuple[SchoolVakantie, ...]:
    """All school holidays from ``leerrecht/data/schoolvakanties.csv`` (2020-2021 … 2027-2028).

    Grounds: domain.md A3.12, Decision (calendar data is finite).
    """
    return tuple(
        SchoolVakantie(
            schooljaar=row["schooljaar"],
            naam=row["vakantie"],
            regio=Vakantieregio(row["regio"]),
            begin=date.fromisoformat(row["begin"]),
            eind=date.fromisoformat(row["eind"]),
        )
        for row in _read_csv("schoolvakanties.csv")
    )


@dataclass(frozen=True)
class SchoolKalender:
    """School holidays per vakantieregio, with lesweek and schooldag arithmetic.

    The default instance (`standaard_kalender`) uses the national data. A school that deviates
    from the advisory holiday dates can get its own instance with its own ``vakanties``; the
    ``bereik`` per region is then derived from those holidays.
    """

    vakanties: tuple[SchoolVakantie, ...]
    gelijkgesteld: frozenset[date] = frozenset()
    _per_regio: Mapping[Vakantieregio, tuple[SchoolVakantie, ...]] = field(
        init=False, repr=False, compare=False
    )
    _lesweken: Mapping[Vakantieregio, tuple[date, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        per_regio: dict[Vakantieregio, tuple[SchoolVakantie, ...]] = {}
        lesweken: dict[Vakantieregio, tuple[date, ...]] = {}
        for regio in Vakantieregio:
            eigen = tuple(sorted((v for v in self.vakanties if v.regio is regio), key=lambda v: v.begin))
            per_regio[regio] = eigen
            weeks: list[date] = []
            if eigen:
                first = week_start(eigen[0].begin)
                if first < eigen[0].begin:  # the week must lie fully inside the known range
                    first += timedelta(weeks=1)
                last_friday = eigen[-1].eind
                monday = first
                while monday + timedelta(days=4) <= last_friday:
                    if not self._week_is_vakantie(monday, eigen):
                        weeks.append(monday)
                    monday += timedelta(weeks=1)
            lesweken[regio] = tuple(weeks)
        object.__setattr__(self, "_per_regio", per_regio)
        object.__setattr__(self, "_lesweken", lesweken)

    @staticmethod
    def _week_is_vakantie(monday: date, vakanties: Sequence[SchoolVakantie]) -> bool:
        return all(any(v.bevat(monday + timedelta(days=i)) for v in vakanties) for i in range(5))

    # -- range ---------------------------------------------------------------------------------

    def bereik(self, regio: Vakantieregio | str) -> tuple[date, date]:
        """First and last date (inclusive) for which the holiday data of ``regio`` is known."""
        eigen = self._per_regio[Vakantieregio(regio)]
        if not eigen:
            raise BuitenKalenderbereik(f"geen schoolvakanties bekend voor vakantieregio {regio}")
        return eigen[0].begin, eigen[-1].eind

    def _check(self, d: date, regio: Vakantieregio) -> None:
        eerste, laatste = self.bereik(regio)
        if not eerste <= d <= laatste:
            raise BuitenKalenderbereik(
                f"datum {d.isoformat()} ligt buiten de bekende schoolvakanties van regio {regio.value} "
                f"({eerste.isoformat()} t/m {laatste.isoformat()}); lesweken zijn daar niet te bepalen"
            )

    def einde_per_regio(self) -> dict[Vakantieregio, date]:
        """The last known date of every region (the end of its last holiday)."""
        return {r: self.bereik(r)[1] for r in Vakantieregio}

    def einde(self) -> date:
        """The last date known for every region: after it, some pupils' rules cannot be evaluated."""
        return min(self.einde_per_regio().values())

    def met_vakanties(self, extra: Sequence[SchoolVakantie]) -> SchoolKalender:
        """This calendar with further holidays (validated by :func:`uitbreiding`), as the same class."""
        return type(self)(self.vakanties + tuple(extra), self.gelijkgesteld)

    # -- days ----------------------------------------------------------------------------------

    def is_vakantiedag(self, d: date, regio: Vakantieregio | str) -> bool:
        """True when ``d`` lies in a school holiday of ``regio`` (weekends inside it included)."""
        r = Vakantieregio(regio)
        self._check(d, r)
        return any(v.bevat(d) for v in self._per_regio[r])

    def vakantie_op(self, d: date, regio: Vakantieregio | str) -> SchoolVakantie | None:
        r = Vakantieregio(regio)
        self._check(d, r)
        return next((v for v in self._per_regio[r] if v.bevat(d)), None)

    def is_schooldag(self, d: date, regio: Vakantieregio | str) -> bool:
        """A weekday outside the school holiday that is not an Atw feestdag (see module doc)."""
        if d.weekday() >= 5:
            return False
        if self.is_vakantiedag(d, regio):
            return False
        return not is_feestdag(d, self.gelijkgesteld)

    def schooldagen(self, regio: Vakantieregio | str, van: date, tot: date) -> Iterator[date]:
        """School days in ``[van, tot]`` in date order."""
        d = van
        while d <= tot:
            if self.is_schooldag(d, regio):
                yield d
            d += _ONE_DAY

    def add_schooldagen(self, d: date, n: int, regio: Vakantieregio | str) -> date:
        """The ``n``-th school day after ``d`` (``d`` itself not counted); ``n >= 0``."""
        if n < 0:
            raise ValueError("aantal schooldagen mag niet negatief zijn")
        while n > 0:
            d += _ONE_DAY
            if self.is_schooldag(d, regio):
                n -= 1
        return d

    # -- weeks ---------------------------------------------------------------------------------

    def is_lesweek(self, week_start_: date, regio: Vakantieregio | str) -> bool:
        """True when the ISO week starting on Monday ``week_start_`` is a lesweek of ``regio``."""
        if week_start_.weekday() != 0:
            raise ValueError(f"een week begint op maandag; {week_start_.isoformat()} is geen maandag")
        r = Vakantieregio(regio)
        self._check(week_start_, r)
        self._check(week_start_ + timedelta(days=4), r)
        weeks = self._lesweken[r]
        i = bisect.bisect_left(weeks, week_start_)
        return i < len(weeks) and weeks[i] == week_start_

    def lesweken(self, regio: Vakantieregio | str, van: date, tot: date) -> Iterator[date]:
        """Mondays of the lesweken whose Monday–Friday overlaps ``[van, tot]``, in order."""
        r = Vakantieregio(regio)
        eerste = week_start(van)
        if eerste + timedelta(days=4) < van:  # van is a weekend day: its week has no overlap
            eerste += timedelta(weeks=1)
        self._check(eerste, r)
        self._check(week_start(tot), r)
        weeks = self._lesweken[r]
        i = bisect.bisect_left(weeks, eerste)
        while i < len(weeks) and weeks[i] <= tot:
            yield weeks[i]
            i += 1

    def lesweek_van(self, d: date, regio: Vakantieregio | str) -> date | None:
        """The Monday of ``d``'s week when that week is a lesweek, else ``None``."""
        monday = week_start(d)
        return monday if self.is_lesweek(monday, regio) else None

    def schuif_lesweken(self, week_start_: date, n: int, regio: Vakantieregio | str) -> date:
        """The lesweek ``n`` lesweken after (``n < 0``: before) the lesweek ``week_start_``.

        Holiday weeks are skipped, which is how a 4-lesweken window "spans" a holiday.
        """
        r = Vakantieregio(regio)
        if not self.is_lesweek(week_start_, r):
            raise ValueError(f"week van {week_start_.isoformat()} is geen lesweek in regio {r.value}")
        weeks = self._lesweken[r]
        i = bisect.bisect_left(weeks, week_start_) + n
        if not 0 <= i < len(weeks):
            raise BuitenKalenderbereik(
                f"{abs(n)} lesweken {'na' if n >= 0 else 'voor'} {week_start_.isoformat()} vallen buiten "
                f"de bekende schoolvakanties van regio {r.value}"
            )
        return weeks[i]

    def venster_begin(self, d: date, n: int, regio: Vakantieregio | str) -> date:
        """Monday of the first week of the window of ``n`` lesweken that ends with ``d``'s lesweek.

        The window spans (skips) holiday weeks. Clamped to the first known lesweek of the region.
        """
        if n < 1:
            raise ValueError("een venster telt minstens 1 lesweek")
        r = Vakantieregio(regio)
        monday = week_start(d)
        if not self.is_lesweek(monday, r):
            raise ValueError(f"week van {monday.isoformat()} is geen lesweek in regio {r.value}")
        weeks = self._lesweken[r]
        i = bisect.bisect_left(weeks, monday) - (n - 1)
        return weeks[max(i, 0)]

    def lesweek_index(self, week_start_: date, regio: Vakantieregio | str) -> int:
        """Ordinal of a lesweek within the calendar: consecutive lesweken differ by exactly 1."""
        r = Vakantieregio(regio)
        if not self.is_lesweek(week_start_, r):
            raise ValueError(f"week van {week_start_.isoformat()} is geen lesweek in regio {r.value}")
        return bisect.bisect_left(self._lesweken[r], week_start_)


# ---------------------------------------------------------------------------------------------
# The calendar's end and its extension (domain.md A3.12)
# ---------------------------------------------------------------------------------------------

#: "degraded" from this many months before the calendar's end (domain.md A3.12)
WAARSCHUWING_MAANDEN = 12
VAKANTIES = ("Herfstvakantie", "Kerstvakantie", "Voorjaarsvakantie", "Meivakantie", "Zomervakantie")
_KOLOMMEN = ("schooljaar", "vakantie", "regio", "begin", "eind")
_MAX_VAKANTIEDAGEN = 60  # the longest published holiday is a summer of 44 days


def _maanden_terug(d: date, maanden: int) -> date:
    jaar, maand = divmod(d.year * 12 + d.month - 1 - maanden, 12)
    dag = d.day
    while True:
        try:
            return date(jaar, maand + 1, dag)
        except ValueError:  # 29-31 in a shorter month: its last day
            dag -= 1


@dataclass(frozen=True)
class KalenderStand:
    """How far the calendar reaches from ``vandaag``: the health and beheer signal of A3.12."""

    einde: date
    waarschuwing_vanaf: date
    vandaag: date
    einde_per_regio: Mapping[Vakantieregio, date]

    @property
    def resterende_dagen(self) -> int:
        return (self.einde - self.vandaag).days

    @property
    def resterende_dagen_per_regio(self) -> dict[Vakantieregio, int]:
        return {r: (e - self.vandaag).days for r, e in self.einde_per_regio.items()}

    @property
    def reden(self) -> str | None:
        """``kalender_verlopen`` after the end, ``kalender_loopt_af`` in the 12 months before it."""
        if self.vandaag > self.einde:
            return "kalender_verlopen"
        if self.vandaag >= self.waarschuwing_vanaf:
            return "kalender_loopt_af"
        return None

    @property
    def status(self) -> str:
        return "ok" if self.reden is None else "degraded"

    @property
    def melding(self) -> str:
        """The beheer line, in Dutch."""
        einde = self.einde.strftime("%d-%m-%Y")
        if self.reden == "kalender_verlopen":
            return (f"De schoolkalender liep tot en met {einde}: de meldregels kunnen voor leerlingen met "
                    "afwezigheid niet worden beoordeeld. Laad het volgende schooljaar "
                    "(POST /v1/beheer/schoolvakanties); daarna worden zij opnieuw beoordeeld.")
        if self.reden == "kalender_loopt_af":
            return (f"De schoolkalender loopt tot en met {einde} (nog {self.resterende_dagen} dagen). "
                    "Laad het volgende schooljaar (POST /v1/beheer/schoolvakanties).")
        return f"De schoolkalender loopt tot en met {einde}."


def kalender_stand(kalender: SchoolKalender, vandaag: date) -> KalenderStand:
    """The calendar's reach on ``vandaag`` (pure).

    Grounds: domain.md A3.12, Decision (calendar data is finite).
    """
    einde = kalender.einde()
    return KalenderStand(einde, _maanden_terug(einde, WAARSCHUWING_MAANDEN), vandaag, kalender.einde_per_regio())


@dataclass(frozen=True, slots=True)
class KalenderFout:
    """One refused row or field, in the platform's error shape (``veld``, ``regel``, ``melding``)."""

    veld: str
    regel: str
    melding: str


class OngeldigeSchoolvakanties(ValueError):
    """Rows that cannot be loaded; every problem found is in ``fouten`` (messages never echo values)."""

    def __init__(self, fouten: Sequence[KalenderFout]) -> None:
        super().__init__("; ".join(f"{f.veld}: {f.melding}" for f in fouten))
        self.fouten = tuple(fouten)


def _schooljaar(tekst: str) -> int | None:
    """The first calendar year of ``YYYY-YYYY`` (consecutive years, 2000-2098), else ``None``."""
    if len(tekst) != 9 or tekst[4] != "-" or not (tekst[:4].isdigit() and tekst[5:].isdigit()):
        return None
    a, b = int(tekst[:4]), int(tekst[5:])
    return a if 2000 <= a <= 2098 and b == a + 1 else None


def _rij(i: int, row: Mapping[str, object]) -> SchoolVakantie | KalenderFout:
    """One row in the columns of ``schoolvakanties.csv``, or its first problem."""
    waarden: dict[str, str] = {}
    for kolom in _KOLOMMEN:
        v = row.get(kolom)
        if not isinstance(v, str) or not v.strip():
            return KalenderFout(f"rijen[{i}].{kolom}", "verplicht", f"Kolom {kolom} ontbreekt of is leeg.")
        waarden[kolom] = v.strip()
    jaar = _schooljaar(waarden["schooljaar"])
    if jaar is None:
        return KalenderFout(f"rijen[{i}].schooljaar", "schooljaar",
                            "Een schooljaar is twee opeenvolgende jaren, zoals 2028-2029.")
    if waarden["vakantie"] not in VAKANTIES:
        return KalenderFout(f"rijen[{i}].vakantie", "vakantie", "Vakantie is een van: " + ", ".join(VAKANTIES) + ".")
    if waarden["regio"] not in {r.value for r in Vakantieregio}:
        return KalenderFout(f"rijen[{i}].regio", "vakantieregio", "Regio is noord, midden of zuid.")
    datums: dict[str, date] = {}
    for kolom in ("begin", "eind"):
        try:
            datums[kolom] = date.fromisoformat(waarden[kolom])
        except ValueError:
            return KalenderFout(f"rijen[{i}].{kolom}", "datum", "Geen geldige datum (JJJJ-MM-DD).")
        if len(waarden[kolom]) != 10:
            return KalenderFout(f"rijen[{i}].{kolom}", "datum", "Geen geldige datum (JJJJ-MM-DD).")
    begin, eind = datums["begin"], datums["eind"]
    if eind < begin:
        return KalenderFout(f"rijen[{i}].eind", "eind_na_begin", "De einddatum ligt voor de begindatum.")
    if not date(jaar, 8, 1) <= begin or not eind <= date(jaar + 1, 9, 30):
        veld = "begin" if not date(jaar, 8, 1) <= begin <= date(jaar + 1, 9, 30) else "eind"
        return KalenderFout(f"rijen[{i}].{veld}", "binnen_schooljaar",
                            "De vakantie valt niet tussen 1 augustus en 30 september van het volgende jaar.")
    if (eind - begin).days >= _MAX_VAKANTIEDAGEN:
        return KalenderFout(f"rijen[{i}].eind", "duur", f"Een vakantie duurt korter dan {_MAX_VAKANTIEDAGEN} dagen.")
    return SchoolVakantie(waarden["schooljaar"], waarden["vakantie"], Vakantieregio(waarden["regio"]), begin, eind)


def lees_schoolvakanties(rows: Sequence[Mapping[str, object]]) -> tuple[SchoolVakantie, ...]:
    """Rows in the columns of ``leerrecht/data/schoolvakanties.csv`` (from a file or an API body),
    each checked on its own; raises :class:`OngeldigeSchoolvakanties` with the first problem of
    every bad row, so one answer names them all.

    Grounds: domain.md A3.12, Decision (calendar data is finite).
    """
    uit = [_rij(i, row) for i, row in enumerate(rows)]
    fouten = [u for u in uit if isinstance(u, KalenderFout)]
    if fouten:
        raise OngeldigeSchoolvakanties(fouten)
    return tuple(u for u in uit if isinstance(u, SchoolVakantie))


def uitbreiding(bestaand: Sequence[SchoolVakantie], nieuw: Sequence[SchoolVakantie]) -> tuple[SchoolVakantie, ...]:
    """The rows of ``nieuw`` that extend ``bestaand``; the rest must be identical to what is known.

    Why these rules: the lesweken are counted across everything between the first and the last
    known holiday, so a missing holiday or school year would turn holiday weeks into lesweken and
    count absence wrongly. Hence every new school year has all five holidays of all three regions,
    the new school years follow the last known one without a gap, and no holidays of one region
    overlap. A known holiday is never changed here: past evaluations and published duties rest on
    it (a correction of reference data is a release, with its own note in ``data/SOURCES.md``).
    Raises :class:`OngeldigeSchoolvakanties`.

    Grounds: domain.md A3.12, Decision (calendar data is finite).
    """
    bekend = {(v.schooljaar, v.naam, v.regio): v for v in bestaand}
    fouten: list[KalenderFout] = []
    toe: list[tuple[int, SchoolVakantie]] = []
    gezien: set[tuple[str, str, Vakantieregio]] = set()
    for i, v in enumerate(nieuw):
        sleutel = (v.schooljaar, v.naam, v.regio)
        if sleutel in gezien:
            fouten.append(KalenderFout(f"rijen[{i}]", "dubbel", "Deze vakantie staat meer dan eens in de rijen."))
            continue
        gezien.add(sleutel)
        oud = bekend.get(sleutel)
        if oud is None:
            toe.append((i, v))
        elif oud != v:
            fouten.append(KalenderFout(f"rijen[{i}]", "al_vastgesteld",
                                       "Deze vakantie is al vastgesteld met andere data; wijzigen kan niet."))
    if fouten:
        raise OngeldigeSchoolvakanties(fouten)
    jaren = sorted({v.schooljaar for _, v in toe})
    volledig = {(n, r) for n in VAKANTIES for r in Vakantieregio}
    for jaar in jaren:
        if {(v.naam, v.regio) for _, v in toe if v.schooljaar == jaar} != volledig:
            fouten.append(KalenderFout("rijen", "volledig_schooljaar",
                                       f"Schooljaar {jaar} is niet volledig: elke vakantie van elke regio hoort "
                                       "erin (15 rijen)."))
    bekende_jaren = sorted({v.schooljaar for v in bestaand})
    verwacht = (_schooljaar(bekende_jaren[-1]) or 0) + 1 if bekende_jaren else None
    for jaar in jaren:
        start = _schooljaar(jaar)
        if verwacht is not None and start != verwacht:
            fouten.append(KalenderFout("rijen", "aansluitend_schooljaar",
                                       f"Schooljaar {jaar} sluit niet aan op het laatst bekende schooljaar; "
                                       "laad de schooljaren zonder gat."))
            break
        verwacht = (start or 0) + 1
    if fouten:
        raise OngeldigeSchoolvakanties(fouten)
    for regio in Vakantieregio:
        alle = sorted([(v.begin, -1, v) for v in bestaand if v.regio is regio]
                      + [(v.begin, i, v) for i, v in toe if v.regio is regio], key=lambda t: (t[0], t[1]))
        tot: tuple[date, int] | None = None  # the latest end so far, and its row (-1: known)
        for _, i, v in alle:
            if tot is not None and v.begin <= tot[0]:
                rij = i if i >= 0 else tot[1]
                fouten.append(KalenderFout(f"rijen[{rij}]", "overlap",
                                           "Deze vakantie overlapt een andere vakantie van dezelfde regio."))
            if tot is None or v.eind > tot[0]:
                tot = (v.eind, i)
    if fouten:
        raise OngeldigeSchoolvakanties(fouten)
    return tuple(v for _, v in toe)


@cache
def standaard_kalender() -> SchoolKalender:
    """The national school calendar from the shipped CSV (cached).

    Grounds: domain.md A3.12, Decision (calendar data is finite) and A3.1 (lesweken).
    """
    return SchoolKalender(load_schoolvakanties())


def is_lesweek(week_start: date, vakantieregio: Vakantieregio | str) -> bool:
    """Whether the ISO week starting on Monday ``week_start`` is a lesweek (see module doc).

    Grounds: domain.md A3.1 (holiday weeks are skipped, not counted).
    """
    return standaard_kalender().is_lesweek(week_start, vakantieregio)


def lesweken(vakantieregio: Vakantieregio | str, van: date, tot: date) -> Iterator[date]:
    """Mondays of the lesweken of ``vakantieregio`` overlapping ``[van, tot]``.

    Grounds: domain.md A3.1 (holiday weeks are skipped, not counted).
    """
    return standaard_kalender().lesweken(vakantieregio, van, tot)


# ---------------------------------------------------------------------------------------------
# Public holidays (Algemene termijnenwet art. 3) and working days
# ---------------------------------------------------------------------------------------------


def pasen(jaar: int) -> date:
    """Easter Sunday (Gregorian), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).

    Grounds: art. 3 Algemene termijnenwet (the Easter-based feestdagen); domain.md A2.
    """
    if jaar < 1583:
        raise ValueError("de Gregoriaanse paasberekening geldt vanaf 1583")
    a = jaar % 19
    b, c = divmod(jaar, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    maand, dag = divmod(h + ll - 7 * m + 114, 31)
    return date(jaar, maand, dag + 1)


def _koningsdag(jaar: int) -> tuple[date, str]:
    if jaar >= 2014:
        d = date(jaar, 4, 27)
        naam = "Koningsdag"
    else:
        d = date(jaar, 4, 30)
        naam = "Koninginnedag"
    if d.weekday() == 6:  # Sunday: celebrated the day before
        d -= _ONE_DAY
    return d, naam


@cache
def feestdagen(jaar: int) -> Mapping[date, str]:
    """The algemeen erkende feestdagen of ``jaar`` under Atw art. 3 lid 1 and 2 (see module doc).

    Eerste Paasdag and eerste Pinksterdag are Sundays and therefore never working days anyway;
    they are listed for completeness.
    """
    p = pasen(jaar)
    kd, kd_naam = _koningsdag(jaar)
    dagen = {
        date(jaar, 1, 1): "Nieuwjaarsdag",
        p - timedelta(days=2): "Goede Vrijdag",
        p: "Eerste Paasdag",
        p + timedelta(days=1): "Tweede Paasdag",
        kd: kd_naam,
        date(jaar, 5, 5): "Bevrijdingsdag",
        p + timedelta(days=39): "Hemelvaartsdag",
        p + timedelta(days=49): "Eerste Pinksterdag",
        p + timedelta(days=50): "Tweede Pinksterdag",
        date(jaar, 12, 25): "Eerste Kerstdag",
        date(jaar, 12, 26): "Tweede Kerstdag",
    }
    # 5 May can coincide with Hemelvaartsdag (e.g. 2016): one day, both names.
    if date(jaar, 5, 5) == p + timedelta(days=39):
        dagen[date(jaar, 5, 5)] = "Bevrijdingsdag en Hemelvaartsdag"
    return dagen


def is_feestdag(d: date, gelijkgesteld: Collection[date] = ()) -> bool:
    """Atw feestdag, or a day equated with one by Royal Decree (passed in ``gelijkgesteld``).

    Grounds: art. 3 Algemene termijnenwet; domain.md A2, Decision (what a registration is).
    """
    return d in feestdagen(d.year) or d in gelijkgesteld


def is_werkdag(d: date, gelijkgesteld: Collection[date] = ()) -> bool:
    """Monday–Friday and not a feestdag (Atw art. 1: Saturday, Sunday and feestdagen are not)."""
    return d.weekday() < 5 and not is_feestdag(d, gelijkgesteld)


def add_working_days(d: date, n: int, gelijkgesteld: Collection[date] = ()) -> date:
    """The ``n``-th working day after ``d`` (``d`` itself is not counted; ``n < 0`` goes back).

    ``add_working_days(d, 0)`` is ``d``. A report due "within 5 working days" of reaching the
    threshold on day ``E`` is due on ``add_working_days(E, 5)``.

    Grounds: domain.md A3.1 (onverwijld: within 5 working days).
    """
    if not gelijkgesteld:  # the usual case: remembered (a worklist asks it of every report, issue 16)
        return _add_working_days(d, n)
    return _stap_werkdagen(d, n, gelijkgesteld)


@lru_cache(maxsize=65_536)
def _add_working_days(d: date, n: int) -> date:
    return _stap_werkdagen(d, n, ())


def _stap_werkdagen(d: date, n: int, gelijkgesteld: Collection[date]) -> date:
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_werkdag(d, gelijkgesteld):
            remaining -= 1
    return d


def working_days_between(a: date, b: date, gelijkgesteld: Collection[date] = ()) -> int:
    """Working days stepped over going from ``a`` to ``b``: those in ``(a, b]`` when ``a <= b``,
    minus those in ``[b, a)`` when ``b < a``.

    Inverse of `add_working_days`: ``working_days_between(d, add_working_days(d, n)) == n``.

    Grounds: domain.md A3.1 (onverwijld: within 5 working days).
    """
    lo, hi, sign = (a + _ONE_DAY, b, 1) if a <= b else (b, a - _ONE_DAY, -1)
    if lo > hi:
        return 0
    # Counted, not stepped (issue 16: the worklist asked this of every overdue item, from its due date up
    # to today, and a year-old case walked ~300 days): the weekdays in [lo, hi] by arithmetic, minus
    # the feestdagen and equated days among them that fall on a weekday, each day once.
    count = _weekdagen_t_m(hi.toordinal()) - _weekdagen_t_m(lo.toordinal() - 1)
    for jaar in range(lo.year, hi.year + 1):
        count -= sum(1 for d in _feestdagen_op_weekdag(jaar) if lo <= d <= hi)
    if gelijkgesteld:
        count -= sum(1 for g in set(gelijkgesteld)
                     if lo <= g <= hi and g.weekday() < 5 and g not in feestdagen(g.year))
    return sign * count


@cache
def _feestdagen_op_weekdag(jaar: int) -> tuple[date, ...]:
    return tuple(d for d in feestdagen(jaar) if d.weekday() < 5)


def _weekdagen_t_m(ordinal: int) -> int:
    """Monday–Friday among the days with ordinals 1 up to and including ``ordinal`` (day 1, 1 January of
    year 1, is a Monday)."""
    weken, rest = divmod(ordinal, 7)
    return 5 * weken + min(rest, 5)


# ---------------------------------------------------------------------------------------------
# Municipality → region table, versioned by date
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GemeenteRegio:
    """The regions a municipality belongs to in one version of the table."""

    gemeentecode: str
    gemeentenaam: str
    rmc_regiocode: str
    rmc_regionaam: str
    vakantieregio: Vakantieregio
    vakantieregio_gesplitst: bool  # schools of this municipality are in more than one region


@dataclass(frozen=True)
class RegionTableVersion:
    """One version of the municipality table, in force from ``valid_from`` (inclusive)."""

    valid_from: date
    peiljaar: int
    gemeenten: Mapping[str, GemeenteRegio]


@dataclass(frozen=True)
class RegionTable:
    """Municipality → Doorstroompunt (RMC) region and vakantieregio, versioned by date.

    Why versioned: municipalities merge on 1 January and sometimes change region mid-year
    (domain.md B; Alphen-Chaam and Baarle-Nassau moved to Midden-Brabant on 1 August 2025).
    A new version is added with its own ``valid_from``; old dates keep resolving to the old one.
    """

    versions: tuple[RegionTableVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("een regiotabel heeft minstens één versie nodig")
        ordered = tuple(sorted(self.versions, key=lambda v: v.valid_from))
        if len({v.valid_from for v in ordered}) != len(ordered):
            raise ValueError("twee versies van de regiotabel hebben dezelfde ingangsdatum")
        object.__setattr__(self, "versions", ordered)

    def version_on(self, on: date | None = None) -> RegionTableVersion:
        """The version in force on ``on``; ``None`` means the newest version."""
        if on is None:
            return self.versions[-1]
        i = bisect.bisect_right([v.valid_from for v in self.versions], on) - 1
        if i < 0:
            raise OnbekendeGemeente(
                f"geen versie van de regiotabel geldig op {on.isoformat()} "
                f"(eerste versie geldt vanaf {self.versions[0].valid_from.isoformat()})"
            )
        return self.versions[i]

    def region_for(self, gemeentecode: str, on: date | None = None) -> GemeenteRegio:
        """The regions of ``gemeentecode`` (``GM`` + 4 digits) on date ``on`` (``None``: newest)."""
        code = _normaliseer_gemeentecode(gemeentecode)
        version = self.version_on(on)
        try:
            return version.gemeenten[code]
        except KeyError:
            raise OnbekendeGemeente(
                f"gemeentecode {gemeentecode!r} komt niet voor in de regiotabel "
                f"(versie geldig vanaf {version.valid_from.isoformat()}, peiljaar {version.peiljaar})"
            ) from None


def _normaliseer_gemeentecode(code: str) -> str:
    c = code.strip().upper()
    if c.isdigit() and len(c) <= 4:
        c = "GM" + c.zfill(4)
    if len(c) != 6 or not c.startswith("GM") or not c[2:].isdigit():
        raise OnbekendeGemeente(f"ongeldige gemeentecode {code!r}: verwacht 'GM' gevolgd door 4 cijfers")
    return c


# The shipped table reflects the division in force from 1 August 2025 (see data/SOURCES.md).
_EERSTE_VERSIE_GELDIG_VANAF = date(2025, 8, 1)


@cache
def load_region_table() -> RegionTable:
    """The shipped region table: one version, peiljaar 2026, valid from 2025-08-01.

    Grounds: domain.md B, Decision (an instance per region, versioned by date).
    """
    vak = {row["gemeentecode"]: row for row in _read_csv("gemeente_vakantieregio.csv")}
    gemeenten: dict[str, GemeenteRegio] = {}
    peiljaren: set[int] = set()
    for row in _read_csv("gemeente_rmc_regio.csv"):
        code = row["gemeentecode"]
        v = vak[code]
        peiljaren.add(int(row["peiljaar"]))
        gemeenten[code] = GemeenteRegio(
            gemeentecode=code,
            gemeentenaam=row["gemeentenaam"],
            rmc_regiocode=row["rmc_regiocode"],
            rmc_regionaam=row["rmc_regionaam"],
            vakantieregio=Vakantieregio(v["vakantieregio"]),
            vakantieregio_gesplitst=v["gesplitst"] == "ja",
        )
    if len(peiljaren) != 1:
        raise ValueError(f"regiotabel met gemengde peiljaren: {sorted(peiljaren)}")
    return RegionTable((RegionTableVersion(_EERSTE_VERSIE_GELDIG_VANAF, peiljaren.pop(), gemeenten),))


def vakantieregio_for(gemeentecode: str, on: date | None = None) -> Vakantieregio:
    """The (majority) vakantieregio of a municipality; prefer the school location's own region.

    Grounds: domain.md A3.1 (the holiday weeks of the school's region).
    """
    return load_region_table().region_for(gemeentecode, on).vakantieregio


def rmc_regio_for(gemeentecode: str, on: date | None = None) -> str:
    """The Doorstroompunt (RMC) region code, e.g. ``MC21``, of a municipality.

    Grounds: domain.md B, Decision (an instance per region, versioned by date).
    """
    return load_region_table().region_for(gemeentecode, on).rmc_regiocode
