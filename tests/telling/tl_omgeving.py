"""An isolated telling on the shared test broker: topics with a per-run prefix (read by pattern, so
other suites' regions never leak into hand-computed figures), its own database and count topic."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from telling.config import TellingSettings
from telling.runner import count_topics

from leerrecht.kafka import TopicSpec, ensure_topics


@dataclass(frozen=True)
class Geisoleerd:
    run: str
    topics: dict[str, str]  # region -> events topic
    env: dict[str, str]  # the service's environment (also for a real process)

    @property
    def settings(self) -> TellingSettings:
        return TellingSettings(**self.env)

    def topic(self, regio: str) -> str:
        return self.topics[regio]


async def geisoleerde_telling(infra, letter: str, database: str, regios: Iterable[str], *,  # type: ignore[no-untyped-def]
                              batch: int) -> Geisoleerd:
    """Create the prefixed regional topics and the count topic; return the names and environment."""
    run = f"{letter}{uuid.uuid4().hex[:8]}"
    topics = {r: f"{run}.leerrecht.regio.{r}.events" for r in sorted(set(regios))}
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "DATABASE_URL": await infra.adatabase_url(database),
        "TELLING_EVENT_PATTERN": rf"^{run}\.leerrecht\.regio\.MC\d\d\.events$",
        "TELLING_COUNT_TOPIC": f"{run}.telling.cijfers",
        "TELLING_CONSUMER_GROUP": f"{run}.telling",
        "PROJECTION_BATCH_SIZE": str(batch),
        "TELLING_PUBLISH_INTERVAL_S": "0.3",
    }
    await ensure_topics(infra.bootstrap, [TopicSpec(t, 3, {"retention.ms": "-1"}) for t in topics.values()]
                        + count_topics(env["TELLING_COUNT_TOPIC"]))
    return Geisoleerd(run, topics, env)


async def wacht(check: Callable[[], Awaitable[Any]], timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something truthy (and return that); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"niet bereikt binnen {timeout}s: {last!r}")
