"""Kafka authentication and ACLs on the real broker (reliability rows A3, A4; issue 14 point 2).

The session's broker (tests/_support/infra.py) is the SASL-enabled one: its SASL/SCRAM listener
enforces the ACLs of contracts/acl.py for the principals of MC28 and MC29; its PLAINTEXT listener is the
test harness's super user (throwaway brokers only). No second broker is started when the session's
broker is a local one.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from infra import Infra
from service_projections import Producer, afwezigheid, envelope, ingeschreven, pseudoniem
from wachten import wait_until

from contracts.acl import Grant, Operation, Pattern, Resource, platform_grants, principals
from contracts.topics import COUNT_TOPIC, all_topic_specs, identity_topic, region_events_topic
from leerrecht.kafka import ensure_topics
from leerrecht.kafka_acl import STRIMZI_FILE, all_regions, describe_acls
from leerrecht.kafka_acl import main as strimzi_main
from leerrecht.localinfra import KafkaNode, free_port
from services import launch, wait_ready

MC28_EVENTS, MC29_EVENTS = region_events_topic("MC28"), region_events_topic("MC29")
MC28_ID, MC29_ID = identity_topic("MC28"), identity_topic("MC29")
LOCAL = principals(["MC28", "MC29"])


@pytest.fixture(scope="module")
def broker(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaNode]:
    """The session's broker when it is a local one (it has SASL), else one of our own for this module."""
    if infra.kafka is not None and infra.kafka.sasl_port is not None:
        node = infra.kafka
        own = False
    else:  # servers given from outside or testcontainers: start the genuine broker here
        node = KafkaNode(home=tmp_path_factory.mktemp("kafka-acl"), port=free_port(),
                         controller_port=free_port(), sasl_port=free_port())
        node.start()
        own = True
    asyncio.run(ensure_topics(node.bootstrap, all_topic_specs(["MC28", "MC29"])))
    try:
        yield node
    finally:
        if own:
            node.stop()


@pytest.fixture
async def as_user(broker: KafkaNode) -> AsyncIterator[Any]:
    """Factory of clients that connect to the SASL listener as a principal; all stopped afterwards."""
    started: list[Any] = []

    def client(cls: type[Any], principal: str, *topics: str, **kw: Any) -> Any:
        c = cls(*topics, bootstrap_servers=broker.sasl_bootstrap, request_timeout_ms=10_000,
                **broker.client_kwargs(principal), **kw)
        started.append(c)
        return c

    yield client
    for c in started:
        with contextlib.suppress(Exception):
            await c.stop()


def _harmless(topic: str) -> tuple[bytes, bytes | None]:
    """A record these tests may leave on the session's shared topics, which other tests read whole:
    on an identity topic a tombstone of a pupil nobody has, elsewhere a valid envelope of a type no
    consumer reads (skipped by every projection, decodable by every test helper)."""
    p = pseudoniem()
    if topic.endswith(".identiteit"):
        return p.encode(), None
    region = topic.split(".")[2] if topic.startswith("leerrecht.regio.") else "MC28"
    env = envelope(afwezigheid(), p, region).model_copy(update={"type": "nl.leerrecht.test.acl_proef",
                                                                 "dataschema": None})
    return p.encode(), env.to_json()


async def _produce_as_super(broker: KafkaNode, topic: str) -> None:
    p = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=True, acks="all")
    await p.start()
    try:
        key, value = _harmless(topic)
        await p.send_and_wait(topic, value, key=key)
    finally:
        await p.stop()


async def _read(consumer: AIOKafkaConsumer) -> list[Any]:
    """Start a consumer made with its topic and return what it read from the beginning within ~10 s.
    A topic the principal may not even see fails at start (metadata), one it sees but may not read
    fails at the fetch: both as TopicAuthorizationFailedError."""
    await consumer.start()
    got: list[Any] = []
    for _ in range(30):
        for records in (await consumer.getmany(timeout_ms=300)).values():
            got += records
        if got:
            break
    return got


async def _write(producer: AIOKafkaProducer, topic: str) -> None:
    await producer.start()
    key, value = _harmless(topic)
    await producer.send_and_wait(topic, value, key=key)


# ----------------------------------------------------------------------- one definition, two places


def test_strimzi_manifests_are_generated_from_the_definition() -> None:
    assert strimzi_main(["--check"]) == 0, "deploy/k8s/kafka-users.yaml is stale: run make docs"


def _strimzi_grants() -> set[Grant]:
    grants: set[Grant] = set()
    for doc in yaml.safe_load_all(STRIMZI_FILE.read_text()):
        if not doc:
            continue
        assert doc["kind"] == "KafkaUser" and doc["spec"]["authentication"]["type"] == "scram-sha-512"
        for rule in doc["spec"]["authorization"]["acls"]:
            r = rule["resource"]
            for op in rule["operations"]:
                grants.add(Grant(doc["metadata"]["name"], Resource(r["type"]), r["name"], Pattern(r["patternType"]),
                                 Operation(op)))
    return grants


async def test_broker_holds_exactly_the_acls_of_the_strimzi_manifests(broker: KafkaNode) -> None:
    on_broker = {g for g in await describe_acls(broker.bootstrap) if g.principal in LOCAL}
    in_manifests = {g for g in _strimzi_grants() if g.principal in LOCAL}
    assert on_broker == in_manifests
    assert on_broker == platform_grants(LOCAL, all_regions())
    assert len(on_broker) > 500  # every region's topics for registratie and telling, not a sample


# ------------------------------------------------------------------------------ regional principals


async def test_mc28_principal_is_refused_on_mc29s_topics_and_groups(broker: KafkaNode, as_user: Any) -> None:
    await _produce_as_super(broker, MC29_EVENTS)
    await _produce_as_super(broker, MC29_ID)
    lp28 = "leerplicht-mc28"

    with pytest.raises(TopicAuthorizationFailedError):  # read MC29's events topic
        await _read(as_user(AIOKafkaConsumer, lp28, MC29_EVENTS, group_id=None, auto_offset_reset="earliest"))
    with pytest.raises(TopicAuthorizationFailedError):  # read MC29's identity topic
        await _read(as_user(AIOKafkaConsumer, lp28, MC29_ID, group_id=None, auto_offset_reset="earliest"))
    with pytest.raises(TopicAuthorizationFailedError):  # write MC29's identity topic
        await _write(as_user(AIOKafkaProducer, lp28), MC29_ID)
    with pytest.raises(TopicAuthorizationFailedError):  # write MC29's dead letters
        await _write(as_user(AIOKafkaProducer, lp28), MC29_EVENTS + ".dlq")
    with pytest.raises(TopicAuthorizationFailedError):  # nor the count stream
        await _write(as_user(AIOKafkaProducer, lp28), COUNT_TOPIC)
    with pytest.raises(GroupAuthorizationFailedError):  # MC29's consumer group, even on its own topic
        consumer = as_user(AIOKafkaConsumer, lp28, MC28_EVENTS, group_id="leerrecht.leerplicht.MC29")
        await consumer.start()
        await asyncio.wait_for(consumer.getmany(timeout_ms=5000), timeout=30)
    # The one write outside the region (contracts/acl.py): a transfer on moving house (domain.md A5)
    # goes to the new region's events topic. Write only: the read above was refused.
    await _write(as_user(AIOKafkaProducer, lp28), MC29_EVENTS)
    # rmc-mc28 is a principal of its own: not leerplicht's group
    with pytest.raises(GroupAuthorizationFailedError):
        consumer = as_user(AIOKafkaConsumer, "rmc-mc28", MC28_EVENTS, group_id="leerrecht.leerplicht.MC28")
        await consumer.start()
        await asyncio.wait_for(consumer.getmany(timeout_ms=5000), timeout=30)


async def test_mc28_principal_reads_its_own_topics(broker: KafkaNode, as_user: Any) -> None:
    await _produce_as_super(broker, MC28_EVENTS)
    await _produce_as_super(broker, MC28_ID)
    assert await _read(as_user(AIOKafkaConsumer, "rmc-mc28", MC28_EVENTS, group_id=None, auto_offset_reset="earliest"))
    assert await _read(as_user(AIOKafkaConsumer, "rmc-mc28", MC28_ID, group_id=None, auto_offset_reset="earliest"))


async def test_telling_is_refused_on_an_identity_topic(broker: KafkaNode, as_user: Any) -> None:
    await _produce_as_super(broker, MC28_ID)
    await _produce_as_super(broker, MC28_EVENTS)
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(as_user(AIOKafkaConsumer, "telling", MC28_ID, group_id=None, auto_offset_reset="earliest"))
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(as_user(AIOKafkaProducer, "telling"), MC28_EVENTS)
    assert await _read(as_user(AIOKafkaConsumer, "telling", MC28_EVENTS, group_id=None, auto_offset_reset="earliest"))


async def test_analyst_reads_the_count_stream_only(broker: KafkaNode, as_user: Any) -> None:
    await _produce_as_super(broker, COUNT_TOPIC)
    await _produce_as_super(broker, MC28_EVENTS)
    consumer = as_user(AIOKafkaConsumer, "analist", COUNT_TOPIC, group_id=f"leerrecht.analist.{uuid.uuid4().hex[:6]}",
                       auto_offset_reset="earliest")
    await consumer.start()
    got: list[Any] = []
    for _ in range(60):
        for records in (await consumer.getmany(timeout_ms=300)).values():
            got += records
        if got:
            break
    assert got, "the analyst read nothing from the count stream"
    with pytest.raises(TopicAuthorizationFailedError):
        await _read(as_user(AIOKafkaConsumer, "analist", MC28_EVENTS, group_id=None, auto_offset_reset="earliest"))
    with pytest.raises(TopicAuthorizationFailedError):
        await _write(as_user(AIOKafkaProducer, "analist"), COUNT_TOPIC)


async def test_a_wrong_password_or_no_credentials_get_nothing(broker: KafkaNode) -> None:
    wrong = AIOKafkaConsumer(bootstrap_servers=broker.sasl_bootstrap, security_protocol="SASL_PLAINTEXT",
                             sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="leerplicht-mc28",
                             sasl_plain_password="geraden-wachtwoord", request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await wrong.start()
    await wrong.stop()
    anonymous = AIOKafkaConsumer(bootstrap_servers=broker.sasl_bootstrap, request_timeout_ms=5000)
    with pytest.raises(KafkaConnectionError):
        await asyncio.wait_for(anonymous.start(), timeout=30)
    await anonymous.stop()


# --------------------------------------------------------------------- a service with its principal


async def test_leerplicht_process_with_its_mc28_principal_works_on_its_own_topics(
    broker: KafkaNode, infra: Infra
) -> None:
    """The whole service as its own process, connected only to the SASL listener as leerplicht-mc28:
    topic audit, both projections (events and identity), its consumer groups and its dead letters."""
    db = await infra.adatabase_url("lp_acl")
    svc = launch("leerplicht", broker.sasl_bootstrap, db, REGION="MC28",
                 **broker.client_env("leerplicht-mc28"))
    try:
        wait_ready(svc)
        p = pseudoniem()
        async with Producer(broker.bootstrap) as producer:  # registratie's part, by the harness
            await producer.send(MC28_EVENTS, envelope(ingeschreven("GM0637"), p, "MC28").to_json(), p)
            await producer.send(MC28_EVENTS, envelope(afwezigheid(), p, "MC28").to_json(), p)
            # poison that other tests reading MC28 whole can still decode as an envelope: a known type
            # whose data is invalid goes to MC28's dead letters
            valid = envelope(afwezigheid(), p, "MC28")
            poison = valid.model_copy(update={"id": uuid.uuid4(), "data": {**valid.data, "uren": "veel"}})
            await producer.send(MC28_EVENTS, poison.to_json(), p)
            await producer.send(MC28_ID, None, p)  # a tombstone: the identity consumer reads its topic

        conn = await asyncpg.connect(db)
        try:
            async def applied() -> bool:
                # what the projection made of this pupil's two valid events: the enrolment's pupil row and
                # the absence's row (an absence is keyed by its own id, so its event id is not recorded in
                # applied_event; counting ids there passed only when another test's records came first)
                leerling = await conn.fetchval("SELECT count(*) FROM leerling WHERE pseudoniem = $1", p)
                afwezig = await conn.fetchval("SELECT count(*) FROM afwezigheid WHERE pseudoniem = $1", p)
                i = await conn.fetchval("SELECT count(*) FROM checkpoint WHERE projection = 'leerplicht-identiteit'")
                return bool(leerling == 1 and afwezig == 1 and i >= 1)

            await wait_until(applied, 60, "leerplicht-mc28 applied its events and read its identity topic")
        finally:
            await conn.close()

        dlq = AIOKafkaConsumer(MC28_EVENTS + ".dlq", bootstrap_servers=broker.bootstrap, group_id=None,
                               auto_offset_reset="earliest")
        await dlq.start()
        try:
            async def dead_lettered() -> bool:
                batches = await dlq.getmany(timeout_ms=300)
                return any(r.key == p.encode() for records in batches.values() for r in records)

            await wait_until(dead_lettered, 30, "the poison record on leerrecht.regio.MC28.events.dlq")
        finally:
            await dlq.stop()
        assert "AuthorizationFailed" not in svc.logs()
    finally:
        svc.stop()


def test_no_credentials_in_the_repository_manifests() -> None:
    text = STRIMZI_FILE.read_text()
    assert "password" not in text.lower()  # Strimzi generates them into Secrets
    assert Path(STRIMZI_FILE).stat().st_size > 0
