"""Helpers of the registratie service tests (imported by basename; see conftest.py).

In-process rather than as an OS process so a test can pin "today" (``app.state.klok.vast``) and run
the legal edge cases on any day. Every test uses fresh, random valid BSNs, so tests do not see each
other's pupils on the shared Kafka topics.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI

from contracts.envelope import Envelope

TEST_KEY = base64.b64encode(b"leerrecht-test-key-0123456789abcdef").decode()
# static development tokens (AUTH_MODE=static): 32 random bytes each, fresh per test session
TOKENS = {n: f"s-{n}-{secrets.token_urlsafe(32)}" for n in ("school", "school2", "duo", "beheer", "analist")}
API_TOKENS = ",".join([
    f"{TOKENS['school']}=00AP00:school", f"{TOKENS['school2']}=00AV00:school", f"{TOKENS['duo']}=duo:duo",
    f"{TOKENS['beheer']}=beheer-1:beheer", f"{TOKENS['analist']}=analist-1:analist",
])


def bsn() -> str:
    """A random number that passes the BSN elfproef (9*d1 + … + 2*d8 − d9 ≡ 0 mod 11)."""
    while True:
        d = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(7)]
        s = sum(w * x for w, x in zip(range(9, 1, -1), d, strict=True)) % 11
        if s < 10:
            return "".join(map(str, d)) + str(s)


def auth(name: str, key: str | None = None) -> dict[str, str]:
    h = {"Authorization": f"Bearer {TOKENS[name]}"}
    if key is not None:
        h["Idempotency-Key"] = key
    return h


def sleutel() -> str:
    return f"k-{random.getrandbits(64):016x}"


async def _behind(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for tp, offset in end.items():
        if await consumer.position(tp) < offset:
            return True
    return False


@dataclass
class Reg:
    app: FastAPI
    client: httpx.AsyncClient
    bootstrap: str

    def zet_vandaag(self, d: date) -> None:
        self.app.state.klok.vast = d

    async def post(self, path: str, body: Any, who: str = "school", key: str | None = None) -> httpx.Response:
        return await self.client.post(path, json=body, headers=auth(who, key or sleutel()))

    async def events(self, topic: str, subject: str | None = None, wait: float = 1.0) -> list[Envelope]:
        """Every envelope on ``topic`` (from the beginning), optionally only of one subject."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            parts = consumer.partitions_for_topic(topic) or set()
            if not parts:
                await consumer._client.force_metadata_update()
                parts = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in parts]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            out: list[Envelope] = []
            deadline = asyncio.get_running_loop().time() + 10
            while await _behind(consumer, end):
                batch = await consumer.getmany(timeout_ms=int(wait * 1000))
                for records in batch.values():
                    for rec in records:
                        if rec.value is None:
                            continue
                        env = Envelope.from_json(rec.value)
                        if subject is None or env.subject == subject:
                            out.append(env)
                if asyncio.get_running_loop().time() > deadline:
                    break
            return out
        finally:
            await consumer.stop()

    async def records(self, topic: str, key: bytes) -> list[bytes | None]:
        """Raw values (None = tombstone) of one key on a topic, in order."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            await consumer._client.force_metadata_update()
            tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            end = await consumer.end_offsets(tps)
            out: list[bytes | None] = []
            while await _behind(consumer, end):
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    out.extend(r.value for r in records if r.key == key)
            return out
        finally:
            await consumer.stop()


TRAAG_MARKEREN = [
    """CREATE OR REPLACE FUNCTION test_traag_markeren() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- once per transaction and trigger: a group marks many rows in one statement
        IF current_setting('test.traag_' || TG_ARGV[0], true) IS DISTINCT FROM 'ja' THEN
            PERFORM set_config('test.traag_' || TG_ARGV[0], 'ja', true);
            PERFORM pg_sleep(0.1);
        END IF;
        RETURN NULL;
    END $$""",
    # before the UPDATE has locked or changed any row
    "CREATE TRIGGER test_traag_voor BEFORE UPDATE ON intake_verzoek FOR EACH STATEMENT "
    "EXECUTE FUNCTION test_traag_markeren('voor')",
    # when the mark commits (after the statement that released the locks)
    "CREATE CONSTRAINT TRIGGER test_traag_commit AFTER UPDATE ON intake_verzoek DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW WHEN (NEW.status = 'gepubliceerd') EXECUTE FUNCTION test_traag_markeren('commit')",
]
WEG = ["DROP TRIGGER IF EXISTS test_traag_voor ON intake_verzoek",
       "DROP TRIGGER IF EXISTS test_traag_commit ON intake_verzoek",
       "DROP FUNCTION IF EXISTS test_traag_markeren()"]


@contextlib.asynccontextmanager
async def traag_markeren(reg: Reg) -> AsyncIterator[None]:
    """Widen, on purpose, the window in which a submission's pupils' locks may be free while its
    "published" mark is not yet committed (the doubled events of issue 16): a statement trigger sleeps
    before any ``UPDATE`` of ``intake_verzoek`` touches a row, and a deferred trigger sleeps when the
    mark commits. What a loaded machine does by chance, every time."""
    async with reg.app.state.intake.pool.acquire() as conn:
        for sql in WEG + TRAAG_MARKEREN:
            await conn.execute(sql)
    try:
        yield
    finally:
        async with reg.app.state.intake.pool.acquire() as conn:
            for sql in WEG:
                await conn.execute(sql)
