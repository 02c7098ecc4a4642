"""The benchmark's multi-process runs (:mod:`benchmarks.processen`), on real Kafka and PostgreSQL: two
runner processes in one consumer group pass every record of the topic once (the checkpoints add up to
the topic's length), and the raw limit of as many processes reads the topic. Why a test: ``make bench``
goes on past a failing step and the summary then shows the figure as "not measured", so a broken
worker would only be noticed as a missing row."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from benchlog import regiolog_topic

from leerrecht.db import create_pool, migrate

pytestmark = pytest.mark.infra


async def test_two_runner_processes_pass_every_record_once_and_the_raw_limit_is_measured(infra: Any) -> None:
    topic, records = await regiolog_topic(infra, "processen", 400)
    from registratie.projection import MeldingStatusProjection

    from benchmarks.processen import gemeten, raw_gemeten

    url = await infra.adatabase_url("benchproc")
    pool = await create_pool(url)
    try:
        await migrate(pool, "registratie")
    finally:
        await pool.close()
    m = await gemeten("registratie_meldingstatus", url, infra.bootstrap, topic, len(records), 100, 2,
                      f"test-{uuid.uuid4().hex[:6]}", 3)
    assert m.ev_s > 0 and m.ev_s_geheel > 0 and 0 <= m.voor_stabiel <= len(records)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT partition, next_offset FROM checkpoint WHERE topic = $1", topic)
        gezien = await conn.fetchval("SELECT count(*) FROM applied_event")
    finally:
        await conn.close()
    assert sorted(r["partition"] for r in rows) == [0, 1, 2]
    assert sum(r["next_offset"] for r in rows) == len(records)
    behandeld = [v for _, v in records if any(f'"type":"{t}"'.encode() in v for t in MeldingStatusProjection.handles)]
    assert behandeld and gezien == len(behandeld), "each handled event applied once, none of the skipped recorded"
    assert await raw_gemeten(infra.bootstrap, topic, len(records), 2, 3) > 0
