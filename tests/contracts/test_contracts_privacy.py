"""No event can carry personal data (domain.md B): checked on every payload schema, not by review alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from contracts.catalogue import event_classes
from contracts.envelope import Envelope
from contracts.events.base import MAX_VRIJE_TEKST, VRIJE_TEKST_MARKER, Event
from contracts.generate import event_schema, identity_schema
from contracts.golden import golden_envelope
from contracts.identity import (
    IdentiteitGewist,
    IdentiteitVastgelegd,
    decode_identity_record,
    encode_identity_record,
    is_pseudoniem,
)

# Fragments of field names that suggest identifying data (Dutch and English).
FORBIDDEN = re.compile(
    r"bsn|pgn|onderwijsnummer|naam|name|adres|address|straat|street|huisnummer|postcode|zip|woonplaats"
    r"|geboortedatum|birth_?date|dob|email|e_?mail|telefoon|phone|mobiel|iban|ip_?adres|ip_address"
    r"|voorletters|achternaam|surname|contact_?gegevens",
    re.IGNORECASE,
)
ALLOWED_FIELDS = {"geboortejaar_maand"}  # pseudonymous: month precision on purpose (see events.base)
# A school location's name is an institution's name from DUO's public register, not a person's.
ALLOWED_PER_EVENT = {("nl.leerrecht.registratie.schoolvestiging_vastgelegd", "naam")}

# Free text is allowed only here, each because domain.md asks for a reason or the rule's own text.
# Adding one is a privacy decision: extend this list in the same review.
FREE_TEXT_ALLOWED = {
    ("nl.leerrecht.registratie.signaal_gegeven", "omschrijving"),
    ("nl.leerrecht.leerplicht.halt_advies_overschreven", "toelichting"),
    ("nl.leerrecht.leerplicht.dossier_gesloten", "toelichting"),
    ("nl.leerrecht.registratie.schoolvestiging_vastgelegd", "naam"),  # DUO's name of the location
}


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (property name, property schema) in a schema, nested objects and $defs included."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield from (node.get("properties") or {}).items()
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _string_leaves(
    node: Any, path: str = "$", marked: bool = False
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Every string-typed schema, with whether it (or its property, for ``X | None``) is marked free text."""
    if isinstance(node, dict):
        marked = marked or bool(node.get(VRIJE_TEKST_MARKER))
        if node.get("type") == "string":
            yield path, node, marked
        for key, value in node.items():
            yield from _string_leaves(value, f"{path}.{key}", marked)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _string_leaves(value, f"{path}[{i}]", marked)


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.event_type)
def test_no_field_name_suggests_personal_data(cls: type[Event]) -> None:
    suspicious = [
        name
        for name, _ in _properties(event_schema(cls))
        if FORBIDDEN.search(name) and name not in ALLOWED_FIELDS and (cls.event_type, name) not in ALLOWED_PER_EVENT
    ]
    assert suspicious == [], f"{cls.event_type}: fields that look like personal data: {suspicious}"


def test_the_walker_does_find_personal_data_in_the_identity_record() -> None:
    names = {name for name, _ in _properties(identity_schema())}
    assert {"pgn", "achternaam", "geboortedatum", "postcode", "email", "telefoon"} <= names
    assert any(FORBIDDEN.search(name) for name in names)


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.event_type)
def test_every_string_is_constrained_and_free_text_is_marked(cls: type[Event]) -> None:
    schema = event_schema(cls)
    free_text: set[tuple[str, str]] = set()
    for name, prop in _properties(schema):
        branches = prop.get("anyOf", [prop])
        if any(branch.get(VRIJE_TEKST_MARKER) for branch in branches) or prop.get(VRIJE_TEKST_MARKER):
            free_text.add((cls.event_type, name))
    for path, leaf, marked in _string_leaves(
        {k: v for k, v in schema.items() if k in ("$defs", "properties")}
    ):
        constrained = any(k in leaf for k in ("enum", "const", "pattern", "format"))
        if not constrained:
            assert marked, f"{cls.event_type} {path}: unconstrained string"
            assert 0 < leaf["maxLength"] <= MAX_VRIJE_TEKST, (
                f"{cls.event_type} {path}: free text needs a limit"
            )
    assert free_text <= FREE_TEXT_ALLOWED, f"new free-text field(s): {free_text - FREE_TEXT_ALLOWED}"


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.event_type)
def test_golden_examples_hold_no_pgn_like_values(cls: type[Event]) -> None:
    def leaves(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            for value in node.values():
                yield from leaves(value)
        elif isinstance(node, list):
            for value in node:
                yield from leaves(value)
        else:
            yield node

    envelope = golden_envelope(cls.event_type)
    for value in leaves(envelope.model_dump(mode="json")):
        assert not re.fullmatch(r"[0-9]{9}", str(value)), f"{cls.event_type}: {value!r} looks like a PGN"
    assert envelope.subject == "" or not envelope.subject.isdigit()


def test_pseudonym_shape() -> None:
    assert is_pseudoniem("3f9a0c5e8b7d4a21c6e0f1b2a3d4c5e6")
    assert is_pseudoniem("q5Y0-kc_3f9a0c5e8b7d4a21")
    assert not is_pseudoniem("123456782")  # a BSN
    assert not is_pseudoniem("1234567821234567")  # digits only
    assert not is_pseudoniem("Jan de Vries")


def test_identity_record_and_tombstone() -> None:
    record = IdentiteitVastgelegd(
        pseudoniem="3f9a0c5e8b7d4a21c6e0f1b2a3d4c5e6",
        pgn="123456782",
        pgn_soort="BSN",
        voornamen="Sanne",
        achternaam="Jansen",
        geboortedatum=date(2011, 3, 14),
        woongemeente="GM0363",
        vastgelegd_op=datetime(2025, 9, 1, tzinfo=UTC),
    )
    key, value = encode_identity_record(record)
    assert key == b"3f9a0c5e8b7d4a21c6e0f1b2a3d4c5e6"
    assert value is not None
    assert decode_identity_record(key, value) == record
    erased = IdentiteitGewist(pseudoniem=record.pseudoniem)
    assert encode_identity_record(erased) == (key, None)
    assert decode_identity_record(key, None) == erased
    with pytest.raises(ValueError, match="differ"):
        decode_identity_record(b"ffffffffffffffffffffffff", value)
    assert not isinstance(record, Event) and not isinstance(record, Envelope)
