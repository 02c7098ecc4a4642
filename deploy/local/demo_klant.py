"""Run-only Keycloak clients for the demo feed: an officer's and a coach's system for one region.

Why: the feed must take the steps an officer and a coach take (in behandeling, onderzoek, route,
contact, traject, plaatsing) through leerplicht's and rmc's public APIs, the way a real deployment's
integration would: with a client-credentials token of its own. The committed realm has no such client on
purpose (a standing privileged client is a standing risk), so the demo creates them through Keycloak's
admin API for this run only, with secrets drawn now, and deletes them when the feed is done. A token
carries one role (``rol``), so an officer and a coach are two clients: ``demo-feed-<regio>-leerplicht``
and ``demo-feed-<regio>-rmc``.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator, MutableMapping
from typing import Any

import httpx

REALM = "leerrecht"


def klant_id(regio: str, rol: str) -> str:
    return f"demo-feed-{regio.lower()}-{rol}"


def _klant(client_id: str, geheim: str, dienst: str) -> dict[str, Any]:
    """A confidential client with only client credentials, the realm's claim scope and one audience."""
    return {
        "clientId": client_id, "name": f"Demo-invoer {dienst} (alleen deze run)", "enabled": True,
        "publicClient": False, "clientAuthenticatorType": "client-secret", "secret": geheim,
        "serviceAccountsEnabled": True, "standardFlowEnabled": False, "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False, "fullScopeAllowed": False,
        "defaultClientScopes": ["leerrecht"], "optionalClientScopes": [],
        "attributes": {"access.token.lifespan": "300", "use.refresh.tokens": "false"},
        "protocolMappers": [{
            "name": f"publiek-{dienst}", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
            "config": {"included.custom.audience": f"leerrecht-{dienst}", "access.token.claim": "true",
                       "id.token.claim": "false"}}],
    }


class KeycloakBeheer:
    """Keycloak's admin REST API with the bootstrap admin of this run (master realm, ``admin-cli``)."""

    def __init__(self, base_url: str, gebruiker: str, wachtwoord: str) -> None:
        self.base_url, self.gebruiker, self.wachtwoord = base_url.rstrip("/"), gebruiker, wachtwoord

    def _headers(self) -> dict[str, str]:
        r = httpx.post(f"{self.base_url}/realms/master/protocol/openid-connect/token", timeout=30, data={
            "grant_type": "password", "client_id": "admin-cli",
            "username": self.gebruiker, "password": self.wachtwoord})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def maak_klant(self, client_id: str, dienst: str, claims: dict[str, str]) -> str:
        """Creates the client and gives its service account the claims; returns the secret."""
        geheim = secrets.token_urlsafe(32)
        h = self._headers()
        api = f"{self.base_url}/admin/realms/{REALM}"
        r = httpx.post(f"{api}/clients", json=_klant(client_id, geheim, dienst), headers=h, timeout=30)
        r.raise_for_status()
        intern = r.headers["location"].rsplit("/", 1)[-1]
        account = httpx.get(f"{api}/clients/{intern}/service-account-user", headers=h, timeout=30)
        account.raise_for_status()
        gebruiker = account.json()
        gebruiker["attributes"] = {k: [v] for k, v in claims.items()}
        httpx.put(f"{api}/users/{gebruiker['id']}", json=gebruiker, headers=h, timeout=30).raise_for_status()
        return geheim

    def verwijder_klant(self, client_id: str) -> None:
        """Deletes the client (and with it its service account); absent is fine."""
        h = self._headers()
        api = f"{self.base_url}/admin/realms/{REALM}"
        r = httpx.get(f"{api}/clients", params={"clientId": client_id}, headers=h, timeout=30)
        r.raise_for_status()
        for klant in r.json():
            httpx.delete(f"{api}/clients/{klant['id']}", headers=h, timeout=30).raise_for_status()


@contextlib.contextmanager
def demo_klanten(beheer: KeycloakBeheer, regio: str, geheimen: MutableMapping[str, str]) -> Iterator[dict[str, str]]:
    """The officer's and the coach's client of ``regio`` while the block runs; their secrets are put into
    ``geheimen`` (the dict a token cache reads) and taken out again. Returns role → client id."""
    klanten = {"leerplicht": klant_id(regio, "leerplicht"), "rmc": klant_id(regio, "rmc")}
    try:
        for rol, client_id in klanten.items():
            geheimen[client_id] = beheer.maak_klant(client_id, rol, {"leerrecht_rol": rol, "regio": regio})
        yield klanten
    finally:
        for client_id in klanten.values():
            geheimen.pop(client_id, None)
            beheer.verwijder_klant(client_id)
