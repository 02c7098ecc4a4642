"""A realistic demo feed, sent through registratie's public HTTP API like a school's and DUO's systems would.

Schools of every type in Zoetermeer (region MC28) and Spijkenisse (Nissewaard, MC29), real locations
from DUO's register (the seed): po, vo and vso; and two mbo locations, which no public list holds, so
DUO's register feed enters them first (``POST /v1/duo/schoolvestigingen``; their codes are
stand-ins). Pupils aged 4 to 23 by type (po 4-12, vo 12-17, vso 12-19, mbo 16-23) live in either
municipality (so some are routed to the other region than their school's). A term of absence on real
school days (weekends and the school's holidays skipped): mostly illness, some late arrivals and
unauthorised absence, one family holiday without leave per school, and two pupils per school whose
unauthorised absence piles up (16 uur, and 18+ reports for the Doorstroompunt in mbo). Every pupil has a
(synthetic) name and leerlingnummer, sent with the enrolment to the identity topic of the region of
residence, so the officers and coaches see names. Zoetermeer's schools are larger and have many truants,
so region MC28 starts with more than 200 open cases (issue 15: a worklist at the size of a region).
Three of every four report duties are then filed by the school; the rest stay due or overdue on the school
page. The term runs from the start of the school year (several months of history). Absences go in
batches (``/v1/afwezigheden/batch``). BSNs are synthetic test numbers (prefix 9999, valid 11-proof).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from leerrecht.kalender import BuitenKalenderbereik, standaard_kalender
from leerrecht.synthetic import synthetic_bsns

SCHOOLS = {  # BRIN6 -> (name, school type, pupils, ages); po, vo and vso from DUO's open register (the seed)
    "00AP00": ("WereldWijs, Zoetermeer", "po", 160, (4, 12)),
    "00AV00": ("De Morgenster, Spijkenisse", "po", 30, (4, 12)),
    "00PJ00": ("Erasmuscollege, Zoetermeer", "vo", 180, (12, 17)),
    "20FR00": ("Scholengroep Penta, Spijkenisse", "vo", 30, (12, 17)),
    "23GJ01": ("Pleysier College Zoetermeer (vso)", "vso", 30, (12, 19)),
    "04YK05": ("Kompas College, Spijkenisse (vso)", "vso", 12, (12, 19)),
    "99ZZ90": ("mbo-college Zoetermeer", "mbo", 90, (16, 23)),
    "99ZZ91": ("mbo-college Spijkenisse", "mbo", 25, (16, 23)),
}
ZOETERMEER = {"00AP00", "00PJ00", "23GJ01", "99ZZ90"}
VOORNAMEN = ("Emma", "Noah", "Julia", "Liam", "Mila", "Luca", "Sophie", "Sem", "Tess", "Daan", "Nora", "Finn",
             "Saar", "Mohamed", "Yara", "Levi", "Fenna", "Bram", "Lotte", "Adam", "Zoë", "Milan", "Evi", "Jesse",
             "Sara", "Ayoub", "Lieke", "Thijs", "Isa", "Mees")
ACHTERNAMEN = (("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("", "Bakker"), ("", "Visser"),
               ("", "Smit"), ("", "Meijer"), ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"),
               ("", "Vos"), ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"),
               ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"), ("", "Yilmaz"), ("", "El Amrani"),
               ("", "Kaya"), ("van", "Dijk"), ("", "Koster"), ("", "Prins"), ("", "Huisman"), ("", "Kok"),
               ("van der", "Meer"), ("", "Verbeek"), ("", "Postma"))
BATCH = 500  # absences per /v1/afwezigheden/batch call
MBO_REGISTER = [  # DUO's register facts for the mbo locations (no public list: the feed enters them)
    {"actie": "vastleggen", "school": "99ZZ90", "naam": "mbo-college Zoetermeer", "gemeente": "GM0637",
     "school_types": ["mbo"], "vakantieregio": "MIDDEN", "geldig_vanaf": "2025-08-01"},
    {"actie": "vastleggen", "school": "99ZZ91", "naam": "mbo-college Spijkenisse", "gemeente": "GM1930",
     "school_types": ["mbo"], "vakantieregio": "MIDDEN", "geldig_vanaf": "2025-08-01"},
]
GEMEENTEN = ("GM0637", "GM1930")  # Zoetermeer (MC28), Nissewaard (MC29)


def school_days(until: date, weeks: int, vakantieregio: str = "midden") -> list[date]:
    kal = standaard_kalender()
    days = []
    d = until - timedelta(weeks=weeks)
    while d < until:
        try:
            if kal.is_schooldag(d, vakantieregio):
                days.append(d)
        except BuitenKalenderbereik:
            if d.weekday() < 5:
                days.append(d)
        d += timedelta(days=1)
    return days


def plan(
    today: date, seed: int = 2026, schaal: float = 1.0, gemeenten: tuple[str, str] = GEMEENTEN,
    bsn_start: int = 0,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``schaal`` shrinks every school (a test's smaller demo); ``gemeenten`` are the municipalities of
    residence of Zoetermeer's and Spijkenisse's pupils, so a test can route the reports to a region of
    its own; ``bsn_start`` gives a test pupils of its own."""
    rng = random.Random(seed)
    start = date(today.year if today.month >= 8 else today.year - 1, 8, 24)
    enrolments, absences = [], []
    grootte = {school: max(1, round(n * schaal)) for school, (_, _, n, _) in SCHOOLS.items()}
    bsns = iter(synthetic_bsns(sum(grootte.values()), start=bsn_start))
    days = [d for d in school_days(today, 30) if d >= start]
    for school, (_, soort, _, (jong, oud)) in SCHOOLS.items():
        pupils = grootte[school]
        lesuren = soort != "po"  # po counts clock hours (5.5 a day), the others lesson hours (up to 8)
        for k in range(pupils):
            bsn = next(bsns)
            leeftijd = jong + k % (oud - jong + 1)  # on the enrolment date
            geboren = date(start.year - leeftijd - 1, 1 + k % 12, 1 + k % 27)
            if (start - geboren).days // 365 > leeftijd:
                geboren = date(geboren.year + 1, geboren.month, geboren.day)
            thuis = gemeenten[0] if school in ZOETERMEER else gemeenten[1]
            woont = thuis if rng.random() < 0.9 else rng.choice(gemeenten)
            tussen, achter = rng.choice(ACHTERNAMEN)
            identiteit: dict[str, Any] = {"voornamen": rng.choice(VOORNAMEN), "achternaam": achter}
            if tussen:
                identiteit["tussenvoegsel"] = tussen
            body: dict[str, Any] = {"pgn": bsn, "geboortedatum": geboren.isoformat(),
                                    "woongemeente": woont, "school": school,
                                    "ingangsdatum": start.isoformat(), "leerlingnummer": f"{1000 + k}",
                                    "identiteit": identiteit}
            if soort == "po":
                body["klas"] = f"groep {max(1, min(8, leeftijd - 3))}"
            elif soort in ("vo", "vso"):
                body["klas"] = f"{min(6, max(1, leeftijd - 11))}{'ABC'[k % 3]}"
            enrolments.append({"school": school, "body": body})
            spijbelaar = (k % 20 < 12) if school in ZOETERMEER else (k in (3, 17) or (soort == "mbo" and k in (6, 20)))
            profile = "spijbelaar" if spijbelaar else ("luxe" if k % 20 == 12 else "gewoon")
            dag = 7.0 if lesuren else 5.5
            for d in days:
                r = rng.random()
                code, hours = None, 0.0
                if profile == "spijbelaar" and r < 0.45:
                    code, hours = "ONGEOORLOOFD", rng.choice([2.0, 3.0, dag])
                elif profile == "luxe" and d in days[-8:-5]:
                    code, hours = "LUXE", dag
                elif r < 0.04:
                    code, hours = "ZIEK", dag
                elif r < 0.06:
                    code, hours = "TE_LAAT", 0.25 if not lesuren else 1.0
                elif r < 0.065:
                    code, hours = "ONGEOORLOOFD", 2.0
                elif r < 0.07:
                    code, hours = "VERLOF_GEWICHTIG", dag
                if code:
                    absences.append({"school": school, "body": {"pgn": bsn, "datum": d.isoformat(),
                                                                 "uren": hours, "code": code}})
    return enrolments, absences


async def feed(registratie_url: str, token_of: Callable[[str], str], today: date | None = None,
               schaal: float = 1.0, gemeenten: tuple[str, str] = GEMEENTEN, bsn_start: int = 0) -> dict[str, int]:
    """``token_of(client)``: an access token of that system (client credentials): ``school-<BRIN6>`` for a
    school's administration system, ``duo`` for DUO's register feed."""
    enrolments, absences = plan(today or date.today(), schaal=schaal, gemeenten=gemeenten,
                                 bsn_start=bsn_start)
    sem = asyncio.Semaphore(16)
    pgn_van: dict[str, str] = {}  # pseudonym -> BSN, to file the reports (a school files by BSN)
    async with httpx.AsyncClient(base_url=registratie_url, timeout=30) as client:

        async def post(path: str, item: dict[str, Any], key: str, who: str | None = None) -> dict[str, Any]:
            token = token_of(who or f"school-{item['school']}")
            for poging in range(30):  # 503 or a cut connection: again with the same key, as the intake asks
                try:
                    async with sem:
                        r = await client.post(path, json=item["body"],
                                              headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
                except httpx.TransportError:
                    if poging == 29:
                        raise
                    await asyncio.sleep(1.0)
                    continue
                if r.status_code != 503:
                    break
                wacht = r.headers.get("retry-after", "1")
                await asyncio.sleep(min(10.0, float(wacht)) if wacht.isdigit() else 1.0)
            if r.status_code not in (200, 201, 207):
                raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:300]}")
            antwoord: dict[str, Any] = r.json()
            return antwoord

        for i, feit in enumerate(MBO_REGISTER):  # DUO first: the mbo locations exist from then on
            await post("/v1/duo/schoolvestigingen", {"body": feit}, f"demo-rio-{i}", who="duo")

        async def inschrijven(i: int, e: dict[str, Any]) -> None:
            pgn_van[str((await post("/v1/inschrijvingen", e, f"demo-ins-{i}"))["pseudoniem"])] = e["body"]["pgn"]

        await asyncio.gather(*(inschrijven(i, e) for i, e in enumerate(enrolments)))
        per_school: dict[str, list[dict[str, Any]]] = {}
        for a in absences:
            per_school.setdefault(a["school"], []).append(a["body"])
        batches = [{"school": school, "body": {"rijen": rijen[i:i + BATCH]}}
                   for school, rijen in per_school.items() for i in range(0, len(rijen), BATCH)]
        await asyncio.gather(*(post("/v1/afwezigheden/batch", b, f"demo-afw-{i}") for i, b in enumerate(batches)))

        meldingen = []
        for school in SCHOOLS:
            r = await client.get("/v1/school/signalen",
                                 headers={"Authorization": f"Bearer {token_of(f'school-{school}')}"})
            r.raise_for_status()
            te_doen = [m for m in r.json()["te_melden"] if m["status"] in ("te_doen", "te_laat")]
            meldingen += [(f"demo-mld-{m['pseudoniem'][:24]}-{m['meldingsoort']}-{m['vanaf']}", {
                "school": school, "body": {
                    "pgn": pgn_van[m["pseudoniem"]], "soort": m["meldingsoort"], "startdatum": m["vanaf"],
                    "einddatum": None if m["meldingsoort"] == "LRV" else m["bereikt_op"], "uren": m["uren"]}})
                for i, m in enumerate(te_doen) if i % 4 != 0 and m["pseudoniem"] in pgn_van]
        # keyed by pseudonym, never by BSN (keys are stored and may be logged)
        await asyncio.gather(*(post("/v1/meldingen", m, key) for key, m in meldingen))
    return {"leerlingen": len(enrolments), "afwezigheden": len(absences), "meldingen": len(meldingen)}
