"""Configuration of the national telling service."""

from __future__ import annotations

from pydantic import Field

from contracts.topics import COUNT_TOPIC
from leerrecht.config import ServiceSettings
from leerrecht.projection import region_pattern


class TellingSettings(ServiceSettings):
    # Which topics feed the figures (all regions) and where the count stream goes. Configurable so
    # that tests can run isolated; in production the defaults of the contract apply.
    event_pattern: str = Field(default=region_pattern("events"), alias="TELLING_EVENT_PATTERN")
    count_topic: str = Field(default=COUNT_TOPIC, alias="TELLING_COUNT_TOPIC")
    consumer_group: str = Field(default="leerrecht.telling", alias="TELLING_CONSUMER_GROUP")
    publish_interval_s: float = Field(default=2.0, alias="TELLING_PUBLISH_INTERVAL_S", gt=0, le=300)
    # While the projection is behind (a backlog, a rebuild's catch-up), the count stream publishes at
    # most once per this many seconds, and at once when it caught up (telling.stream.CijferStroom).
    publish_backlog_interval_s: float = Field(default=10.0, alias="TELLING_PUBLISH_ACHTERSTAND_S", gt=0, le=300)
    # A fetch of up to this many records is applied in one transaction (telling.bundel). telling's
    # fixed cost per transaction is high (the klok, up to WEKKERS_PER_BATCH woken persons, every touched
    # cell and its history, a count-stream round), so catching up (a backlog, a rebuild) runs faster in
    # larger bundles; at the live rate a fetch holds what arrived since the last one either way.
    # Measured (benchmarks.rebuild, 200,000 events, two alternating pairs, benchmarks/METINGEN.md "The
    # twelfth session"): live 5,465/7,501 -> 7,802/9,452 events/s, telling's CPU 111/98 -> 98/87 and
    # PostgreSQL's 35/26 -> 24/22 µs per event; the rebuild 7,479/8,130 -> 8,602/8,571. The longest stretch
    # without an await grows with it (the fold of a bundle's persons, ~0.5 s here at 20,000), well inside
    # the consumer's 10 s session timeout.
    projection_batch_size: int = Field(default=20_000, alias="PROJECTION_BATCH_SIZE", ge=1, le=100_000)
