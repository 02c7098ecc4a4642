"""Crash safety and rebalances of the projection runner, on real Kafka and PostgreSQL.

Each scenario runs the consumer as its own OS process and SIGKILLs it at a precise point: after
the database commit but before the Kafka commit (F1), and inside the transaction before the database
commit (F2). After a restart every event must be applied exactly once. The same scenario run with a
deliberately wrong runner (offsets stored in a separate transaction) must show double effects:
that proves the test can fail.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid

import asyncpg
import pytest
from consumers import N_EVENTS, applied_state, produce, start_consumer, stop, wait_for_total


async def crash_then_restart(infra, crash: str, unsafe: bool) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    topic = f"crash.{crash}.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("crash")
    await produce(infra.bootstrap, topic, N_EVENTS)
    group = f"g-{uuid.uuid4().hex[:8]}"
    flags = ["--crash", crash, "--crash-after-batches", "3", "--batch-size", "100"]
    if unsafe:
        flags.append("--unsafe-checkpoint")
    first = start_consumer(infra.bootstrap, db, topic, group, *flags)
    rc = await asyncio.to_thread(first.wait, 60)
    assert rc == -9, f"the consumer should have been SIGKILLed, exit code {rc}: {first.stdout.read()!r}"
    before = await applied_state(db)
    assert before[0] < N_EVENTS, "the crash must happen before everything was applied"
    again = start_consumer(
        infra.bootstrap, db, topic, group, "--batch-size", "100", *(["--unsafe-checkpoint"] if unsafe else [])
    )
    try:
        state = await wait_for_total(db, N_EVENTS)
        await asyncio.sleep(1.0)  # let any wrong re-application show itself
        state = await applied_state(db)
    finally:
        stop(again)
    return state


@pytest.mark.infra
@pytest.mark.parametrize("crash", ["after_db_commit", "before_db_commit"])
async def test_sigkill_then_restart_applies_every_event_exactly_once(infra, crash: str) -> None:  # type: ignore[no-untyped-def]
    distinct, doubles, total = await crash_then_restart(infra, crash, unsafe=False)
    assert distinct == N_EVENTS
    assert doubles == 0
    assert total == N_EVENTS


@pytest.mark.infra
async def test_the_crash_test_catches_offsets_stored_outside_the_transaction(infra) -> None:  # type: ignore[no-untyped-def]
    distinct, doubles, total = await crash_then_restart(infra, "after_db_commit", unsafe=True)
    assert distinct == N_EVENTS
    assert doubles > 0, "a runner that stores offsets outside the row transaction must double-apply"
    assert total > N_EVENTS


@pytest.mark.infra
async def test_rebalance_between_two_consumers_of_one_group(infra) -> None:  # type: ignore[no-untyped-def]
    """A second consumer joins mid-stream and the first leaves: nothing lost, nothing twice (F4)."""
    topic = f"rebalance.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("rebal")
    group = f"g-{uuid.uuid4().hex[:8]}"
    await produce(infra.bootstrap, topic, N_EVENTS, partitions=6)
    a = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "20")
    b = None
    try:
        await wait_for_total(db, 200, timeout=30)
        b = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "20")
        await wait_for_total(db, 700, timeout=30)
        await produce(infra.bootstrap, topic, N_EVENTS, partitions=6)
        stop(a)  # graceful leave: finishes its batch, the group rebalances onto b
        distinct, doubles, total = await wait_for_total(db, 2 * N_EVENTS, timeout=60)
        await asyncio.sleep(1.0)
        distinct, doubles, total = await applied_state(db)
    finally:
        stop(a)
        if b is not None:
            stop(b)
    assert distinct == 2 * N_EVENTS
    assert doubles == 0
    assert total == 2 * N_EVENTS
    conn = await asyncpg.connect(db)
    try:
        parts = await conn.fetchval("SELECT count(DISTINCT part) FROM applied")
        offsets = await conn.fetchval("SELECT sum(next_offset) FROM checkpoint WHERE projection='crashtest'")
    finally:
        await conn.close()
    assert parts == 6
    assert offsets == 2 * N_EVENTS


@pytest.mark.infra
async def test_a_consumer_frozen_between_prepare_and_execute_does_not_block_the_new_owner(infra) -> None:  # type: ignore[no-untyped-def]
    """F4, found by CI: asyncpg prepares a statement with Parse, Describe and Flush, and sends its Sync
    only with the execute. A consumer frozen in between holds its transaction's locks while the server
    counts the session as active, so no idle timeout ends it, and the new owner waited on them for as long
    as it stayed frozen. The new owner now ends the session it waits on for its checkpoint (after the
    pool's idle limit, 6 s here), applies everything, and A, continued, commits nothing and keeps running."""
    topic = f"voorbereid.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("voorbereid")
    group = f"g-{uuid.uuid4().hex[:8]}"
    await produce(infra.bootstrap, topic, N_EVENTS, partitions=3)
    a = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "50",
                       "--stall-in-prepare-after-batches", "2", "--idle-in-transaction-ms", "6000")
    b = None
    try:
        await _line_starting(a, "stalled_in_prepare", timeout=60)
        conn = await asyncpg.connect(db)
        try:
            state = await conn.fetchval("SELECT state FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND xact_start IS NOT NULL AND pid <> pg_backend_pid() "
                                        "AND query LIKE 'SELECT n FROM total%'")
        finally:
            await conn.close()
        assert state == "active", "the frozen session is not in the state no server timeout ends"
        b = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "200",
                           "--idle-in-transaction-ms", "6000")
        await _b_neemt_over_en_a_verandert_niets(db, a, b)
    finally:
        _stop_frozen(a, b)


async def _b_neemt_over_en_a_verandert_niets(db: str, a: subprocess.Popen[bytes], b: subprocess.Popen[bytes]) -> None:
    """B, the new owner, applies every event while A stays frozen in its transaction; continued, A
    commits nothing (rows compared with their versions) and keeps running."""
    distinct, doubles, total = await wait_for_total(db, N_EVENTS, timeout=90)
    assert (distinct, doubles, total) == (N_EVENTS, 0, N_EVENTS), (await _sessions(db)) + _output(b)
    await asyncio.sleep(1.0)  # B is idle now
    before = await _rows_with_versions(db)

    os.kill(a.pid, signal.SIGCONT)
    await _line_starting(a, "resumed", timeout=30)
    await asyncio.sleep(3.0)  # A's commit fails; a wrong runner's effects would show by now
    assert a.poll() is None, "the consumer must survive its ended database session"
    assert await _rows_with_versions(db) == before, "the frozen transaction committed after all"
    assert await applied_state(db) == (N_EVENTS, 0, N_EVENTS)


async def _line_starting(proc: subprocess.Popen[bytes], prefix: str, timeout: float) -> str:
    """The first line of the consumer's output that starts with ``prefix`` (the rest is skipped)."""
    assert proc.stdout is not None

    def read() -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = proc.stdout.readline().decode(errors="replace")  # type: ignore[union-attr]
            if not line:
                return ""
            if line.startswith(prefix):
                return line.strip()
        return ""

    line = await asyncio.wait_for(asyncio.to_thread(read), timeout)
    assert line, f"the consumer never printed {prefix!r}"
    return line


async def _rows_with_versions(db: str) -> dict[str, tuple[int, str]]:
    """Per table of the projection (and its checkpoint): the row count and an md5 over every row *with
    its xmin*, so a row rewritten to the same values still shows up as changed."""
    conn = await asyncpg.connect(db)
    try:
        out = {}
        for table in ("applied", "total", "checkpoint", "applied_event"):
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg(t.xmin::text || ':' || t::text, '|' "
                f"ORDER BY t::text), '')) AS h FROM {table} t")
            assert row is not None
            out[table] = (int(row["n"]), str(row["h"]))
        return out
    finally:
        await conn.close()


async def _sessions(db: str) -> str:
    """The database's sessions (state, lock waits, last statement): what a consumer waits on when a
    test's wait runs out."""
    conn = await asyncpg.connect(db)
    try:
        rows = await conn.fetch(
            "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid) AS blocked_by, "
            "now() - xact_start AS in_xact, now() - state_change AS in_state, left(query, 120) AS query "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return "\n".join(str(dict(r)) for r in rows)
    finally:
        await conn.close()


def _output(proc: subprocess.Popen[bytes]) -> str:
    """What a consumer printed (it is stopped first): why it did not get on."""
    stop(proc)
    assert proc.stdout is not None
    return "\n" + proc.stdout.read().decode(errors="replace")[-4000:]


def _stop_frozen(a: subprocess.Popen[bytes], b: subprocess.Popen[bytes] | None) -> None:
    """Stop the frozen consumer (continued first: a stopped process ignores SIGTERM) and the new owner."""
    if a.poll() is None:
        os.kill(a.pid, signal.SIGCONT)
    stop(a)
    if b is not None:
        stop(b)


@pytest.mark.infra
async def test_a_zombie_that_commits_after_losing_its_partitions_changes_no_row(infra) -> None:  # type: ignore[no-untyped-def]
    """F4: consumer A is frozen (SIGSTOP) holding a fetched batch it has not applied. Its session expires,
    the group hands every partition to B, and B applies everything. Then A is continued and runs its
    late transaction for the stale batch: it must change 0 rows (rows, counter and checkpoint, compared
    with their row versions), and every event stays applied exactly once."""
    topic = f"zombie.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("zombie")
    group = f"g-{uuid.uuid4().hex[:8]}"
    await produce(infra.bootstrap, topic, N_EVENTS, partitions=3)
    a = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "50", "--stall-after-batches", "2")
    b = None
    try:
        stalled = await _line_starting(a, "stalled", timeout=60)
        _, _, partition, _, last = stalled.split()
        b = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "200")
        # B gets A's partitions once A's session (6 s, crash_consumer's) has expired
        distinct, doubles, total = await wait_for_total(db, N_EVENTS, timeout=60)
        assert (distinct, doubles, total) == (N_EVENTS, 0, N_EVENTS), await _sessions(db)
        conn = await asyncpg.connect(db)
        try:
            stored = await conn.fetchval("SELECT next_offset FROM checkpoint WHERE topic = $1 AND partition = $2",
                                         topic, int(partition))
        finally:
            await conn.close()
        assert stored > int(last), "the new owner must have moved past the zombie's batch"
        await asyncio.sleep(1.0)  # B is idle now
        before = await _rows_with_versions(db)

        os.kill(a.pid, signal.SIGCONT)
        late = await _line_starting(a, "late_commit", timeout=30)
        assert late.endswith("fresh=0"), late
        await asyncio.sleep(1.0)  # let a wrong runner's effects (a rewound checkpoint, B re-applying) show
        after = await _rows_with_versions(db)
        assert after == before, "the zombie's late commit changed rows"
        assert await applied_state(db) == (N_EVENTS, 0, N_EVENTS)
    finally:
        _stop_frozen(a, b)


@pytest.mark.infra
async def test_a_consumer_frozen_inside_its_transaction_does_not_block_the_new_owner(infra) -> None:  # type: ignore[no-untyped-def]
    """F4, found by CI: with a fetch's partitions applied side by side, a consumer can freeze (SIGSTOP, a
    stalled VM) while one of its batch transactions is open, holding the partition's checkpoint row and
    the rows it wrote. The group gives its partitions to B after the session timeout, but B's transaction
    for that partition would wait on those locks for as long as A stays frozen. PostgreSQL ends a
    transaction left idle that long (``idle_in_transaction_session_timeout``), so B applies everything;
    continued, A commits nothing and keeps running, and every event is applied exactly once."""
    topic = f"bevroren.{uuid.uuid4().hex[:8]}"
    db = await infra.adatabase_url("bevroren")
    group = f"g-{uuid.uuid4().hex[:8]}"
    await produce(infra.bootstrap, topic, N_EVENTS, partitions=3)
    a = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "50",
                       "--stall-in-transaction-after-batches", "2",
                       "--idle-in-transaction-ms", "6000")  # DB_IDLE_IN_TRANSACTION_MS; 20 s by default
    b = None
    try:
        await _line_starting(a, "stalled_in_transaction", timeout=60)
        b = start_consumer(infra.bootstrap, db, topic, group, "--batch-size", "200")
        # A's idle transaction is ended (6 s after it froze), and its session (6 s) expires
        await _b_neemt_over_en_a_verandert_niets(db, a, b)
    finally:
        _stop_frozen(a, b)
