"""Text at the edge: the one constrained type for every field a person types (domain.md B, issue 11).

Why one type for all four services and the event contracts: a single NUL in a first name, accepted
by one API, went onto the compacted identity topic and crashed every identity consumer of the region
after every restart (PostgreSQL cannot store U+0000 in ``text``). A toelichting with a NUL was
published, counted by telling and dead-lettered by leerplicht, leaving the dossier stuck. Refusing
such text at every door, with the same rules and the same Dutch answers, is cheaper than making
every consumer survive it; and using the same type in the event models means such an event cannot
even be constructed.

The rules (:class:`TekstRegels`):

* printable Unicode only: no control characters (category Cc) except a newline in multi-line
  text, no lone surrogates (Cs), no unassigned code points (Cn), no line/paragraph separators
  (Zl, Zp), no bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069: they
  make text display differently from what it is);
* ``\\r\\n`` (and a lone ``\\r``) becomes ``\\n`` in multi-line text;
* trimmed (whitespace around the text, a pasted tab included, is not content) and NFC-normalised
  (``"Zoe\\u0308"`` and ``"Zoë"`` are the same name);
* a minimum (default 1: blank is empty) and a maximum length in code points, given per field.

A refusal is a :class:`~pydantic_core.PydanticCustomError` whose type is the rule
(``tekst_tekens``, ``tekst_leeg``, ``tekst_lengte``) and whose message is Dutch and never contains
the value, so the platform's 422 shape ``{veld, regel, melding}`` names the field and the rule.

Usage: ``Annotated[str, TekstRegels(max_lengte=200)]`` in a pydantic model or a FastAPI parameter,
or :func:`controleer_tekst` for an HTML form field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

TEKST_MARKER = "x-tekst"
"""JSON Schema keyword on every field of this type: ``"regel"`` (one line) or ``"meerregelig"``.
An extension keyword, not a ``pattern``: ECMA regexes cannot say "Unicode category Cn", and a
pattern on an event field would read as a narrowing to the compatibility check."""

BIDI_STUURTEKENS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
"""LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: they reorder how text is shown ("Trojan Source")."""

_VERBODEN_CATEGORIEEN = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})

REGEL_TEKENS = "tekst_tekens"
REGEL_LEEG = "tekst_leeg"
REGEL_LENGTE = "tekst_lengte"


def toegestaan_teken(teken: str, *, meerregelig: bool) -> bool:
    """May this single character appear in (already line-normalised) text?"""
    if teken == "\n":
        return meerregelig
    if ord(teken) in BIDI_STUURTEKENS:
        return False
    return unicodedata.category(teken) not in _VERBODEN_CATEGORIEEN


def _regeleinden(waarde: str) -> str:
    return waarde.replace("\r\n", "\n").replace("\r", "\n")


def zonder_verboden_tekens(waarde: str, *, meerregelig: bool = False) -> str:
    """``waarde`` without the characters the rules refuse: what a form may show back to the person
    who typed it (never in an error message, never stored)."""
    if meerregelig:
        waarde = _regeleinden(waarde)
    return "".join(t for t in waarde if toegestaan_teken(t, meerregelig=meerregelig))


@dataclass(frozen=True)
class TekstRegels:
    """The rules for one free-text field; use as ``Annotated[str, TekstRegels(max_lengte=...)]``."""

    max_lengte: int
    min_lengte: int = 1
    meerregelig: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.min_lengte <= self.max_lengte:
            raise ValueError("TekstRegels: need 0 <= min_lengte <= max_lengte")

    def controleer(self, waarde: str) -> str:
        """The normalised text, or a :class:`PydanticCustomError` naming the broken rule."""
        if self.meerregelig:
            waarde = _regeleinden(waarde)
        waarde = waarde.strip()  # whitespace around the text (a pasted tab or newline) is not content
        if not all(toegestaan_teken(t, meerregelig=self.meerregelig) for t in waarde):
            regeleinden = " en regeleinden" if self.meerregelig else ""
            raise PydanticCustomError(
                REGEL_TEKENS,
                f"De tekst bevat een teken dat niet is toegestaan (bijvoorbeeld een stuurteken, een "
                f"nul-teken of een teken dat de leesrichting omdraait); alleen leesbare tekst{regeleinden} "
                f"is toegestaan.",
            )
        waarde = unicodedata.normalize("NFC", waarde)
        if not waarde and self.min_lengte > 0:
            raise PydanticCustomError(REGEL_LEEG, "Vul dit veld in; alleen spaties is niet genoeg.")
        if len(waarde) > self.max_lengte:
            raise PydanticCustomError(
                REGEL_LENGTE, "De tekst is te lang: ten hoogste {max_lengte} tekens.",
                {"max_lengte": self.max_lengte},
            )
        if len(waarde) < self.min_lengte:
            raise PydanticCustomError(
                REGEL_LENGTE, "De tekst is te kort: ten minste {min_lengte} tekens.",
                {"min_lengte": self.min_lengte},
            )
        return waarde

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.controleer, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if self.min_lengte:  # 0 is JSON Schema's default: left out, as a plain ``str`` field has it
            json_schema.setdefault("minLength", self.min_lengte)
        json_schema.setdefault("maxLength", self.max_lengte)
        json_schema[TEKST_MARKER] = "meerregelig" if self.meerregelig else "regel"
        return json_schema


def tekst(max_lengte: int, *, min_lengte: int = 1, meerregelig: bool = False) -> TekstRegels:
    """Shorthand: ``Annotated[str, tekst(200)]``."""
    return TekstRegels(max_lengte=max_lengte, min_lengte=min_lengte, meerregelig=meerregelig)


# The lengths used across the platform, one name each so that API, form and event agree.
Naam = Annotated[str, tekst(200)]
"""Voornamen or achternaam (the identity record, domain.md B)."""
Tussenvoegsel = Annotated[str, tekst(20, min_lengte=0)]
"""May be empty on the identity topic (records written before this type allowed ``""``)."""
Straat = Annotated[str, tekst(100)]
Woonplaats = Annotated[str, tekst(80)]
HuisnummerToevoeging = Annotated[str, tekst(10, min_lengte=0)]
TOELICHTING = tekst(500, meerregelig=True)
Toelichting = Annotated[str, TOELICHTING]
"""An officer's reason (domain.md A5: OVERIG, a Halt override): several lines allowed."""
Omschrijving = Annotated[str, tekst(200)]
"""The text of a school's protocol rule (SignaalGegeven, domain.md A3.2)."""
KorteTekst = Annotated[str, tekst(64)]
"""A short identifier-like parameter typed by a person (a coach id, an indicator name)."""
Tabelnaam = Annotated[str, tekst(32)]


class TekstFout(ValueError):
    """A refused form field: the rule and the Dutch message (never the value)."""

    def __init__(self, regel: str, melding: str) -> None:
        super().__init__(melding)
        self.regel = regel
        self.melding = melding


def controleer_tekst(waarde: str, regels: TekstRegels) -> str:
    """For code that is not a pydantic model (an HTML form): the normalised text or :class:`TekstFout`."""
    try:
        return _adapter(regels).validate_python(waarde)
    except ValidationError as exc:
        fout = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        raise TekstFout(str(fout["type"]), str(fout["msg"])) from None


_ADAPTERS: dict[TekstRegels, TypeAdapter[str]] = {}


def _adapter(regels: TekstRegels) -> TypeAdapter[str]:
    if regels not in _ADAPTERS:
        _ADAPTERS[regels] = TypeAdapter(Annotated[str, regels])
    return _ADAPTERS[regels]
