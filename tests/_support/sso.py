"""The real identity provider for the tests: Keycloak with the repository's realm, plus test clients.

Why extra clients: people (officers, coaches, analysts, beheer) log in through the browser; to run the
role × endpoint matrix over the API the tests also need their roles through OAuth 2.0 client
credentials, so the test realm adds one confidential client per such role (never in the demo realm).
Keycloak is started only for the tests that ask for it (a lazy, session-scoped fixture).
"""

from __future__ import annotations

import contextlib
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


@dataclass
class Sso:
    node: KeycloakNode
    realm: KeycloakRealm

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


@contextlib.contextmanager
def start_sso() -> Iterator[Sso]:
    realm = realm_with_credentials(
        extra_redirect_uris=("http://127.0.0.1:*",),  # the services of a test run on free ports
        extra_clients=tuple(_client(c, aud, life) for c, (aud, _, life) in TEST_ROLLEN.items()),
        extra_users=tuple(_account(c, **attrs) for c, (_, attrs, _) in TEST_ROLLEN.items()),
    )
    with throwaway_keycloak("leerrecht-test-keycloak-", realm) as node:
        yield Sso(node, realm)
