"""Helpers for failure tests against the projections of the real services (running as processes).

Records go straight onto a region's real topic (raw bytes too: a corrupt record never passes an
API), and the tests then read the service's own database: its checkpoints, its ``applied_event``
rows and a fingerprint of every table, so "the projection's state is unchanged" is a comparison of
the whole database, not of one chosen row.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from contracts.catalogue import to_envelope
from contracts.codes import AfwezigheidCode, SchoolType, UrenEenheid, Vakantieregio
from contracts.envelope import Envelope, uuid7
from contracts.events import registratie
from contracts.events.base import Event, School

SCHOOL = School(brin="00AP", vestiging="00")
BOOKKEEPING = frozenset({"checkpoint", "applied_event", "schema_migration", "volgorde", "aandacht"})
"""The runner's own tables: they move when a record is passed, whatever the record held (``aandacht``
holds the dead letters for beheer; the F9 test checks it separately)."""


def pseudoniem() -> str:
    return f"k1:{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def afwezigheid(uren: str = "1") -> registratie.AfwezigheidGeregistreerd:
    return registratie.AfwezigheidGeregistreerd(
        afwezigheid_id=uuid.uuid4(), school=SCHOOL, datum=date(2025, 10, 6), uren=Decimal(uren),
        eenheid=UrenEenheid.LESUUR, code=AfwezigheidCode.ZIEK,
    )


def ingeschreven(woongemeente: str) -> registratie.LeerlingIngeschreven:
    return registratie.LeerlingIngeschreven(
        school=SCHOOL, school_type=SchoolType.VO, ingangsdatum=date(2025, 8, 25),
        vakantieregio=Vakantieregio.ZUID, woongemeente=woongemeente, geboortejaar_maand="2011-04",
    )


def envelope(event: Event, subject: str, region: str) -> Envelope:
    return to_envelope(event, subject=subject, source="urn:nl:leerrecht:test", correlation_id=uuid7(),
                       occurred_at=datetime(2025, 10, 6, 10, tzinfo=UTC), region=region)


class Producer:
    """An idempotent ``acks=all`` producer that reports where each record landed."""

    def __init__(self, bootstrap: str) -> None:
        self._p = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")

    async def __aenter__(self) -> Producer:
        await self._p.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._p.stop()

    async def send(self, topic: str, value: bytes, key: str) -> tuple[int, int]:
        md = await self._p.send_and_wait(topic, value, key=key.encode())
        return md.partition, md.offset

    async def send_many(self, topic: str, items: Iterable[tuple[bytes, str]]) -> None:
        futures = [await self._p.send(topic, v, key=k.encode()) for v, k in items]
        await asyncio.gather(*futures)


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        for _ in range(50):
            if parts:
                break
            await consumer.topics()  # a metadata request
            parts = consumer.partitions_for_topic(topic) or set()
            await asyncio.sleep(0.1)
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in parts])
    finally:
        await consumer.stop()
    return {tp.partition: off for tp, off in ends.items()}


async def checkpoints(conn: asyncpg.Connection, projection: str, topic: str) -> dict[int, int]:
    rows = await conn.fetch("SELECT partition, next_offset FROM checkpoint WHERE projection = $1 AND topic = $2",
                            projection, topic)
    return {r["partition"]: r["next_offset"] for r in rows}


async def passed(conn: asyncpg.Connection, projection: str, topic: str, ends: dict[int, int]) -> bool:
    """The projection's checkpoint is at (or past) ``ends`` in every partition."""
    stored = await checkpoints(conn, projection, topic)
    return all(stored.get(p, 0) >= end for p, end in ends.items())


async def fingerprint(conn: asyncpg.Connection, skip: frozenset[str] = BOOKKEEPING) -> dict[str, str]:
    """Per table (all schemas but the system's): the number of rows and an md5 of their contents."""
    tables = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")
    out: dict[str, str] = {}
    for t in tables:
        if t["table_name"] in skip:
            continue
        name = f'"{t["table_schema"]}"."{t["table_name"]}"'
        row = await conn.fetchrow(
            f"SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM {name} x")
        assert row is not None
        out[name] = f"{row['n']}:{row['h']}"
    return out


async def quiet_fingerprint(db: str, rounds: int = 3, timeout: float = 20) -> dict[str, str]:
    """A fingerprint that stayed the same over a few reads (background loops have settled)."""
    conn = await asyncpg.connect(db)
    try:
        deadline = time.monotonic() + timeout
        last = await fingerprint(conn)
        same = 0
        while same < rounds and time.monotonic() < deadline:
            await asyncio.sleep(0.3)
            now = await fingerprint(conn)
            same = same + 1 if now == last else 0
            last = now
        return last
    finally:
        await conn.close()


async def dead_letters(bootstrap: str, topic: str, projection: str, want: int,
                       timeout: float = 20) -> list[ConsumerRecord[bytes, bytes]]:
    """The records of ``<topic>.dlq`` that ``projection`` sent from ``topic`` (at least ``want``)."""
    consumer = AIOKafkaConsumer(f"{topic}.dlq", bootstrap_servers=bootstrap, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < want:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    h = headers(r)
                    if h.get("dlq.projection") == projection and h.get("dlq.origin.topic") == topic:
                        found.append(r)
    finally:
        await consumer.stop()
    return found


def headers(record: ConsumerRecord[Any, Any]) -> dict[str, str]:
    return {k: v.decode() for k, v in (record.headers or ())}


def log_events(text: str) -> list[dict[str, Any]]:
    """The service's JSON log lines (other lines, e.g. from the interpreter, are left out)."""
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out
