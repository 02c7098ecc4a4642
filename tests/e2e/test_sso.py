"""Single sign-on on the real identity provider (issue 14, point 1 and 7): Keycloak from Maven Central.

The four services run as processes in ``AUTH_MODE=oidc`` against a Keycloak started for this session
with the repository's realm. Systems and, for the matrix, every role get their access tokens through
OAuth 2.0 client credentials; a person logs in through Keycloak's own login page in Chromium
(authorization code + PKCE) and logs out again. Nothing here is mocked.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sso import KORT, Sso

from services import ServiceProcess, launch, wait_ready

pytestmark = pytest.mark.infra

# who (a client of the realm) → the services its tokens are meant for (audience)
ROLLEN: dict[str, tuple[str, ...]] = {
    "school-00AP00": ("registratie",),
    "duo": ("registratie",),
    "partner-werkstart-mc28": ("rmc",),
    "test-leerplicht-mc28": ("leerplicht",),
    "test-leerplicht-mc29": ("leerplicht",),
    "test-rmc-mc28": ("rmc",),
    "test-analist": ("telling",),
    "test-beheer": ("registratie", "leerplicht", "rmc", "telling"),
}
# a representative operation per role and service: (service, method, path, body, allowed, status when allowed)
OPERATIES: list[tuple[str, str, str, Any, set[str], int]] = [
    ("registratie", "GET", "/v1/afwezigheden/csv-sjabloon", None, {"school-00AP00"}, 200),
    ("registratie", "POST", "/v1/identiteit/vergeten", {}, {"duo", "test-beheer"}, 422),
    ("registratie", "GET", "/v1/beheer/kalender", None, {"test-beheer"}, 200),
    ("leerplicht", "GET", "/v1/werklijst", None, {"test-leerplicht-mc28"}, 200),
    ("leerplicht", "GET", "/v1/beheer/aandacht", None, {"test-beheer"}, 200),
    ("rmc", "GET", "/v1/werklijst", None, {"test-rmc-mc28"}, 200),
    ("rmc", "POST", "/v1/partners/voortgang", {}, {"partner-werkstart-mc28"}, 422),
    ("rmc", "GET", "/v1/beheer/quarantaine", None, {"test-beheer"}, 200),
    ("telling", "GET", "/v1/definities", None, {"test-analist", "test-beheer"}, 200),
]


@pytest.fixture(scope="module")
def diensten(infra: Any, sso: Sso) -> Iterator[dict[str, ServiceProcess]]:
    oidc = {"AUTH_MODE": "oidc", "API_TOKENS": "", "OIDC_ISSUER": sso.issuer}
    reg = launch("registratie", infra.bootstrap, infra.database_url("ssoreg"), REGIONS="MC28,MC29", **oidc)
    wait_ready(reg)  # it creates the topics the others subscribe to
    svcs = {
        "registratie": reg,
        "leerplicht": launch("leerplicht", infra.bootstrap, infra.database_url("ssolp"), REGION="MC28", **oidc),
        "rmc": launch("rmc", infra.bootstrap, infra.database_url("ssormc"), REGION="MC28", **oidc),
        "telling": launch("telling", infra.bootstrap, infra.database_url("ssotl"), **oidc),
    }
    try:
        for svc in svcs.values():
            wait_ready(svc)
        yield svcs
    finally:
        for svc in svcs.values():
            svc.stop()


def _call(svc: ServiceProcess, method: str, path: str, token: str | None, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.request(method, f"{svc.url}{path}", headers=headers, json=body, timeout=30)


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def test_every_role_on_a_representative_operation_of_every_service(diensten: dict[str, ServiceProcess],
                                                                    sso: Sso) -> None:
    tokens = {rol: sso.token(rol) for rol in ROLLEN}
    uitkomst: dict[tuple[str, str, str], tuple[int, int]] = {}
    for dienst, method, path, body, allowed, ok in OPERATIES:
        for rol, audiences in ROLLEN.items():
            verwacht = ok if rol in allowed else 403 if dienst in audiences else 401
            r = _call(diensten[dienst], method, path, tokens[rol], body)
            uitkomst[(rol, dienst, path)] = (r.status_code, verwacht)
    fout = {k: v for k, v in uitkomst.items() if v[0] != v[1]}
    assert not fout, f"(gekregen, verwacht) per (rol, dienst, pad): {fout}"
    assert len(uitkomst) == len(OPERATIES) * len(ROLLEN)
    for dienst, method, path, body, _, _ in OPERATIES:  # and nobody at all: 401
        assert _call(diensten[dienst], method, path, None, body).status_code == 401


def test_claims_come_from_the_identity_provider(sso: Sso) -> None:
    school = _claims(sso.token("school-00AP00"))
    assert school["rol"] == "school" and school["brin"] == "00AP00" and school["aud"] == "leerrecht-registratie"
    partner = _claims(sso.token("partner-werkstart-mc28"))
    assert (partner["rol"], partner["regio"], partner["partner"]) == ("partner", "MC28", "werkstart")
    assert school["exp"] - school["iat"] <= 300, "short-lived access tokens (NL GOV: minutes)"


def test_a_valid_token_of_another_region_is_refused_with_403(diensten: dict[str, ServiceProcess], sso: Sso) -> None:
    lp = diensten["leerplicht"]
    assert _call(lp, "GET", "/v1/werklijst", sso.token("test-leerplicht-mc28")).status_code == 200
    r = _call(lp, "GET", "/v1/werklijst", sso.token("test-leerplicht-mc29"))
    assert r.status_code == 403


def test_a_token_for_another_service_is_refused_with_401(diensten: dict[str, ServiceProcess], sso: Sso) -> None:
    school = sso.token("school-00AP00")  # aud: registratie
    assert _call(diensten["registratie"], "GET", "/v1/afwezigheden/csv-sjabloon", school).status_code == 200
    r = _call(diensten["leerplicht"], "GET", "/v1/werklijst", school)
    assert r.status_code == 401 and "invalid_token" in r.headers["www-authenticate"]


def test_tampered_tokens_are_refused_with_401(diensten: dict[str, ServiceProcess], sso: Sso) -> None:
    telling = diensten["telling"]
    token = sso.token("test-analist")
    assert _call(telling, "GET", "/v1/definities", token).status_code == 200
    kop, inhoud, handtekening = token.split(".")
    flip = "A" if handtekening[10] != "A" else "B"
    tampered_sig = f"{kop}.{inhoud}.{handtekening[:10]}{flip}{handtekening[11:]}"
    assert _call(telling, "GET", "/v1/definities", tampered_sig).status_code == 401
    claims = _claims(token) | {"rol": "beheer"}  # promote oneself, keep the signature
    nieuw = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert _call(telling, "GET", "/v1/definities", f"{kop}.{nieuw}.{handtekening}").status_code == 401
    geen = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode().rstrip("=")
    assert _call(telling, "GET", "/v1/definities", f"{geen}.{inhoud}.").status_code == 401


def test_an_expired_token_is_refused_with_401(diensten: dict[str, ServiceProcess], sso: Sso) -> None:
    telling = diensten["telling"]
    token = sso.token(KORT)  # lives one second
    claims = _claims(token)
    assert claims["exp"] - claims["iat"] <= 1
    time.sleep(max(0.0, claims["exp"] + 5 + 1.5 - time.time()))  # past the 5 s leeway for clock skew
    r = _call(telling, "GET", "/v1/definities", token)
    assert r.status_code == 401


def test_an_officer_logs_in_through_keycloak_with_pkce_and_logs_out(
    diensten: dict[str, ServiceProcess], sso: Sso, page: Any
) -> None:
    lp = diensten["leerplicht"]
    autorisaties: list[str] = []
    page.on("request", lambda req: autorisaties.append(req.url) if "/protocol/openid-connect/auth" in req.url else None)
    page.goto(f"{lp.url}/werklijst")
    assert page.url.startswith(sso.issuer), "no session: via /inloggen to Keycloak's login page"
    page.fill("#username", "officier.mc28")
    page.fill("#password", sso.realm.passwords["officier.mc28"])
    page.click("#kc-login")
    page.wait_for_url(f"{lp.url}/werklijst")
    assert page.locator("h1").inner_text() == "Werklijst"

    vraag = parse_qs(urlparse(autorisaties[0]).query)
    assert vraag["response_type"] == ["code"] and vraag["code_challenge_method"] == ["S256"]
    assert len(vraag["code_challenge"][0]) == 43 and vraag["state"] and vraag["nonce"]
    sessie = next(c for c in page.context.cookies() if c["name"] == "leerrecht_sessie")
    assert sessie["httpOnly"] and sessie["sameSite"] == "Lax"
    assert sessie["value"].count(".") == 0, "the cookie holds a session id, not the token"

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{lp.url}/uitgelogd")
    assert "uitgelogd" in page.content()
    page.goto(f"{lp.url}/werklijst")
    assert page.url.startswith(sso.issuer), "the session ended here"
    assert page.locator("#username").is_visible(), "and at Keycloak: the login page asks again"
    old = httpx.get(f"{lp.url}/werklijst", cookies={"leerrecht_sessie": sessie["value"]}, timeout=30)
    assert old.status_code == 303 and old.headers["location"] == "/inloggen", "the old cookie opens nothing"


def test_another_regions_officer_gets_no_access_after_login(
    diensten: dict[str, ServiceProcess], sso: Sso, page: Any
) -> None:
    lp = diensten["leerplicht"]
    page.goto(f"{lp.url}/inloggen")
    page.fill("#username", "officier.mc29")
    page.fill("#password", sso.realm.passwords["officier.mc29"])
    page.click("#kc-login")
    page.wait_for_load_state()
    assert page.url.startswith(lp.url)
    assert "geen toegang" in page.content().lower()


def _sessies(svc: ServiceProcess) -> list[dict[str, Any]]:
    """The sessions table, read from a thread of its own (Playwright's sync API holds this thread's loop)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import asyncpg

    async def go() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(svc.env["DATABASE_URL"])
        try:
            return [dict(r) for r in await conn.fetch("SELECT * FROM web_sessie")]
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_a_login_session_is_kept_in_the_database_survives_a_restart_and_ends_at_logout(
    diensten: dict[str, ServiceProcess], sso: Sso, page: Any
) -> None:
    """Sessions are not only in the process's memory: a restart keeps the officer logged in (the very
    cookie, without a new round through Keycloak); the service's PostgreSQL holds the session id's hash
    (never the id), the role and the expiry; logout deletes the row."""
    import hashlib
    import tempfile
    from pathlib import Path

    from leerrecht import processes

    lp = diensten["leerplicht"]
    page.goto(f"{lp.url}/werklijst")
    page.fill("#username", "officier.mc28")
    page.fill("#password", sso.realm.passwords["officier.mc28"])
    page.click("#kc-login")
    page.wait_for_url(f"{lp.url}/werklijst")
    sid = next(c for c in page.context.cookies() if c["name"] == "leerrecht_sessie")["value"]

    poort = int(urlparse(lp.url).port or 0)
    lp.stop()
    log = Path(tempfile.mkstemp(prefix="leerplicht-herstart-", suffix=".log")[1])
    nieuw = processes.launch("leerplicht", lp.env, log, port=poort)
    diensten["leerplicht"] = nieuw  # the fixture stops this one
    wait_ready(nieuw)
    na = httpx.get(f"{nieuw.url}/werklijst", cookies={"leerrecht_sessie": sid}, timeout=30)
    assert na.status_code == 200 and "Werklijst" in na.text, "the same session after the restart"
    page.goto(f"{nieuw.url}/werklijst")
    assert page.url == f"{nieuw.url}/werklijst" and page.locator("h1").inner_text() == "Werklijst"
    assert next(c for c in page.context.cookies() if c["name"] == "leerrecht_sessie")["value"] == sid

    [rij] = [r for r in _sessies(nieuw) if r["sessie_hash"] == hashlib.sha256(sid.encode()).hexdigest()]
    assert rij["rol"] == "leerplicht:MC28"
    assert all(sid not in str(v) for r in _sessies(nieuw) for v in r.values()), "only the hash is stored"
    assert rij["verloopt_op"].timestamp() > time.time() + 3000, "OIDC_SESSIE_S (3600) from the login"

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{nieuw.url}/uitgelogd")
    assert [r for r in _sessies(nieuw) if r["sessie_hash"] == rij["sessie_hash"]] == [], "logout deletes it"
    old = httpx.get(f"{nieuw.url}/werklijst", cookies={"leerrecht_sessie": sid}, timeout=30)
    assert old.status_code == 303 and old.headers["location"] == "/inloggen"
