"""A topic holding the benchmark's regional log, for the tests of the benchmarks' own machinery."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from leerrecht.kafka import TopicSpec, ensure_topics

ROOT = Path(__file__).resolve().parents[2]


def met_benchmarks() -> None:
    """Make ``benchmarks`` importable (appended: the repository's ``services`` must not shadow the test helpers)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))


async def regiolog_topic(infra: Any, naam: str, aantal: int) -> tuple[str, list[tuple[bytes, bytes]]]:
    """A new 3-partition topic with about ``aantal`` records of :func:`benchmarks.__main__.make_regio_events`,
    keyed as the platform keys them; returns its name and the (key, value) records."""
    met_benchmarks()
    from benchmarks.__main__ import make_regio_events

    topic = f"bench.{naam}.{uuid.uuid4().hex[:6]}"
    await ensure_topics(infra.bootstrap, [TopicSpec(topic, 3, {"retention.ms": "-1"})])
    records = make_regio_events(aantal)
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()
    return topic, records
