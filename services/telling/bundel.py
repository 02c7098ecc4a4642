"""All partitions of one fetch in one transaction: telling's runner (issue 16).

Why: telling reads 40 regional topics of 3 partitions each, so one ``getmany`` of 5,000 records brings
some 40 records per partition. One transaction per partition batch then pays the projection's fixed
cost (the klok, the woken persons, the locks, the cells' statement, the checkpoint) 120 times per fetch,
and the rebuild measured 15 events per transaction. Here the whole fetch is claimed, deduplicated and
applied in ONE transaction that moves every partition's checkpoint: the same exactly-once guarantee
(rows and offsets commit together; a zombie partition batch is dropped by its checkpoint row), at one
fixed cost per fetch. telling's figures do not depend on how events are cut into batches nor on the
interleaving of partitions (tests/telling/domain/test_figures.py), so the result is the same.

Anything unusual takes the runner's own path, partition by partition, with its retries, isolation and
dead letters exactly as before: a record that is no envelope, or a bundle that fails for another reason
than a transient one (its transaction rolled back as a whole).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from leerrecht.logging import get_logger
from leerrecht.projection import TRANSIENT, Delivered, ProjectionRunner, _Behind, nieuwe_of_eigen
from leerrecht.volgorde import Gemeld, meld_afwijkingen, volgorde_bijwerken

log = get_logger(__name__)

Batches = dict[TopicPartition, list[ConsumerRecord[Any, Any]]]


class GebundeldeRunner(ProjectionRunner):
    """:class:`~leerrecht.projection.ProjectionRunner` applying a whole fetch in one transaction."""

    partitiebatches = 0
    """Partition batches applied (``stats.batches`` counts transactions)."""

    async def _handle_fetch(self, consumer: AIOKafkaConsumer, batches: Batches) -> None:
        batches = await self._aanvullen(consumer, batches)
        delen = {tp: recs for tp, recs in sorted(batches.items()) if tp in self._assigned and recs}
        if len(delen) <= 1:
            await self._per_partitie(consumer, delen)
            return
        started, started_ns = time.monotonic(), time.time_ns()
        decoded: dict[TopicPartition, list[Delivered]] = {}
        for tp, recs in delen.items():
            ds, _, poison = self._lees(recs)  # the absences without their envelope (``snel``)
            if poison:  # dead letters go the runner's own way, partition by partition
                await self._per_partitie(consumer, delen)
                return
            decoded[tp] = ds
        try:
            applied, volgorde = await self._apply_bundel(delen, decoded)
        except TRANSIENT as exc:
            if self._stopping.is_set():
                raise
            await self._backoff(1, exc)
            await self._reseek_when_database_is_back()
            return
        except _Behind as behind:
            log.warning("checkpoint_behind_fetch", projection=self.projection.name, stored=behind.offset)
            await self._reseek_when_database_is_back()
            return
        except Exception as exc:
            # rolled back as a whole: partition by partition, with the runner's retries and dead letters
            log.warning("bundel_per_partitie", projection=self.projection.name, error=type(exc).__name__)
            await self._per_partitie(consumer, delen)
            return
        for topic, gemeld in volgorde.items():
            meld_afwijkingen(self.projection.name, topic, gemeld)
        for tp, recs in delen.items():
            await self.after_db_commit(tp, recs[-1].offset)
        if self._consumer is not None:
            with contextlib.suppress(Exception):  # an optimisation only; the database is the truth
                await self._consumer.commit({tp: recs[-1].offset + 1 for tp, recs in delen.items()
                                             if tp in self._assigned})
        self.stats.batches += 1
        self.partitiebatches += len(delen)
        if applied and self.on_applied is not None:
            await self.on_applied(applied)
        for tp, recs in delen.items():
            if tp in self._assigned:  # not revoked during the transaction (a worker joined the group)
                self._observe(consumer, tp, recs, started, started_ns)

    async def _aanvullen(self, consumer: AIOKafkaConsumer, batches: Batches, rondes: int = 8) -> Batches:
        """Add what the consumer already holds of other partitions, without waiting (``timeout 0``), up
        to the batch size. Why: aiokafka fetches a partition anew as soon as its records are taken, so
        the partitions' fetches drift apart and a ``getmany`` on a few busy partitions brings one
        partition at a time (measured: every fetch of ``python -m benchmarks``' 3 partitions)."""
        samen = {tp: list(recs) for tp, recs in batches.items()}
        n = sum(len(r) for r in samen.values())
        for _ in range(rondes):
            if n >= self.batch_size or self._stopping.is_set():
                break
            meer = await consumer.getmany(timeout_ms=0, max_records=self.batch_size - n)
            if not meer:
                break
            for tp, recs in meer.items():
                samen.setdefault(tp, []).extend(recs)  # the next records of that partition, in order
                n += len(recs)
        return samen

    async def _per_partitie(self, consumer: AIOKafkaConsumer, delen: Batches) -> None:
        voor = self.stats.batches
        await super()._handle_fetch(consumer, delen)
        self.partitiebatches += self.stats.batches - voor

    async def _apply_bundel(self, delen: Batches, decoded: dict[TopicPartition, list[Delivered]],
                            ) -> tuple[list[Delivered], dict[str, list[Gemeld]]]:
        volgorde: dict[str, list[Gemeld]] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            kandidaten = await self._claim_bundel(conn, delen, decoded)
            fresh = await self._nieuw(conn, kandidaten)
            per_topic: dict[str, list[Delivered]] = {}
            for e in fresh:
                per_topic.setdefault(e.topic, []).append(e)
            for topic, evs in sorted(per_topic.items()):
                gemeld = await volgorde_bijwerken(conn, self.projection.name, topic, evs, self._eigen)
                if gemeld:
                    volgorde[topic] = gemeld
            if fresh:
                await self.projection.apply(conn, fresh)
            for tp, recs in delen.items():
                await self.before_db_commit(tp, recs[-1].offset)
        self.stats.applied += len(fresh)
        self.stats.skipped += sum(len(d) for d in decoded.values()) - len(fresh)
        return fresh, volgorde

    async def _claim_bundel(self, conn: asyncpg.Connection, delen: Batches,
                            decoded: dict[TopicPartition, list[Delivered]]) -> list[Delivered]:
        """:meth:`~leerrecht.projection.ProjectionRunner._claim` for every partition at once: lock the
        checkpoints (sorted: one lock order), move them past each batch, return the events at or past
        the stored offsets. A partition whose batch is already in (a zombie, a redelivery) adds nothing;
        one whose checkpoint is behind the batch raises ``_Behind`` (never skip records)."""
        name = self.projection.name
        tps = sorted(delen)
        topics, parts = [tp.topic for tp in tps], [tp.partition for tp in tps]
        bundel = f"{len(tps)} partities"
        created = {(r["topic"], r["partition"]) for r in await self._wacht_op_checkpoint(conn, bundel, conn.fetch(
            "INSERT INTO checkpoint (projection, topic, partition, next_offset) "
            "SELECT $1, t, p, 0 FROM unnest($2::text[], $3::int[]) AS u(t, p) ORDER BY t, p "
            "ON CONFLICT DO NOTHING RETURNING topic, partition", name, topics, parts))}
        stored = {(r["topic"], r["partition"]): int(r["next_offset"]) for r in await self._wacht_op_checkpoint(
            conn, bundel, conn.fetch(
                "SELECT c.topic, c.partition, c.next_offset FROM checkpoint c "
                "JOIN unnest($2::text[], $3::int[]) AS u(t, p) ON c.topic = u.t AND c.partition = u.p "
                "WHERE c.projection = $1 ORDER BY c.topic, c.partition FOR UPDATE OF c", name, topics, parts))}
        kandidaten: list[Delivered] = []
        verder: list[tuple[str, int, int]] = []
        for tp in tps:
            first, last = delen[tp][0].offset, delen[tp][-1].offset
            opgeslagen = stored[(tp.topic, tp.partition)]
            if last < opgeslagen:
                continue  # a zombie or a redelivery: this partition's batch is already in
            if first > opgeslagen and (tp.topic, tp.partition) not in created and not self.allow_gaps:
                raise _Behind(opgeslagen)
            verder.append((tp.topic, tp.partition, last + 1))
            kandidaten += [e for e in decoded[tp] if e.offset >= opgeslagen]
        if verder:
            await conn.execute(
                "UPDATE checkpoint c SET next_offset = u.n, updated_at = now() "
                "FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, n) "
                "WHERE c.projection = $1 AND c.topic = u.t AND c.partition = u.p",
                name, *[list(c) for c in zip(*verder, strict=True)])
        return kandidaten

    async def _nieuw(self, conn: asyncpg.Connection, kandidaten: list[Delivered]) -> list[Delivered]:
        """The events not applied before (``applied_event``), each id once (the first): the runner's own
        :func:`~leerrecht.projection.nieuwe_of_eigen` (types idempotent by their own key are not recorded)."""
        if not kandidaten or not self.dedupe_event_ids:
            return kandidaten
        return await nieuwe_of_eigen(conn, self.projection.name, kandidaten, self._eigen)
