"""Vendor JSON Schemas for kubeconform: Kubernetes kinds and the CRDs of Strimzi, CloudNativePG and
prometheus-operator, so CI validates the generated manifests offline (kubeconform cannot download).

Why a script: the schemas must be reproducible from their named releases (``SOURCES.md``), and
kubeconform's ``-strict`` only rejects unknown fields where a schema says ``additionalProperties:
false``, which a CRD's ``openAPIV3Schema`` leaves implicit. The conversion follows kubeconform's own
``openapi2jsonschema``: objects with ``properties`` get ``additionalProperties: false`` unless they
preserve unknown fields; ``x-kubernetes-int-or-string`` becomes string-or-integer; ``nullable`` adds
``null``.

Usage (inputs are local files; see SOURCES.md for where they come from)::

    python deploy/k8s/schemas/vendor.py crd FILE.yaml...           # -> crd/<group>/<kind>_<version>.json
    python deploy/k8s/schemas/vendor.py kubernetes DIR KIND-FILE... # closure of $refs -> kubernetes/
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def vendor_crd(path: Path) -> list[Path]:
    written: list[Path] = []
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"].lower()
        for version in doc["spec"]["versions"]:
            if not version.get("served", True):
                continue
            schema = _strict(version["schema"]["openAPIV3Schema"])
            target = HERE / "crd" / group / f"{kind}_{version['name']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            written.append(target)
    return written


_DEFS = "/api/_definitions.json#/$defs/"


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _local(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace(_DEFS, "#/$defs/") if k == "$ref" and isinstance(v, str) else _local(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_local(v) for v in node]
    return node


def vendor_kubernetes(source: Path, kinds: list[str]) -> list[Path]:
    """Each kind's schema made standalone: the definitions it references (transitively) from the
    package's shared ``_definitions.json`` are put in its own ``$defs``, so kubeconform needs no
    resolver of absolute references."""
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    target = HERE / "kubernetes"
    target.mkdir(exist_ok=True)
    written = []
    for kind in kinds:
        schema = json.loads((source / kind).read_text())
        todo, used = list(_refs(schema)), set()
        while todo:  # references are absolute (to the shared file) or local to it: both end in the name
            name = todo.pop().rpartition("/$defs/")[2]
            if name not in used:
                used.add(name)
                todo += _refs(definitions[name])
        schema["$defs"] = {n: definitions[n] for n in sorted(used)}
        (target / kind).write_text(json.dumps(_local(schema), indent=1, sort_keys=True) + "\n")
        written.append(target / kind)
    return written


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "crd":
        for f in args:
            print(*vendor_crd(Path(f)), sep="\n")
    else:
        print(len(vendor_kubernetes(Path(args[0]), args[1:])), "Kubernetes schemas")
