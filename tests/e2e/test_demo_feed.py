"""The demo feed against the real services on real Kafka, PostgreSQL and Keycloak (issue 15, point 7).

Why: ``make demo`` must open every screen with data. This runs the real feed (smaller ``schaal``) through
the public APIs: the schools' and DUO's clients of the realm, and the officer's and coach's clients the
demo creates through Keycloak's admin API for the run and deletes afterwards. Its pupils live in Goes and
Borsele (region MC31, which few tests use) and have BSNs of their own (start 6000), so the suite's other
tests do not see them on their regions' topics.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sso import Sso

from services import ServiceProcess, launch, wait_ready

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy" / "local"))
from demo_feed import feed
from demo_klant import KeycloakBeheer, demo_klanten, klant_id
from demo_stappen import MAS_FASEN, leerplicht_fasen, rmc_statussen

REGIO = "MC31"
GEMEENTEN = ("GM0664", "GM0654")  # Goes, Borsele: MC31


class Tokens:
    """Client-credentials tokens from the real Keycloak, reused while they live."""

    def __init__(self, sso: Sso) -> None:
        self.sso, self._cache = sso, dict[str, tuple[str, float]]()

    def __call__(self, client_id: str) -> str:
        token, tot = self._cache.get(client_id, ("", 0.0))
        if time.monotonic() >= tot:
            token, tot = self.sso.token(client_id), time.monotonic() + 240
            self._cache[client_id] = (token, tot)
        return token


@pytest.fixture(scope="module")
def diensten(infra: Any, sso: Sso) -> Iterator[dict[str, ServiceProcess]]:
    oidc = {"AUTH_MODE": "oidc", "API_TOKENS": "", "OIDC_ISSUER": sso.issuer}
    reg = launch("registratie", infra.bootstrap, infra.database_url("demoreg"), REGIONS=REGIO, **oidc)
    wait_ready(reg)  # it creates the topics the others subscribe to
    svcs = {
        "registratie": reg,
        "leerplicht": launch("leerplicht", infra.bootstrap, infra.database_url("demolp"), REGION=REGIO, **oidc),
        "rmc": launch("rmc", infra.bootstrap, infra.database_url("demormc"), REGION=REGIO, **oidc),
        "telling": launch("telling", infra.bootstrap, infra.database_url("demotl"), **oidc),
    }
    try:
        for svc in svcs.values():
            wait_ready(svc)
        yield svcs
    finally:
        for svc in svcs.values():
            svc.stop()


def _get(url: str, token: str, **params: Any) -> Any:
    r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, params=params, timeout=30)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.json()


def test_demo_vult_elk_scherm(diensten: dict[str, ServiceProcess], sso: Sso) -> None:
    urls = {naam: svc.url for naam, svc in diensten.items()}
    tokens = Tokens(sso)
    vandaag = datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the services' own day
    samenvatting = asyncio.run(feed(urls["registratie"], tokens, vandaag, schaal=0.15, gemeenten=GEMEENTEN,
                                    bsn_start=6000))
    assert samenvatting["meldingen"] > 0

    beheer = KeycloakBeheer(sso.node.url, *sso.beheer)
    with demo_klanten(beheer, REGIO, sso.realm.secrets) as klanten:
        officier, coach = (lambda: tokens(klanten["leerplicht"])), (lambda: tokens(klanten["rmc"]))
        fasen = asyncio.run(leerplicht_fasen(urls["leerplicht"], officier, vandaag, per_fase=1, minimum=12))
        statussen = asyncio.run(rmc_statussen(urls["rmc"], coach, vandaag, per_status=1, minimum=5))
        assert {f: len(ids) for f, ids in fasen.items()} == dict.fromkeys(MAS_FASEN, 1)
        assert all(len(p) == 1 for p in statussen.values()), statussen

        # the officer's worklist: every open stage listed, each dossier at the stage the feed took it to
        zaken: list[dict[str, Any]] = []
        for pagina in range(1, 100):
            lijst = _get(f"{urls['leerplicht']}/v1/dossiers", officier(), per_pagina=100, pagina=pagina)
            zaken += lijst["zaken"]
            if pagina >= lijst["paginas"]:
                break
        open_ids = {z["dossier_id"] for z in zaken}
        genomen = {i for ids in fasen.values() for i in ids}
        assert open_ids - genomen  # the rest stays new
        for fase, (dossier_id,) in fasen.items():
            d = _get(f"{urls['leerplicht']}/v1/dossiers/{dossier_id}", officier())
            route, interventie = MAS_FASEN[fase]
            assert (dossier_id in open_ids) == (fase != "gesloten"), fase
            assert d["meldingen"][0]["in_behandeling_op"] == vandaag.isoformat(), fase
            assert (d["meldingen"][0]["onderzoek_gestart_op"] is not None) == (fase != "in_behandeling"), fase
            if fase == "gesloten":
                assert d["sluiting"]["reden"] == "VERZUIM_BEEINDIGD"
            else:
                assert d["routes"] == ([route] if route else []), fase
                assert [i["soort"] for i in d["interventies"]] == ([interventie] if interventie else []), fase
                assert d["termijnen"] or fase != "in_behandeling"

        # the coach's list: a file at every status
        jongeren = _get(f"{urls['rmc']}/v1/jongeren", coach())["jongeren"]
        assert {j["status"] for j in jongeren} >= {"NIEUW", "IN_BEELD", "IN_TRAJECT", "GEPLAATST", "AFGESLOTEN"}

    # the run-only clients are gone with their secrets
    assert klant_id(REGIO, "leerplicht") not in sso.realm.secrets
    r = httpx.post(f"{sso.issuer}/protocol/openid-connect/token", timeout=30, data={
        "grant_type": "client_credentials", "client_id": klant_id(REGIO, "rmc"), "client_secret": "x"})
    assert r.status_code == 401, r.status_code

    # the school page: due and overdue rows
    te_melden = [m for school in ("00AP00", "00PJ00", "23GJ01", "99ZZ90")
                 for m in _get(f"{urls['registratie']}/v1/school/signalen", tokens(f"school-{school}"))["te_melden"]]
    assert {"te_doen", "te_laat"} <= {m["status"] for m in te_melden}

    # the dashboard: a figure with data
    deadline, cijfers = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        cijfers = [c for c in _get(f"{urls['telling']}/v1/cijfers", tokens("test-analist")).get("cijfers", [])
                   if c["waarde"] not in (None, 0, "0")]
        if cijfers:
            break
        time.sleep(1)
    assert cijfers
