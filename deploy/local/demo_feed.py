"""A realistic demo feed, sent through registratie's public HTTP API like a school's system would.

Three primary schools (two in Zoetermeer, region MC28; one in Spijkenisse, MC29), pupils who live
in either municipality (so some are routed to the other region than their school's), and a term of
absence on real school days (weekends and the school's holidays skipped): mostly illness, some
late arrivals and unauthorised absence, one family holiday without leave, and two pupils whose
unauthorised absence piles up. BSNs are synthetic test numbers (prefix 9999, valid 11-proof).
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

SCHOOLS = {  # BRIN6 -> (name, vakantieregio); from DUO's open school register
    "00AP00": "WereldWijs, Zoetermeer",
    "00AV00": "De Morgenster, Spijkenisse",
}
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
    today: date, pupils_per_school: int = 30, seed: int = 2026
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed)
    start = date(today.year if today.month >= 8 else today.year - 1, 8, 24)
    enrolments, absences = [], []
    bsns = iter(synthetic_bsns(pupils_per_school * len(SCHOOLS)))
    days = [d for d in school_days(today, 10) if d >= start]
    for school in SCHOOLS:
        for k in range(pupils_per_school):
            bsn = next(bsns)
            enrolments.append({
                "school": school,
                "body": {"pgn": bsn, "geboortedatum": date(2014 + k % 6, 1 + k % 12, 1 + k % 27).isoformat(),
                         "woongemeente": rng.choice(GEMEENTEN), "school": school,
                         "ingangsdatum": start.isoformat(), "klas": f"groep {3 + k % 6}"},
            })
            profile = "spijbelaar" if k in (3, 17) else ("luxe" if k == 8 else "gewoon")
            for d in days:
                r = rng.random()
                code, hours = None, 0.0
                if profile == "spijbelaar" and r < 0.45:
                    code, hours = "ONGEOORLOOFD", rng.choice([2.0, 3.0, 5.5])
                elif profile == "luxe" and d in days[-8:-5]:
                    code, hours = "LUXE", 5.5
                elif r < 0.04:
                    code, hours = "ZIEK", 5.5
                elif r < 0.06:
                    code, hours = "TE_LAAT", 0.25
                elif r < 0.065:
                    code, hours = "ONGEOORLOOFD", 2.0
                elif r < 0.07:
                    code, hours = "VERLOF_GEWICHTIG", 5.5
                if code:
                    absences.append({"school": school, "body": {"pgn": bsn, "datum": d.isoformat(),
                                                                 "uren": hours, "code": code}})
    return enrolments, absences


async def feed(registratie_url: str, token_of: Callable[[str], str], today: date | None = None) -> dict[str, int]:
    """``token_of(brin)``: an access token of that school's administration system (client credentials)."""
    enrolments, absences = plan(today or date.today())
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=registratie_url, timeout=30) as client:

        async def post(path: str, item: dict[str, Any], key: str) -> None:
            token = token_of(item["school"])
            async with sem:
                r = await client.post(path, json=item["body"],
                                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            if r.status_code not in (200, 201):
                raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:300]}")

        await asyncio.gather(*(post("/v1/inschrijvingen", e, f"demo-ins-{i}") for i, e in enumerate(enrolments)))
        await asyncio.gather(*(post("/v1/afwezigheden", a, f"demo-afw-{i}") for i, a in enumerate(absences)))
    return {"leerlingen": len(enrolments), "afwezigheden": len(absences)}
