"""Every service's OpenAPI document passes the ADR ruleset (``deploy/adr/spectral.yaml``) with Spectral:
zero errors (issue 15.8). The apps are built in-process (no lifespan: the document needs no Kafka or
PostgreSQL). Observed before: no contact, no API-Version header, errors without problem+json, operations
without description; the raw FastAPI document of today's routes still shows that the ruleset bites.
"""

from __future__ import annotations

import importlib
import json
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.openapi.utils import get_openapi

from leerrecht.http import API_VERSIE

ROOT = Path(__file__).resolve().parents[2]
SPECTRAL = ROOT / ".local" / "spectral" / "node_modules" / ".bin" / "spectral"
RULESET = ROOT / "deploy" / "adr" / "spectral.yaml"
DIENSTEN = {"registratie": "RegistratieSettings", "leerplicht": "LeerplichtSettings", "rmc": "RmcSettings",
            "telling": "TellingSettings"}


def _app(dienst: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AUTH_MODE", "static")
    monkeypatch.setenv("API_TOKENS", f"{secrets.token_urlsafe(32)}=school-1:school")
    monkeypatch.setenv("DATABASE_URL", "postgresql://niemand@127.0.0.1:1/geen")
    monkeypatch.setenv("PSEUDONYM_KEY", secrets.token_hex(32))
    monkeypatch.setenv("REGION", "MC28")
    settings = getattr(importlib.import_module(f"{dienst}.config"), DIENSTEN[dienst])()
    return importlib.import_module(f"{dienst}.app").build_app(settings)


def _lint(doc: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    assert SPECTRAL.exists(), "make bootstrap installs Spectral into .local/spectral"
    pad = tmp_path / "openapi.json"
    pad.write_text(json.dumps(doc))
    out = subprocess.run([str(SPECTRAL), "lint", "-r", str(RULESET), "-f", "json", "--quiet", str(pad)],
                         capture_output=True, text=True, timeout=300, check=False)
    resultaten: list[dict[str, Any]] = json.loads(out.stdout or "[]")
    return [r for r in resultaten if r["severity"] == 0]  # 0 = error


@pytest.mark.parametrize("dienst", list(DIENSTEN))
def test_the_openapi_document_passes_the_adr_ruleset(dienst: str, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    doc = _app(dienst, monkeypatch).openapi()
    fouten = _lint(doc, tmp_path)
    assert fouten == [], "\n".join(f"{f['code']} {'.'.join(map(str, f['path']))}: {f['message']}" for f in fouten)
    assert doc["info"]["version"] == API_VERSIE
    assert set(doc["info"]["contact"]) == {"name", "url", "email"}
    operaties = [op for ops in doc["paths"].values() for op in ops.values()]
    assert len(operaties) >= 9
    for op in operaties:
        assert op["summary"] and op["description"] and op["tags"]
        assert op["responses"]["500"] == {"$ref": "#/components/responses/Fout500"}
    assert {t["name"] for t in doc["tags"]} >= {t for op in operaties for t in op["tags"]}


def test_the_ruleset_refuses_what_fastapi_produces_by_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = _app("telling", monkeypatch)
    raw = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    codes = {f["code"] for f in _lint(raw, tmp_path)}
    assert {"adr-contact", "adr-version-header", "adr-problem-json", "operation-description",
            "adr-operation-description-not-summary", "adr-uri-version"} <= codes


def test_the_ruleset_refuses_a_description_that_repeats_the_summary(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    """Observed before (issue 15): about 50 operations whose description was their summary."""
    doc = _app("telling", monkeypatch).openapi()
    pad, ops = next(iter(doc["paths"].items()))
    op = next(iter(ops.values()))
    op["description"] = " " + op["summary"].upper() + ". "
    fouten = [f for f in _lint(doc, tmp_path) if f["code"] == "adr-operation-description-not-summary"]
    assert [f["path"][:2] for f in fouten] == [["paths", pad]]


def test_the_contact_is_the_deployments_and_the_licence_stays_eupl(monkeypatch: pytest.MonkeyPatch) -> None:
    """API_CONTACT_NAAM/URL/EMAIL name whoever runs the platform (README Configuration); a malformed one
    stops the app when it is built, not at the first /docs."""
    from pydantic import ValidationError

    monkeypatch.setenv("API_CONTACT_NAAM", "Servicedesk Onderwijs Gemeente X")
    monkeypatch.setenv("API_CONTACT_URL", "https://api.gemeente-x.example/leerrecht")
    monkeypatch.setenv("API_CONTACT_EMAIL", "api@gemeente-x.example")
    doc = _app("rmc", monkeypatch).openapi()
    assert doc["info"]["contact"] == {"name": "Servicedesk Onderwijs Gemeente X",
                                      "url": "https://api.gemeente-x.example/leerrecht",
                                      "email": "api@gemeente-x.example"}
    assert doc["info"]["license"] == {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}
    for naam, waarde in (("API_CONTACT_URL", "geen-url"), ("API_CONTACT_EMAIL", "geen adres")):
        monkeypatch.setenv(naam, waarde)
        with pytest.raises(ValidationError):
            _app("rmc", monkeypatch)
        monkeypatch.setenv(naam, {"API_CONTACT_URL": "https://x.example", "API_CONTACT_EMAIL": "a@x.example"}[naam])


def test_without_settings_the_contact_is_the_platform_teams(monkeypatch: pytest.MonkeyPatch) -> None:
    for naam in ("API_CONTACT_NAAM", "API_CONTACT_URL", "API_CONTACT_EMAIL"):
        monkeypatch.delenv(naam, raising=False)
    assert _app("telling", monkeypatch).openapi()["info"]["contact"] == {
        "name": "Platformteam Leerrecht", "url": "https://www.leerrecht.nl/ontwikkelaars", "email": "api@leerrecht.nl"}
