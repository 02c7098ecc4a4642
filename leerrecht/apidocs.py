"""The API documentation every service publishes: a complete OpenAPI document and its viewers, offline.

- **The document** (ADR /core/doc-openapi, /core/doc-openapi-contact, /core/version-header,
  /core/error-handling): ``info`` with the platform team's contact, a description and the licence;
  the contact is the deployment's (``API_CONTACT_NAAM``, ``API_CONTACT_URL``, ``API_CONTACT_EMAIL``,
  :class:`ContactSettings`): whoever runs the platform answers for its APIs, so each deployment names
  itself; the defaults are the platform team's. The licence is EUPL-1.2 and not a setting: it is the
  code's, not the deployment's;
  every tag described; every operation with a summary and a description; every answer of 2xx/3xx
  names the ``API-Version`` header; every error answer is ``application/problem+json`` with the
  :data:`PROBLEEM_SCHEMA`. The platform's probes (``/health``, ``/ready``) are not part
  of the API (the metrics are on a port of their own, ``leerrecht.metrics``) and are left out of it (README).
- **The viewers**: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, from the assets vendored under
  ``leerrecht/static`` (``swagger-ui-dist``, ``redoc``'s standalone bundle, each with its licence), so
  they work on a machine without internet (issue 15.6). No CDN, no web fonts from elsewhere.

``deploy/adr/spectral.yaml`` lints the document (``tests/leerrecht/test_openapi_adr.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import AnyHttpUrl, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CONTACT: Mapping[str, str] = {
    "name": "Platformteam Leerrecht",
    "url": "https://www.leerrecht.nl/ontwikkelaars",
    "email": "api@leerrecht.nl",
}
"""The default contact (the platform team); a deployment sets its own with :class:`ContactSettings`."""


class ContactSettings(BaseSettings):
    """The API documents' contact (ADR /core/doc-openapi-contact), from the environment. Read when the app
    is built, so a malformed URL or address stops the service at start, not at the first ``/docs``."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    naam: str = Field(default=CONTACT["name"], alias="API_CONTACT_NAAM", min_length=1, max_length=200)
    url: AnyHttpUrl = Field(default=AnyHttpUrl(CONTACT["url"]), alias="API_CONTACT_URL")
    email: str = Field(default=CONTACT["email"], alias="API_CONTACT_EMAIL", max_length=254,
                       pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    def als_openapi(self) -> dict[str, str]:
        return {"name": self.naam, "url": str(self.url), "email": self.email}

LICENTIE: Mapping[str, str] = {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}
ALGEMEEN = (
    "\n\n**Afspraken voor alle Leerrecht-API's** (NL API Design Rules): elk antwoord heeft de header "
    "`API-Version` met het volledige versienummer; de URI bevat alleen de hoofdversie (`/v1`). Elke fout "
    "is `application/problem+json` (RFC 9457) met `type`, `title`, `status`, `detail` en `instance` (het "
    "kenmerk van het verzoek), plus `fouten`: per veld de geschonden regel en een Nederlandse melding. "
    "Een ingevoerde waarde wordt in een fout nooit herhaald. Uren mogen een decimale komma hebben (`16,5`)."
)
TAGS: Mapping[str, str] = {
    "intake": "Gegevens van scholen en DUO: inschrijvingen, afwezigheid, meldingen, verlof en registerfeiten.",
    "leerplicht": "Het regionale bureau leerplicht: meldingen, dossiers en de stappen volgens de MAS.",
    "rmc": "Het Doorstroompunt (RMC): jongeren zonder startkwalificatie, contact, trajecten en plaatsingen.",
    "telling": "Landelijke cijfers uit het eventlog: alleen aggregaten, met definities en peilpositie.",
    "beheer": "Functies voor beheerders: aandacht, quarantaine, kalender en het verwerkingslogboek.",
}
NIET_IN_API = frozenset({"/health", "/ready"})

PROBLEEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Probleem",
    "description": "Een fout volgens RFC 9457, met de Nederlandse lijst `fouten` als extensie.",
    "required": ["type", "title", "status", "detail", "instance", "fouten"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "description": "Soort probleem (`about:blank`)."},
        "title": {"type": "string", "description": "Korte Nederlandse omschrijving."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "De HTTP-status."},
        "detail": {"type": "string", "description": "Nederlandse uitleg van dit geval."},
        "instance": {"type": "string", "format": "uri-reference",
                     "description": "Kenmerk van dit verzoek (`urn:uuid:` + de correlation id)."},
        "fouten": {"type": "array", "description": "Per veld de geschonden regel; leeg als geen veld de oorzaak is.",
                   "items": {"$ref": "#/components/schemas/Fout"}},
    },
}
FOUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Fout",
    "required": ["veld", "regel", "melding"],
    "properties": {
        "veld": {"type": "string", "description": "Het veld, met punten genest (bv. `identiteit.voornamen`)."},
        "regel": {"type": "string", "description": "De geschonden regel, vaste code voor systemen."},
        "melding": {"type": "string", "description": "Nederlandse uitleg voor mensen, zonder de ingevoerde waarde."},
    },
}
FOUTEN: Mapping[str, str] = {
    "400": "Ongeldig verzoek (bijvoorbeeld geen geldige JSON)",
    "401": "Niet ingelogd: geen of een ongeldig toegangstoken",
    "403": "Geen toegang voor deze rol",
    "404": "Niet gevonden",
    "413": "Verzoek te groot",
    "422": "Ongeldige invoer: zie `fouten`",
    "429": "Te veel verzoeken: zie `Retry-After`",
    "500": "Interne fout",
    "503": "Tijdelijk niet beschikbaar: zie `Retry-After`",
}
_METHODEN = ("get", "put", "post", "delete", "patch")


def volledig(doc: dict[str, Any], contact: Mapping[str, str] = CONTACT) -> dict[str, Any]:
    """FastAPI's document, completed to the ADR's rules (see the module's docstring)."""
    doc = copy.deepcopy(doc)
    info = doc.setdefault("info", {})
    info["contact"] = dict(contact)
    info["license"] = dict(LICENTIE)
    info["description"] = (info.get("description") or "").rstrip() + ALGEMEEN
    doc["paths"] = {p: ops for p, ops in doc.get("paths", {}).items() if p not in NIET_IN_API}
    comps = doc.setdefault("components", {})
    schemas = comps.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Probleem"], schemas["Fout"] = PROBLEEM_SCHEMA, FOUT_SCHEMA
    comps.setdefault("headers", {})["API-Version"] = {
        "description": "Het volledige versienummer van de API (semver).",
        "schema": {"type": "string", "example": info.get("version", "1.0.0")},
    }
    comps.setdefault("responses", {}).update({
        f"Fout{code}": {"description": tekst, "headers": {"API-Version": {"$ref": "#/components/headers/API-Version"}},
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Probleem"}}}}
        for code, tekst in FOUTEN.items()
    })
    gebruikt: set[str] = set()
    for ops in doc["paths"].values():
        for methode, op in ops.items():
            if methode not in _METHODEN:
                continue
            gebruikt.update(op.get("tags") or [])
            op.setdefault("summary", op.get("operationId", ""))
            # no description is made up here: the route states it (deploy/adr/spectral.yaml refuses a
            # missing one and one that only repeats the summary)
            responses: dict[str, Any] = op.setdefault("responses", {})
            for code, antwoord in responses.items():
                if code.startswith(("2", "3")) and not antwoord.get("$ref"):
                    antwoord.setdefault("headers", {})["API-Version"] = {"$ref": "#/components/headers/API-Version"}
            for code in FOUTEN:
                if code in ("401", "403") and not op.get("security"):
                    continue  # a public operation
                if code in ("400", "413") and "requestBody" not in op:
                    continue  # only a body can be malformed or too large
                responses[code] = {"$ref": f"#/components/responses/Fout{code}"}
    doc["tags"] = [{"name": t, "description": TAGS.get(t, t)} for t in sorted(gebruikt)]
    return doc


def installeer(app: FastAPI) -> None:
    """``/openapi.json`` completed, ``/docs`` and ``/redoc`` from the vendored assets."""
    statisch = resources.files("leerrecht") / "static"
    app.mount("/static/swagger-ui", StaticFiles(directory=str(statisch / "swagger-ui")), name="swagger-ui")
    app.mount("/static/redoc", StaticFiles(directory=str(statisch / "redoc")), name="redoc")
    origineel = app.openapi
    contact = ContactSettings().als_openapi()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = volledig(origineel(), contact)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} – API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} – API",
            redoc_js_url="/static/redoc/redoc.standalone.js",
            redoc_favicon_url="/static/swagger-ui/favicon-32x32.png", with_google_fonts=False,
        )
