"""The declared access policy of every route of every service (issue 14, point 7): who may call what.

Why a table of its own: the role matrix must not depend on someone remembering to add a route to it. So
this table names every route of the four apps (``BELEID``), a test enumerates each app's routes and fails
on a route without an entry (or an entry without a route), and another derives each route's policy from
its own dependencies (:func:`leerrecht.http.toegang_van`) and compares it with this table. The end-to-end
matrix (``tests/e2e/test_rollenmatrix.py``) then calls every entry with every role on the real Keycloak.

A rule is ``publiek`` (no caller needed: health, OpenAPI, the login itself), ``api`` (a bearer token or the
web session, roles checked: 401 without a valid caller, 403 with another role) or ``web`` (a page: the
session only; without one the browser goes to ``/inloggen`` with 303, another role gets 403). The regional
instances of the matrix serve MC28.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from starlette.routing import Mount, Route

from leerrecht.http import toegang_van

REGIO = "MC28"
ANDERE_REGIO = "MC29"


@dataclass(frozen=True)
class Regel:
    soort: str  # publiek | api | web
    rollen: tuple[str, ...] = ()  # () with api: any authenticated caller; a trailing * is a role prefix


PUBLIEK = Regel("publiek")


def api(*rollen: str) -> Regel:
    return Regel("api", rollen)


def web(*rollen: str) -> Regel:
    return Regel("web", rollen)


def toegestaan(regel: Regel, rol: str) -> bool:
    if regel.soort == "publiek" or not regel.rollen:
        return True
    return any(rol == r or (r.endswith("*") and rol.startswith(r[:-1])) for r in regel.rollen)


LP, RMC, PARTNER = f"leerplicht:{REGIO}", f"rmc:{REGIO}", f"partner:{REGIO}:*"
ALGEMEEN: dict[tuple[str, str], Regel] = {
    ("GET", "/openapi.json"): PUBLIEK,
    ("GET", "/docs"): PUBLIEK,
    ("GET", "/redoc"): PUBLIEK,
    ("GET", "/health"): PUBLIEK,
    ("GET", "/ready"): PUBLIEK,
    ("GET", "/inloggen"): PUBLIEK,
    ("GET", "/inloggen/terug"): PUBLIEK,
    ("POST", "/uitloggen"): PUBLIEK,
    ("GET", "/uitgelogd"): PUBLIEK,
    ("GET", "/static/kit"): PUBLIEK,  # the page kit's CSS and scripts
    ("GET", "/static/swagger-ui"): PUBLIEK,
    ("GET", "/static/redoc"): PUBLIEK,
}
BEHEER_REGIONAAL: dict[tuple[str, str], Regel] = {
    ("GET", "/v1/beheer/aandacht"): api("beheer"),
    ("POST", "/v1/beheer/aandacht/{event_id}/opnieuw"): api("beheer"),
    ("POST", "/v1/beheer/aandacht/{event_id}/opgelost"): api("beheer"),
    ("GET", "/v1/beheer/quarantaine"): api("beheer"),
    ("GET", "/v1/beheer/verwerkingen"): api("beheer"),
    ("GET", "/beheer"): web("beheer"),
    ("POST", "/beheer/aandacht/{event_id}/opnieuw"): web("beheer"),
    ("POST", "/beheer/aandacht/{event_id}/opgelost"): web("beheer"),
    ("GET", "/beheer/verwerkingen"): web("beheer"),
}

BELEID: dict[str, dict[tuple[str, str], Regel]] = {
    "registratie": {
        **ALGEMEEN,
        ("POST", "/v1/inschrijvingen"): api("school", "duo"),
        ("POST", "/v1/inschrijvingen/batch"): api("school", "duo"),
        ("POST", "/v1/afwezigheden"): api("school"),
        ("POST", "/v1/afwezigheden/batch"): api("school"),
        ("GET", "/v1/afwezigheden/csv-sjabloon"): api("school"),
        ("POST", "/v1/afwezigheden/csv"): api("school"),
        ("POST", "/v1/hercoderingen"): api("school"),
        ("POST", "/v1/meldingen"): api("school"),
        ("POST", "/v1/meldingen/{melding_id}/intrekking"): api("school"),
        ("POST", "/v1/verlof"): api("school"),
        ("POST", "/v1/uitschrijvingen"): api("school", "duo"),
        ("POST", "/v1/duo/verhuizingen"): api("duo"),
        ("POST", "/v1/duo/startkwalificaties"): api("duo"),
        ("POST", "/v1/duo/vrijstellingen"): api("duo"),
        ("POST", "/v1/duo/absoluut-verzuim-kandidaten"): api("duo"),
        ("POST", "/v1/duo/vsv-lijsten"): api("duo"),
        ("DELETE", "/v1/leerlingen/{pseudoniem}/identiteit"): api("duo", "beheer"),
        ("POST", "/v1/identiteit/vergeten"): api("duo", "beheer"),
        ("POST", "/v1/duo/schoolvestigingen"): api("duo"),
        ("GET", "/v1/duo/schoolvestigingen/csv-sjabloon"): api("duo"),
        ("POST", "/v1/duo/schoolvestigingen/csv"): api("duo"),
        ("POST", "/v1/lesuren"): api("school"),
        ("GET", "/v1/school/signalen"): api("school"),
        ("GET", "/v1/school/aanwezigheid"): api("school"),
        ("GET", "/v1/beheer/woongemeente-afwijkingen"): api("duo", "beheer"),
        ("GET", "/v1/beheer/geboortedatum-afwijkingen"): api("duo", "beheer"),
        ("POST", "/v1/beheer/dagtaak"): api("beheer"),
        ("GET", "/v1/beheer/kalender"): api("beheer"),
        ("POST", "/v1/beheer/schoolvakanties"): api("beheer"),
        ("GET", "/v1/beheer/verwerkingen"): api("beheer"),
        ("GET", "/school"): web("school"),
        ("GET", "/school/melding"): web("school"),
        ("POST", "/school/melding"): web("school"),
        ("GET", "/school/afwezigheid-sjabloon"): web("school"),
        ("POST", "/school/afwezigheid"): web("school"),
    },
    "leerplicht": {
        **ALGEMEEN,
        **BEHEER_REGIONAAL,
        ("GET", "/v1/leerlingen/{pseudoniem}/afwezigheid"): api(LP),
        ("GET", "/v1/leerlingen/{pseudoniem}/dossiers"): api(LP),
        ("GET", "/v1/overzicht"): api(LP),
        ("GET", "/v1/werklijst"): api(LP),
        ("GET", "/v1/dossiers"): api(LP),
        ("GET", "/v1/dossiers/{dossier_id}"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/meldingen/{melding_id}/ter-kennisgeving"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/meldingen/{melding_id}/afsluiten"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/onderzoek"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/route"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/interventies"): api(LP),
        ("POST", "/v1/dossiers/{dossier_id}/afsluiten"): api(LP),
        ("GET", "/"): PUBLIEK,  # a redirect to /werklijst, which asks for the session
        ("GET", "/werklijst"): web(LP),
        ("GET", "/dossiers/{dossier_id}"): web(LP),
        ("POST", "/dossiers/{dossier_id}/meldingen/{melding_id}/in-behandeling"): web(LP),
        ("POST", "/dossiers/{dossier_id}/meldingen/{melding_id}/ter-kennisgeving"): web(LP),
        ("POST", "/dossiers/{dossier_id}/meldingen/{melding_id}/afsluiten"): web(LP),
        ("POST", "/dossiers/{dossier_id}/onderzoek"): web(LP),
        ("POST", "/dossiers/{dossier_id}/route"): web(LP),
        ("POST", "/dossiers/{dossier_id}/interventies"): web(LP),
        ("POST", "/dossiers/{dossier_id}/afsluiten"): web(LP),
    },
    "rmc": {
        **ALGEMEEN,
        **BEHEER_REGIONAAL,
        ("GET", "/v1/jongeren"): api(RMC),
        ("GET", "/v1/jongeren/{pseudoniem}"): api(RMC),
        ("POST", "/v1/jongeren/{pseudoniem}/contactpogingen"): api(RMC),
        ("POST", "/v1/jongeren/{pseudoniem}/traject"): api(RMC),
        ("POST", "/v1/jongeren/{pseudoniem}/plaatsing"): api(RMC),
        ("POST", "/v1/jongeren/{pseudoniem}/afsluiten"): api(RMC),
        ("GET", "/v1/werklijst"): api(RMC),
        ("GET", "/v1/scholen"): api(RMC),
        ("POST", "/v1/partners/voortgang"): api(PARTNER),
        ("GET", "/"): PUBLIEK,  # a redirect to /werklijst, which asks for the session
        ("GET", "/werklijst"): web(RMC),
        ("GET", "/jongeren/{pseudoniem}"): web(RMC),
        ("POST", "/jongeren/{pseudoniem}/contactpoging"): web(RMC),
        ("POST", "/jongeren/{pseudoniem}/traject"): web(RMC),
        ("POST", "/jongeren/{pseudoniem}/plaatsing"): web(RMC),
        ("POST", "/jongeren/{pseudoniem}/afsluiten"): web(RMC),
    },
    "telling": {
        **ALGEMEEN,
        ("GET", "/v1/cijfers"): api("analist", "beheer"),
        ("GET", "/v1/cijfers.csv"): api("analist", "beheer"),
        ("GET", "/v1/cijfers.parquet"): api("analist", "beheer"),
        ("GET", "/v1/reeksen"): api("analist", "beheer"),
        ("GET", "/v1/maandreeksen"): api("analist", "beheer"),
        ("GET", "/v1/leerplichttelling/{gemeentecode}/{schooljaar}.csv"): api("analist", "beheer"),
        ("GET", "/v1/leerplichttelling/{gemeentecode}/{schooljaar}"): api("analist", "beheer"),
        ("GET", "/v1/uitsplitsingen"): api("analist", "beheer"),
        ("GET", "/v1/uitsplitsingen.csv"): api("analist", "beheer"),
        ("GET", "/v1/percentages"): api("analist", "beheer"),
        ("GET", "/v1/definities"): api("analist", "beheer"),
        ("GET", "/"): PUBLIEK,  # a redirect to /dashboard, which asks for the session
        ("GET", "/dashboard"): web("analist", "beheer"),
        ("GET", "/static"): PUBLIEK,
    },
}


# ------------------------------------------------------------------------------- the apps themselves


def bouw_app(dienst: str) -> FastAPI:
    """The service's app as its process builds it (identity provider mode), without starting anything."""
    import base64
    import importlib

    env = {"DATABASE_URL": "postgresql://127.0.0.1:1/leeg", "AUTH_MODE": "oidc", "API_TOKENS": "",
           "OIDC_ISSUER": "http://127.0.0.1:1/realms/leerrecht", "REGION": REGIO,
           "PSEUDONYM_KEY": base64.b64encode(b"rollenbeleid-test-sleutel-0123456789").decode(),
           "PGN_ZOEKSLEUTEL": base64.b64encode(b"rollenbeleid-zoeksleutel-0123456789ab").decode()}
    oud = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings_cls = {"registratie": "RegistratieSettings", "leerplicht": "LeerplichtSettings",
                        "rmc": "RmcSettings", "telling": "TellingSettings"}[dienst]
        settings = getattr(importlib.import_module(f"{dienst}.config"), settings_cls)()
        app: FastAPI = importlib.import_module(f"{dienst}.app").build_app(settings)
        return app
    finally:
        for k, v in oud.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _plat(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for r in routes:
        if isinstance(r, _IncludedRouter):
            yield from _plat(r.original_router.routes, prefix + r.include_context.prefix)
        else:
            yield prefix, r


def routes(app: FastAPI) -> dict[tuple[str, str], Any]:
    """Every (method, path) the app answers, included routers and mounts too (HEAD left out: it is GET)."""
    out: dict[tuple[str, str], Any] = {}
    for prefix, r in _plat(list(app.routes)):
        if isinstance(r, Mount):
            out[("GET", prefix + r.path)] = r
        elif isinstance(r, (APIRoute, Route)):
            for m in sorted(r.methods or ()):
                if m != "HEAD":
                    out[(m, prefix + r.path)] = r
        else:
            raise AssertionError(f"onbekend soort route {type(r).__name__}: voeg het toe aan rollenbeleid.routes")
    return out


def afgeleid(route: Any) -> Regel:
    """The policy a route's own dependencies enforce (:func:`leerrecht.http.markeer_toegang`)."""
    if not isinstance(route, APIRoute):
        return PUBLIEK  # OpenAPI, docs and static files: FastAPI's and Starlette's own, no dependencies
    gevonden: set[tuple[str, tuple[str, ...]]] = set()

    def loop(dependant: Any) -> None:
        for sub in dependant.dependencies:
            t = toegang_van(sub.call) if sub.call is not None else None
            if t is not None:
                gevonden.add(t)
            loop(sub)

    loop(route.dependant)
    met_rollen = {t for t in gevonden if t[1]}
    if len(met_rollen) > 1:
        raise AssertionError(f"{route.path}: meer dan één rolcontrole {met_rollen}")
    if met_rollen:
        soort, rollen = met_rollen.pop()
        return Regel(soort, rollen)
    if gevonden:
        return Regel(*sorted(gevonden).pop())
    return PUBLIEK
