"""The officer's and the coach's steps of the demo, through leerplicht's and rmc's public APIs.

Why: reports alone leave every case at "nieuw" and every Doorstroompunt file at NIEUW, so the dossier
page, the route and intervention steps, the coach's statuses and the MAS figures would show nothing.
The feed spreads the open cases over every MAS stage (in behandeling, onderzoek, each route with an
intervention of it, closed) and the files over every status (IN_BEELD, IN_TRAJECT, GEPLAATST,
AFGESLOTEN), leaving the rest new. Steps are dated on the feed's day: a report cannot be handled before
it was registered, so the next deadlines (first contact) fall due from there; what is overdue on first
start are the schools' unfiled reports. Every step is a public command with ``expected_version``, as an
integration would send it; the feed reads the version back from each answer. A later ``make demo`` on the
same data finds the steps taken (a case past its registration, a file past NIEUW) and takes none again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

# stage -> (route, intervention of that route); None: no route (yet)
MAS_FASEN: dict[str, tuple[str | None, str | None]] = {
    "in_behandeling": (None, None),
    "onderzoek": (None, None),
    "basisroute": ("BASISROUTE", "HUISBEZOEK"),
    "vrijwillige_hulp": ("VRIJWILLIGE_HULP", "ZORGOVERLEG"),
    "halt": ("HALT", None),
    "verplicht_kader": ("VERPLICHT_KADER", "MELDING_RAAD_KINDERBESCHERMING"),
    "strafrecht": ("STRAFRECHT", "PROCES_VERBAAL"),
    "gesloten": ("BASISROUTE", None),
}
RMC_STATUSSEN = ("IN_BEELD", "IN_TRAJECT", "GEPLAATST", "AFGESLOTEN")
MELDING_GEREGISTREERD = "nl.leerrecht.registratie.melding_geregistreerd"  # the last action of a new case
HALT_TOELICHTING = "Demo: de leerling en ouders stemmen in met een Halt-afdoening."


class StapGeweigerd(RuntimeError):
    def __init__(self, bericht: str, regels: frozenset[str] = frozenset()) -> None:
        super().__init__(bericht)
        self.regels = regels  # the rules the service named (``fouten[].regel``)


async def _stabiel(haal: Callable[[], Any], minimum: int, timeout: float = 120) -> Any:
    """Waits until the list has at least ``minimum`` items and did not grow for 3 seconds: the services
    project the reports asynchronously from the log."""
    deadline = time.monotonic() + timeout
    vorige, sinds = -1, time.monotonic()
    items: list[Any] = []
    while time.monotonic() < deadline:
        items = await haal()
        if len(items) != vorige:
            vorige, sinds = len(items), time.monotonic()
        elif len(items) >= minimum and time.monotonic() - sinds >= 3:
            return items
        await asyncio.sleep(0.5)
    return items


async def _post(client: httpx.AsyncClient, token: str, pad: str, body: dict[str, Any]) -> dict[str, Any]:
    for _ in range(20):  # 503: the previous step is still being projected (or the log was busy); retry
        r = await client.post(pad, json=body, headers={"Authorization": f"Bearer {token}"})
        if r.status_code == 409 and "huidige_versie" in r.json():
            # the file changed under the feed (a report or signal came in from the log): the feed's step
            # does not depend on it, so it is sent again on the current version
            body = {**body, "expected_version": r.json()["huidige_versie"]}
            continue
        if r.status_code != 503:
            break
        await asyncio.sleep(0.5)
    if r.status_code >= 400:
        try:
            regels = frozenset(str(f.get("regel")) for f in r.json().get("fouten", []))
        except ValueError:
            regels = frozenset()
        raise StapGeweigerd(f"{pad.rsplit('/', 1)[-1]}: {r.status_code} {r.text[:300]}", regels)
    antwoord: dict[str, Any] = r.json()
    return antwoord


async def leerplicht_fasen(url: str, token_of: Callable[[], str], vandaag: date, per_fase: int = 4,
                           minimum: int = 1) -> dict[str, list[str]]:
    """Takes ``per_fase`` open cases (lowest dossier id first) to each MAS stage; returns the dossier ids per
    stage."""
    gedaan: dict[str, list[str]] = {f: [] for f in MAS_FASEN}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def alle() -> list[str]:
            ids: list[str] = []
            genomen.clear()
            pagina = 1
            while True:
                r = await client.get("/v1/dossiers", params={"per_pagina": 100, "pagina": pagina, "sorteer": "geopend"},
                                     headers={"Authorization": f"Bearer {token_of()}"})
                r.raise_for_status()
                body = r.json()
                ids += [z["dossier_id"] for z in body["zaken"]]
                genomen.extend(z["dossier_id"] for z in body["zaken"]
                               if (z["laatste_actie"] or {}).get("type") != MELDING_GEREGISTREERD)
                if pagina >= body["paginas"]:
                    return ids
                pagina += 1

        genomen: list[str] = []
        dossiers = sorted(await _stabiel(alle, minimum))
        if genomen:  # an earlier run on this data took the steps already: taking them again is refused
            return gedaan
        plan = [f for f in MAS_FASEN for _ in range(per_fase)]
        dag = vandaag.isoformat()

        async def neem(dossier_id: str, fase: str) -> None:
            route, interventie = MAS_FASEN[fase]
            r = await client.get(f"/v1/dossiers/{dossier_id}", headers={"Authorization": f"Bearer {token_of()}"})
            r.raise_for_status()
            d = r.json()
            nieuw = [m["melding_id"] for m in d["meldingen"] if m["status"] == "GEREGISTREERD"]
            melding, pad, v = nieuw[0], f"/v1/dossiers/{dossier_id}", d["version"]
            for m in nieuw:  # a pupil reported more than once: every report is picked up (A4)
                v = (await _post(client, token_of(), f"{pad}/meldingen/{m}/in-behandeling",
                                 {"expected_version": v, "datum": dag}))["version"]
            if fase != "in_behandeling":
                v = (await _post(client, token_of(), f"{pad}/onderzoek", {
                    "expected_version": v, "datum": dag, "melding_id": melding, "met_leerling": True}))["version"]
            if route is not None:
                body: dict[str, Any] = {"expected_version": v, "datum": dag, "routes": [route]}
                try:
                    v = (await _post(client, token_of(), f"{pad}/route", body))["version"]
                except StapGeweigerd as exc:  # Halt advised against (age, earlier referral): override with a reason
                    if route != "HALT" or "halt_advies" not in exc.regels:
                        raise
                    v = (await _post(client, token_of(), f"{pad}/route",
                                     {**body, "halt_toelichting": HALT_TOELICHTING}))["version"]
            if interventie is not None:
                v = (await _post(client, token_of(), f"{pad}/interventies",
                                 {"expected_version": v, "datum": dag, "soort": interventie}))["version"]
            if fase == "gesloten":
                await _post(client, token_of(), f"{pad}/afsluiten",
                            {"expected_version": v, "datum": dag, "reden": "VERZUIM_BEEINDIGD"})
            gedaan[fase].append(dossier_id)

        # one case at a time per stage: a step waits for the previous one's event (version)
        await asyncio.gather(*(neem(d, f) for d, f in zip(dossiers, plan, strict=False)))
    return gedaan


async def rmc_statussen(url: str, token_of: Callable[[], str], vandaag: date, per_status: int = 3,
                        minimum: int = 1) -> dict[str, list[str]]:
    """Takes ``per_status`` new Doorstroompunt files to each status; returns the pseudonyms per status."""
    gedaan: dict[str, list[str]] = {s: [] for s in RMC_STATUSSEN}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def nieuwe() -> list[dict[str, Any]]:
            r = await client.get("/v1/jongeren", headers={"Authorization": f"Bearer {token_of()}"})
            r.raise_for_status()
            return [j for j in r.json()["jongeren"] if j["status"] == "NIEUW"]

        jongeren = sorted(await _stabiel(nieuwe, minimum), key=lambda j: str(j["pseudoniem"]))
        r = await client.get("/v1/jongeren", headers={"Authorization": f"Bearer {token_of()}"})
        r.raise_for_status()
        if any(j["status"] != "NIEUW" for j in r.json()["jongeren"]):  # an earlier run on this data
            return gedaan
        plan = [s for s in RMC_STATUSSEN for _ in range(per_status)]
        dag = vandaag.isoformat()

        async def neem(j: dict[str, Any], status: str) -> None:
            pad = f"/v1/jongeren/{j['pseudoniem']}"
            v = (await _post(client, token_of(), f"{pad}/contactpogingen", {
                "expected_version": j["versie"], "datum": dag, "kanaal": "TELEFOON", "geslaagd": True}))["versie"]
            if status in ("IN_TRAJECT", "GEPLAATST"):
                v = (await _post(client, token_of(), f"{pad}/traject",
                                 {"expected_version": v, "datum": dag, "route": "WERK"}))["versie"]
            if status == "GEPLAATST":
                await _post(client, token_of(), f"{pad}/plaatsing",
                            {"expected_version": v, "bestemming": "WERK", "startdatum": dag})
            if status == "AFGESLOTEN":
                await _post(client, token_of(), f"{pad}/afsluiten",
                            {"expected_version": v, "datum": dag, "reden": "GEEN_HULP_GEWENST"})
            gedaan[status].append(str(j["pseudoniem"]))

        await asyncio.gather(*(neem(j, s) for j, s in zip(jongeren, plan, strict=False)))
    return gedaan
