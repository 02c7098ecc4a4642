"""Publishes rmc's automatic reactions from the ``uitgaand`` outbox (domain.md A6 intake and automatic
placement).

The projection decides reactions inside its transaction and writes them here, so a crash can never
lose a decided reaction nor publish one whose decision was rolled back. This loop publishes them
(``acks=all``) and deletes them afterwards; a crash between publish and delete publishes a row
again with the *same* event id, which every consumer drops as a duplicate.

Rows wait ``wacht_s`` seconds before publishing. During a replay from offset 0 the projection
re-decides old reactions whose copies are still ahead on the log; the projection deletes a row when
its copy comes by, so the short wait keeps replays from re-publishing what is already there.
``FOR UPDATE SKIP LOCKED`` lets two replicas share the work without publishing a row twice at once.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from contracts.envelope import Envelope
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger

log = get_logger(__name__)


class Uitgaand:
    def __init__(
        self,
        pool: asyncpg.Pool,
        publisher: EventPublisher,
        *,
        wacht_s: float = 1.0,
        interval_s: float = 0.5,
        batch: int = 500,
    ) -> None:
        self.pool = pool
        self.publisher = publisher
        self.wacht_s = wacht_s
        self.interval_s = interval_s
        self.batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        pogingen = 0
        while True:  # cancelled on shutdown (Runtime.background)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
            self._wake.clear()
            try:
                while await self.flush() == self.batch:
                    pass
                pogingen = 0
            except Exception as exc:
                pogingen += 1
                log.warning("uitgaand_retry", error=type(exc).__name__, poging=pogingen)
                await asyncio.sleep(min(5.0, 0.2 * 2**pogingen))

    async def flush(self) -> int:
        """Publish the due rows (oldest first) and delete them; returns how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT event_id, topic, envelope FROM uitgaand "
                "WHERE aangemaakt_op <= now() - make_interval(secs => $1) "
                "ORDER BY volgnummer LIMIT $2 FOR UPDATE SKIP LOCKED",
                self.wacht_s,
                self.batch,
            )
            if not rows:
                return 0
            await self.publisher.publish(
                [OutgoingEvent(r["topic"], Envelope.from_json(r["envelope"])) for r in rows]
            )
            # keyed by (event_id, topic): a transfer has one event id on two topics (domain.md A5/A6)
            await conn.execute(
                "DELETE FROM uitgaand u USING unnest($1::uuid[], $2::text[]) AS p(event_id, topic) "
                "WHERE u.event_id = p.event_id AND u.topic = p.topic",
                [r["event_id"] for r in rows],
                [r["topic"] for r in rows],
            )
        log.info("uitgaand_gepubliceerd", aantal=len(rows))
        return len(rows)
