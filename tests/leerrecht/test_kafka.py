"""The producer refuses settings that can lose or duplicate events (reliability matrix F6)."""

from __future__ import annotations

import pytest

from leerrecht.kafka import SAFE_PRODUCER_DEFAULTS, UnsafeProducerConfig, check_producer_config, make_producer


@pytest.mark.parametrize(
    "override",
    [{"enable_idempotence": False}, {"acks": 1}, {"acks": 0}, {"acks": "1"}],
)
def test_weak_producer_settings_are_refused_with_a_clear_message(override: dict[str, object]) -> None:
    with pytest.raises(UnsafeProducerConfig) as err:
        make_producer("127.0.0.1:1", "test", **override)
    key = next(iter(override))
    assert key in str(err.value)


def test_the_defaults_are_idempotent_and_acks_all() -> None:
    check_producer_config(SAFE_PRODUCER_DEFAULTS)
    assert SAFE_PRODUCER_DEFAULTS["enable_idempotence"] is True
    assert SAFE_PRODUCER_DEFAULTS["acks"] == "all"


@pytest.mark.infra
async def test_an_event_topic_with_a_finite_retention_stops_the_service(infra) -> None:  # type: ignore[no-untyped-def]
    """P6: the start-up audit refuses a topic whose configuration differs from its spec."""
    import uuid

    from leerrecht.kafka import TopicConfigMismatch, TopicSpec, ensure_topics

    name = f"audit.{uuid.uuid4().hex[:8]}"
    assert await ensure_topics(infra.bootstrap, [TopicSpec(name, 1, {"retention.ms": "604800000"})]) == [name]
    with pytest.raises(TopicConfigMismatch) as err:
        await ensure_topics(infra.bootstrap, [TopicSpec(name, 1, {"retention.ms": "-1"})])
    assert name in str(err.value) and "retention.ms" in str(err.value)
    assert await ensure_topics(infra.bootstrap, [TopicSpec(name, 1, {"retention.ms": "604800000"})]) == []
