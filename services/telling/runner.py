"""The telling runner: the projection runner plus the count-stream publisher as one unit.

One unit because the shared :class:`~leerrecht.service.Runtime` stops runners, not arbitrary tasks:
stopping the runner finishes its batch and then stops the publisher after its last round.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from contracts.topics import CONFIGS, PARTITIONS, TopicKind, dlq_topic, topic_kind
from leerrecht.kafka import EventPublisher
from leerrecht.kafka import TopicSpec as KafkaTopicSpec
from leerrecht.projection import ProjectionRunner
from telling.config import TellingSettings
from telling.projection import TellingProjection
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


class TellingRunner(ProjectionRunner):
    def __init__(self, pool: asyncpg.Pool, settings: TellingSettings, publisher: EventPublisher,
                 **kwargs: Any) -> None:
        self.stroom = CijferStroom(pool, publisher, topic=settings.count_topic,
                                   interval=settings.publish_interval_s)
        super().__init__(
            TellingProjection(), pool, settings.kafka_bootstrap_servers, pattern=settings.event_pattern,
            group_id=settings.consumer_group, batch_size=settings.projection_batch_size,
            dead_letters=publisher, on_applied=self.stroom.on_applied, **kwargs,
        )

    async def run(self) -> None:
        task = asyncio.create_task(self.stroom.run(), name="telling:cijferstroom")
        try:
            await super().run()
        finally:
            self.stroom.stop()
            await task
