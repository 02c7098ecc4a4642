"""Schema compatibility: may a new version of an event schema replace the old one *in place*?

Compatibility mode is **BACKWARD** (Confluent's term): a consumer built with the new schema must
accept every payload that was valid under the old one, because the log keeps old events forever
and consumers replay them. Deployment order follows: upgrade consumers before producers. (Forward
compatibility is impossible by design: models forbid unknown fields, so that nothing unreviewed,
such as personal data, rides along.)

Breaking, for a given property path:

* a field removed (old payloads carry it; ``additionalProperties: false`` would reject them);
* a new required field, or an optional field made required;
* a narrowed type: a JSON type dropped (``integer`` still accepts what ``integer`` accepted, but
  ``number`` → ``integer`` or ``string`` → ``integer`` does not), enum values removed, a ``const`` or
  ``enum`` added, a string getting a smaller ``maxLength`` / larger ``minLength`` / new or changed
  ``pattern`` or ``format``, a number getting a tighter bound, an array tighter item limits;
* a nullable field made non-nullable (an ``anyOf`` branch dropped).

Anything else (new optional field, enum value added, bound relaxed, descriptions) is compatible.
An incompatible change needs a new ``schema_version`` and an upcaster (:mod:`contracts.catalogue`).

The checker understands the JSON Schema subset pydantic emits: ``$ref`` into ``$defs``, ``anyOf``,
single-element ``allOf``, ``type``, ``enum``/``const``, string/number/array/object keywords.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")
_ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


def breaking_changes(old_schema: Schema, new_schema: Schema) -> list[str]:
    """Human-readable reasons why ``new_schema`` cannot read all data valid under ``old_schema``.

    An empty list means the change is backward compatible.
    """
    checker = _Checker(old_schema, new_schema)
    checker.compare(old_schema, new_schema, "$")
    return checker.problems


class _Checker:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.problems: list[str] = []
        self._seen: set[tuple[str, str, str]] = set()

    def _resolve(self, schema: Schema, root: Schema) -> Schema:
        while True:
            if "$ref" in schema:
                ref = schema["$ref"]
                if not ref.startswith("#/"):
                    raise ValueError(f"only local $refs are supported, got {ref!r}")
                target: Any = root
                for part in ref[2:].split("/"):
                    target = target[part]
                schema = {**{k: v for k, v in schema.items() if k != "$ref"}, **target}
            elif "allOf" in schema and len(schema["allOf"]) == 1:
                schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **schema["allOf"][0]}
            else:
                return schema

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        key = (path, repr(old.get("$ref")), repr(new.get("$ref")))
        if "$ref" in old and "$ref" in new:
            if key in self._seen:  # recursive schemas
                return
            self._seen.add(key)
        old = self._resolve(old, self.old_root)
        new = self._resolve(new, self.new_root)
        if not new:
            return  # the empty schema accepts anything
        old_branches = self._branches(old, self.old_root)
        new_branches = self._branches(new, self.new_root)
        if len(old_branches) > 1 or len(new_branches) > 1:
            for i, branch in enumerate(old_branches):
                trials = [self._trial(branch, nb, path) for nb in new_branches]
                if all(trials):
                    # Report the closest new branch's reasons when there is one of the same type.
                    same_type = [
                        t for t, nb in zip(trials, new_branches, strict=True) if _types(nb) & _types(branch)
                    ]
                    if len(same_type) == 1:
                        self.problems.extend(same_type[0])
                    else:
                        label = self._label(branch)
                        self.problems.append(f"{path}: no longer accepts {label} (anyOf branch {i} dropped)")
            return
        self._compare_single(old, new, path)

    def _branches(self, schema: Schema, root: Schema) -> list[Schema]:
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return [self._resolve(branch, root) for branch in schema[key]]
        return [schema]

    def _trial(self, old: Schema, new: Schema, path: str) -> list[str]:
        trial = _Checker(self.old_root, self.new_root)
        trial._seen = set(self._seen)
        trial.compare(old, new, path)
        return trial.problems

    @staticmethod
    def _label(schema: Schema) -> str:
        if "type" in schema:
            return f"type {schema['type']}"
        return "a former alternative"

    def _compare_single(self, old: Schema, new: Schema, path: str) -> None:
        old_types = _types(old)
        new_types = _types(new)
        lost = {t for t in old_types - new_types if not (t == "integer" and "number" in new_types)}
        if lost:
            self.problems.append(f"{path}: type narrowed, no longer accepts {sorted(lost)}")
            return

        old_values = old.get("enum", [old["const"]] if "const" in old else None)
        if "const" in new and (old_values is None or any(v != new["const"] for v in old_values)):
            self.problems.append(f"{path}: const {new['const']!r} added or changed")
        if "enum" in new:
            if old_values is None:
                self.problems.append(f"{path}: enum added, values restricted to {new['enum']}")
            else:
                removed = [v for v in old_values if v not in new["enum"]]
                if removed:
                    self.problems.append(f"{path}: enum values removed: {removed}")

        for kw in _LOWER_BOUNDS:
            if kw in new and (kw not in old or new[kw] > old[kw]):
                self.problems.append(f"{path}: {kw} raised from {old.get(kw, 'none')} to {new[kw]}")
        for kw in _UPPER_BOUNDS:
            if kw in new and (kw not in old or new[kw] < old[kw]):
                self.problems.append(f"{path}: {kw} lowered from {old.get(kw, 'none')} to {new[kw]}")
        for kw in _EXACT:
            if kw in new and new[kw] != old.get(kw):
                self.problems.append(f"{path}: {kw} added or changed to {new[kw]!r}")
        if new.get("uniqueItems") and not old.get("uniqueItems"):
            self.problems.append(f"{path}: uniqueItems added")

        if "object" in old_types or "properties" in old or "properties" in new:
            self._compare_object(old, new, path)
        if ("array" in old_types or "items" in old) and "items" in new:
            self.compare(old.get("items", {}), new["items"], f"{path}[]")

    def _compare_object(self, old: Schema, new: Schema, path: str) -> None:
        old_props: dict[str, Schema] = old.get("properties", {})
        new_props: dict[str, Schema] = new.get("properties", {})
        old_required = set(old.get("required", []))
        new_required = set(new.get("required", []))
        closed = new.get("additionalProperties") is False
        for name, old_prop in old_props.items():
            if name not in new_props:
                if closed:
                    self.problems.append(f"{path}.{name}: field removed")
                continue
            self.compare(old_prop, new_props[name], f"{path}.{name}")
        for name in sorted(new_required - old_required):
            if name in old_props:
                self.problems.append(f"{path}.{name}: optional field became required")
            else:
                self.problems.append(f"{path}.{name}: new required field")
        if closed and old.get("additionalProperties") is not False:
            self.problems.append(f"{path}: additionalProperties closed")
        old_extra = old.get("additionalProperties")
        new_extra = new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare(old_extra, new_extra, f"{path}.*")


def _types(schema: Schema) -> set[str]:
    """The JSON types a (resolved, single-branch) schema accepts; unconstrained means all."""
    declared = schema.get("type")
    if declared is None:
        if "enum" in schema or "const" in schema:
            values = schema.get("enum", [schema.get("const")])
            return {_json_type(v) for v in values}
        if "properties" in schema:
            return {"object"}
        return set(_ALL_TYPES)
    if isinstance(declared, str):
        return {declared}
    return set(declared)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
