"""Generated artefacts: committed files are up to date, the generator protects snapshots, and the
AsyncAPI document has a valid 3.0.0 structure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from contracts.catalogue import event_classes
from contracts.generate import PACKAGE_DIR, build, main, schema_path, stale_files
from contracts.golden import golden_envelope
from contracts.topics import COUNT_TOPIC, REGISTER_TOPIC, SCHOOL_EVENTS_TOPIC, identity_topic, region_events_topic

STALE_HINT = "generated contract files are stale: run `python -m contracts.generate`"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return build()


def test_committed_files_are_up_to_date(generated: dict[str, str]) -> None:
    problems = stale_files(PACKAGE_DIR, generated)
    assert problems == [], f"{STALE_HINT}\n" + "\n".join(problems)


def test_generator_writes_a_fresh_tree_identical_to_the_committed_one(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), "--check"]) == 1
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--out", str(tmp_path), "--check"]) == 0
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        rel = path.relative_to(tmp_path)
        committed = PACKAGE_DIR / rel
        assert committed.exists(), f"{rel} missing: {STALE_HINT}"
        assert committed.read_bytes() == path.read_bytes(), f"{rel} differs: {STALE_HINT}"


def test_generator_refuses_to_overwrite_a_snapshot_incompatibly(
    tmp_path: Path, generated: dict[str, str]
) -> None:
    cls = event_classes()[0]
    rel = schema_path(cls.event_type, cls.schema_version)
    old = json.loads(generated[rel])
    old["properties"]["weggehaald_veld"] = {"type": "string"}  # the "old" snapshot had one more field
    target = tmp_path / rel
    target.parent.mkdir(parents=True)
    before = json.dumps(old)
    target.write_text(before, encoding="utf-8")
    assert main(["--out", str(tmp_path)]) == 2
    assert target.read_text(encoding="utf-8") == before


def test_stale_detection_reports_extra_and_changed_files(tmp_path: Path, generated: dict[str, str]) -> None:
    shutil.copytree(PACKAGE_DIR / "schemas", tmp_path / "schemas")
    shutil.copytree(PACKAGE_DIR / "examples", tmp_path / "examples")
    shutil.copytree(PACKAGE_DIR / "docs", tmp_path / "docs")
    (tmp_path / "examples" / "nl.leerrecht.registratie.oud.json").write_text("{}", encoding="utf-8")
    (tmp_path / "docs" / "catalogue.md").write_text("hand edited", encoding="utf-8")
    problems = stale_files(tmp_path, generated)
    assert "docs/catalogue.md: differs" in problems
    assert any("nl.leerrecht.registratie.oud.json" in p for p in problems)


def test_snapshots_are_valid_json_schema_and_accept_the_golden_payloads(generated: dict[str, str]) -> None:
    for cls in event_classes():
        schema = json.loads(generated[schema_path(cls.event_type, cls.schema_version)])
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == golden_envelope(cls.event_type).dataschema
        jsonschema.validate(golden_envelope(cls.event_type).data, schema, cls=jsonschema.Draft202012Validator)


# --- AsyncAPI ----------------------------------------------------------------------------------------


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        assert part in node, f"dangling $ref {ref}"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_asyncapi_document_structure(generated: dict[str, str]) -> None:
    doc = json.loads(generated["docs/asyncapi.json"])
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    for ref in _refs(doc):
        _resolve(doc, ref)

    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {
        region_events_topic("MC14").replace("MC14", "{region}"),
        identity_topic("MC14").replace("MC14", "{region}"),
        SCHOOL_EVENTS_TOPIC,
        REGISTER_TOPIC,
        COUNT_TOPIC,
    }
    for channel in doc["channels"].values():
        assert channel["messages"], channel["address"]
        assert channel["bindings"]["kafka"]["partitions"] == (1 if channel["address"] == REGISTER_TOPIC else 3)
        if "{region}" in channel["address"]:
            assert set(channel["parameters"]) == {"region"}
    messages = doc["components"]["messages"]
    for cls in event_classes():
        assert cls.event_type in messages
        example = messages[cls.event_type]["examples"][0]["payload"]
        assert example["type"] == cls.event_type
    for op_id, operation in doc["operations"].items():
        assert operation["action"] in {"send", "receive"}, op_id
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/")
        for message_ref in operation["messages"]:
            # AsyncAPI 3: an operation's messages must be messages of its own channel
            assert message_ref["$ref"].startswith(channel_ref + "/messages/"), (op_id, message_ref)
    sent = {r["$ref"].rsplit("/", 1)[-1] for op in doc["operations"].values() for r in op["messages"]}
    assert {cls.event_type for cls in event_classes()} <= sent


def test_asyncapi_document_loads_in_faststreams_asyncapi3_model(generated: dict[str, str]) -> None:
    schema_module = pytest.importorskip("faststream.specification.asyncapi.v3_0_0.schema")
    doc = json.loads(generated["docs/asyncapi.json"])
    parsed = schema_module.ApplicationSchema.model_validate(doc)
    assert set(parsed.channels) == set(doc["channels"])
    assert set(parsed.operations) == set(doc["operations"])


def test_asyncapi_message_payload_validates_the_golden_envelope(generated: dict[str, str]) -> None:
    doc = json.loads(generated["docs/asyncapi.json"])
    resolver_root = {"components": doc["components"]}
    for cls in event_classes()[:5] + event_classes()[-3:]:
        payload_schema = {**doc["components"]["messages"][cls.event_type]["payload"], **resolver_root}
        envelope = golden_envelope(cls.event_type).model_dump(mode="json", by_alias=True, exclude_none=True)
        jsonschema.validate(envelope, payload_schema, cls=jsonschema.Draft202012Validator)
