"""The region's identity records → the ``identiteit`` table, for the officer's dossier page only.

Why a loop of its own and not a :class:`leerrecht.projection.ProjectionRunner`: the runner decodes
every record as an event envelope and dead-letters what it cannot decode. Identity records are not
envelopes (:mod:`contracts.identity`), and a dead-letter copy of one could never be erased
(``contracts.topics``: identity topics have no DLQ). So this loop

* reads ``leerrecht.regio.<MCxx>.identiteit`` (co-partitioned with the events topic, compacted);
* keeps its position per partition in the shared ``checkpoint`` table (projection name
  ``leerplicht-identiteit``), written in the **same transaction** as the rows, and seeks to it on every
  assignment — the runner's exactly-once pattern (see ``leerrecht/projection.py``);
* upserts a value and **deletes the row on a tombstone** (erasure, domain.md B): the latest record per
  pseudonym in log order wins, so a replay from offset 0 into an empty database ends in the same rows;
* skips a record it cannot decode, logging only its position and the error *type* — never its
  content, never a copy: the record stays on the compacted topic, where it can still be erased.

Only name, birth date, address and woongemeente are kept (what the officer needs on the dossier page,
domain.md B: identifying data reaches only the region of residence). PGN, phone and e-mail are not.
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

from contracts.identity import IdentiteitGewist, IdentiteitVastgelegd, decode_identity_record
from contracts.topics import identity_topic
from leerrecht.logging import get_logger
from leerrecht.projection import TRANSIENT

log = get_logger(__name__)

PROJECTION = "leerplicht-identiteit"


@dataclass
class IdentiteitStats:
    batches: int = 0
    vastgelegd: int = 0
    gewist: int = 0
    onleesbaar: int = 0


class _Seek(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: IdentiteitConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        self.owner._assigned.difference_update(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self.owner._seek_to_stored(assigned)


def _rij(r: IdentiteitVastgelegd) -> tuple[Any, ...]:
    a = r.adres
    return (
        r.pseudoniem, r.voornamen, r.tussenvoegsel, r.achternaam, r.geboortedatum,
        a.straat if a else None, a.huisnummer if a else None, a.huisnummer_toevoeging if a else None,
        a.postcode if a else None, a.woonplaats if a else None, r.woongemeente, r.vastgelegd_op,
    )


def laatste_per_leerling(
    records: Sequence[tuple[bytes, bytes | None]],
) -> tuple[dict[str, IdentiteitVastgelegd | None], int]:
    """Decode a batch in log order: the last record per pseudonym wins (``None`` = erased). Returns the
    result and the number of undecodable records (skipped, see module doc)."""
    laatste: dict[str, IdentiteitVastgelegd | None] = {}
    onleesbaar = 0
    for key, value in records:
        try:
            record = decode_identity_record(key, value)
        except (ValidationError, ValueError, UnicodeDecodeError):
            onleesbaar += 1
            continue
        laatste[record.pseudoniem] = None if isinstance(record, IdentiteitGewist) else record
    return laatste, onleesbaar


async def schrijf(conn: asyncpg.Connection, laatste: dict[str, IdentiteitVastgelegd | None]) -> None:
    """Apply one batch's outcome: erase, then upsert (one statement each)."""
    gewist = [p for p, r in laatste.items() if r is None]
    if gewist:
        await conn.execute("DELETE FROM identiteit WHERE pseudoniem = ANY($1::text[])", gewist)
    rijen = [_rij(r) for r in laatste.values() if r is not None]
    if rijen:
        await conn.executemany(
            "INSERT INTO identiteit (pseudoniem, voornamen, tussenvoegsel, achternaam, geboortedatum, straat, "
            "huisnummer, huisnummer_toevoeging, postcode, woonplaats, woongemeente, vastgelegd_op) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
            "ON CONFLICT (pseudoniem) DO UPDATE SET voornamen = EXCLUDED.voornamen, "
            "tussenvoegsel = EXCLUDED.tussenvoegsel, achternaam = EXCLUDED.achternaam, "
            "geboortedatum = EXCLUDED.geboortedatum, straat = EXCLUDED.straat, huisnummer = EXCLUDED.huisnummer, "
            "huisnummer_toevoeging = EXCLUDED.huisnummer_toevoeging, postcode = EXCLUDED.postcode, "
            "woonplaats = EXCLUDED.woonplaats, woongemeente = EXCLUDED.woongemeente, "
            "vastgelegd_op = EXCLUDED.vastgelegd_op",
            rijen,
        )


class IdentiteitConsumer:
    """The loop described in the module doc, for one region."""

    def __init__(self, pool: asyncpg.Pool, bootstrap: str, region: str, batch_size: int = 1000) -> None:
        self.pool = pool
        self.bootstrap = bootstrap
        self.topic = identity_topic(region)
        self.group_id = f"leerrecht.leerplicht.{region}.identiteit"
        self.batch_size = batch_size
        self.stats = IdentiteitStats()
        self._assigned: set[TopicPartition] = set()
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self._ready = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
            metadata_max_age_ms=5_000,
        )
        self._consumer = consumer
        await consumer.start()
        consumer.subscribe([self.topic], listener=_Seek(self))
        self._ready.set()
        log.info("identiteit_gestart", topic=self.topic)
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
                for tp, records in batches.items():
                    if tp in self._assigned:
                        await self._process(tp, records)
        finally:
            self._ready.clear()
            with contextlib.suppress(Exception):
                await consumer.stop()
            log.info("identiteit_gestopt", **self.stats.__dict__)

    async def _seek_to_stored(self, assigned: Sequence[TopicPartition]) -> None:
        assert self._consumer is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT topic, partition, next_offset FROM checkpoint WHERE projection = $1", PROJECTION
            )
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        for tp in assigned:
            self._consumer.seek(tp, stored.get((tp.topic, tp.partition), 0))
        self._assigned.update(assigned)

    async def _process(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> None:
        attempt = 0
        while True:
            try:
                await self._apply(tp, records)
                break
            except TRANSIENT as exc:
                if self._stopping.is_set():
                    raise
                attempt += 1
                delay = min(10.0, 0.1 * 2**attempt) * (0.5 + random.random())
                log.warning("identiteit_retry", attempt=attempt, error=type(exc).__name__, delay_s=round(delay, 2))
                await asyncio.sleep(delay)
        if self._consumer is not None and tp in self._assigned:
            with contextlib.suppress(Exception):  # an optimisation only; the database is the truth
                await self._consumer.commit({tp: records[-1].offset + 1})

    async def _apply(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> None:
        last = records[-1].offset
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO checkpoint (projection, topic, partition, next_offset) VALUES ($1, $2, $3, 0) "
                "ON CONFLICT DO NOTHING",
                PROJECTION, tp.topic, tp.partition,
            )
            stored = await conn.fetchval(
                "SELECT next_offset FROM checkpoint WHERE projection = $1 AND topic = $2 AND partition = $3 "
                "FOR UPDATE",
                PROJECTION, tp.topic, tp.partition,
            )
            fresh = [r for r in records if r.offset >= stored]
            if not fresh:
                return  # a redelivery, or a zombie after a rebalance: already in
            laatste, onleesbaar = laatste_per_leerling([(r.key or b"", r.value) for r in fresh])
            await schrijf(conn, laatste)
            await conn.execute(
                "UPDATE checkpoint SET next_offset = $4, updated_at = now() "
                "WHERE projection = $1 AND topic = $2 AND partition = $3",
                PROJECTION, tp.topic, tp.partition, last + 1,
            )
        self.stats.batches += 1
        self.stats.gewist += sum(1 for r in laatste.values() if r is None)
        self.stats.vastgelegd += sum(1 for r in laatste.values() if r is not None)
        if onleesbaar:
            self.stats.onleesbaar += onleesbaar
            # position and error kind only: the content may be personal data (and stays erasable on the topic)
            log.error("identiteit_onleesbaar", topic=tp.topic, partition=tp.partition,
                      tot_offset=last, aantal=onleesbaar)
