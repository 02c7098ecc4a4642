"""Kafka plumbing: a producer that cannot lose or duplicate, and topics the platform creates itself.

aiokafka's producer defaults to ``acks=1`` without idempotence: a leader failover can then drop an
acknowledged write, and a retry can write it twice. Leerrecht answers a school "accepted" only after
the broker acknowledged with ``acks=all`` from an idempotent producer, and refuses to start otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import MessageSizeTooLargeError, TopicAlreadyExistsError, for_code
from aiokafka.partitioner import DefaultPartitioner

from contracts.envelope import Envelope
from contracts.topics import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR, replication_for
from leerrecht import kafka_security, trace
from leerrecht.logging import get_logger
from leerrecht.murmur2 import murmur2_alle

log = get_logger(__name__)


class UnsafeProducerConfig(ValueError):
    """Raised when a producer would be started with settings that can lose or duplicate events."""


SAFE_PRODUCER_DEFAULTS: dict[str, Any] = {
    "enable_idempotence": True,
    "acks": "all",
    "linger_ms": 5,
    "max_batch_size": 256 * 1024,
    "compression_type": None,
    "request_timeout_ms": 30_000,
}


def check_producer_config(config: Mapping[str, Any]) -> None:
    """Refuse anything weaker than idempotent, acks=all (reliability matrix F6)."""
    if config.get("enable_idempotence") is not True:
        raise UnsafeProducerConfig(
            "Kafka producer: enable_idempotence moet True zijn (anders kunnen retries events dubbel schrijven)"
        )
    if config.get("acks") not in ("all", -1):
        raise UnsafeProducerConfig(
            f"Kafka producer: acks={config.get('acks')!r} is te zwak; alleen acks='all' "
            "garandeert dat een bevestigd event niet verloren gaat"
        )


def make_producer(bootstrap: str, client_id: str, **overrides: Any) -> AIOKafkaProducer:
    config = {**SAFE_PRODUCER_DEFAULTS, **overrides}
    check_producer_config(config)
    return AIOKafkaProducer(bootstrap_servers=bootstrap, client_id=client_id,
                            **kafka_security.client_kwargs(), **config)


@dataclass(frozen=True)
class OutgoingEvent:
    """An envelope and where it goes. The key is the subject pseudonym: per-pupil ordering."""

    topic: str
    envelope: Envelope
    key: str | None = None
    headers: Sequence[tuple[str, bytes]] = field(default_factory=tuple)

    def key_bytes(self) -> bytes:
        return (self.key if self.key is not None else self.envelope.subject).encode()


def _with_trace(headers: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The current span's ``traceparent`` (the HTTP request that publishes, leerrecht.trace), unless the
    record already carries one: a consumer then continues the request's trace (processing log)."""
    out = list(headers)
    ctx = trace.current()
    if ctx is not None and not any(k == trace.HEADER for k, _ in out):
        out.append((trace.HEADER, ctx.traceparent().encode()))
    return out


_HASHES: dict[bytes, int] = {}
_HASHES_MAX = 65_536


def _hashes(keys: Sequence[bytes]) -> list[int]:
    """The murmur2 of every key of a publish: the ones not seen lately all at once (:func:`murmur2_alle`).
    The memory of recent keys (shared by the batches and the partitioner) helps a small deployment;
    nationally nearly every key is new to it."""
    bekend = _HASHES
    nieuw = [k for k in dict.fromkeys(keys) if k not in bekend]
    if nieuw:
        if len(bekend) + len(nieuw) > _HASHES_MAX:  # full: start afresh with this publish's keys
            bekend.clear()
            nieuw = list(dict.fromkeys(keys))
        bekend.update(zip(nieuw, murmur2_alle(nieuw), strict=True))
    return [bekend[k] for k in keys]


class KeyHashPartitioner(DefaultPartitioner):  # type: ignore[misc]
    """aiokafka's default partitioner (Kafka's murmur2 of the key, so Java clients agree) with the hash
    of recent keys remembered and computed by :mod:`leerrecht.murmur2` (:func:`_hashes`; aiokafka's is pure
    Python byte by byte and cost more than serialising the event). Same partition for every key as the default
    one (tests/leerrecht/test_publisher_batches.py)."""

    def __call__(self, key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
        if key is None:
            return int(super().__call__(key, all_partitions, available))
        return all_partitions[(_hashes((key,))[0] & 0x7FFFFFFF) % len(all_partitions)]


_SCHATTING_MARGE = 1024
"""Bytes kept free below ``max_request_size`` for a record's and its batch's own overhead (varints,
attributes, the batch header: well under 100 bytes), so a record within the rest needs no exact estimate."""

BATCH_VANAF = 100
"""From this many events a publish fills record batches of its own; below it, ``send`` per record."""


class EventPublisher:
    """Publishes batches and returns only when the broker acknowledged every record.

    Sends are issued together and awaited together: awaiting each send separately is ~40x slower
    (perf-baselines.md), and the client must not get a 2xx before the whole batch is durable.
    """

    def __init__(self, bootstrap: str, client_id: str, **overrides: Any) -> None:
        overrides = {"partitioner": KeyHashPartitioner(), **overrides}
        self._args = (bootstrap, client_id, overrides)
        self._producer = make_producer(bootstrap, client_id, **overrides)
        self._started = False
        self._known_topics: set[str] = set()

    async def start(self) -> None:
        await self._producer.start()
        self._started = True

    async def stop(self) -> None:
        if self._started:
            await self._producer.stop()
            self._started = False

    async def _ensure_metadata(self, topics: Iterable[str]) -> None:
        """Fetch metadata for topics this producer has not written to yet, before sending.

        aiokafka's idempotent producer, given one batch that mixes a topic it knows with one created
        after its last metadata refresh, timed out with NotLeaderForPartition and then failed every
        later send to that partition with OutOfOrderSequenceNumber (tests/leerrecht/test_kafka.py).
        """
        for topic in set(topics) - self._known_topics:
            await self._producer.partitions_for(topic)
            self._known_topics.add(topic)

    async def _replace_producer(self) -> None:
        """After a failed batch the idempotent sequence state may be poisoned: start afresh."""
        bootstrap, client_id, overrides = self._args
        old = self._producer
        self._producer = make_producer(bootstrap, client_id, **overrides)
        self._known_topics.clear()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(old.stop(), timeout=10)
        if self._started:
            await self._producer.start()

    async def publish(self, events: Iterable[OutgoingEvent], timeout: float = 30.0) -> list[tuple[int, int]]:
        """Returns (partition, offset) per event, in order. Raises when any record is not acked.

        Why record batches and not ``send()`` per event: ``send`` awaits metadata, rebuilds the partition
        lists and creates a future for every record; filling one batch per partition and awaiting only
        the batches' deliveries is what the raw producer does (``python -m benchmarks``: from 0.18 to
        0.46-0.52 of raw ``send_batch``). The partition is the default partitioner's for the key
        (Kafka's murmur2, as ``send`` and Java clients choose), so a pupil's events stay on one
        partition in order; a record's offset is its batch's base offset plus its place in the batch."""
        events = list(events)
        if not events:
            return []
        if len(events) < BATCH_VANAF:
            return await self._publish_small(events, timeout)
        try:
            await asyncio.wait_for(self._ensure_metadata({ev.topic for ev in events}), timeout=timeout)
            producer = self._producer
            sent: list[tuple[Any, list[int]]] = []
            # per topic: its partitions and the open batch of each (a list by partition index, no tuple key
            # per record); most calls write one topic
            per_topic: dict[str, tuple[list[int], list[tuple[Any, list[int]] | None]]] = {}
            plain = _with_trace([("content-type", b"application/cloudevents+json")])  # one trace per call
            # send() refuses a record above max_request_size (``_serialize``): with the plain headers a
            # record far below it needs no exact estimate per record; others get the exact check
            grens = producer._max_request_size - _SCHATTING_MARGE - sum(len(k) + len(v) for k, v in plain)
            keys = [(ev.envelope.subject if ev.key is None else ev.key).encode() for ev in events]
            hashes = _hashes(keys)
            for i, ev in enumerate(events):
                env = ev.envelope
                key = keys[i]
                value = env.to_json()
                if ev.headers:
                    headers = _with_trace([("content-type", b"application/cloudevents+json"), *ev.headers])
                    producer._serialize(key, value, headers)
                else:
                    headers = plain
                    if len(key) + len(value) > grens:
                        producer._serialize(key, value, headers)
                topic = ev.topic
                t = per_topic.get(topic)
                if t is None:  # once per topic and call
                    parts = sorted(await producer.partitions_for(topic))
                    t = per_topic[topic] = (parts, [None] * len(parts))
                parts, open_batches = t
                p = (hashes[i] & 0x7FFFFFFF) % len(parts)
                entry = open_batches[p]
                if entry is None:
                    entry = open_batches[p] = (producer.create_batch(), [])
                if entry[0].append(timestamp=None, key=key, value=value, headers=headers) is None:
                    if not entry[1]:
                        raise MessageSizeTooLargeError(f"record {i} past the batch size")
                    sent.append((await producer.send_batch(entry[0], topic, partition=parts[p]), entry[1]))
                    entry = open_batches[p] = (producer.create_batch(), [])
                    if entry[0].append(timestamp=None, key=key, value=value, headers=headers) is None:
                        raise MessageSizeTooLargeError(f"record {i} past the batch size")
                entry[1].append(i)
            for topic, (parts, open_batches) in per_topic.items():
                for p, entry in enumerate(open_batches):
                    if entry is not None:
                        sent.append((await producer.send_batch(entry[0], topic, partition=parts[p]), entry[1]))
            metadata = await asyncio.wait_for(asyncio.gather(*(fut for fut, _ in sent)), timeout=timeout)
        except Exception:
            await self._replace_producer()
            raise
        out: list[tuple[int, int]] = [(-1, -1)] * len(events)
        for meta, (_, indices) in zip(metadata, sent, strict=True):
            for j, i in enumerate(indices):
                out[i] = (meta.partition, meta.offset + j)
        return out

    async def _publish_small(self, events: list[OutgoingEvent], timeout: float) -> list[tuple[int, int]]:
        """A few records (one school's submission): into the producer's shared open batches, so the
        records of many concurrent requests travel in one produce request (a group commit in the
        accumulator). An own record batch per call would wait for the previous call's batch on the
        same partition to be sent first."""
        try:
            await asyncio.wait_for(self._ensure_metadata(ev.topic for ev in events), timeout=timeout)
            plain = _with_trace([("content-type", b"application/cloudevents+json")])
            futures = []
            for ev in events:
                headers = (_with_trace([("content-type", b"application/cloudevents+json"), *ev.headers])
                           if ev.headers else plain)
                futures.append(
                    await self._producer.send(ev.topic, ev.envelope.to_json(), key=ev.key_bytes(), headers=headers)
                )
            metadata = await asyncio.wait_for(asyncio.gather(*futures), timeout=timeout)
        except Exception:
            await self._replace_producer()
            raise
        return [(m.partition, m.offset) for m in metadata]

    async def publish_raw(self, topic: str, value: bytes | None, key: bytes | None,
                          headers: Sequence[tuple[str, bytes]] = ()) -> None:
        """A record as it is: dead letters, identity records, and tombstones (``value=None``)."""
        try:
            await self._ensure_metadata([topic])
            fut = await self._producer.send(topic, value, key=key, headers=_with_trace(headers))
            await fut
        except Exception:
            await self._replace_producer()
            raise


class TopicLike(Protocol):
    """Anything that says what to create: :class:`TopicSpec` here, or the contract-checked
    ``contracts.topics.TopicSpec`` for the platform's own topics."""

    @property
    def name(self) -> str: ...
    @property
    def partitions(self) -> int: ...
    @property
    def config(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class TopicSpec:
    """A plain topic description, for topics outside the contract (tests, benchmarks); replicated
    like the contract's topics unless told otherwise."""

    name: str
    partitions: int
    config: Mapping[str, str] = field(default_factory=dict)
    replication_factor: int = REPLICATION_FACTOR
    min_insync_replicas: int = MIN_INSYNC_REPLICAS


def _replication(spec: TopicLike) -> tuple[int, int]:
    """The (replication factor, min.insync.replicas) a spec asks for; the contract's when it says nothing."""
    return (int(getattr(spec, "replication_factor", REPLICATION_FACTOR)),
            int(getattr(spec, "min_insync_replicas", MIN_INSYNC_REPLICAS)))


async def _cluster_size(admin: AIOKafkaAdminClient) -> int:
    """The brokers the cluster's metadata lists (live, unfenced ones): 1 on the development broker."""
    return max(1, len((await admin.describe_cluster())["brokers"]))


def _for_cluster(spec: TopicLike, brokers: int) -> tuple[int, int]:
    """The replication to create ``spec`` with: its own, except on a single broker (development),
    which holds one replica. Never reduced on a cluster of several brokers: with one of three down
    Kafka refuses to create a topic of 3 replicas rather than create a weaker one for good."""
    rf, min_isr = _replication(spec)
    return replication_for(1, rf, min_isr) if brokers == 1 else (rf, min_isr)


class TopicConfigMismatch(RuntimeError):
    """An existing topic's configuration differs from the contract (e.g. a finite retention on an
    event topic, which would delete the source of truth). The service refuses to start."""


async def audit_topics(admin: AIOKafkaAdminClient, specs: Sequence[TopicLike]) -> None:
    """Start-up audit (reliability matrix P6): existing topics must carry the configured values, and
    the replication the contract asks for (replication factor of every partition, ``min.insync.replicas``).

    Replication accepted: the spec's own; on a cluster that lists a single broker (development) also
    what that broker can hold (:func:`contracts.topics.replication_for`, 1 and 1). A production
    cluster with a broker down still passes its 3/2 topics; a topic with fewer replicas on a cluster
    of several brokers stops the service."""
    if not specs:
        return
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, s.name, configs=None) for s in specs]
    )
    actual: dict[str, dict[str, str]] = {}
    for response in responses:
        for _err, _msg, _type, name, entries, *_ in response.resources:
            actual[name] = {e[0]: e[1] for e in entries}
    replicas = {t["topic"]: {len(p["replicas"]) for p in t["partitions"]}
                for t in await admin.describe_topics([s.name for s in specs])}
    brokers = await _cluster_size(admin)
    problems = []
    for spec in specs:
        have = actual.get(spec.name, {})
        problems += [
            f"{spec.name}: {key}={have.get(key)!r}, verwacht {want!r}"
            for key, want in spec.config.items() if have.get(key) != want
        ]
        rf, min_isr = _replication(spec)
        want = _for_cluster(spec, brokers)
        counts = replicas.get(spec.name, set())
        have_isr = have.get("min.insync.replicas")
        if not any(counts == {r} and have_isr == str(m) for r, m in {(rf, min_isr), want}):
            problems.append(
                f"{spec.name}: replicatiefactor {'/'.join(map(str, sorted(counts))) or '?'} en "
                f"min.insync.replicas={have_isr!r}, verwacht {want[0]} en {str(want[1])!r}"
            )
    if problems:
        raise TopicConfigMismatch("topicconfiguratie wijkt af van het contract: " + "; ".join(problems))


async def ensure_topics(bootstrap: str, specs: Iterable[TopicLike]) -> list[str]:
    """Create missing topics with explicit partitions, config and replication, and audit the existing
    ones; returns the names created.

    Replication is the spec's (the contract's 3 and ``min.insync.replicas=2``); only a cluster that
    lists a single broker (development) gets what it can hold (:func:`contracts.topics.replication_for`:
    1 and 1). Kafka refuses a factor above the live brokers, so a degraded production cluster creates
    nothing rather than weaker topics.

    Auto-creation is off on our brokers: a topic with a default partition count and a 7-day
    retention would silently lose the source of truth. For the same reason an existing topic whose
    configuration differs from its spec stops the service (:class:`TopicConfigMismatch`).
    """
    specs = list(specs)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_security.client_kwargs())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        await audit_topics(admin, [s for s in specs if s.name in existing])
        wanted = [s for s in specs if s.name not in existing]
        if not wanted:
            return []
        brokers = await _cluster_size(admin)
        new = []
        for s in wanted:
            rf, min_isr = _for_cluster(s, brokers)
            new.append(NewTopic(name=s.name, num_partitions=s.partitions, replication_factor=rf,
                                topic_configs={**s.config, "min.insync.replicas": str(min_isr)}))
        fouten = _topic_errors(await admin.create_topics(new))
        created = [s.name for s in wanted if s.name not in fouten]
        bestaand = [s for s in wanted if fouten.get(s.name) is TopicAlreadyExistsError]
        anders = {n: f for n, f in fouten.items() if f is not TopicAlreadyExistsError}
        if anders:  # e.g. more replicas asked than the cluster has brokers: nothing weaker is made instead
            raise anders[min(anders)](f"topic {min(anders)} niet aangemaakt")
        if bestaand:
            await _audit_when_listed(admin, bestaand)
        if created:
            await _wait_for_leaders(admin, created)
            log.info("topics_created", topics=created)
        return created
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: Sequence[str], timeout: float = 30.0) -> None:
    """Return once the broker's metadata shows every partition of ``names`` with a leader.

    Why: CreateTopics answers before every broker's metadata holds the new topic. A metadata request
    made right after it can show the topic without partitions (seen in CI: a topic described just
    after its creation had none), and a producer or consumer started then sees the same. The wait is
    bounded. A cluster that elects no leader in that time is logged, and the clients' own retries take
    over from there."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        topics = await admin.describe_topics(list(names))
        if len(topics) == len(names) and all(
            t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
            for t in topics
        ):
            return
        if loop.time() > deadline:
            log.warning("topics_zonder_leider", topics=list(names), timeout_s=timeout)
            return
        await asyncio.sleep(0.1)


def _topic_errors(response: Any) -> dict[str, type[Exception]]:
    """The topics a CreateTopics answer refused, with the error class of each (aiokafka returns the
    answer and raises nothing: before, a refused topic was logged and reported as created)."""
    return {t[0]: for_code(t[1]) for t in response.topic_errors if t[1] != 0}


async def _audit_when_listed(admin: AIOKafkaAdminClient, specs: Sequence[TopicLike]) -> None:
    """Kafka said these topics already exist: another service created them after the listing, or the
    broker's metadata did not show a topic created a moment ago (seen under load). They are audited like
    every existing topic (P6), once the broker lists them."""
    for _ in range(100):
        if {s.name for s in specs} <= set(await admin.list_topics()):
            break
        await asyncio.sleep(0.1)
    await audit_topics(admin, specs)

