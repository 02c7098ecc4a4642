"""One error shape for every API of the platform: RFC 9457 problem details, in Dutch (NL API Design Rules).

Every error answer of every service is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance``, plus the platform's own extension member ``fouten``: the list of
``{"veld", "regel", "melding"}`` a school's system can act on (empty when no field is at fault). So a
client parses one shape, whatever the service or the status (ADR /core/error-handling). ``instance`` is
the request's correlation id (``urn:uuid:…``), never the path: a path can hold the rejected value.

Errors arise in many places (a route's ``HTTPException`` with a text or with a body of its own, a
route that returns its own JSON error, FastAPI's validation, Starlette's 404/405, the edge's 413/429,
an unexpected exception); :func:`normaliseer` turns each into the one shape, and
:mod:`leerrecht.http` applies it at the edge of every app.

Validation messages are translated by pydantic's error ``type`` (:data:`MELDINGEN`), never taken from
pydantic's English text and never with the rejected value in them (it may be a BSN); they name only the
rule's own limits (``ten hoogste 24``). A rule of our own (a ``PydanticCustomError`` such as
``tekst_tekens``) already speaks Dutch and keeps its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

PROBLEEM_JSON = "application/problem+json"
PROBLEEM_TYPE = "about:blank"
"""No problem type beyond the HTTP status: ``about:blank`` (RFC 9457 §4.2.1); the rule that was broken
is in ``fouten[].regel``. ``title`` is the status phrase localised to Dutch or a more specific Dutch
summary."""

TITELS: Mapping[int, str] = {
    400: "Ongeldig verzoek",
    401: "Niet ingelogd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Gevraagd formaat niet beschikbaar",
    409: "Conflict",
    410: "Niet meer beschikbaar",
    413: "Verzoek te groot",
    415: "Mediatype niet ondersteund",
    422: "Ongeldige invoer",
    428: "Voorwaarde vereist",
    429: "Te veel verzoeken",
    500: "Interne fout",
    502: "Fout bij een achterliggende dienst",
    503: "Tijdelijk niet beschikbaar",
    504: "Achterliggende dienst antwoordt niet op tijd",
}

STANDAARD_DETAILS: Mapping[int, str] = {
    401: "Voor deze functie moet u zich aanmelden.",
    403: "U heeft geen toegang tot deze functie.",
    404: "Deze pagina of dit gegeven bestaat niet.",
    405: "Deze HTTP-methode is voor dit adres niet toegestaan.",
    413: "Het verzoek is groter dan is toegestaan.",
    415: "Het formaat van de inhoud van het verzoek wordt niet ondersteund.",
    422: "De invoer voldoet niet aan de regels; zie de fouten per veld.",
    429: "Te veel verzoeken; probeer het later opnieuw.",
    500: "Er ging iets mis bij het verwerken van het verzoek. Probeer het later opnieuw.",
    503: "De dienst is tijdelijk niet beschikbaar. Probeer het later opnieuw.",
}

# Starlette's own English details for its 404/405 and FastAPI's for a missing bearer token: these
# never reach a user; the Dutch standard detail of the status does.
_ENGELS = re.compile(r"^(Not Found|Method Not Allowed|Not authenticated|Internal Server Error|Unauthorized|"
                     r"Forbidden|Unsupported Media Type|Request Entity Too Large|Content Too Large)$")


def titel(status: int) -> str:
    if status in TITELS:
        return TITELS[status]
    return "Fout in het verzoek" if status < 500 else "Fout in de dienst"


MELDINGEN: Mapping[str, str] = {
    # structure and presence
    "missing": "Dit veld is verplicht.",
    "missing_argument": "Dit veld is verplicht.",
    "missing_keyword_only_argument": "Dit veld is verplicht.",
    "missing_positional_only_argument": "Dit veld is verplicht.",
    "missing_sentinel_error": "Dit veld mag geen waarde hebben.",
    "extra_forbidden": "Dit veld is onbekend; laat het weg.",
    "unexpected_keyword_argument": "Dit veld is onbekend; laat het weg.",
    "unexpected_positional_argument": "Er is een waarde te veel opgegeven.",
    "multiple_argument_values": "Dit veld is meer dan eens opgegeven.",
    "no_such_attribute": "Dit veld bestaat niet.",
    "frozen_field": "Dit veld kan niet worden gewijzigd.",
    "frozen_instance": "Dit gegeven kan niet worden gewijzigd.",
    "invalid_key": "Een sleutel in dit object is ongeldig.",
    "get_attribute_error": "Dit veld kon niet worden gelezen.",
    "json_invalid": "De inhoud is geen geldige JSON.",
    "json_type": "De waarde moet een JSON-tekst zijn.",
    "needs_python_object": "De waarde heeft niet het verwachte formaat.",
    "recursion_loop": "De invoer verwijst naar zichzelf.",
    "recursion_depth_exceeded": "De invoer is te diep genest.",
    "model_type": "De waarde moet een object zijn met velden.",
    "model_attributes_type": "De waarde moet een object zijn met velden.",
    "dataclass_type": "De waarde moet een object zijn met velden.",
    "dataclass_exact_type": "De waarde moet een object zijn met velden.",
    "named_tuple_type": "De waarde moet een lijst of object met velden zijn.",
    "arguments_type": "De waarde moet een lijst of object met velden zijn.",
    "default_factory_not_called": "Voor dit veld kon geen standaardwaarde worden bepaald.",
    "none_required": "Dit veld moet leeg zijn.",
    "is_instance_of": "De waarde heeft niet het verwachte soort.",
    "is_subclass_of": "De waarde heeft niet het verwachte soort.",
    "callable_type": "De waarde heeft niet het verwachte soort.",
    "union_tag_invalid": "De soort van dit object is onbekend.",
    "union_tag_not_found": "De soort van dit object ontbreekt.",
    "value_error": "De waarde is ongeldig.",
    "assertion_error": "De waarde is ongeldig.",
    "ellipsis_error": "De waarde is ongeldig.",
    # numbers
    "greater_than": "De waarde moet groter zijn dan {gt}.",
    "greater_than_equal": "De waarde moet ten minste {ge} zijn.",
    "less_than": "De waarde moet kleiner zijn dan {lt}.",
    "less_than_equal": "De waarde mag ten hoogste {le} zijn.",
    "multiple_of": "De waarde moet een veelvoud zijn van {multiple_of}.",
    "finite_number": "De waarde moet een eindig getal zijn.",
    "int_type": "De waarde moet een geheel getal zijn.",
    "int_parsing": "De waarde moet een geheel getal zijn.",
    "int_parsing_size": "Het getal is te groot.",
    "int_from_float": "De waarde moet een geheel getal zijn, zonder decimalen.",
    "float_type": "De waarde moet een getal zijn.",
    "float_parsing": "De waarde moet een getal zijn (bijvoorbeeld 16,5).",
    "decimal_type": "De waarde moet een decimaal getal zijn (bijvoorbeeld 16,5).",
    "decimal_parsing": "De waarde moet een decimaal getal zijn (bijvoorbeeld 16,5).",
    "decimal_max_digits": "Het getal mag ten hoogste {max_digits} cijfers hebben.",
    "decimal_max_places": "Het getal mag ten hoogste {decimal_places} cijfers achter de komma hebben.",
    "decimal_whole_digits": "Het getal mag ten hoogste {whole_digits} cijfers voor de komma hebben.",
    "fraction_type": "De waarde moet een breuk zijn.",
    "fraction_parsing": "De waarde moet een breuk zijn.",
    "complex_type": "De waarde moet een complex getal zijn.",
    "complex_str_parsing": "De waarde moet een complex getal zijn.",
    "bool_type": "De waarde moet waar of onwaar zijn (true of false).",
    "bool_parsing": "De waarde moet waar of onwaar zijn (true of false).",
    # text and bytes
    "string_type": "De waarde moet een tekst zijn.",
    "string_unicode": "De tekst bevat ongeldige tekens.",
    "string_too_short": "De tekst moet ten minste {min_length} teken(s) lang zijn.",
    "string_too_long": "De tekst mag ten hoogste {max_length} tekens lang zijn.",
    "string_pattern_mismatch": "De tekst heeft niet de vereiste vorm.",
    "string_not_ascii": "De tekst mag alleen gewone letters, cijfers en leestekens bevatten.",
    "bytes_type": "De waarde moet binaire inhoud zijn.",
    "bytes_too_short": "De inhoud moet ten minste {min_length} bytes zijn.",
    "bytes_too_long": "De inhoud mag ten hoogste {max_length} bytes zijn.",
    "bytes_invalid_encoding": "De inhoud heeft een ongeldige codering.",
    # choices
    "enum": "Kies een van de toegestane waarden: {expected}.",
    "literal_error": "Kies een van de toegestane waarden: {expected}.",
    # collections
    "too_short": "Geef ten minste {min_length} element(en).",
    "too_long": "Geef ten hoogste {max_length} elementen.",
    "iterable_type": "De waarde moet een lijst zijn.",
    "iteration_error": "De lijst kon niet worden gelezen.",
    "dict_type": "De waarde moet een object zijn.",
    "frozen_dict_type": "De waarde moet een object zijn.",
    "ordered_dict_type": "De waarde moet een object zijn.",
    "counter_type": "De waarde moet een object met aantallen zijn.",
    "mapping_type": "De waarde moet een object zijn.",
    "list_type": "De waarde moet een lijst zijn.",
    "deque_type": "De waarde moet een lijst zijn.",
    "tuple_type": "De waarde moet een lijst zijn.",
    "set_type": "De waarde moet een lijst zonder dubbele elementen zijn.",
    "frozen_set_type": "De waarde moet een lijst zonder dubbele elementen zijn.",
    "set_item_not_hashable": "Een element van de lijst kan niet worden vergeleken.",
    # dates and times
    "date_type": "De waarde moet een datum zijn (JJJJ-MM-DD).",
    "date_parsing": "De waarde moet een geldige datum zijn in de vorm JJJJ-MM-DD.",
    "date_from_datetime_parsing": "De waarde moet een geldige datum zijn in de vorm JJJJ-MM-DD.",
    "date_from_datetime_inexact": "Geef alleen een datum, zonder tijd.",
    "date_past": "De datum moet in het verleden liggen.",
    "date_future": "De datum moet in de toekomst liggen.",
    "time_type": "De waarde moet een tijd zijn (UU:MM).",
    "time_parsing": "De waarde moet een geldige tijd zijn (UU:MM).",
    "datetime_type": "De waarde moet een datum en tijd zijn.",
    "datetime_parsing": "De waarde moet een geldige datum en tijd zijn (JJJJ-MM-DDTUU:MM:SS).",
    "datetime_object_invalid": "De waarde moet een geldige datum en tijd zijn.",
    "datetime_from_date_parsing": "De waarde moet een geldige datum en tijd zijn (JJJJ-MM-DDTUU:MM:SS).",
    "datetime_past": "Het tijdstip moet in het verleden liggen.",
    "datetime_future": "Het tijdstip moet in de toekomst liggen.",
    "timezone_naive": "Geef het tijdstip zonder tijdzone.",
    "timezone_aware": "Geef het tijdstip met een tijdzone.",
    "timezone_offset": "Het tijdstip heeft niet de vereiste tijdzone.",
    "time_delta_type": "De waarde moet een tijdsduur zijn.",
    "time_delta_parsing": "De waarde moet een geldige tijdsduur zijn.",
    # identifiers and addresses
    "url_type": "De waarde moet een webadres zijn.",
    "url_parsing": "De waarde moet een geldig webadres zijn.",
    "url_syntax_violation": "De waarde moet een geldig webadres zijn.",
    "url_too_long": "Het webadres mag ten hoogste {max_length} tekens lang zijn.",
    "url_scheme": "Het webadres moet beginnen met een toegestaan schema ({expected_schemes}).",
    "uuid_type": "De waarde moet een UUID zijn.",
    "uuid_parsing": "De waarde moet een geldige UUID zijn.",
    "uuid_version": "De UUID moet versie {expected_version} hebben.",
}
"""Dutch text per pydantic error type; the placeholders are the rule's own limits, never the input."""

_PLAATSHOUDER = re.compile(r"\{(\w+)\}")


def _waarde(v: Any) -> str:
    s = str(v)
    return s.replace(".", ",") if re.fullmatch(r"-?\d+\.\d+", s) else s


def melding(err: Mapping[str, Any]) -> str:
    """The Dutch message of one pydantic error. An error type we defined ourselves keeps its (Dutch)
    text; a pydantic type gets its translation, with only the rule's limits filled in."""
    soort = str(err.get("type", ""))
    sjabloon = MELDINGEN.get(soort)
    if sjabloon is None:
        return str(err.get("msg") or "De waarde is ongeldig.")
    ctx = err.get("ctx") or {}

    def vul(m: re.Match[str]) -> str:
        if m.group(1) not in ctx:
            return "de grens"
        # pydantic lists choices as "'a', 'b' or 'c'": the platform's own codes, in Dutch
        return _waarde(ctx[m.group(1)]).replace("'", "").replace(" or ", " of ")

    return _PLAATSHOUDER.sub(vul, sjabloon)


def fout(veld: str, regel: str, tekst: str) -> dict[str, str]:
    return {"veld": veld, "regel": regel, "melding": tekst}


def probleem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    fouten: Sequence[Mapping[str, Any]] = (),
    correlation_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The platform's problem document. ``extra``: further members a route adds to its answer (e.g.
    ``huidige_versie`` on a 409), kept as extension members; they never replace the standard ones."""
    fouten = [dict(f) for f in fouten]
    if not detail:
        meldingen = [str(f.get("melding")) for f in fouten if f.get("melding")]
        detail = " ".join(meldingen) if meldingen else STANDAARD_DETAILS.get(status, titel(status) + ".")
    body: dict[str, Any] = {k: v for k, v in (extra or {}).items()
                            if k not in ("type", "title", "status", "detail", "instance", "fouten")}
    body.update({
        "type": PROBLEEM_TYPE,
        "title": title or titel(status),
        "status": status,
        "detail": detail,
        "instance": f"urn:uuid:{correlation_id}" if correlation_id else "urn:uuid:onbekend",
        "fouten": fouten,
    })
    return body


def normaliseer(status: int, inhoud: Any, correlation_id: str | None) -> dict[str, Any]:
    """Any error body the platform produces today → the one problem shape.

    ``{"detail": "tekst"}`` (an ``HTTPException`` with a text), ``{"detail": {...}}`` (one with a body of
    its own), ``{"title", "status", "fouten"}`` (a route's own JSON or the edge's refusal), or anything
    else (kept out: it could hold input)."""
    if isinstance(inhoud, Mapping) and isinstance(inhoud.get("detail"), Mapping):
        inhoud = inhoud["detail"]
    if not isinstance(inhoud, Mapping):
        return probleem(status, correlation_id=correlation_id)
    detail = inhoud.get("detail", inhoud.get("melding"))
    tekst = detail if isinstance(detail, str) and not _ENGELS.match(detail) else None
    if isinstance(detail, str) and _ENGELS.match(detail):
        tekst = STANDAARD_DETAILS.get(status)
    fouten = inhoud.get("fouten")
    lijst = [f for f in fouten if isinstance(f, Mapping)] if isinstance(fouten, list) else []
    title = inhoud.get("title")
    rest = {k: v for k, v in inhoud.items() if k not in ("detail", "melding", "fouten", "title", "status")}
    return probleem(status, title=title if isinstance(title, str) and title else None, detail=tekst,
                    fouten=lijst, correlation_id=correlation_id, extra=rest)


