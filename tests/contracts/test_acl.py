"""The ACL definition itself (contracts/acl.py): what each principal may touch, for all 40 regions."""

from __future__ import annotations

from contracts.acl import ANALIST, REGISTRATIE, TELLING, Operation, Resource, grants_for, principals
from contracts.topics import COUNT_TOPIC, REGISTER_TOPIC, TopicKind, dlq_topic, topic_kind, topic_region
from leerrecht.kafka_acl import all_regions

REGIONS = all_regions()


def test_regional_principals_read_only_their_own_region() -> None:
    for principal in principals(REGIONS):
        if principal in (REGISTRATIE, TELLING, ANALIST):
            continue
        region = principal.split("-")[1].upper()
        for g in grants_for(principal, REGIONS):
            if g.resource is Resource.GROUP:
                assert f".{region}" in g.name, g
            elif g.name in (REGISTER_TOPIC, dlq_topic(REGISTER_TOPIC)):  # national, not a region's
                assert principal.startswith("rmc-"), g
            elif topic_region(g.name) != region:  # another region: only the transfer write (A5)
                assert g.operation is Operation.WRITE and topic_kind(g.name) is TopicKind.REGIO_EVENTS, g
            if g.resource is Resource.TOPIC and topic_kind(g.name) is TopicKind.REGIO_IDENTITEIT:
                assert g.operation is not Operation.WRITE, g


def test_telling_never_touches_an_identity_topic_and_analysts_only_the_count_stream() -> None:
    kinds = {topic_kind(g.name) for g in grants_for(TELLING, REGIONS) if g.resource is Resource.TOPIC}
    assert TopicKind.REGIO_IDENTITEIT not in kinds
    assert {g.name for g in grants_for(ANALIST, REGIONS) if g.resource is Resource.TOPIC} == {COUNT_TOPIC}
    assert {g.operation for g in grants_for(ANALIST, REGIONS)} == {Operation.READ}


def test_registratie_writes_every_regions_events_and_identity_topics() -> None:
    writes = {g.name for g in grants_for(REGISTRATIE, REGIONS) if g.operation is Operation.WRITE}
    for region in REGIONS:
        assert f"leerrecht.regio.{region}.events" in writes and f"leerrecht.regio.{region}.identiteit" in writes
    reads = {g.name for g in grants_for(REGISTRATIE, REGIONS) if g.operation is Operation.READ}
    assert not any(topic_kind(n) is TopicKind.REGIO_IDENTITEIT for n in reads if n.startswith("leerrecht.regio"))


def test_only_rmc_reads_the_school_register_and_never_writes_it() -> None:
    """rmc's coaches pick a placement's school from DUO's register (issue 15); leerplicht has no need."""
    for principal in principals(REGIONS):
        if principal in (REGISTRATIE, TELLING, ANALIST):
            continue
        ops = {g.operation for g in grants_for(principal, REGIONS) if g.name == REGISTER_TOPIC}
        verwacht = {Operation.READ, Operation.DESCRIBE_CONFIGS} if principal.startswith("rmc-") else set()
        assert ops == verwacht, principal
