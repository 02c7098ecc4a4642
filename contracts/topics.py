"""Kafka topics of Leerrecht: names, partition counts and configuration, enforced in code.

Topics
======

``leerrecht.regio.<MCxx>.events``  (one per Doorstroompunt region, 3 partitions, kept forever)
    All pupil/young-person events of registratie, leerplicht and rmc for residents of the region.
    Key = envelope ``subject`` = the person's **pseudonym**, so all events of one person are on one
    partition, in order. Regions are separate topics because identifying data and case work belong
    to the region of residence (domain.md B) and each region runs its own instances.

``leerrecht.regio.<MCxx>.identiteit``  (one per region, 3 partitions, compacted)
    The erasable identity records (:mod:`contracts.identity`). Key = pseudonym; erasure = tombstone.
    Same key and same partition count as the events topic, so the two are co-partitioned: a consumer
    of partition *p* of both sees a person's events and identity together. Never dead-lettered: a copy
    outside the compacted topic could not be erased.

``leerrecht.school.events``  (3 partitions, kept forever)
    School-level facts that concern no pupil (:class:`~contracts.events.registratie.LesurenGepland`).
    Key = BRIN6 (brin + vestiging), so one school's schedule is ordered.

``leerrecht.register.scholen``  (1 partition, kept forever)
    The national register of school locations: DUO's dated facts (a location registered, changed,
    merged or closed; :class:`~contracts.events.registratie.SchoolvestigingVastgelegd` and friends).
    Key = BRIN6. **Kept forever, not compacted**: the register is dated (a location *as it was on a
    date*), so a replay needs every version, not the latest per key; a compacted topic would drop
    the history that past facts were judged by. **One partition**: a total order of the whole
    register (a merge names two locations), and its volume is a few thousand facts a year. The
    seed (DUO's public lists in registratie) is the initial state; seed + this topic = the register.

``leerrecht.telling.cijfers``  (3 partitions, compacted)
    The national aggregate figures (domain.md C). Key = cell key
    (:meth:`~contracts.events.telling.CijferBijgewerkt.cel_sleutel`); no pseudonyms ever. Compacted:
    the stream is the latest value per cell; every figure is reproducible from the event topics.

``<topic>.dlq``  (dead letters of an events, school or count topic; same partitions, 90 days)
    A record a consumer could not process, with the same key; the original stays on its topic.

Replication (every topic): **replication factor 3, ``min.insync.replicas=2``**. With the producers'
``acks=all`` (idempotent, enforced in ``leerrecht.kafka``) a write is acknowledged only when two
brokers hold it: one broker (its disk, its process) may be lost without losing an acknowledged
event, and with two out the intake refuses (``NotEnoughReplicas`` → 503) rather than accept a write
held by one. The same numbers drive the local three-broker cluster (``leerrecht.localinfra``), the
start-up audit (reliability P6) and the production manifests. The single development broker (the
demo and most tests) gets what it can hold (:func:`replication_for`: 1 and 1), and the audit accepts
exactly that there.

Partitioning rule: Kafka's default partitioner (murmur2 of the key bytes) with the counts above. A
partition count is part of the contract: changing it re-maps keys and breaks per-person ordering,
so :class:`TopicSpec` refuses any other count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from contracts.envelope import Envelope
from contracts.events.base import Event

REGION_RE = re.compile(r"^MC[0-9]{2}$")
DLQ_SUFFIX = ".dlq"
SCHOOL_EVENTS_TOPIC = "leerrecht.school.events"
REGISTER_TOPIC = "leerrecht.register.scholen"
COUNT_TOPIC = "leerrecht.telling.cijfers"

_DAY_MS = 24 * 60 * 60 * 1000
_REGIO_EVENTS_RE = re.compile(r"^leerrecht\.regio\.(MC[0-9]{2})\.events$")
_REGIO_IDENTITEIT_RE = re.compile(r"^leerrecht\.regio\.(MC[0-9]{2})\.identiteit$")


class TopicKind(StrEnum):
    REGIO_EVENTS = "REGIO_EVENTS"
    REGIO_IDENTITEIT = "REGIO_IDENTITEIT"
    SCHOOL_EVENTS = "SCHOOL_EVENTS"
    REGISTER = "REGISTER"
    TELLING_CIJFERS = "TELLING_CIJFERS"
    DLQ = "DLQ"


PARTITIONS: Mapping[TopicKind, int] = {
    TopicKind.REGIO_EVENTS: 3,
    TopicKind.REGIO_IDENTITEIT: 3,  # must equal REGIO_EVENTS: co-partitioned by pseudonym
    TopicKind.SCHOOL_EVENTS: 3,
    TopicKind.REGISTER: 1,  # total order of the national register; tiny volume
    TopicKind.TELLING_CIJFERS: 3,
}

REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2


def replication_for(cluster_size: int, factor: int = REPLICATION_FACTOR,
                    min_insync: int = MIN_INSYNC_REPLICAS) -> tuple[int, int]:
    """(replication factor, ``min.insync.replicas``) that a cluster of ``cluster_size`` brokers can
    hold: the contract's on 3 or more; on a smaller development cluster as many replicas as it has,
    and an in-sync minimum it can meet (``leerrecht.kafka`` uses it for the single broker only)."""
    if cluster_size < 1:
        raise TopicError(f"cluster size must be at least 1, got {cluster_size}")
    if cluster_size >= factor:
        return factor, min_insync
    return cluster_size, max(1, min(min_insync, cluster_size - 1))


_KEEP_FOREVER: Mapping[str, str] = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
CONFIGS: Mapping[TopicKind, Mapping[str, str]] = {
    TopicKind.REGIO_EVENTS: _KEEP_FOREVER,
    TopicKind.SCHOOL_EVENTS: _KEEP_FOREVER,
    TopicKind.REGISTER: _KEEP_FOREVER,  # dated history: never compacted (see the module docstring)
    TopicKind.REGIO_IDENTITEIT: {
        "cleanup.policy": "compact",
        "retention.ms": "-1",
        "min.compaction.lag.ms": "0",
        # Erasure deadline: a segment is compacted at the latest 7 days after a tombstone is written;
        # the tombstone (which holds only the pseudonym) is kept 1 day so consumers see it.
        "max.compaction.lag.ms": str(7 * _DAY_MS),
        "delete.retention.ms": str(1 * _DAY_MS),
        "segment.ms": str(1 * _DAY_MS),
        "min.cleanable.dirty.ratio": "0.01",
    },
    TopicKind.TELLING_CIJFERS: {"cleanup.policy": "compact", "retention.ms": "-1"},
    TopicKind.DLQ: {"cleanup.policy": "delete", "retention.ms": str(90 * _DAY_MS)},
}

KEY_RULE: Mapping[TopicKind, str] = {
    TopicKind.REGIO_EVENTS: "pseudonym of the pupil / young person (envelope subject)",
    TopicKind.REGIO_IDENTITEIT: "pseudonym (tombstone = erasure)",
    TopicKind.SCHOOL_EVENTS: "BRIN6 of the school location (envelope subject)",
    TopicKind.REGISTER: "BRIN6 of the registered school location (envelope subject)",
    TopicKind.TELLING_CIJFERS: "cell key, CijferBijgewerkt.cel_sleutel() (envelope subject)",
    TopicKind.DLQ: "the key of the original record",
}


class TopicError(ValueError):
    """A topic name, region, partition count or event/topic combination violates the contract."""


def check_region(region: str) -> str:
    """Return ``region`` if it is a Doorstroompunt region code ``MCxx``, else raise :class:`TopicError`."""
    if not REGION_RE.match(region):
        raise TopicError(f"region must match ^MC\\d\\d$, got {region!r}")
    return region


def region_events_topic(region: str) -> str:
    return f"leerrecht.regio.{check_region(region)}.events"


def identity_topic(region: str) -> str:
    return f"leerrecht.regio.{check_region(region)}.identiteit"


def dlq_topic(topic: str) -> str:
    """Dead-letter topic of ``topic``. Identity topics have none (erasure must stay possible)."""
    kind = topic_kind(topic)
    if kind is TopicKind.REGIO_IDENTITEIT:
        raise TopicError("identity topics have no dead-letter topic: a copy could not be erased")
    if kind is TopicKind.DLQ:
        raise TopicError("a dead-letter topic has no dead-letter topic")
    return topic + DLQ_SUFFIX


def topic_kind(topic: str) -> TopicKind:
    """Classify a topic name; raise :class:`TopicError` for names outside the contract."""
    if topic.endswith(DLQ_SUFFIX):
        base = topic.removesuffix(DLQ_SUFFIX)
        if topic_kind(base) in (TopicKind.REGIO_IDENTITEIT, TopicKind.DLQ):
            raise TopicError(f"{topic!r} is not a valid dead-letter topic")
        return TopicKind.DLQ
    if _REGIO_EVENTS_RE.match(topic):
        return TopicKind.REGIO_EVENTS
    if _REGIO_IDENTITEIT_RE.match(topic):
        return TopicKind.REGIO_IDENTITEIT
    if topic == SCHOOL_EVENTS_TOPIC:
        return TopicKind.SCHOOL_EVENTS
    if topic == REGISTER_TOPIC:
        return TopicKind.REGISTER
    if topic == COUNT_TOPIC:
        return TopicKind.TELLING_CIJFERS
    raise TopicError(f"unknown topic {topic!r}")


def topic_region(topic: str) -> str | None:
    """The region code in a regional topic name (or its DLQ), else ``None``."""
    base = topic.removesuffix(DLQ_SUFFIX)
    match = _REGIO_EVENTS_RE.match(base) or _REGIO_IDENTITEIT_RE.match(base)
    return match.group(1) if match else None


def _partitions(topic: str, kind: TopicKind) -> int:
    if kind is TopicKind.DLQ:
        return PARTITIONS[topic_kind(topic.removesuffix(DLQ_SUFFIX))]
    return PARTITIONS[kind]


@dataclass(frozen=True)
class TopicSpec:
    """What to create on the broker. Construction validates name, partition count and config."""

    name: str
    partitions: int
    config: Mapping[str, str] = field(hash=False)
    replication_factor: int = REPLICATION_FACTOR
    min_insync_replicas: int = MIN_INSYNC_REPLICAS

    def __post_init__(self) -> None:
        expected = _partitions(self.name, self.kind)
        if self.partitions != expected:
            raise TopicError(f"{self.name} must have {expected} partitions, not {self.partitions}")
        if (self.replication_factor, self.min_insync_replicas) != (REPLICATION_FACTOR, MIN_INSYNC_REPLICAS):
            raise TopicError(f"{self.name} must have replication factor {REPLICATION_FACTOR} and "
                             f"min.insync.replicas={MIN_INSYNC_REPLICAS}")
        if dict(self.config) != dict(CONFIGS[self.kind]):
            raise TopicError(f"{self.name}: config differs from the contract's {dict(CONFIGS[self.kind])}")

    @property
    def kind(self) -> TopicKind:
        return topic_kind(self.name)

    @property
    def key_rule(self) -> str:
        return KEY_RULE[self.kind]

    def broker_config(self) -> dict[str, str]:
        """The topic's whole configuration on a production cluster: the contract's settings plus
        ``min.insync.replicas`` (what a Strimzi ``KafkaTopic`` carries besides its replicas)."""
        return {**self.config, "min.insync.replicas": str(self.min_insync_replicas)}


def topic_spec(topic: str) -> TopicSpec:
    kind = topic_kind(topic)
    return TopicSpec(topic, _partitions(topic, kind), dict(CONFIGS[kind]))


def all_topic_specs(regions: Iterable[str]) -> list[TopicSpec]:
    """Every topic the platform needs for these regions, DLQs included, in a stable order."""
    names: list[str] = []
    for region in sorted(set(regions)):
        events = region_events_topic(region)
        names += [events, dlq_topic(events), identity_topic(region)]
    names += [SCHOOL_EVENTS_TOPIC, dlq_topic(SCHOOL_EVENTS_TOPIC), REGISTER_TOPIC, dlq_topic(REGISTER_TOPIC),
              COUNT_TOPIC, dlq_topic(COUNT_TOPIC)]
    return [topic_spec(name) for name in names]


_KIND_BY_ONDERWERP: Mapping[str, TopicKind] = {
    "LEERLING": TopicKind.REGIO_EVENTS,
    "SCHOOL": TopicKind.SCHOOL_EVENTS,
    "CIJFER": TopicKind.TELLING_CIJFERS,
    "VESTIGING": TopicKind.REGISTER,
}


def topic_kind_for(event_cls: type[Event]) -> TopicKind:
    return _KIND_BY_ONDERWERP[event_cls.onderwerp]


def topic_for(event_cls: type[Event], region: str | None = None) -> str:
    """The topic an event class goes to; pupil events need the region of residence."""
    kind = topic_kind_for(event_cls)
    if kind is TopicKind.REGIO_EVENTS:
        if region is None:
            raise TopicError(f"{event_cls.__name__} goes to a regional topic: give the region")
        return region_events_topic(region)
    if region is not None:
        raise TopicError(f"{event_cls.__name__} is not regional; do not give a region")
    return {TopicKind.SCHOOL_EVENTS: SCHOOL_EVENTS_TOPIC, TopicKind.REGISTER: REGISTER_TOPIC}.get(kind, COUNT_TOPIC)


def may_publish(event_cls: type[Event], topic: str) -> bool:
    """May events of this class be written to ``topic`` (or its DLQ)? E.g. telling only on the count
    stream, pupil events only on a regional events topic, nothing on an identity topic."""
    try:
        kind = topic_kind(topic)
    except TopicError:
        return False
    if kind is TopicKind.DLQ:
        kind = topic_kind(topic.removesuffix(DLQ_SUFFIX))
    return kind is topic_kind_for(event_cls)


def check_publish(event_cls: type[Event], topic: str) -> None:
    if not may_publish(event_cls, topic):
        raise TopicError(f"{event_cls.__name__} ({event_cls.event_type}) may not be published to {topic!r}")


def check_envelope_topic(envelope: Envelope, topic: str) -> None:
    """An envelope on a regional topic must carry that topic's region (routing stays auditable)."""
    region = topic_region(topic)
    if region is not None and envelope.region != region:
        raise TopicError(f"envelope region {envelope.region!r} does not match topic {topic!r}")


def message_key(envelope: Envelope) -> bytes:
    """The Kafka key of an envelope on every events/school/count topic: its subject."""
    return envelope.subject.encode()
