"""Schema compatibility: the checker itself, and every current model against its committed snapshot."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from contracts.catalogue import CATALOGUE, event_classes
from contracts.compat import breaking_changes
from contracts.events.base import Event
from contracts.generate import IDENTITY_TYPE, IDENTITY_VERSION, event_schema, identity_schema, schema_path

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"

BASE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "$defs": {"Code": {"enum": ["A", "B", "C"], "type": "string", "title": "Code"}},
    "properties": {
        "naam_van_veld": {"type": "string", "maxLength": 50},
        "aantal": {"type": "integer", "minimum": 0},
        "code": {"$ref": "#/$defs/Code"},
        "optioneel": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}], "default": None},
        "lijst": {"type": "array", "items": {"$ref": "#/$defs/Code"}},
    },
    "required": ["naam_van_veld", "aantal", "code"],
}


def _changed(mutate: Any) -> dict[str, Any]:
    new = copy.deepcopy(BASE)
    mutate(new)
    return new


def test_identical_schema_is_compatible() -> None:
    assert breaking_changes(BASE, copy.deepcopy(BASE)) == []


def test_removed_field_is_breaking() -> None:
    new = _changed(lambda s: s["properties"].pop("aantal") and s["required"].remove("aantal"))
    assert any("aantal: field removed" in p for p in breaking_changes(BASE, new))


def test_new_required_field_is_breaking_but_optional_is_not() -> None:
    def add_required(s: dict[str, Any]) -> None:
        s["properties"]["nieuw"] = {"type": "string"}
        s["required"].append("nieuw")

    assert breaking_changes(BASE, _changed(add_required)) == ["$.nieuw: new required field"]
    assert breaking_changes(BASE, _changed(lambda s: s["properties"].update(nieuw={"type": "string"}))) == []
    made_required = _changed(lambda s: s["required"].append("optioneel"))
    assert breaking_changes(BASE, made_required) == ["$.optioneel: optional field became required"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s["properties"].update(aantal={"type": "string"}), "type narrowed"),
        (lambda s: s["properties"]["aantal"].update(type="boolean"), "type narrowed"),
        (lambda s: s["$defs"]["Code"]["enum"].remove("B"), "enum values removed: ['B']"),
        (lambda s: s["properties"]["naam_van_veld"].update(maxLength=20), "maxLength lowered from 50 to 20"),
        (lambda s: s["properties"]["naam_van_veld"].update(pattern="^[a-z]+$"), "pattern added"),
        (lambda s: s["properties"]["aantal"].update(minimum=1), "minimum raised from 0 to 1"),
        (lambda s: s["properties"]["aantal"].update(maximum=10), "maximum lowered"),
        (lambda s: s["properties"]["optioneel"].update(anyOf=[{"type": "string", "format": "date"}]), "null"),
        (lambda s: s["properties"]["optioneel"]["anyOf"][0].update(format="date-time"), "format"),
        (lambda s: s["properties"].update(naam_van_veld={"enum": ["x"], "type": "string"}), "enum added"),
        (lambda s: s["properties"]["lijst"].update(items={"type": "integer"}), "$.lijst[]"),
        (lambda s: s["properties"]["lijst"].update(maxItems=3), "maxItems"),
    ],
)
def test_narrowed_types_are_breaking(mutate: Any, expected: str) -> None:
    problems = breaking_changes(BASE, _changed(mutate))
    assert problems, "expected a breaking change"
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s: s["$defs"]["Code"]["enum"].append("D"),
        lambda s: s["properties"]["naam_van_veld"].update(maxLength=80),
        lambda s: s["properties"]["naam_van_veld"].update(description="nieuwe uitleg"),
        lambda s: s["properties"]["aantal"].update(type="number"),  # integer -> number widens
        lambda s: s["properties"]["aantal"].pop("minimum"),
        lambda s: s["required"].remove("aantal"),
        lambda s: s["properties"].update(aantal={"anyOf": [{"type": "integer"}, {"type": "null"}]}),
    ],
)
def test_widening_is_compatible(mutate: Any) -> None:
    assert breaking_changes(BASE, _changed(mutate)) == []


def test_refs_are_resolved_in_each_schema_separately() -> None:
    # the new schema inlines the enum instead of using $defs: same values, still compatible
    inlined = _changed(lambda s: s["properties"].update(code={"enum": ["A", "B", "C"], "type": "string"}))
    assert breaking_changes(BASE, inlined) == []
    renamed_def = _changed(
        lambda s: (
            s["$defs"].update(Nieuw=s["$defs"].pop("Code")),
            s["properties"].update(
                code={"$ref": "#/$defs/Nieuw"}, lijst={"type": "array", "items": {"$ref": "#/$defs/Nieuw"}}
            ),
        )
    )
    assert breaking_changes(BASE, renamed_def) == []


def test_breaking_change_in_a_real_model_is_detected() -> None:
    from contracts.events.registratie import AfwezigheidGeregistreerd

    old = event_schema(AfwezigheidGeregistreerd)
    new = copy.deepcopy(old)
    new["$defs"]["AfwezigheidCode"]["enum"].remove("ONBEKEND")
    new["properties"]["uren"]["maximum"] = 12
    problems = breaking_changes(old, new)
    assert any("ONBEKEND" in p for p in problems)
    assert any("$.uren: maximum lowered" in p for p in problems)


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.event_type)
def test_model_is_compatible_with_its_committed_snapshot(cls: type[Event]) -> None:
    path = CONTRACTS_DIR / schema_path(cls.event_type, cls.schema_version)
    assert path.exists(), f"no snapshot {path.name} for {cls.event_type}: run `python -m contracts.generate`"
    old = json.loads(path.read_text(encoding="utf-8"))
    problems = breaking_changes(old, event_schema(cls))
    assert problems == [], (
        f"{cls.event_type} v{cls.schema_version} changed incompatibly: {problems}. "
        "Bump schema_version, register an upcaster in contracts/catalogue.py, "
        "then run `python -m contracts.generate`."
    )


def test_identity_record_is_compatible_with_its_snapshot() -> None:
    path = CONTRACTS_DIR / schema_path(IDENTITY_TYPE, IDENTITY_VERSION)
    assert breaking_changes(json.loads(path.read_text(encoding="utf-8")), identity_schema()) == []


@pytest.mark.parametrize("cls", event_classes(), ids=lambda c: c.event_type)
def test_every_old_version_keeps_its_snapshot_and_has_an_upcaster(cls: type[Event]) -> None:
    for version in range(1, cls.schema_version):
        assert (CONTRACTS_DIR / schema_path(cls.event_type, version)).exists(), f"v{version} snapshot deleted"
        assert CATALOGUE.has_upcaster(cls.event_type, version), f"no upcaster v{version} -> v{version + 1}"
