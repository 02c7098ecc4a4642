"""Topics: names, partitions, configuration and which events may go where."""

from __future__ import annotations

import pytest

from contracts.catalogue import event_classes
from contracts.events import leerplicht, registratie, rmc, telling
from contracts.golden import golden_envelope
from contracts.topics import (
    COUNT_TOPIC,
    PARTITIONS,
    REGISTER_TOPIC,
    SCHOOL_EVENTS_TOPIC,
    TopicError,
    TopicKind,
    TopicSpec,
    all_topic_specs,
    check_envelope_topic,
    check_publish,
    check_region,
    dlq_topic,
    identity_topic,
    may_publish,
    message_key,
    region_events_topic,
    topic_for,
    topic_kind,
    topic_region,
    topic_spec,
)


def test_topic_names() -> None:
    assert region_events_topic("MC14") == "leerrecht.regio.MC14.events"
    assert identity_topic("MC14") == "leerrecht.regio.MC14.identiteit"
    assert dlq_topic("leerrecht.regio.MC14.events") == "leerrecht.regio.MC14.events.dlq"
    assert dlq_topic(COUNT_TOPIC) == "leerrecht.telling.cijfers.dlq"
    assert COUNT_TOPIC == "leerrecht.telling.cijfers"
    assert topic_region("leerrecht.regio.MC03.events.dlq") == "MC03"
    assert topic_region(COUNT_TOPIC) is None


@pytest.mark.parametrize("region", ["MC1", "mc14", "MC144", "XX14", "MC14 ", ""])
def test_region_codes_are_validated(region: str) -> None:
    with pytest.raises(TopicError):
        check_region(region)
    with pytest.raises(TopicError):
        region_events_topic(region)


def test_identity_topics_have_no_dlq_and_dlqs_do_not_nest() -> None:
    with pytest.raises(TopicError, match="erased"):
        dlq_topic(identity_topic("MC14"))
    with pytest.raises(TopicError):
        dlq_topic("leerrecht.regio.MC14.events.dlq")
    with pytest.raises(TopicError):
        topic_kind("leerrecht.regio.MC14.identiteit.dlq")
    with pytest.raises(TopicError):
        topic_kind("leerrecht.onbekend")


def test_specs_enforce_partitions_and_config() -> None:
    spec = topic_spec("leerrecht.regio.MC14.events")
    assert spec.partitions == 3
    assert spec.config["retention.ms"] == "-1"
    assert spec.config["cleanup.policy"] == "delete"
    identity = topic_spec(identity_topic("MC14"))
    assert identity.config["cleanup.policy"] == "compact"
    assert identity.partitions == spec.partitions, "identity and events topics are co-partitioned"
    assert PARTITIONS[TopicKind.REGIO_IDENTITEIT] == PARTITIONS[TopicKind.REGIO_EVENTS]
    with pytest.raises(TopicError, match="3 partitions"):
        TopicSpec("leerrecht.regio.MC14.events", 6, dict(spec.config))
    with pytest.raises(TopicError, match="config"):
        TopicSpec("leerrecht.regio.MC14.events", 3, {"retention.ms": "604800000"})
    assert topic_spec(dlq_topic(COUNT_TOPIC)).partitions == PARTITIONS[TopicKind.TELLING_CIJFERS]


def test_all_topic_specs() -> None:
    specs = all_topic_specs(["MC14", "MC01", "MC14"])
    names = [s.name for s in specs]
    assert names == [
        "leerrecht.regio.MC01.events",
        "leerrecht.regio.MC01.events.dlq",
        "leerrecht.regio.MC01.identiteit",
        "leerrecht.regio.MC14.events",
        "leerrecht.regio.MC14.events.dlq",
        "leerrecht.regio.MC14.identiteit",
        SCHOOL_EVENTS_TOPIC,
        SCHOOL_EVENTS_TOPIC + ".dlq",
        REGISTER_TOPIC,
        REGISTER_TOPIC + ".dlq",
        COUNT_TOPIC,
        COUNT_TOPIC + ".dlq",
    ]
    for spec in specs:
        if spec.kind in (TopicKind.REGIO_EVENTS, TopicKind.SCHOOL_EVENTS, TopicKind.REGISTER):
            assert spec.config["retention.ms"] == "-1"
            assert spec.config["cleanup.policy"] == "delete"  # never compacted: the history is the register
        assert spec.key_rule
    assert topic_spec(REGISTER_TOPIC).partitions == 1


def test_register_facts_go_to_the_register_topic() -> None:
    for cls in (registratie.SchoolvestigingVastgelegd, registratie.SchoolvestigingGesloten,
                registratie.SchoolvestigingSamengevoegd):
        assert topic_for(cls) == REGISTER_TOPIC
        assert may_publish(cls, REGISTER_TOPIC) and may_publish(cls, REGISTER_TOPIC + ".dlq")
        assert not may_publish(cls, SCHOOL_EVENTS_TOPIC)
        assert not may_publish(cls, region_events_topic("MC41"))
    assert not may_publish(registratie.LesurenGepland, REGISTER_TOPIC)


def test_which_events_may_go_where() -> None:
    events = region_events_topic("MC14")
    assert may_publish(registratie.AfwezigheidGeregistreerd, events)
    assert may_publish(leerplicht.DossierGesloten, events)
    assert may_publish(rmc.DossierGesloten, dlq_topic(events))
    assert not may_publish(registratie.AfwezigheidGeregistreerd, COUNT_TOPIC)
    assert not may_publish(registratie.AfwezigheidGeregistreerd, identity_topic("MC14"))
    assert not may_publish(registratie.AfwezigheidGeregistreerd, "leerrecht.elders")
    assert may_publish(telling.CijferBijgewerkt, COUNT_TOPIC)
    assert not may_publish(telling.CijferBijgewerkt, events)
    assert may_publish(registratie.LesurenGepland, SCHOOL_EVENTS_TOPIC)
    assert not may_publish(registratie.LesurenGepland, events)
    with pytest.raises(TopicError, match="may not be published"):
        check_publish(telling.CijferBijgewerkt, events)
    for cls in event_classes():
        assert not may_publish(cls, identity_topic("MC14")), "no event goes on an identity topic"


def test_topic_for() -> None:
    assert topic_for(registratie.Verhuisd, "MC25") == "leerrecht.regio.MC25.events"
    assert topic_for(telling.CijferBijgewerkt) == COUNT_TOPIC
    assert topic_for(registratie.LesurenGepland) == SCHOOL_EVENTS_TOPIC
    with pytest.raises(TopicError):
        topic_for(registratie.Verhuisd)
    with pytest.raises(TopicError):
        topic_for(telling.CijferBijgewerkt, "MC14")


def test_envelope_key_and_region_match_the_topic() -> None:
    env = golden_envelope("nl.leerrecht.registratie.afwezigheid_geregistreerd")
    assert message_key(env) == env.subject.encode()
    check_envelope_topic(env, "leerrecht.regio.MC14.events")
    with pytest.raises(TopicError):
        check_envelope_topic(env, "leerrecht.regio.MC25.events")
    check_envelope_topic(golden_envelope("nl.leerrecht.telling.cijfer_bijgewerkt"), COUNT_TOPIC)


def test_every_topic_is_replicated_three_times_with_two_in_sync() -> None:
    """Issue 17: one definition of replication for the local cluster, the audit and production."""
    from contracts.topics import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR

    assert (REPLICATION_FACTOR, MIN_INSYNC_REPLICAS) == (3, 2)
    for spec in all_topic_specs(["MC14"]):
        assert (spec.replication_factor, spec.min_insync_replicas) == (3, 2)
        assert spec.broker_config()["min.insync.replicas"] == "2"
        assert spec.broker_config() == {**spec.config, "min.insync.replicas": "2"}
    spec = topic_spec("leerrecht.regio.MC14.events")
    with pytest.raises(TopicError, match="replication factor 3"):
        TopicSpec(spec.name, 3, dict(spec.config), replication_factor=1)
    with pytest.raises(TopicError, match=r"min\.insync\.replicas=2"):
        TopicSpec(spec.name, 3, dict(spec.config), min_insync_replicas=1)


@pytest.mark.parametrize(("brokers", "expected"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 2)), (5, (3, 2))])
def test_replication_a_cluster_can_hold(brokers: int, expected: tuple[int, int]) -> None:
    from contracts.topics import replication_for

    assert replication_for(brokers) == expected
    with pytest.raises(TopicError):
        replication_for(0)
