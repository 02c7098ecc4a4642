"""The telling runner: the projection runner plus the count-stream publisher as one unit.

One unit because the shared :class:`~leerrecht.service.Runtime` stops runners, not arbitrary tasks:
stopping the runner finishes its batch and then stops the publisher after its last round.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from contracts.topics import CONFIGS, PARTITIONS, TopicKind, dlq_topic, topic_kind
from leerrecht.kafka import EventPublisher
from leerrecht.kafka import TopicSpec as KafkaTopicSpec
from leerrecht.logging import get_logger
from telling.bundel import GebundeldeRunner
from telling.config import TellingSettings
from telling.projection import TellingProjection, achterstand, inhalen
from telling.stream import CijferStroom


def count_topics(topic: str) -> list[KafkaTopicSpec]:
    """The count topic (compacted, 3 partitions) and its dead-letter topic, as the contract says."""
    kind = TopicKind.TELLING_CIJFERS
    specs = [KafkaTopicSpec(topic, PARTITIONS[kind], dict(CONFIGS[kind]))]
    try:
        topic_kind(topic)
        specs.append(KafkaTopicSpec(dlq_topic(topic), PARTITIONS[kind], dict(CONFIGS[TopicKind.DLQ])))
    except Exception:
        pass
    return specs


log = get_logger(__name__)


class TellingRunner(GebundeldeRunner):
    def __init__(self, pool: asyncpg.Pool, settings: TellingSettings, publisher: EventPublisher,
                 **kwargs: Any) -> None:
        self.stroom = CijferStroom(pool, publisher, topic=settings.count_topic,
                                   interval=settings.publish_interval_s, achter=self.achter,
                                   achterstand_interval=settings.publish_backlog_interval_s)
        super().__init__(
            TellingProjection(), pool, settings.kafka_bootstrap_servers, pattern=settings.event_pattern,
            group_id=settings.consumer_group, batch_size=settings.projection_batch_size,
            dead_letters=publisher, on_applied=self.stroom.on_applied, **kwargs,
        )

    async def run(self) -> None:
        task = asyncio.create_task(self.stroom.run(), name="telling:cijferstroom")
        inhaal = asyncio.create_task(self._inhalen(), name="telling:inhalen")
        try:
            await super().run()
        finally:
            inhaal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await inhaal
            self.stroom.stop()
            await task

    def achter(self) -> bool:
        """Is the projection behind: does more than one fetch (``batch_size`` records) wait on the
        assigned partitions? Measured against the high-water marks of the last fetches (no request), so
        the count stream can ask after every batch (:class:`~telling.stream.CijferStroom`)."""
        consumer = self._consumer
        if consumer is None:
            return False
        wacht = 0
        for tp in consumer.assignment():
            hoog, volgende = consumer.highwater(tp), self._next_offset.get(tp)
            if hoog is not None and volgende is not None:
                wacht += max(0, hoog - volgende)
        return wacht >= self.batch_size

    async def _inhalen(self, interval: float = 1.0) -> None:
        """Bring persons behind the klok up to date when the log is quiet (batches do it as they go,
        a chunk each: :mod:`telling.projection`). Stops with the runner; an error waits a round."""
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.pool.acquire() as conn:
                    if await achterstand(conn):
                        await inhalen(conn)
                        self.stroom.wek()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("inhalen_mislukt", error=type(exc).__name__)
