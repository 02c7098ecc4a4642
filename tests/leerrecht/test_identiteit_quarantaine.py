"""Poison identity records put straight on the real compacted identity topic (issue 11, part 2; reliability
matrix F9/B3 for the identity consumers): leerplicht's and rmc's identity consumers keep running, apply
the valid records, keep the bad ones in ``quarantaine`` (raw bytes, position, reason type, counted),
never copy them to a topic, and the person's tombstone erases the quarantined record.

Before this change a NUL in a name made the consumer raise ``CharacterNotInRepertoireError`` and stop
(the service exited, and crashed again after every restart). Each service gets a region no other suite
uses (MC11, MC15), so the topic holds only this test's records."""

from __future__ import annotations

import asyncio
import functools
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from leerplicht.config import ONTWIKKELSLEUTEL
from leerplicht.identiteit import IdentiteitConsumer as LpConsumer
from prometheus_client import REGISTRY
from rmc.identiteit import IdentiteitConsumer as RmcConsumer

from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, encode_identity_record
from contracts.topics import all_topic_specs, identity_topic
from leerrecht.db import create_pool, migrate
from leerrecht.kafka import EventPublisher, ensure_topics
from leerrecht.projection import RawRecordRunner

pytestmark = pytest.mark.infra

SERVICES: dict[str, tuple[str, Callable[..., RawRecordRunner], str]] = {
    "leerplicht": ("MC11", functools.partial(LpConsumer, sleutel=ONTWIKKELSLEUTEL), "leerplicht-identiteit"),
    "rmc": ("MC15", RmcConsumer, "rmc-identiteit"),
}


def persoon(pseudo: str, voornamen: str = "Sanne") -> IdentiteitVastgelegd:
    return IdentiteitVastgelegd(
        pseudoniem=pseudo, pgn="999993653", pgn_soort="BSN", voornamen=voornamen, achternaam="Jansen",
        geboortedatum=date(2008, 3, 14), woongemeente="GM0518", telefoon="0612345678",
        vastgelegd_op=datetime.now(UTC),
    )


def met_nul(pseudo: str) -> tuple[bytes, bytes]:
    """A record whose first name is "Eve\\u0000" (built from bytes: the contract may refuse it later)."""
    key, value = encode_identity_record(persoon(pseudo, voornamen="Eve"))
    assert b'"Eve"' in value
    return key, value.replace(b'"Eve"', b'"Eve\\u0000"')


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 40.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not reached in {timeout}s; last value: {last!r}")


def quarantined_total(projection: str) -> float:
    return REGISTRY.get_sample_value("leerrecht_quarantined_records_total", {"projection": projection}) or 0.0


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_poison_identity_records_are_quarantined_and_erasable(infra: Any, service: str) -> None:
    region, consumer_cls, projection = SERVICES[service]
    topic = identity_topic(region)
    await ensure_topics(infra.bootstrap, [s for s in all_topic_specs([region]) if s.name == topic])
    goed, nul, kapot, later = (secrets.token_hex(24) for _ in range(4))
    publisher = EventPublisher(infra.bootstrap, client_id="test-brp")
    await publisher.start()
    pool = await create_pool(await infra.adatabase_url(f"idq{service[:3]}"))
    await migrate(pool, service)
    before = quarantined_total(projection)
    task: asyncio.Task[None] | None = None
    try:
        nul_key, nul_value = met_nul(nul)
        for key, value in [encode_identity_record(persoon(goed)), (nul_key, nul_value),
                           (kapot.encode(), b"{kapot"), encode_identity_record(persoon(later))]:
            await publisher.publish_raw(topic, value, key)
        consumer = consumer_cls(pool, infra.bootstrap, region)
        task = asyncio.create_task(consumer.run())

        async def valid_applied() -> bool:
            n = await pool.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = ANY($1::text[])",
                                    [goed, later])
            return bool(n == 2)

        await eventually(valid_applied)
        rows = await eventually(lambda: _quarantaine(pool, 2))
        assert not task.done(), "the consumer stopped on a poison record"
        by_key = {r["sleutel"]: r for r in rows}
        assert set(by_key) == {nul.encode(), kapot.encode()}
        # raw bytes kept as they came, with the position and the reason type (no message)
        assert bytes(by_key[nul.encode()]["waarde"]) == nul_value
        assert bytes(by_key[kapot.encode()]["waarde"]) == b"{kapot"
        assert by_key[kapot.encode()]["reden"] == "onleesbaar"
        assert by_key[nul.encode()]["reden"] in ("niet_op_te_slaan", "onleesbaar")
        assert all(r["topic"] == topic and r["projection"] == projection for r in rows)
        assert await pool.fetchval("SELECT count(*) FROM identiteit WHERE pseudoniem = ANY($1::text[])",
                                   [nul, kapot]) == 0
        assert quarantined_total(projection) - before == 2

        # the person's tombstone erases the quarantined record; the consumer keeps applying
        for p in (nul, kapot):
            key, value = encode_identity_record(IdentiteitGewist(pseudoniem=p))
            await publisher.publish_raw(topic, value, key)
        await eventually(lambda: _quarantaine(pool, 0, exact=True))
        key, value = encode_identity_record(persoon(nul, voornamen="Eva"))
        await publisher.publish_raw(topic, value, key)
        assert await eventually(lambda: pool.fetchval(
            "SELECT voornamen FROM identiteit WHERE pseudoniem = $1", nul)) == "Eva"
        assert not task.done()
        consumer.stop()
        await asyncio.wait_for(task, 15)

        admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
        await admin.start()
        try:  # never a copy of an identity record on another topic
            assert not [t for t in await admin.list_topics() if t.startswith(topic + ".")]
        finally:
            await admin.close()
    finally:
        if task is not None and not task.done():
            task.cancel()
        await publisher.stop()
        await pool.close()


async def _quarantaine(pool: asyncpg.Pool, n: int, exact: bool = False) -> Any:
    rows = await pool.fetch("SELECT * FROM quarantaine")
    if len(rows) == n or (not exact and len(rows) > n):
        return rows or True
    return None
