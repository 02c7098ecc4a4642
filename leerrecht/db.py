"""PostgreSQL plumbing: one database per service instance, migrations applied on start.

Migrations are plain SQL files ``migrations/NNN_name.sql`` inside a service package, applied in
order, each in its own transaction, under an advisory lock so that two replicas starting together
do not race. A checksum guards against a migration edited after it ran, and older code refuses to start
on a database a newer version migrated (a rollback of the image alone would write tables it no longer
understands: telling's 008-009 dropped one).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import time
from collections.abc import Awaitable, Callable
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from leerrecht import verwerkingslog, volgorde, websessies
from leerrecht.logging import get_logger
from leerrecht.metrics import DB_SESSIES_BEEINDIGD

log = get_logger(__name__)

_MIGRATION_LOCK = 7_201_843_118  # arbitrary, fixed: serialises migrations across replicas

MIGRATIE_LOCK_TIMEOUT_MS = 2_000
"""How long one attempt of a migration step waits for a table lock (``lock_timeout``).

Why: DDL waits for its table lock behind every open transaction on the table, and every later query on
the table queues behind the waiting DDL. During a rolling deploy the old replicas keep working; one long
transaction (a report, a frozen process) would stop them all for as long as it lasts. With a short
timeout per attempt and retries (:data:`MIGRATIE_LOCK_WACHT_S`), the queries get through between the
attempts and the step lands as soon as the table is free for a moment."""

MIGRATIE_LOCK_WACHT_S = 120.0
"""How long a migration step keeps trying for its locks before the start fails (:class:`MigrationError`;
the orchestrator restarts the process, which tries again)."""

CORE_SQL = """
CREATE TABLE IF NOT EXISTS schema_migration (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
-- The projection's position in each partition, written in the same transaction as its rows.
CREATE TABLE IF NOT EXISTS checkpoint (
    projection text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    next_offset bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, topic, partition)
);
-- Event ids already applied, per projection: a record re-published at a new offset (a producer
-- retry after an unknown outcome) changes nothing twice.
CREATE TABLE IF NOT EXISTS applied_event (
    projection text NOT NULL,
    event_id uuid NOT NULL,
    PRIMARY KEY (projection, event_id)
);
"""


class MigrationError(RuntimeError):
    pass


async def ensure_database(url: str) -> None:
    """Create the service's database when it does not exist yet (local and test set-ups)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # a replica was quicker
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


IDLE_IN_TRANSACTION_MS = 20_000
"""How long PostgreSQL lets a transaction of ours sit idle before it ends the session, by default
(``DB_IDLE_IN_TRANSACTION_MS``).

Why: a process frozen with a transaction open (SIGSTOP, a stalled VM, a debugger) keeps its row locks for
as long as it stays frozen. For a projection that means the new owner of its partitions, which the group
hands over after the consumer's 10 s session timeout, waits on the frozen transaction's checkpoint row
forever (``test_a_consumer_frozen_inside_its_transaction_does_not_block_the_new_owner``). Twice the session
timeout: by then the group has written the consumer off. None of our transactions idles for seconds while
it is alive: between its statements a transaction only computes, or publishes (the outbox), and a publish
held up longer than this is retried from the rows that stay (consumers are idempotent). A value below
the session timeout is safe too (the frozen transaction just ends before the group moves on); the crash
test uses one to be quicker."""


_STILLE_BLOKKEERDERS = """
SELECT a.pid,
       CASE WHEN a.wait_event_type = 'Client' AND a.wait_event = 'ClientRead' AND a.xact_start IS NOT NULL
                 AND now() - a.state_change >= make_interval(secs => $2::float8)
                 AND pg_has_role(a.usesysid, 'MEMBER')  -- another role's session may not be ended
            THEN pg_terminate_backend(a.pid) ELSE false END AS beeindigd
FROM pg_stat_activity a
WHERE a.pid IN (SELECT unnest(pg_blocking_pids(w.pid)) FROM pg_stat_activity w
                WHERE w.datname = current_database() AND w.wait_event_type = 'Lock'
                  AND ($1::int IS NULL OR w.pid = $1::int))
"""


async def beeindig_stille_blokkeerders(conn: asyncpg.Connection, limiet_s: float,
                                       wachtende: int | None = None) -> tuple[list[int], list[int]]:
    """End the sessions that block another one (``wachtende``, or any in this database) while their
    client has been silent inside their transaction for ``limiet_s`` or longer; returns the ended and
    the other blockers' pids.

    Why: ``idle_in_transaction_session_timeout`` (:data:`IDLE_IN_TRANSACTION_MS`) ends a transaction whose
    client went silent, but not one frozen between asyncpg's prepare (Parse, Describe, Flush) and its
    execute: without a Sync the server counts the session as active, and ``statement_timeout`` does not
    run there either. A process frozen there (SIGSTOP, a stalled VM) would hold its locks for as long as
    it stays frozen. This applies the same limit to that state, and only to sessions others wait on; a
    blocker at work (a slow statement, a migration) is left to finish. CASE, because only it fixes the
    order in which SQL evaluates the conditions."""
    rijen = await conn.fetch(_STILLE_BLOKKEERDERS, wachtende, limiet_s)
    return [r["pid"] for r in rijen if r["beeindigd"]], [r["pid"] for r in rijen if not r["beeindigd"]]


async def stille_blokkeerders_opruimen(pool: asyncpg.Pool, limiet_s: float) -> None:
    """Every quarter of the limit, :func:`beeindig_stille_blokkeerders` for the whole database (a
    service's background chore: the requests' locks, an outbox's rows)."""
    while True:  # cancelled on shutdown (Runtime.background)
        await asyncio.sleep(limiet_s / 4)
        try:
            async with pool.acquire(timeout=limiet_s) as conn:
                beeindigd, _ = await beeindig_stille_blokkeerders(conn, limiet_s)
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            log.warning("stille_blokkeerders_niet_nagekeken", error=type(exc).__name__)
            continue
        if beeindigd:
            DB_SESSIES_BEEINDIGD.labels(door="dienst").inc(len(beeindigd))
            log.warning("stille_blokkeerder_beeindigd", sessies=beeindigd, limiet_s=limiet_s)


async def create_pool(url: str, min_size: int = 1, max_size: int = 10,
                      server_settings: dict[str, str] | None = None,
                      idle_in_transaction_ms: int = IDLE_IN_TRANSACTION_MS) -> asyncpg.Pool:
    settings = {"idle_in_transaction_session_timeout": str(idle_in_transaction_ms), **(server_settings or {})}
    pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size, command_timeout=60,
                                     server_settings=settings)
    assert pool is not None
    return pool


def _migration_files(package: str) -> list[tuple[str, str]]:
    root = resources.files(package) / "migrations"
    if not root.is_dir():
        return []
    files = sorted((p.name, p.read_text(encoding="utf-8")) for p in root.iterdir() if p.name.endswith(".sql"))
    return files


async def _met_lock_pogingen(naam: str, doe: Callable[[], Awaitable[object]], wacht_s: float) -> None:
    """Run a migration step, again after a lock timeout (each attempt is its own transaction, so a
    failed one left nothing behind), until ``wacht_s`` has passed."""
    einde = time.monotonic() + wacht_s
    poging = 0
    while True:
        try:
            await doe()
            return
        except asyncpg.LockNotAvailableError:
            poging += 1
            if time.monotonic() >= einde:
                raise MigrationError(
                    f"migration step {naam} did not get its table lock in {wacht_s:g} s ({poging} attempts): "
                    "a long or frozen transaction holds the table (see pg_stat_activity); the next start "
                    "tries again") from None
            vertraging = min(5.0, 0.2 * 2**poging) * (0.5 + random.random())
            log.warning("migratie_wacht_op_lock", stap=naam, poging=poging, vertraging_s=round(vertraging, 2))
            await asyncio.sleep(min(vertraging, max(0.0, einde - time.monotonic())))


async def migrate_verwerkingslog(conn: asyncpg.Connection, owner_url: str | None,
                                 lock_timeout_ms: int = MIGRATIE_LOCK_TIMEOUT_MS) -> None:
    """The append-only processing log (domain.md B). With an owner role it is created by that role,
    which grants the service's own role INSERT and SELECT only: the service can neither change, empty
    nor drop it, nor remove its triggers (only a table's owner, the schema's owner or a superuser can).
    In production the owner role also owns the database (and so its ``public`` schema); the service's
    role has CONNECT and CREATE on ``public`` for its own tables. Without an owner role (development)
    the service's role owns the table and only the triggers guard it."""
    if owner_url is None:
        await conn.execute(verwerkingslog.SQL)
        return
    dienst = await conn.fetchval("SELECT current_user")
    owner = await asyncpg.connect(owner_url, server_settings={"lock_timeout": str(lock_timeout_ms)})
    try:
        if await owner.fetchval("SELECT current_user") == dienst:
            raise MigrationError("DATABASE_OWNER_URL moet een andere databaserol zijn dan DATABASE_URL")
        async with owner.transaction():
            await owner.execute(verwerkingslog.SQL)
            await owner.execute("REVOKE ALL ON verwerking FROM " + _ident(dienst))
            await owner.execute("GRANT SELECT, INSERT ON verwerking TO " + _ident(dienst))
    finally:
        await owner.close()


EXTENSIES = ("pg_trgm",)
"""Extensions the services' migrations use (trigram indexes for name search). Creating one needs CREATE
on the database, which the service's own role does not have in production: the owner creates them."""


async def maak_extensies(conn: asyncpg.Connection, owner_url: str | None) -> None:
    """Create :data:`EXTENSIES` as the database's owner (``owner_url``), else as the service's role."""
    maker = conn if owner_url is None else await asyncpg.connect(owner_url)
    try:
        for naam in EXTENSIES:
            await maker.execute(f"CREATE EXTENSION IF NOT EXISTS {naam}")
    finally:
        if maker is not conn:
            await maker.close()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def migrate(pool: asyncpg.Pool, package: str, owner_url: str | None = None, *,
                  lock_timeout_ms: int = MIGRATIE_LOCK_TIMEOUT_MS,
                  lock_wacht_s: float = MIGRATIE_LOCK_WACHT_S) -> list[str]:
    """Apply the core tables and the package's pending migrations; returns the names applied.
    ``owner_url``: the processing log's owner role (:func:`migrate_verwerkingslog`). Each step waits at
    most ``lock_timeout_ms`` for a lock per attempt and retries for ``lock_wacht_s``
    (:data:`MIGRATIE_LOCK_TIMEOUT_MS`; 0: wait without limit)."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)

        async def stap(naam: str, doe: Callable[[], Awaitable[object]]) -> None:
            await _met_lock_pogingen(naam, doe, lock_wacht_s)

        try:
            await conn.execute("SELECT set_config('lock_timeout', $1, false)", str(lock_timeout_ms))
            await stap("core", lambda: conn.execute(CORE_SQL))
            await stap("volgorde", lambda: conn.execute(volgorde.SQL))  # the sequence bookkeeping
            await stap("websessies", lambda: conn.execute(websessies.SQL))  # the web login's sessions
            await stap("verwerkingslog", lambda: migrate_verwerkingslog(conn, owner_url, lock_timeout_ms))
            await stap("extensies", lambda: maak_extensies(conn, owner_url))
            done = {r["name"]: r["checksum"] for r in await conn.fetch("SELECT name, checksum FROM schema_migration")}
            files = _migration_files(package)
            onbekend = sorted(set(done) - {name for name, _ in files})
            if onbekend:
                raise MigrationError(
                    f"the database has migrations this version of {package} does not know ({', '.join(onbekend)}): "
                    "it was migrated by a newer version; deploy that version (or restore the database) "
                    "instead of running older code against a newer schema"
                )
            for name, sql in files:
                checksum = hashlib.sha256(sql.encode()).hexdigest()
                if name in done:
                    if done[name] != checksum:
                        raise MigrationError(f"migration {name} changed after it was applied; add a new one")
                    continue

                async def toepassen(sql: str = sql, name: str = name, checksum: str = checksum) -> None:
                    async with conn.transaction():
                        await conn.execute(sql)
                        await conn.execute(
                            "INSERT INTO schema_migration (name, checksum) VALUES ($1, $2)", name, checksum
                        )

                await stap(name, toepassen)
                applied.append(name)
        finally:
            await conn.execute("RESET lock_timeout")
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    if applied:
        log.info("migrations_applied", package=package, migrations=applied)
    return applied
