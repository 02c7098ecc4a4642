"""The region's identity records for the coach's contact (domain.md B; A6 "niet loslaten": a coach needs
a phone number or email address to reach the young person).

The identity topic ``leerrecht.regio.<MCxx>.identiteit`` holds plain records, not event envelopes
(:mod:`contracts.identity`): the shared :class:`~leerrecht.projection.ProjectionRunner` would
dead-letter them, and an identity record must never be copied to a dead-letter topic (a copy outside
the compacted topic could not be erased). So this is a small dedicated consumer with the runner's
guarantees, and without dead letters:

* The position per partition lives in the ``checkpoint`` table (projection ``rmc-identiteit``) and
  is written in the same transaction as the rows; on assignment we seek to the stored offsets.
  Inside the transaction the checkpoint row is locked and records below it are dropped (zombies).
* Per batch the latest record per pseudonym wins (compaction semantics): an
  :class:`~contracts.identity.IdentiteitVastgelegd` upserts the row, a tombstone deletes it (erasure).
  A replay from offset 0 into an empty database ends in the same rows.
* A record that cannot be decoded is not dead-lettered and not logged with its content: the row of
  that pseudonym is deleted (**Decision**: the latest value per key is the identity; when it cannot be
  read we do not know the identity, so we show nothing rather than stale contact data), and only its
  partition and offset are logged.

Only name, phone and email are kept (the coach's need); PGN, address and birth date are not.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from pydantic import ValidationError

from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, decode_identity_record, is_pseudoniem
from contracts.topics import identity_topic
from leerrecht.logging import get_logger

log = get_logger(__name__)

NAAM = "rmc-identiteit"


@dataclass(frozen=True)
class Samenvatting:
    """One batch reduced to its effect: the latest identity per pseudonym (``None`` = erase)."""

    laatste: dict[str, IdentiteitVastgelegd | None]
    onleesbaar: int


def samenvatten(records: Sequence[tuple[bytes | None, bytes | None]]) -> Samenvatting:
    """Reduce (key, value) records in log order: the last record per pseudonym wins (pure)."""
    laatste: dict[str, IdentiteitVastgelegd | None] = {}
    onleesbaar = 0
    for key, value in records:
        if key is None:
            onleesbaar += 1
            continue
        try:
            record = decode_identity_record(key, value)
        except (ValidationError, ValueError, UnicodeDecodeError):
            onleesbaar += 1
            with contextlib.suppress(UnicodeDecodeError):
                p = key.decode()
                if is_pseudoniem(p):
                    laatste[p] = None  # unreadable latest value: show nothing rather than stale data
            continue
        laatste[record.pseudoniem] = None if isinstance(record, IdentiteitGewist) else record
    return Samenvatting(laatste, onleesbaar)


async def schrijven(
    conn: asyncpg.Connection, topic: str, partition: int, first: int, last: int,
    records: Sequence[tuple[int, bytes | None, bytes | None]],
) -> Samenvatting | None:
    """Apply one partition batch inside the caller's transaction; ``None`` when it was already in."""
    await conn.execute(
        "INSERT INTO checkpoint (projection, topic, partition, next_offset) VALUES ($1, $2, $3, 0) "
        "ON CONFLICT DO NOTHING", NAAM, topic, partition,
    )
    stored = await conn.fetchval(
        "SELECT next_offset FROM checkpoint WHERE projection=$1 AND topic=$2 AND partition=$3 FOR UPDATE",
        NAAM, topic, partition,
    )
    if last < stored:
        return None
    await conn.execute(
        "UPDATE checkpoint SET next_offset=$4, updated_at=now() WHERE projection=$1 AND topic=$2 AND partition=$3",
        NAAM, topic, partition, last + 1,
    )
    s = samenvatten([(k, v) for offset, k, v in records if offset >= stored])
    bewaren = [r for r in s.laatste.values() if r is not None]
    wissen = sorted(p for p, r in s.laatste.items() if r is None)
    if bewaren:
        await conn.executemany(
            "INSERT INTO identiteit (pseudoniem, voornamen, tussenvoegsel, achternaam, telefoon, email, "
            "vastgelegd_op) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pseudoniem) DO UPDATE SET "
            "voornamen = EXCLUDED.voornamen, tussenvoegsel = EXCLUDED.tussenvoegsel, "
            "achternaam = EXCLUDED.achternaam, telefoon = EXCLUDED.telefoon, email = EXCLUDED.email, "
            "vastgelegd_op = EXCLUDED.vastgelegd_op",
            [(r.pseudoniem, r.voornamen, r.tussenvoegsel, r.achternaam, r.telefoon, r.email, r.vastgelegd_op)
             for r in bewaren],
        )
    if wissen:
        await conn.execute("DELETE FROM identiteit WHERE pseudoniem = ANY($1::text[])", wissen)
    return s


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: IdentiteitConsumer) -> None:
        self.owner = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.owner.assigned.difference_update(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.owner.seek_to_stored(assigned)


class IdentiteitConsumer:
    """Consumes the region's identity topic into ``identiteit`` (see the module docstring)."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, region: str, batch_size: int = 500) -> None:
        self.pool = pool
        self.bootstrap = bootstrap
        self.topic = identity_topic(region)
        self.group_id = f"leerrecht.rmc.{region}.identiteit"
        self.batch_size = batch_size
        self.assigned: set[TopicPartition] = set()
        self.ready = False
        self._consumer: AIOKafkaConsumer | None = None

    async def run(self) -> None:
        """Runs until cancelled; any failure is retried with backoff (never skipped, never dead-lettered)."""
        poging = 0
        while True:
            try:
                await self._run()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                poging += 1
                self.ready = False
                delay = min(10.0, 0.2 * 2**poging) * (0.5 + random.random())
                log.warning("identiteit_retry", error=type(exc).__name__, poging=poging, delay_s=round(delay, 2))
                await asyncio.sleep(delay)

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group_id, enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=self.batch_size,
            session_timeout_ms=10_000, heartbeat_interval_ms=1_000, metadata_max_age_ms=5_000,
        )
        self._consumer = consumer
        await consumer.start()
        try:
            consumer.subscribe([self.topic], listener=_SeekToStored(self))
            self.ready = True
            log.info("identiteit_gestart", group=self.group_id)
            while True:
                batches = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
                for tp, records in batches.items():
                    if tp in self.assigned and records:
                        await self._process(tp, records)
        finally:
            self.ready = False
            self.assigned.clear()
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def seek_to_stored(self, assigned: Sequence[TopicPartition]) -> None:
        consumer = self._consumer
        assert consumer is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT topic, partition, next_offset FROM checkpoint WHERE projection = $1", NAAM
            )
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        for tp in assigned:
            consumer.seek(tp, stored.get((tp.topic, tp.partition), 0))
        self.assigned.update(assigned)

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> None:
        first, last = records[0].offset, records[-1].offset
        async with self.pool.acquire() as conn, conn.transaction():
            s = await schrijven(conn, tp.topic, tp.partition, first, last,
                                [(r.offset, r.key, r.value) for r in records])
        if s is not None and s.onleesbaar:
            log.warning("identiteit_onleesbaar", partition=tp.partition, first=first, last=last, aantal=s.onleesbaar)
        if self._consumer is not None and tp in self.assigned:
            with contextlib.suppress(Exception):  # an optimisation only; the database is the truth
                await self._consumer.commit({tp: last + 1})
