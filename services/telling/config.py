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
