"""The shared 422 shape with the shared text type (issue 11): field and rule named, value never echoed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from contracts.tekst import Naam, Toelichting
from leerrecht.http import create_app


class Persoon(BaseModel):
    model_config = ConfigDict(extra="forbid")

    voornamen: Naam
    toelichting: Toelichting | None = None


class Inschrijving(BaseModel):
    identiteit: Persoon


def _client() -> TestClient:
    app = create_app(title="t", description="d")

    @app.post("/in")
    async def post_in(body: Inschrijving) -> dict[str, str]:
        return {"voornamen": body.identiteit.voornamen}

    return TestClient(app)


def test_a_nul_in_a_nested_name_is_a_422_naming_field_and_rule_in_dutch() -> None:
    r = _client().post("/in", json={"identiteit": {"voornamen": "Eve\u0000"}})
    assert r.status_code == 422
    assert r.json()["fouten"] == [{
        "veld": "identiteit.voornamen", "regel": "tekst_tekens",
        "melding": "De tekst bevat een teken dat niet is toegestaan (bijvoorbeeld een stuurteken, een nul-teken "
                   "of een teken dat de leesrichting omdraait); alleen leesbare tekst is toegestaan.",
    }]
    assert "Eve" not in r.text


def test_clean_names_pass_normalised() -> None:
    r = _client().post("/in", json={"identiteit": {"voornamen": " Zoe\u0308 "}})
    assert r.status_code == 200 and r.json() == {"voornamen": "Zoë"}


def test_a_made_up_field_name_is_not_echoed_either() -> None:
    r = _client().post("/in", json={"identiteit": {"voornamen": "Eve", "bsn 111222333\u0000": 1}})
    assert r.status_code == 422
    assert r.json()["fouten"][0]["veld"] == "identiteit.onbekend_veld"
    assert "111222333" not in r.text
