"""The real identity provider for the tests: Keycloak with the repository's realm, plus test clients.

Why extra clients: people (officers, coaches, analysts, beheer) log in through the browser; to run the
role × endpoint matrix over the API the tests also need their roles through OAuth 2.0 client
credentials, so the test realm adds one confidential client per such role (never in the demo realm).
Keycloak is started only for the tests that ask for it (a lazy, session-scoped fixture).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from leerrecht.localinfra import KeycloakNode, KeycloakRealm, realm_with_credentials, throwaway_keycloak

DIENSTEN = ("registratie", "leerplicht", "rmc", "telling")
KORT = "test-kort-analist"  # an access token that lives one second: the expiry test


def _client(client_id: str, audiences: tuple[str, ...], lifespan: int = 300) -> dict[str, Any]:
    return {
        "clientId": client_id, "enabled": True, "publicClient": False, "clientAuthenticatorType": "client-secret",
        "serviceAccountsEnabled": True, "standardFlowEnabled": False, "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False, "fullScopeAllowed": False,
        "defaultClientScopes": ["leerrecht"], "optionalClientScopes": [],
        "attributes": {"access.token.lifespan": str(lifespan), "use.refresh.tokens": "false"},
        "protocolMappers": [
            {"name": f"publiek-{a}", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
             "config": {"included.custom.audience": f"leerrecht-{a}", "access.token.claim": "true",
                        "id.token.claim": "false"}} for a in audiences
        ],
    }


def _account(client_id: str, **attrs: str) -> dict[str, Any]:
    return {"username": f"service-account-{client_id}", "enabled": True, "serviceAccountClientId": client_id,
            "attributes": {k: [v] for k, v in attrs.items()}}


TEST_ROLLEN: dict[str, tuple[tuple[str, ...], dict[str, str], int]] = {
    "test-leerplicht-mc28": (("leerplicht",), {"leerrecht_rol": "leerplicht", "regio": "MC28"}, 300),
    "test-leerplicht-mc29": (("leerplicht",), {"leerrecht_rol": "leerplicht", "regio": "MC29"}, 300),
    "test-rmc-mc28": (("rmc",), {"leerrecht_rol": "rmc", "regio": "MC28"}, 300),
    "test-analist": (("telling",), {"leerrecht_rol": "analist"}, 300),
    "test-beheer": (DIENSTEN, {"leerrecht_rol": "beheer"}, 300),
    KORT: (("telling",), {"leerrecht_rol": "analist"}, 1),
}
# The role matrix (tests/e2e/test_rollenmatrix.py): every role with the audience of all four services, so a
# refusal on every service is the role check's 403 (not the audience's 401), wrong regions included.
ALLE_ROLLEN: dict[str, dict[str, str]] = {
    "school": {"leerrecht_rol": "school", "brin": "00AP00"},
    "duo": {"leerrecht_rol": "duo"},
    "partner:MC28:werkstart": {"leerrecht_rol": "partner", "regio": "MC28", "partner": "werkstart"},
    "partner:MC29:werkstart": {"leerrecht_rol": "partner", "regio": "MC29", "partner": "werkstart"},
    "leerplicht:MC28": {"leerrecht_rol": "leerplicht", "regio": "MC28"},
    "leerplicht:MC29": {"leerrecht_rol": "leerplicht", "regio": "MC29"},
    "rmc:MC28": {"leerrecht_rol": "rmc", "regio": "MC28"},
    "rmc:MC29": {"leerrecht_rol": "rmc", "regio": "MC29"},
    "analist": {"leerrecht_rol": "analist"},
    "beheer": {"leerrecht_rol": "beheer"},
}


def alle_client(rol: str) -> str:
    """The test client of one role with every service's audience: ``partner:MC28:werkstart`` →
    ``test-alle-partner-mc28-werkstart``."""
    return "test-alle-" + rol.lower().replace(":", "-")


KORT_ALLE = "test-kort-beheer"  # beheer for every service, one second: expired on every route
TEST_ROLLEN.update({alle_client(r): (DIENSTEN, attrs, 300) for r, attrs in ALLE_ROLLEN.items()})
TEST_ROLLEN[KORT_ALLE] = (DIENSTEN, {"leerrecht_rol": "beheer"}, 1)
# people of the realm who log in on the pages, plus a coach of another region (not in the demo realm)
TEST_MENSEN: dict[str, dict[str, str]] = {
    "coach.mc29": {"leerrecht_rol": "rmc", "regio": "MC29"},
}


def _mens(username: str, **attrs: str) -> dict[str, Any]:
    return {"username": username, "enabled": True, "firstName": "Test", "lastName": username,
            "email": f"{username}@leerrecht.invalid", "emailVerified": True,
            "attributes": {k: [v] for k, v in attrs.items()}}


@dataclass
class Sso:
    node: KeycloakNode
    realm: KeycloakRealm
    beheer: tuple[str, str] = ("", "")
    """Keycloak's bootstrap admin of this run (user, password): tests that create run-only clients."""

    @property
    def issuer(self) -> str:
        return self.node.issuer

    def token(self, client_id: str) -> str:
        """An access token through client credentials, from the real Keycloak."""
        r = httpx.post(f"{self.issuer}/protocol/openid-connect/token", timeout=30, data={
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": self.realm.secrets[client_id],
        })
        r.raise_for_status()
        return str(r.json()["access_token"])

    def sessie(self, dienst_url: str, username: str) -> str:
        """A person's web session at a service, through the real login (authorization code + PKCE) without
        a browser: the service's ``/inloggen``, Keycloak's login form, back to ``/inloggen/terug``.
        Returns the session cookie's value; a person the service refuses gets none (AssertionError)."""
        with httpx.Client(timeout=60, follow_redirects=False) as c:  # a fresh jar: no Keycloak session yet
            naar_kc = c.get(f"{dienst_url}/inloggen")
            assert naar_kc.status_code == 303, naar_kc.status_code
            formulier = c.get(naar_kc.headers["location"])
            actie = re.search(r'<form[^>]*action="([^"]+)"', formulier.text)
            assert actie is not None, "Keycloak's login form"
            # Keycloak's cookies are Secure (a browser trusts loopback http, httpx's jar does not): sent by hand
            koekjes = "; ".join(k.split(";", 1)[0] for k in formulier.headers.get_list("set-cookie"))
            terug = c.post(html.unescape(actie.group(1)), headers={"Cookie": koekjes},
                           data={"username": username, "password": self.realm.passwords[username]})
            assert terug.status_code == 302 and terug.headers["location"].startswith(dienst_url), terug.status_code
            thuis = c.get(terug.headers["location"])
            assert thuis.status_code == 303, thuis.status_code
            return str(thuis.cookies["leerrecht_sessie"])


@contextlib.contextmanager
def start_sso() -> Iterator[Sso]:
    realm = realm_with_credentials(
        extra_redirect_uris=("http://127.0.0.1:*",),  # the services of a test run on free ports
        extra_clients=tuple(_client(c, aud, life) for c, (aud, _, life) in TEST_ROLLEN.items()),
        extra_users=(*(_account(c, **attrs) for c, (_, attrs, _) in TEST_ROLLEN.items()),
                     *(_mens(u, **attrs) for u, attrs in TEST_MENSEN.items())),
    )
    beheer = ("test-kc-beheer", secrets.token_urlsafe(24))
    os.environ["KC_BOOTSTRAP_ADMIN_USERNAME"], os.environ["KC_BOOTSTRAP_ADMIN_PASSWORD"] = beheer
    try:
        with throwaway_keycloak("leerrecht-test-keycloak-", realm) as node:
            del os.environ["KC_BOOTSTRAP_ADMIN_USERNAME"], os.environ["KC_BOOTSTRAP_ADMIN_PASSWORD"]
            yield Sso(node, realm, beheer)
    finally:
        os.environ.pop("KC_BOOTSTRAP_ADMIN_USERNAME", None)
        os.environ.pop("KC_BOOTSTRAP_ADMIN_PASSWORD", None)
