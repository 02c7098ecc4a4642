"""Kafka ACLs from :mod:`contracts.acl` onto a broker, and the Strimzi manifests from the same source.

Why the wire protocol: aiokafka's admin client has no ACL calls, and starting the broker's Java
``AclCommand`` once per resource costs seconds each. aiokafka does carry the CreateAcls/DescribeAcls
v1 messages (which Kafka 4.x still accepts), so one request creates every binding at once.

``python -m leerrecht.kafka_acl`` writes ``deploy/k8s/kafka-users.yaml`` (``make docs`` runs it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.admin import (
    CreateAclsRequest_v1,
    DescribeAclsRequest_v1,
)
from aiokafka.protocol.api import Request

from contracts.acl import Grant, Operation, Pattern, Resource, strimzi_kafka_users
from leerrecht.kalender import load_region_table

STRIMZI_FILE = Path(__file__).resolve().parent.parent / "deploy" / "k8s" / "kafka-users.yaml"

# Kafka's wire codes (org.apache.kafka.common.{resource,acl}).
_RESOURCE = {Resource.TOPIC: 2, Resource.GROUP: 3}
_PATTERN = {Pattern.LITERAL: 3, Pattern.PREFIX: 4}
_OPERATION = {Operation.READ: 3, Operation.WRITE: 4, Operation.CREATE: 5, Operation.DESCRIBE: 8,
              Operation.DESCRIBE_CONFIGS: 10}
_ANY, _ALLOW = 1, 3
_PATTERN_ANY = 1


class AclError(RuntimeError):
    """The broker refused to create or describe ACLs."""


def all_regions() -> list[str]:
    """The 40 Doorstroompunt regions of the shipped region table (what registratie creates with ``*``)."""
    return sorted({g.rmc_regiocode for g in load_region_table().version_on().gemeenten.values()})


class _CreateAcls(Request[CreateAclsRequest_v1]):  # type: ignore[misc]
    API_KEY = 30

    def __init__(self, grants: Iterable[Grant]) -> None:
        self.rows = [
            (_RESOURCE[g.resource], g.name, _PATTERN[g.pattern], f"User:{g.principal}", "*",
             _OPERATION[g.operation], _ALLOW)
            for g in sorted(grants)
        ]

    def build(self, request_struct_class: type[CreateAclsRequest_v1]) -> CreateAclsRequest_v1:
        return request_struct_class(self.rows)


class _DescribeAllAcls(Request[DescribeAclsRequest_v1]):  # type: ignore[misc]
    API_KEY = 29

    def build(self, request_struct_class: type[DescribeAclsRequest_v1]) -> DescribeAclsRequest_v1:
        return request_struct_class(_ANY, None, _PATTERN_ANY, None, None, _ANY, _ANY)


async def _send(bootstrap: str, request: Request[Any], client_kwargs: dict[str, Any]) -> Any:
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000, **client_kwargs)
    await client.bootstrap()
    try:
        return await client.send(client.get_random_node(), request)
    finally:
        await client.close()


async def apply_acls(bootstrap: str, grants: Iterable[Grant], **client_kwargs: Any) -> None:
    """Create the bindings (idempotent: an existing binding is left as it is), as a super user."""
    request = _CreateAcls(grants)
    if not request.rows:
        return
    response = await _send(bootstrap, request, client_kwargs)
    errors = {(code, msg) for code, msg in response.creation_responses if code != 0}
    if errors:
        raise AclError(f"CreateAcls weigerde: {sorted(errors)[:3]}")


async def describe_acls(bootstrap: str, **client_kwargs: Any) -> set[Grant]:
    """Every ALLOW binding on the broker, as grants (the tests compare them with the definition)."""
    response = await _send(bootstrap, _DescribeAllAcls(), client_kwargs)
    if response.error_code:
        raise AclError(f"DescribeAcls: {response.error_code} {response.error_message}")
    resources = {v: k for k, v in _RESOURCE.items()}
    patterns = {v: k for k, v in _PATTERN.items()}
    operations = {v: k for k, v in _OPERATION.items()}
    found: set[Grant] = set()
    for rtype, name, ptype, acls in response.resources:
        for principal, _host, op, permission in acls:
            if permission != _ALLOW:
                continue
            found.add(Grant(principal.removeprefix("User:"), resources[rtype], name, patterns[ptype], operations[op]))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Strimzi KafkaUser manifests from contracts/acl.py.")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    args = parser.parse_args(argv)
    text = strimzi_kafka_users(all_regions())
    if args.check:
        return 0 if STRIMZI_FILE.exists() and STRIMZI_FILE.read_text() == text else 1
    STRIMZI_FILE.write_text(text)
    print(f"{STRIMZI_FILE} geschreven")
    return 0


if __name__ == "__main__":
    sys.exit(main())
