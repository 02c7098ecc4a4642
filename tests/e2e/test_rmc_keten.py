"""The Doorstroompunt chain across processes (domain.md A3.7, A6, C): registratie → rmc → telling.

A school un-enrols a 17-year-old without startkwalificatie (registratie); registratie signals a
potential vsv'er (A3.7) on the region's topic; rmc MC12 takes the young person in; a coach records
contact, starts a traject and places them; DUO reports the SK obtained; the coach closes the case with
``SK_BEHAALD``; telling's Doorstroompunt figures for MC12 show the intake and the placement.

Region MC12 (Enschede, GM0153) is used by no other test, so its cells are exact on the shared Kafka.
Enrolment dates are in schooljaar 2025-2026 (the region table starts on 2025-08-01); rmc's own dates
are "today" (a coach cannot record a date before the intake, which is when the signal arrives).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from wachten import eventually

from services import API_TOKENS, ServiceProcess, auth, dev_token, launch, start_service, wait_ready

REGIO = "MC12"
GEMEENTE = "GM0153"  # Enschede
BSN = "736120002"  # passes the elfproef; used by no other test
_T = {t: dev_token(t) for t in ("t-rmc-mc12",)}  # static dev tokens
COACH = {"Authorization": f"Bearer {_T['t-rmc-mc12']}"}


def schooljaar(d: date) -> str:
    start = d.year if d.month >= 8 else d.year - 1
    return f"{start}-{start + 1}"



@pytest.fixture(scope="module")
def keten(infra) -> Iterator[dict[str, ServiceProcess]]:  # type: ignore[no-untyped-def]
    procs: dict[str, ServiceProcess] = {}
    tokens = f"{API_TOKENS},{_T['t-rmc-mc12']}=coach-12:rmc:{REGIO}"
    try:
        procs["registratie"] = start_service("registratie", infra.bootstrap, infra.database_url("regketen"),
                                             REGIONS=REGIO, DAGTAAK_INTERVAL_S="0")
        procs["rmc"] = launch("rmc", infra.bootstrap, infra.database_url("rmcketen"), REGION=REGIO,
                              API_TOKENS=tokens, RMC_UITGAAND_WACHT_S="0.2")
        procs["telling"] = launch("telling", infra.bootstrap, infra.database_url("telketen"))
        for p in procs.values():
            wait_ready(p)
        yield procs
    finally:
        for p in procs.values():
            p.stop()


def _post(svc: ServiceProcess, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{svc.url}/v1/{path}", json=body, headers=headers, timeout=30)


def _cijfers(tel: ServiceProcess) -> dict[str, Any]:
    r = httpx.get(f"{tel.url}/v1/cijfers", params={"gebied": REGIO}, headers=auth("beheer"), timeout=10)
    assert r.status_code == 200, r.text
    return {f"{c['indicator']}|{c['periode']}": c["waarde"] for c in r.json()["cijfers"]}


@pytest.mark.infra
def test_an_un_enrolment_without_sk_reaches_the_doorstroompunt_and_the_national_figures(
    keten: dict[str, ServiceProcess],
) -> None:
    reg, rmc, tel = keten["registratie"], keten["rmc"], keten["telling"]
    r = _post(reg, "inschrijvingen", {
        "pgn": BSN, "geboortedatum": "2008-03-10", "woongemeente": GEMEENTE, "school": "00AP00",
        "ingangsdatum": "2025-08-25", "klas": "4A",
    }, {**auth("school"), "Idempotency-Key": "keten-ins-0001"})
    assert r.status_code == 201, r.text
    p = str(r.json()["pseudoniem"])
    r = _post(reg, "uitschrijvingen", {
        "pgn": BSN, "school": "00AP00", "uitschrijfdatum": "2025-10-01", "reden": "VOORTIJDIG_VERLATEN",
    }, {**auth("school"), "Idempotency-Key": "keten-uit-0001"})
    assert r.status_code == 201, r.text
    # the daily run signals the potential vsv'er (the waiting time after the un-enrolment has passed)
    r = httpx.post(f"{reg.url}/v1/beheer/dagtaak", headers=auth("beheer"), timeout=60)
    assert r.status_code == 200, r.text

    def dossier() -> dict[str, Any] | None:
        r = httpx.get(f"{rmc.url}/v1/jongeren/{p}", headers=COACH, timeout=10)
        return r.json() if r.status_code == 200 else None

    d = eventually(dossier)
    assert (d["status"], d["bron"], d["woongemeente"], d["geboortejaar_maand"]) == (
        "NIEUW", "POTENTIEEL_VSV", GEMEENTE, "2008-03"
    )
    lijst = httpx.get(f"{rmc.url}/v1/werklijst", headers=COACH, timeout=10).json()
    assert p in [w["pseudoniem"] for w in lijst["nieuw"]]

    vandaag = date.fromisoformat(lijst["peildatum"])
    dag = max(vandaag, date.fromisoformat(d["aangemeld_op"])).isoformat()
    r = _post(rmc, f"jongeren/{p}/contactpogingen",
              {"expected_version": d["versie"], "datum": dag, "kanaal": "SMS", "geslaagd": True}, COACH)
    assert r.status_code == 201, r.text
    r = _post(rmc, f"jongeren/{p}/traject", {"expected_version": r.json()["versie"], "route": "COMBINATIE",
                                             "datum": dag}, COACH)
    assert r.status_code == 201, r.text
    r = _post(rmc, f"jongeren/{p}/plaatsing", {
        "expected_version": r.json()["versie"], "bestemming": "COMBINATIE", "niveau": "MBO_2",
        "startdatum": dag, "school": "00AP00",
    }, COACH)
    assert r.status_code == 201, r.text
    versie = r.json()["versie"]

    # DUO: SK obtained → on the coach's worklist → closed with SK_BEHAALD
    r = _post(reg, "duo/startkwalificaties", {"pgn": BSN, "datum": dag, "niveau": "MBO_2"},
              {**auth("duo"), "Idempotency-Key": "keten-sk-0001"})
    assert r.status_code == 201, r.text
    eventually(lambda: p in [w["pseudoniem"] for w in
                             httpx.get(f"{rmc.url}/v1/werklijst", headers=COACH, timeout=10).json()["sk_behaald"]])
    d = dossier()
    assert d is not None and d["versie"] == versie + 1  # the SK fact is on the file
    r = _post(rmc, f"jongeren/{p}/afsluiten", {"expected_version": d["versie"], "reden": "SK_BEHAALD",
                                               "datum": dag}, COACH)
    assert r.status_code == 201, r.text
    d = dossier()
    assert d is not None and (d["status"], d["sluitreden"]) == ("AFGESLOTEN", "SK_BEHAALD")
    assert [(x["bestemming"], x["niveau"], x["school"]) for x in d["plaatsingen"]] == [
        ("COMBINATIE", "MBO_2", "00AP00")
    ]

    # telling: the region's Doorstroompunt figures show the intake and the placement
    jaar = schooljaar(date.fromisoformat(dag))
    cijfers = eventually(lambda: (c := _cijfers(tel)).get(f"doorstroompunt_geplaatst|{jaar}") and c)
    assert cijfers[f"doorstroompunt_geplaatst|{jaar}"] == 1
    assert cijfers[f"doorstroompunt_geplaatst_combinatie|{jaar}"] == 1
    assert not cijfers.get(f"doorstroompunt_geplaatst_werk|{jaar}")
    assert any(k.startswith("doorstroompunt_aangemeld|") and v == 1 for k, v in cijfers.items()), cijfers

    for svc in keten.values():
        text = svc.logs()
        assert BSN not in text
        # registratie's report statuses read every region's topic: another test's poison event on its own
        # region is dead-lettered here by design (test_service_projections_poison, MC34), not this chain's
        eigen = "\n".join(r for r in text.splitlines() if not re.search(r"leerrecht\.regio\.MC(?!12)\d\d", r))
        for bad in ('"level": "error"', "event_dead_lettered", "Traceback"):
            assert bad not in eigen, (svc.name, bad)
