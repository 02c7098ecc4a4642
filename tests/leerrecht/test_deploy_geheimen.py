"""``deploy/`` holds no usable default credential (issue 14): unset means refuse to start.

And the realm kept in the repository holds no secret or password (they are drawn at every start), and
its clients follow the NL GOV Assurance profile where it applies: public web clients only with the
authorization code flow and PKCE S256 (no implicit flow, no password grant), systems only with client
credentials, access tokens that live minutes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def compose_fouten(tekst: str) -> list[str]:
    fouten = []
    if m := re.findall(r"\$\{(\w+):?-", tekst):
        fouten.append(f"standaardwaarde voor {sorted(set(m))}")
    if re.search(r"postgresql://\w+:(?!\$\{)[^@\s]+@", tekst):
        fouten.append("wachtwoord in een DATABASE_URL")
    if re.search(r"^\s*POSTGRES_PASSWORD:[ \t]*(?![ \t]|\$\{POSTGRES_PASSWORD:\?)", tekst, re.M):
        fouten.append("POSTGRES_PASSWORD niet verplicht")
    if "API_TOKENS" in tekst:
        fouten.append("statische tokens")
    for nodig in ("OIDC_ISSUER", "PSEUDONYM_KEY"):
        if not re.search(rf"\$\{{{nodig}:\?", tekst):
            fouten.append(f"{nodig} niet verplicht")
    return fouten


def test_compose_refuses_to_start_without_its_secrets() -> None:
    assert compose_fouten((DEPLOY / "compose.yaml").read_text()) == []


def test_the_check_finds_the_old_defaults() -> None:
    oud = """    API_TOKENS: ${API_TOKENS:-demo-analist=analist-demo:analist}
      POSTGRES_PASSWORD: leerrecht
    environment: { DATABASE_URL: "postgresql://leerrecht:leerrecht@postgres/leerrecht_telling" }"""
    assert len(compose_fouten(oud)) >= 4


def test_kubernetes_manifests_hold_no_credentials() -> None:
    pads = sorted((DEPLOY / "k8s").rglob("*.yaml"))  # the generated tree: every region and the Kafka cluster
    assert len(pads) > 40
    for pad in pads:
        tekst = pad.read_text()
        assert "API_TOKENS=" not in tekst and not re.search(r"(?i)password\s*[:=]\s*\S", tekst), pad.name


def _realm() -> dict[str, Any]:
    return dict(json.loads((DEPLOY / "local" / "keycloak" / "leerrecht-realm.json").read_text()))


def test_the_realm_in_the_repository_holds_no_secret_or_password() -> None:
    realm = _realm()
    assert all("secret" not in c for c in realm["clients"])
    assert all("credentials" not in u for u in realm["users"])
    assert int(realm["accessTokenLifespan"]) <= 300


def test_the_realms_clients_follow_the_nl_gov_profile() -> None:
    clients = _realm()["clients"]
    web = [c for c in clients if c["publicClient"]]
    systemen = [c for c in clients if not c["publicClient"]]
    assert {c["clientId"] for c in web} == {"registratie-web", "leerplicht-web", "rmc-web", "telling-web"}
    for c in web:
        assert c["standardFlowEnabled"] and not c["implicitFlowEnabled"] and not c["directAccessGrantsEnabled"]
        assert c["attributes"]["pkce.code.challenge.method"] == "S256"
        assert all("*" not in u for u in c["redirectUris"]), "exact redirect URIs"
    for c in systemen:
        assert c["serviceAccountsEnabled"] and not c["standardFlowEnabled"] and not c["directAccessGrantsEnabled"]
    for c in clients:  # every token names the service it is meant for
        assert any(m["protocolMapper"] == "oidc-audience-mapper" for m in c["protocolMappers"]), c["clientId"]
