"""The role × endpoint matrix on the real identity provider (issue 14, point 7): every route, every role.

Every route of registratie, leerplicht (MC28), rmc (MC28) and telling, API and pages, beheer and inzage
included, as declared in ``tests/_support/rollenbeleid.py`` (which ``tests/leerrecht/test_rollenbeleid.py``
holds to each app's ``app.routes`` and to the routes' own role checks), is called on the four services as
processes in ``AUTH_MODE=oidc`` against a Keycloak with the repository's realm:

- with an access token (client credentials) of every role, each with the audience of all four services,
  so that a refusal is the role check's own 403 — other regions' officers, coaches and partners included;
- with the realm's own system clients (a school, DUO, the analysis system, a partner), whose tokens name
  only their service: 401 on the others;
- with a web session of every person of the realm (logged in through Keycloak's login form, code + PKCE);
- with nothing, an expired token (a client whose tokens live one second), a token with one payload byte
  changed, a token with a broken signature and a forged session cookie.

Allowed: 2xx, 404 or 422 (the calls carry placeholder ids and empty bodies; the point is "not 401/403"),
a page action may also answer 303 to a page of the service. Refused: exactly 401 for no or an invalid
token on the API, 403 for a valid caller of another role or region; a page without a valid session sends
the browser to ``/inloggen`` (303), a session of another role gets 403. Public routes never answer 401/403.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
import pytest
from rollenbeleid import BELEID, REGIO, Regel, toegestaan
from sso import ALLE_ROLLEN, KORT_ALLE, Sso, alle_client

from services import ServiceProcess, launch, wait_ready

pytestmark = pytest.mark.infra

DIENSTEN = tuple(BELEID)
# the realm's own system clients: (role, the one service their tokens are meant for)
SYSTEMEN = {
    "school-00AP00": ("school", "registratie"),
    "duo": ("duo", "registratie"),
    "analyse-systeem": ("analist", "telling"),
    "partner-werkstart-mc28": (f"partner:{REGIO}:werkstart", "rmc"),
}
# the realm's people, and the coach of another region the test realm adds
MENSEN = {
    "officier.mc28": "leerplicht:MC28", "officier.mc29": "leerplicht:MC29", "coach.mc28": "rmc:MC28",
    "coach.mc29": "rmc:MC29", "school.00ap00": "school", "analist": "analist", "beheer": "beheer",
}
PAD_WAARDEN = {
    "pseudoniem": "k1-rollenmatrix-onbekend-0001", "dossier_id": str(uuid.uuid4()), "melding_id": str(uuid.uuid4()),
    "event_id": str(uuid.uuid4()), "gemeentecode": "GM0637", "schooljaar": "2026-2027",
}
TOEGESTAAN_OK = {404, 422}


@dataclass(frozen=True)
class Aanroeper:
    """One way of calling: a bearer token or a session cookie, and what the service should make of it."""

    naam: str
    rol: str | None  # None: no valid caller at all
    bearer: str | None = None
    sessie: str | None = None
    publiek_voor: tuple[str, ...] = DIENSTEN  # services whose audience the token names


@pytest.fixture(scope="module")
def diensten(infra: Any, sso: Sso) -> Iterator[dict[str, ServiceProcess]]:
    oidc = {"AUTH_MODE": "oidc", "API_TOKENS": "", "OIDC_ISSUER": sso.issuer}
    reg = launch("registratie", infra.bootstrap, infra.database_url("rmxreg"), REGIONS="MC28,MC29", **oidc)
    wait_ready(reg)  # it creates the topics the others subscribe to
    svcs = {
        "registratie": reg,
        "leerplicht": launch("leerplicht", infra.bootstrap, infra.database_url("rmxlp"), REGION=REGIO, **oidc),
        "rmc": launch("rmc", infra.bootstrap, infra.database_url("rmxrmc"), REGION=REGIO, **oidc),
        "telling": launch("telling", infra.bootstrap, infra.database_url("rmxtl"), **oidc),
    }
    try:
        for svc in svcs.values():
            wait_ready(svc)
        yield svcs
    finally:
        for svc in svcs.values():
            svc.stop()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _payload_byte_veranderd(token: str) -> str:
    """Promote oneself to another role by one changed claim, keeping header and signature."""
    kop, inhoud, handtekening = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(inhoud + "=" * (-len(inhoud) % 4)))
    claims["rol"] = claims["rol"][:-1] + ("X" if claims["rol"][-1] != "X" else "Y")
    return f"{kop}.{_b64(json.dumps(claims).encode())}.{handtekening}"


def _handtekening_gebroken(token: str) -> str:
    kop, inhoud, handtekening = token.split(".")
    i = len(handtekening) // 2
    return f"{kop}.{inhoud}.{handtekening[:i]}{'A' if handtekening[i] != 'A' else 'B'}{handtekening[i + 1:]}"


def _pad(sjabloon: str) -> str:
    pad = sjabloon.format(**PAD_WAARDEN)
    return pad + "/app.css" if pad == "/static" else pad


def _verwacht(regel: Regel, dienst: str, wie: Aanroeper) -> str:
    """``ok``, ``401``, ``403`` or ``inloggen`` (a page's 303 to /inloggen)."""
    if regel.soort == "publiek":
        return "ok"
    if regel.soort == "web":
        if wie.sessie is None or wie.rol is None:
            return "inloggen"  # a page reads the session only; a bearer token is no login
        return "ok" if toegestaan(regel, wie.rol) else "403"
    if wie.rol is None or dienst not in wie.publiek_voor:
        return "401"
    return "ok" if toegestaan(regel, wie.rol) else "403"


def _uitkomst(regel: Regel, r: httpx.Response) -> str:
    loc = r.headers.get("location", "")
    if r.status_code in (401, 403):
        return str(r.status_code)
    if r.status_code == 303 and loc == "/inloggen":
        return "inloggen"
    if regel.soort == "publiek":
        return "ok"
    if 200 <= r.status_code < 300 or r.status_code in TOEGESTAAN_OK:
        return "ok"
    if regel.soort == "web" and r.status_code == 303 and loc.startswith("/"):
        return "ok"  # a page action answers with the page it belongs to
    return f"onverwacht {r.status_code}"


def _roep(client: httpx.Client, svc: ServiceProcess, method: str, sjabloon: str, regel: Regel,
          wie: Aanroeper) -> httpx.Response:
    headers = {"Authorization": f"Bearer {wie.bearer}"} if wie.bearer else {}
    if wie.sessie:
        headers["Cookie"] = f"leerrecht_sessie={wie.sessie}"
    kwargs: dict[str, Any] = {}
    if method in ("POST", "PUT", "PATCH") and regel.soort == "api":
        kwargs["json"] = {}
    elif method == "POST":
        kwargs["data"] = {}
    return client.request(method, f"{svc.url}{_pad(sjabloon)}", headers=headers, **kwargs)


def _aanroepers(sso: Sso, diensten: dict[str, ServiceProcess]) -> list[Aanroeper]:
    """One token per role (minted once), one session per person and service, and the invalid callers."""
    with ThreadPoolExecutor(4) as pool:
        rollen = dict(zip(ALLE_ROLLEN, pool.map(lambda r: sso.token(alle_client(r)), ALLE_ROLLEN), strict=True))
        systemen = dict(zip(SYSTEMEN, pool.map(sso.token, SYSTEMEN), strict=True))
        kort = sso.token(KORT_ALLE)
        # one person's logins one after another: Keycloak's brute-force detection refuses concurrent ones
        per_mens = pool.map(lambda m: {(m, d): sso.sessie(diensten[d].url, m) for d in DIENSTEN}, MENSEN)
        sessies = {k: v for s in per_mens for k, v in s.items()}
    wie = [Aanroeper(f"token {r}", r, bearer=t) for r, t in rollen.items()]
    wie += [Aanroeper(f"systeem {c}", SYSTEMEN[c][0], bearer=t, publiek_voor=(SYSTEMEN[c][1],))
            for c, t in systemen.items()]
    # a session lives at the service that opened it: elsewhere it is an unknown cookie
    wie += [Aanroeper(f"sessie {m}@{d}", MENSEN[m], sessie=s, publiek_voor=(d,)) for (m, d), s in sessies.items()]
    beheer = rollen["beheer"]
    wie += [
        Aanroeper("niemand", None),
        Aanroeper("verlopen token", None, bearer=kort),
        Aanroeper("token met een veranderd byte", None, bearer=_payload_byte_veranderd(beheer)),
        Aanroeper("token met gebroken handtekening", None, bearer=_handtekening_gebroken(beheer)),
        Aanroeper("vervalst sessiecookie", None, sessie=secrets.token_urlsafe(32)),
    ]
    claims = json.loads(base64.urlsafe_b64decode(kort.split(".")[1] + "=="))
    time.sleep(max(0.0, claims["exp"] + 5 + 1.5 - time.time()))  # past the services' 5 s leeway
    return wie


def test_every_route_every_role_on_the_real_identity_provider(diensten: dict[str, ServiceProcess], sso: Sso) -> None:
    begin = time.monotonic()
    aanroepers = _aanroepers(sso, diensten)
    gevallen: list[tuple[str, str, str, Regel, Aanroeper]] = []
    for dienst in DIENSTEN:
        for (method, sjabloon), regel in BELEID[dienst].items():
            for wie in aanroepers:
                sessie_elders = wie.sessie is not None and wie.rol is not None and dienst not in wie.publiek_voor
                if sessie_elders:
                    continue  # another service's session id means nothing here: the forged cookie covers it
                if (method, sjabloon) == ("POST", "/uitloggen") and wie.sessie is not None and wie.rol is not None:
                    continue  # it would end the session the other rows still use (test_sso.py logs out)
                gevallen.append((dienst, method, sjabloon, regel, wie))

    def een(geval: tuple[str, str, str, Regel, Aanroeper]) -> tuple[str, str, str, int]:
        dienst, method, sjabloon, regel, wie = geval
        r = _roep(client, diensten[dienst], method, sjabloon, regel, wie)
        return _verwacht(regel, dienst, wie), _uitkomst(regel, r), wie.naam, r.status_code

    geen_koekjes = CookieJar(DefaultCookiePolicy(allowed_domains=[]))  # threads share the client: no jar
    with httpx.Client(timeout=60, follow_redirects=False, cookies=geen_koekjes) as client, \
            ThreadPoolExecutor(6) as pool:
        uitkomsten = list(pool.map(een, gevallen))
    fout = [
        f"{g[0]} {g[1]} {g[2]} door {u[2]}: verwacht {u[0]}, kreeg {u[3]}"
        for g, u in zip(gevallen, uitkomsten, strict=True) if u[0] != u[1]
    ]
    assert not fout, f"{len(fout)} van {len(gevallen)} afwijkend:\n" + "\n".join(fout[:80])
    soorten = {u[0] for u in uitkomsten}
    assert soorten == {"ok", "401", "403", "inloggen"}, soorten
    routes = sum(len(r) for r in BELEID.values())
    assert len(gevallen) > routes * 20, "every route with every caller"
    print(f"rollenmatrix: {len(gevallen)} aanroepen over {routes} routes in {time.monotonic() - begin:.1f} s")
