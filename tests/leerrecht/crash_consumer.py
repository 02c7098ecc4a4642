"""A projection consumer as a separate OS process, for crash, restart and rebalance tests.

Usage: python crash_consumer.py BOOTSTRAP DATABASE_URL TOPIC GROUP [--crash after_db_commit|before_db_commit]
       [--crash-after-batches N] [--unsafe-checkpoint] [--batch-size N] [--dedupe] [--stall-after-batches N]
       [--stall-in-transaction-after-batches N] [--stall-in-prepare-after-batches N]

``--stall-after-batches N`` makes a zombie: after N batches the process stops itself (SIGSTOP) holding a
fetched batch it has not applied yet, prints ``stalled`` with that batch's position, and once continued
(SIGCONT) applies it late and prints ``late_commit`` with how many of its events were fresh (F4).
``--stall-in-transaction-after-batches N`` freezes it the same way, but inside a batch's open transaction
(its rows written, the checkpoint row and the counter locked, not committed): it prints
``stalled_in_transaction`` and, once continued, ``resumed`` before it tries to commit.
``--stall-in-prepare-after-batches N`` freezes it inside the transaction too, but just after asyncpg
prepared a statement (Parse, Describe, Flush: no Sync), where the server counts the session as active
and no idle timeout ends it: it prints ``stalled_in_prepare`` and, once continued, ``resumed``.

The projection records how many times each event was applied (``applied.times``), so a test sees
any double effect directly. Event-id deduplication is OFF unless --dedupe: the checkpoint alone must
give exactly-once here.

``--unsafe-checkpoint`` runs a deliberately wrong runner that commits its rows and its offsets in
two separate transactions. The crash tests run it too, to prove they can fail.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence

import asyncpg
from aiokafka import TopicPartition

from leerrecht.db import IDLE_IN_TRANSACTION_MS, create_pool, migrate
from leerrecht.logging import configure_logging
from leerrecht.overslaan import Overgeslagen
from leerrecht.projection import Delivered, ProjectionRunner

SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (event_id uuid PRIMARY KEY, times int NOT NULL, part int NOT NULL);
CREATE TABLE IF NOT EXISTS total (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO total SELECT 1, 0 WHERE NOT EXISTS (SELECT FROM total WHERE id = 1);
"""
# (not ON CONFLICT DO NOTHING: that waits on a frozen consumer's uncommitted update of the row)


class CountingProjection:
    name = "crashtest"

    def __init__(self, stall_in_prepare: int | None = None) -> None:
        self.stall_in_prepare = stall_in_prepare
        self.batches = 0

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        await conn.executemany(
            "INSERT INTO applied (event_id, times, part) VALUES ($1, 1, $2) "
            "ON CONFLICT (event_id) DO UPDATE SET times = applied.times + 1",
            [(e.envelope.id, e.partition) for e in events],
        )
        await conn.execute("UPDATE total SET n = n + $1 WHERE id = 1", len(events))
        self.batches += 1
        if self.stall_in_prepare is not None and self.batches > self.stall_in_prepare:
            self.stall_in_prepare = None
            await conn.prepare("SELECT n FROM total WHERE id = $1")  # never run: the server waits for it
            print(f"stalled_in_prepare {events[0].partition} {events[-1].offset}", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)  # frozen between prepare and execute, locks held
            print(f"resumed {events[0].partition}", flush=True)


class CrashingRunner(ProjectionRunner):
    def __init__(self, *a: object, crash: str | None, after: int, stall: int | None = None,
                 stall_in_transaction: int | None = None, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.crash, self.after, self.done = crash, after, 0
        self.stall = stall
        self.stall_in_transaction = stall_in_transaction

    async def _apply_batch(
        self, tp: TopicPartition, first: int, last: int, events: Sequence[Delivered],
        genegeerd: Sequence[Overgeslagen] = (),
    ) -> list[Delivered]:
        if self.stall is None or self.done < self.stall:
            return await super()._apply_batch(tp, first, last, events, genegeerd)
        self.stall = None
        print(f"stalled {tp.topic} {tp.partition} {first} {last}", flush=True)
        os.kill(os.getpid(), signal.SIGSTOP)  # frozen here until SIGCONT: the group moves on without us
        fresh = await super()._apply_batch(tp, first, last, events, genegeerd)
        print(f"late_commit {tp.partition} {first} {last} fresh={len(fresh)}", flush=True)
        return fresh

    def _maybe_die(self, point: str) -> None:
        if self.crash == point and self.done >= self.after:
            os.kill(os.getpid(), signal.SIGKILL)

    async def before_db_commit(self, tp: TopicPartition, last: int) -> None:
        self._maybe_die("before_db_commit")
        if self.stall_in_transaction is not None and self.done >= self.stall_in_transaction:
            self.stall_in_transaction = None
            print(f"stalled_in_transaction {tp.topic} {tp.partition} {last}", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)  # frozen with the transaction open, its locks held
            print(f"resumed {tp.partition} {last}", flush=True)

    async def after_db_commit(self, tp: TopicPartition, last: int) -> None:
        self.done += 1
        self._maybe_die("after_db_commit")


class UnsafeRunner(CrashingRunner):
    """WRONG on purpose: rows in one transaction, the checkpoint in a later one."""

    async def _apply_batch(
        self, tp: TopicPartition, first: int, last: int, events: Sequence[Delivered],
        genegeerd: Sequence[Overgeslagen] = (),
    ) -> list[Delivered]:
        async with self.pool.acquire() as conn:
            stored = (
                await conn.fetchval(
                    "SELECT next_offset FROM checkpoint WHERE projection=$1 AND topic=$2 AND partition=$3",
                    self.projection.name,
                    tp.topic,
                    tp.partition,
                )
                or 0
            )
            fresh = [e for e in events if e.offset >= stored]
            async with conn.transaction():
                if fresh:
                    await self.projection.apply(conn, fresh)
            self.done += 1
            self._maybe_die("after_db_commit")
            await conn.execute(
                "INSERT INTO checkpoint (projection, topic, partition, next_offset) VALUES ($1,$2,$3,$4) "
                "ON CONFLICT (projection, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset",
                self.projection.name,
                tp.topic,
                tp.partition,
                last + 1,
            )
        return fresh

    async def after_db_commit(self, tp: TopicPartition, last: int) -> None:
        return None


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("bootstrap")
    p.add_argument("database_url")
    p.add_argument("topic")
    p.add_argument("group")
    p.add_argument("--crash", choices=["after_db_commit", "before_db_commit"])
    p.add_argument("--crash-after-batches", type=int, default=2)
    p.add_argument("--unsafe-checkpoint", action="store_true")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--dedupe", action="store_true")
    p.add_argument("--stall-after-batches", type=int)
    p.add_argument("--stall-in-transaction-after-batches", type=int)
    p.add_argument("--stall-in-prepare-after-batches", type=int)
    p.add_argument("--idle-in-transaction-ms", type=int, default=IDLE_IN_TRANSACTION_MS)
    # the broker's group.min.session.timeout.ms: a killed consumer's partitions move on 4 s sooner than
    # the services' 10 s, and the tests wait for that in every crash
    p.add_argument("--session-timeout-ms", type=int, default=6_000)
    args = p.parse_args()
    configure_logging("crashtest", json=True, level="WARNING")
    pool = await create_pool(args.database_url, idle_in_transaction_ms=args.idle_in_transaction_ms)
    await migrate(pool, "leerrecht")
    async with pool.acquire() as conn:
        await conn.execute(SCHEMA)
    cls = UnsafeRunner if args.unsafe_checkpoint else CrashingRunner
    runner = cls(
        CountingProjection(args.stall_in_prepare_after_batches),
        pool,
        args.bootstrap,
        topics=[args.topic],
        group_id=args.group,
        batch_size=args.batch_size,
        crash=args.crash,
        after=args.crash_after_batches,
        stall=args.stall_after_batches,
        stall_in_transaction=args.stall_in_transaction_after_batches,
        dedupe_event_ids=args.dedupe,
        session_timeout_ms=args.session_timeout_ms,
    )
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, runner.stop)
    print("started", flush=True)
    await runner.run()
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
