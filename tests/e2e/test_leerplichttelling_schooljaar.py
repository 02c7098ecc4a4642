"""A scripted schooljaar 2025-2026 through registratie's intake, counted by telling (issue 12, "Done when").

Schools and DUO feed registratie over HTTP as they do in production (enrolments, absence on school
days only, reports, an un-enrolment, DUO's vrijstellingen, an absoluut-verzuim candidate and a move);
registratie applies the legal rules; telling, a separate process on the same Kafka, computes the
leerplichttelling (domain.md C, art. 25 Lpw). The figures per woongemeente are compared with values
computed **by hand** below, with a comment per pupil saying why.

Set-up:

* registratie's "today" is pinned to Friday 9 October 2026 (``REGISTRATIE_VANDAAG``), early in the
  next schooljaar, so every fact of the year can be fed (nothing lies in the future) and the rules see
  the whole year (a pupil who came back shows as back). Its daily job is run once at the end. So
  each pupil's absences are fed in one batch before the school's report (a school reporting after
  the fact): fed in parts, registratie would rightly take the days after the first part, all in its
  past, as the pupil's return and fix the report's end date there.
* telling's klok is the day before the latest *recorded* day on the log (wall-clock publication
  time), so at least 30 November 2026 today: an LRV report without an end date would count as
  open up to then. Every LRV here has an end date set by registratie, so the counts do not depend on
  the day the test runs.
* Regions MC35 (Midden-Brabant: Tilburg GM0855, Goirle GM0785) and MC38 (Limburg-Noord: Venlo
  GM0983); no other test feeds persons living there, so those municipalities' cells are exact (telling
  counts every regional topic of the shared Kafka; national and regional cells are not asserted).
* The school is 00AP00 (po, vakantieregio midden): the schooljaar 2025-2026 starts on Monday
  1 September 2025 (zomervakantie midden ends 31 August), herfstvakantie 18-26 Oct, kerst 20 Dec - 4
  Jan, voorjaar 14-22 Feb, mei 25 Apr - 3 May, summer from 18 July. Absence is fed only on the
  school days of that calendar (:func:`schooldagen`); registratie refuses any other day.
* Halt and proces-verbaal (leerplicht's routes) are not part of this script: they need leerplicht
  instances of MC35 with officers picking up dossiers; ``tests/telling/tl_scenario.py`` counts them
  at the domain level.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from telling.domain.figures import schooljaar
from wachten import eventually

from leerrecht.kalender import standaard_kalender
from services import ServiceProcess, auth, launch, start_service, wait_ready

VANDAAG = date(2026, 10, 9)
JAAR = "2025-2026"
VOLGEND = "2026-2027"
TILBURG, GOIRLE, VENLO = "GM0855", "GM0785", "GM0983"
SCHOOL, SCHOOL2 = "00AP00", "00AV00"  # both po, vakantieregio midden (schoolvestigingen_po.csv)


def _bsn(n: int) -> str:
    """A valid BSN (elfproef) of this module only: prefix 3512, then ``n``, then a check digit."""
    for basis in range(n * 10, n * 10 + 10):
        acht = f"3512{basis:04d}"
        som = sum(int(c) * (9 - i) for i, c in enumerate(acht)) % 11
        if som != 10:
            return acht + str(som)
    raise AssertionError("no BSN for this n")


P = {naam: _bsn(i + 1) for i, naam in enumerate([
    "relatief", "herhaald", "luxe", "lrv_nieuw", "lrv_1sep", "lrv_verhuisd", "vrij_5a", "vrij_5c",
    "absoluut", "overstap", "verzuimt_niet",
])}


def schooldagen(van: date, tot: date) -> list[date]:
    """The school days of vakantieregio midden from ``van`` to ``tot`` (inclusive)."""
    return list(standaard_kalender().schooldagen("midden", van, tot))


@pytest.fixture(scope="module")
def platform(infra) -> Iterator[dict[str, ServiceProcess]]:  # type: ignore[no-untyped-def]
    procs: dict[str, ServiceProcess] = {}
    try:
        procs["registratie"] = start_service(
            "registratie", infra.bootstrap, infra.database_url("regjaar"), REGIONS="MC35,MC38",
            REGISTRATIE_VANDAAG=VANDAAG.isoformat(), DAGTAAK_INTERVAL_S="0")
        procs["telling"] = launch("telling", infra.bootstrap, infra.database_url("teljaar"))
        wait_ready(procs["telling"])
        yield procs
    finally:
        for p in procs.values():
            p.stop()


class Intake:
    """The schools' and DUO's calls, each with its own Idempotency-Key; every answer must be 2xx."""

    def __init__(self, reg: ServiceProcess) -> None:
        self.reg = reg
        self.n = 0

    def post(self, pad: str, body: dict[str, Any], token: str = "school", expect: int = 201) -> dict[str, Any]:
        self.n += 1
        r = httpx.post(f"{self.reg.url}/v1/{pad}", json=body, timeout=60,
                       headers={**auth(token), "Idempotency-Key": f"jaar-{self.n:05d}-{pad.replace('/', '-')}"})
        assert r.status_code == expect, f"{pad}: {r.status_code} {r.text}"
        return dict(r.json())

    def inschrijven(self, wie: str, gemeente: str, ingang: date, school: str = SCHOOL,
                    token: str = "school") -> None:
        self.post("inschrijvingen", {"pgn": P[wie], "geboortedatum": "2013-03-14", "woongemeente": gemeente,
                                     "school": school, "ingangsdatum": ingang.isoformat(), "klas": "8A"}, token)

    def afwezig(self, wie: str, dagen: list[date], uren: Decimal | str = "5", code: str = "ONGEOORLOOFD",
                woensdag: str | None = "3.75", token: str = "school") -> None:
        """Absence on each of ``dagen``; on Wednesdays (the short po day) ``woensdag`` hours."""
        rijen = [{"pgn": P[wie], "datum": d.isoformat(), "code": code,
                  "uren": str(woensdag if woensdag is not None and d.weekday() == 2 else uren)} for d in dagen]
        for i in range(0, len(rijen), 500):
            antwoord = self.post("afwezigheden/batch", {"rijen": rijen[i:i + 500]}, token, expect=207)
            assert antwoord["geaccepteerd"] == len(rijen[i:i + 500]), antwoord

    def melding(self, wie: str, soort: str, start: date, eind: date | None = None,
                uren: str | None = None) -> str:
        body: dict[str, Any] = {"pgn": P[wie], "soort": soort, "startdatum": start.isoformat()}
        if eind is not None:
            body["einddatum"] = eind.isoformat()
        if uren is not None:
            body["uren"] = uren
        return str(self.post("meldingen", body)["melding_id"])


def script(intake: Intake) -> None:
    """The schooljaar, pupil by pupil (the expected figures below say what each one counts as)."""
    sep1 = date(2025, 9, 1)

    # relatief: 4 × 4 h ongeoorloofd, Mon 6 - Thu 9 Oct 2025 = 16 h in one lesweek → one 16-uur
    # report (art. 21a Lpw, A3.1) filed by the school. Relatief verzuim, once.
    intake.inschrijven("relatief", TILBURG, sep1)
    okt = schooldagen(date(2025, 10, 6), date(2025, 10, 9))
    intake.afwezig("relatief", okt, "4", woensdag=None)
    intake.melding("relatief", "ZESTIEN_UUR", okt[0], okt[-1], "16")

    # herhaald: the same in October and again 17-20 Nov 2025 (the next count starts after the first
    # report's end date, A3.1) → two 16-uur reports in the schooljaar: relatief and herhaald.
    intake.inschrijven("herhaald", TILBURG, sep1)
    nov = schooldagen(date(2025, 11, 17), date(2025, 11, 20))
    intake.afwezig("herhaald", okt, "4", woensdag=None)
    intake.melding("herhaald", "ZESTIEN_UUR", okt[0], okt[-1], "16")
    intake.afwezig("herhaald", nov, "4", woensdag=None)
    intake.melding("herhaald", "ZESTIEN_UUR", nov[0], nov[-1], "16")

    # luxe: Wed 11 - Fri 13 Feb 2026 (just before the voorjaarsvakantie) 5 h LUXE each, 15 h: under
    # the 16-uur threshold, but luxeverzuim must always be reported (A3.3) → luxeverzuim.
    intake.inschrijven("luxe", TILBURG, sep1)
    feb = schooldagen(date(2026, 2, 11), date(2026, 2, 13))
    intake.afwezig("luxe", feb, "5", code="LUXE", woensdag=None)
    intake.melding("luxe", "LUXE", feb[0], feb[-1], "15")

    # lrv_nieuw (issue 12.7): absent every school day from Mon 1 Sep 2025, the first school day,
    # 5 h a day and 3.75 h on the short Wednesday (A3.2 Decision: a short day does not break the run),
    # to Fri 10 Oct; back on Mon 13 Oct (nothing registered). Four full lesweken (1, 8, 15, 22 Sep),
    # then the first lesdag of the fifth: LRV on Mon 29 Sep. The school reports the LRV from 1 Sep;
    # registratie sets its end date (10 Oct) as the pupil came back. The threshold was reached during
    # the schooljaar → "new", NOT "at 1 September", although the absence began on 1 September (C,
    # Decision). Open 1 Sep - 10 Oct: not longer than 3 months. A thuiszitter.
    intake.inschrijven("lrv_nieuw", TILBURG, sep1)
    intake.afwezig("lrv_nieuw", schooldagen(sep1, date(2025, 10, 10)))
    intake.melding("lrv_nieuw", "LRV", sep1)

    # lrv_1sep: enrolled on 1 Sep 2025 (the platform's region table starts on 1 Aug 2025, so an
    # enrolment from an earlier year is refused: this LRV runs into the next schooljaar instead).
    # Absent every school day from Mon 11 May 2026 to the summer holiday (last school day Fri 17 Jul)
    # and again from the first school day of 2026-2027, Mon 31 Aug, to Fri 25 Sep 2026; back on Mon
    # 28 Sep. Holiday weeks neither break nor extend the run (A3.2). Full lesweken 11, 18, 25 May
    # (Pinkstermaandag is no school day, the week still a lesweek) and 1 Jun; LRV on Mon 8 Jun 2026 →
    # "new" in 2025-2026, and in 2026-2027 reached before 1 September and still open on it → "at 1
    # September" there (not "new"). 3 months ran out on 11 Aug 2026, in 2026-2027: "> 3 months"
    # counts there. A thuiszitter in both years.
    intake.inschrijven("lrv_1sep", TILBURG, sep1)
    intake.afwezig("lrv_1sep", schooldagen(date(2026, 5, 11), date(2026, 7, 17))
                   + schooldagen(date(2026, 8, 31), date(2026, 9, 25)))
    intake.melding("lrv_1sep", "LRV", date(2026, 5, 11))

    # lrv_verhuisd: absent every school day from Mon 3 Nov 2025; LRV on Mon 1 Dec (full lesweken 3,
    # 10, 17, 24 Nov) → "new" in Tilburg; the school reports it. DUO: moved to Venlo (MC38) on Thu 15
    # Jan 2026 while the report is open → "moved away" in Tilburg (the old municipality, in the year
    # of the move). Absent until Fri 6 Mar, back Mon 9 Mar: open for more than 3 months, which ran out
    # on 3 Feb 2026, after the move → "> 3 months" counts in Venlo, not in Tilburg. Tilburg's
    # thuiszitter (the LRV counts from its first day, 3 Nov, when the pupil lived in Tilburg).
    intake.inschrijven("lrv_verhuisd", TILBURG, sep1)
    intake.afwezig("lrv_verhuisd", schooldagen(date(2025, 11, 3), date(2026, 3, 6)))
    intake.melding("lrv_verhuisd", "LRV", date(2025, 11, 3))
    intake.post("duo/verhuizingen", {"pgn": P["lrv_verhuisd"], "verhuisdatum": "2026-01-15",
                                     "nieuwe_gemeente": VENLO}, "duo")

    # vrij_5a (issue 12.7): enrolled nowhere; DUO registers a 5a vrijstelling from 1 Sep 2025 to
    # 31 Jul 2027 and states the woongemeente Goirle → counts in Goirle (C, Decision), although no
    # enrolment ever told telling where the child lives.
    intake.post("duo/vrijstellingen", {"pgn": P["vrij_5a"], "geboortedatum": "2015-06-02",
                                       "woongemeente": GOIRLE, "artikel": "5a", "van": "2025-09-01",
                                       "tot_en_met": "2027-07-31"}, "duo")
    # vrij_5c: a Tilburg child at school abroad, enrolled nowhere here; 5c vrijstelling for two years.
    intake.post("duo/vrijstellingen", {"pgn": P["vrij_5c"], "geboortedatum": "2014-11-20",
                                       "woongemeente": TILBURG, "artikel": "5c", "van": "2025-09-01",
                                       "tot_en_met": "2027-07-31"}, "duo")

    # absoluut: DUO's candidate, a leerplichtig Tilburg child enrolled nowhere since 1 Sep 2025 and
    # still not enrolled → absoluut verzuim, and longer than 3 months (1 Dec 2025 passed without an
    # enrolment) in 2025-2026. A thuiszitter.
    intake.post("duo/absoluut-verzuim-kandidaten", {"kandidaten": [{
        "pgn": P["absoluut"], "geboortedatum": "2014-01-09", "woongemeente": TILBURG,
        "sinds": "2025-09-01"}]}, "duo", expect=207)

    # overstap: un-enrolled from 00AP00 on Fri 30 Jan 2026 to 00AV00, enrolled there from Mon 2 Feb:
    # a transfer, never absoluut verzuim (A3.6); one sick day counts nowhere in the leerplichttelling.
    intake.inschrijven("overstap", TILBURG, sep1)
    intake.afwezig("overstap", [date(2025, 12, 1)], "5", code="ZIEK", woensdag=None)
    intake.post("uitschrijvingen", {"pgn": P["overstap"], "school": SCHOOL, "uitschrijfdatum": "2026-01-30",
                                    "reden": "OVERSTAP", "naar_school": SCHOOL2})
    intake.inschrijven("overstap", TILBURG, date(2026, 2, 2), school=SCHOOL2, token="school2")

    # verzuimt_niet: a Goirle pupil with 2 h ongeoorloofd once: below every threshold (A3.4), no report.
    intake.inschrijven("verzuimt_niet", GOIRLE, sep1)
    intake.afwezig("verzuimt_niet", [date(2026, 3, 10)], "2", woensdag=None)


_SIGNAAL_JAAR = schooljaar(datetime.now(ZoneInfo("Europe/Amsterdam")).date())

# Hand-computed leerplichttelling per (woongemeente, schooljaar); see the comment per pupil in
# :func:`script`. None: no cell, or a cell with 0.
VERWACHT: dict[tuple[str, str], dict[str, int | None]] = {
    (TILBURG, JAAR): {
        "absoluut_verzuim": 1,  # absoluut
        "absoluut_verzuim_langer_dan_3_maanden": 1,  # absoluut
        "relatief_verzuim": 2,  # relatief, herhaald
        "relatief_verzuim_herhaald": 1,  # herhaald
        "luxeverzuim": 1,  # luxe
        "lrv": 3,  # lrv_nieuw, lrv_1sep, lrv_verhuisd
        "lrv_op_1_september": None,  # lrv_nieuw's absence began on 1 Sep, but its threshold after
        "lrv_nieuw": 3,  # lrv_nieuw, lrv_1sep (8 Jun 2026), lrv_verhuisd
        "lrv_langer_dan_3_maanden": None,  # lrv_verhuisd's ran out in Venlo, lrv_1sep's in 2026-2027
        "lrv_verhuisd": 1,  # lrv_verhuisd
        "vrijstellingen_5a": None,  # vrij_5a lives in Goirle
        "vrijstellingen_5c": 1,  # vrij_5c
        "thuiszitters": 4,  # absoluut, lrv_nieuw, lrv_1sep, lrv_verhuisd
    },
    (TILBURG, VOLGEND): {
        "lrv": 1,  # lrv_1sep, open until 25 Sep 2026
        "lrv_op_1_september": 1,  # lrv_1sep: threshold 8 Jun 2026, open on 1 Sep 2026
        "lrv_nieuw": None,
        "lrv_langer_dan_3_maanden": 1,  # lrv_1sep: 11 May + 3 months = 11 Aug 2026, still open
        "vrijstellingen_5c": 1,  # vrij_5c, to 31 Jul 2027
        # absoluut: still enrolled nowhere on registratie's today (9 Oct 2026), so registratie's own
        # rule (A3.6, "a child never enrolled") raises its signal (bron PLATFORM) as well; absoluut
        # verzuim counts in the schooljaar of a signal. That event carries the wall-clock time (only
        # the rules' "today" is pinned, not the envelope's time), so it lands in the schooljaar the test
        # runs in: 2026-2027 until 31 Jul 2027.
        "absoluut_verzuim": 1 if _SIGNAAL_JAAR == VOLGEND else None,
        "thuiszitters": 2 if _SIGNAAL_JAAR == VOLGEND else 1,  # lrv_1sep (+ absoluut, see above)
    },
    (GOIRLE, JAAR): {
        "vrijstellingen_5a": 1,  # vrij_5a (enrolled nowhere)
        "absoluut_verzuim": None,
        "relatief_verzuim": None,  # verzuimt_niet: 2 h, no report
        "lrv": None,
        "thuiszitters": None,
    },
    (GOIRLE, VOLGEND): {
        "vrijstellingen_5a": 1,  # vrij_5a, to 31 Jul 2027
    },
    (VENLO, JAAR): {
        "lrv_langer_dan_3_maanden": 1,  # lrv_verhuisd, 3 months on 3 Feb 2026, after the move
        "lrv": None,  # counted where it began (Tilburg)
        "lrv_nieuw": None,
        "lrv_verhuisd": None,  # counted at the old municipality
        "thuiszitters": None,
    },
}


def figures(tel: ServiceProcess, gebied: str) -> dict[str, Any]:
    """``beheer`` sees exact values (analysts see counts 1-9 suppressed, domain.md C)."""
    r = httpx.get(f"{tel.url}/v1/cijfers", params={"gebied": gebied}, headers=auth("beheer"), timeout=30)
    assert r.status_code == 200, r.text
    return {f"{c['indicator']}|{c['periode']}": c["waarde"] for c in r.json()["cijfers"]}


def _verschil(tel: ServiceProcess) -> dict[str, tuple[Any, Any]]:
    """(hand count, telling) of every expected figure that telling does not (yet) show."""
    out: dict[str, tuple[Any, Any]] = {}
    gezien: dict[str, dict[str, Any]] = {}
    for (gebied, jaar), verwacht in VERWACHT.items():
        f = gezien.setdefault(gebied, figures(tel, gebied))
        for ind, waarde in verwacht.items():
            echt = f.get(f"{ind}|{jaar}")
            if (echt or 0) != (waarde or 0):  # a cell whose members all left it stays, with 0
                out[f"{gebied} {jaar} {ind}"] = (waarde, echt)
    return out


@pytest.mark.infra
def test_the_leerplichttelling_of_a_scripted_year_matches_the_hand_count(
    platform: dict[str, ServiceProcess],
) -> None:
    reg, tel = platform["registratie"], platform["telling"]
    intake = Intake(reg)
    script(intake)
    r = httpx.post(f"{reg.url}/v1/beheer/dagtaak", headers=auth("beheer"), timeout=120)
    assert r.status_code == 200 and r.json()["datum"] == VANDAAG.isoformat(), r.text

    laatste: dict[str, tuple[Any, Any]] = {}

    def klopt() -> bool:
        nonlocal laatste
        laatste = _verschil(tel)
        return not laatste

    try:
        eventually(klopt, timeout=90, interval=1.0)
    except AssertionError:
        raise AssertionError(f"(hand count, telling) where they differ: {laatste}") from None
