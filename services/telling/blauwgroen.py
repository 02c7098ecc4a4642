"""Blue/green switch-over of the telling figures: a rebuilt schema becomes ``public`` while the live
service keeps running, without losing or doubling an event.

Why this is safe (domain.md C: every figure is reproducible from the log and states its as-of
position):

* Every schema holds its own ``checkpoint`` rows, written in the same transaction as its figures
  (:mod:`leerrecht.projection`). Whatever schema is called ``public``, a runner that starts on it
  seeks to exactly the position its figures were computed at. Renaming schemas therefore loses and
  doubles nothing, *provided no live runner writes while the names change*, and none writes
  afterwards through connections that still point at the old tables (asyncpg caches prepared
  statements, and their plans, per connection).
* Hence one lock: every live instance holds the advisory lock :data:`LIVE_LOCK` *shared* for as long
  as its runner (projection + count-stream publisher) runs. The switch takes it *exclusively*. That
  is possible only when no live runner runs in any instance, and a live runner cannot start again
  until the switch has committed and released it. A session lock vanishes with its connection, so a
  crashed process never blocks a switch.
* Handshake: the switch writes a request into ``telling_blauwgroen.wissel``. That schema is never
  renamed, so a service reads it whichever schema is ``public``. Each live instance's
  :class:`Wisselwachter` polls it. On a request it stops its runner after the current batch, releases
  the shared lock and waits until the request is closed. It also waits when the request expires or
  its requester's connection is gone. Then it takes the lock again (this blocks while a switch
  holds it), expires every connection of its pool (new connections resolve ``public`` to the new
  schema, with fresh statement caches) and starts a new runner. That runner seeks to the new
  ``public``'s checkpoints. The API and the dashboard keep the same pool object. The watcher
  does the same when the OID of ``public`` changed without a request (a manual rename).
* The switch itself is one transaction: ``public`` → ``telling_oud_<tijd>`` (kept for the rollback),
  the new schema → ``public``, and the count stream's state carried over (:func:`wissel_schemas`).

The request table lives outside the per-schema migrations on purpose: a migration runs inside the
schema that gets renamed, and the handshake must survive the rename.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg

from leerrecht.logging import get_logger
from leerrecht.projection import TRANSIENT, ProjectionRunner
from leerrecht.service import Runtime
from telling.domain.figures import INDICATOREN
from telling.tabellen import PROJECTIE

log = get_logger(__name__)

LIVE_LOCK = 7_201_843_121
"""Held shared by every running live telling runner, exclusively by a switch (per database)."""
_DDL_LOCK = 7_201_843_122

BEHEER_SCHEMA = "telling_blauwgroen"

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {BEHEER_SCHEMA};
-- One row per switch request. Only the request is a signal; safety rests on LIVE_LOCK.
CREATE TABLE IF NOT EXISTS {BEHEER_SCHEMA}.wissel (
    id bigserial PRIMARY KEY,
    nieuw_schema text NOT NULL,
    oud_schema text,
    status text NOT NULL CHECK (status IN ('aangevraagd', 'gewisseld', 'afgebroken')),
    aanvrager_pid int NOT NULL,
    geldig_tot timestamptz NOT NULL,
    aangevraagd_op timestamptz NOT NULL DEFAULT now(),
    afgerond_op timestamptz,
    inhoudshash text
);
"""

_OPEN_VERZOEK = (
    f"SELECT w.id FROM {BEHEER_SCHEMA}.wissel w WHERE w.status = 'aangevraagd' AND w.geldig_tot > now() "
    "AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = w.aanvrager_pid) ORDER BY w.id DESC LIMIT 1"
)


async def zorg_voor_beheer(conn: asyncpg.Connection) -> None:
    """Create the request table once; the transaction lock keeps two starting processes from racing
    on ``CREATE ... IF NOT EXISTS`` (which is not concurrency-safe in PostgreSQL)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _DDL_LOCK)
        await conn.execute(_DDL)


async def open_verzoek(conn: asyncpg.Connection) -> int | None:
    """The id of a switch request still in force (open, not expired, its requester still connected)."""
    v = await conn.fetchval(_OPEN_VERZOEK)
    return int(v) if v is not None else None


async def public_oid(conn: asyncpg.Connection) -> int | None:
    v = await conn.fetchval("SELECT oid FROM pg_namespace WHERE nspname = 'public'")
    return int(v) if v is not None else None


# ----------------------------------------------------------------------------------------- live side


class Wisselwachter:
    """Runs the live telling runner and moves it over when the schemas are switched (see module doc).

    Wiring (``telling.app``): instead of ``runtime.start_runner(TellingRunner(...))``::

        wachter = Wisselwachter(runtime, lambda: TellingRunner(runtime.pool, settings, runtime.publisher))
        await wachter.start()
        runtime.background(wachter.run(), "telling:wisselwachter")
    """

    def __init__(self, runtime: Runtime, maak_runner: Callable[[], ProjectionRunner], *,
                 interval: float = 1.0) -> None:
        self.runtime = runtime
        self.maak_runner = maak_runner
        self.interval = interval
        self.wissels = 0
        self._slot: asyncpg.Connection | None = None  # holds LIVE_LOCK shared while the runner runs
        self._oid: int | None = None
        self._runner: ProjectionRunner | None = None

    async def start(self) -> None:
        """Take the shared lock (waiting out a switch in progress) and start the runner."""
        self._slot = await self._vergrendel()
        self._oid = await public_oid(self._slot)
        self._start_runner()

    async def run(self) -> None:
        # On shutdown this task is cancelled before the runtime stops the runner: the lock connection
        # is deliberately left open until the process exits, so no switch can start under a last batch.
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.controleer()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("wisselwachter_fout", error=type(exc).__name__)
                if self._slot is None or self._slot.is_closed():
                    # Without the lock connection a switch could run under our runner: pause too.
                    with contextlib.suppress(Exception):
                        await self._wissel_mee(None)

    async def controleer(self) -> None:
        """One poll: follow a switch request, or a ``public`` that changed under us."""
        assert self._slot is not None
        verzoek = await open_verzoek(self._slot)
        oid = await public_oid(self._slot)
        if verzoek is not None or oid != self._oid or self._runner is None:
            await self._wissel_mee(verzoek)

    async def _wissel_mee(self, verzoek: int | None) -> None:
        await self._stop_runner()
        if self._slot is not None:
            with contextlib.suppress(Exception):
                await self._slot.close()  # releases the shared lock
            self._slot = None
        log.info("blauwgroen_gepauzeerd", verzoek=verzoek)
        self._slot = await self._vergrendel()
        # Connections opened before the rename resolve names to the old tables (cached statements):
        # replace them all; requests in flight finish on their connection, which is then closed.
        await self.runtime.pool.expire_connections()
        oid = await public_oid(self._slot)
        gewisseld = oid != self._oid
        self._oid = oid
        self._start_runner()
        if gewisseld:
            self.wissels += 1
        log.info("blauwgroen_gewisseld" if gewisseld else "blauwgroen_hervat", verzoek=verzoek)

    async def _vergrendel(self) -> asyncpg.Connection:
        """A fresh connection holding LIVE_LOCK shared, taken only once no request is open."""
        attempt = 0
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self.runtime.settings.database_url)
                await zorg_voor_beheer(conn)
                while await open_verzoek(conn) is not None:
                    await asyncio.sleep(0.2)
                await conn.execute("SELECT pg_advisory_lock_shared($1)", LIVE_LOCK)  # waits for a switch
                return conn
            except TRANSIENT as exc:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
                attempt += 1
                log.warning("wisselwachter_verbinding", attempt=attempt, error=type(exc).__name__)
                await asyncio.sleep(min(10.0, 0.2 * 2**attempt))

    def _start_runner(self) -> None:
        runner = self.maak_runner()
        self.runtime.start_runner(runner)
        self._runner = runner

    async def _stop_runner(self) -> None:
        """Stop the runner and wait until its last batch committed; never release the lock before."""
        runner = self._runner
        if runner is None:
            return
        await self.runtime.stop_runner(runner, lambda: log.warning("wisselwachter_wacht_op_batch"))
        self._runner = None


# --------------------------------------------------------------------------------------- switch side


async def vraag_wissel(database_url: str, nieuw_schema: str, geldig_s: float) -> tuple[asyncpg.Connection, int]:
    """Post a switch request; returns the session that owns it (and will hold the lock) and its id."""
    conn = await asyncpg.connect(database_url)
    try:
        await zorg_voor_beheer(conn)
        vid = await conn.fetchval(
            f"INSERT INTO {BEHEER_SCHEMA}.wissel (nieuw_schema, status, aanvrager_pid, geldig_tot) "
            "VALUES ($1, 'aangevraagd', pg_backend_pid(), now() + make_interval(secs => $2)) RETURNING id",
            nieuw_schema, float(geldig_s),
        )
    except BaseException:
        await conn.close()
        raise
    return conn, int(vid)


async def wacht_op_stilstand(conn: asyncpg.Connection, timeout: float) -> None:
    """Take LIVE_LOCK exclusively: succeeds once every live runner stopped after its last batch."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LIVE_LOCK):
        if loop.time() > deadline:
            raise TimeoutError(f"de live dienst pauzeerde niet binnen {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def sluit_verzoek(conn: asyncpg.Connection, vid: int, status: str, inhoudshash: str | None = None) -> None:
    await conn.execute(
        f"UPDATE {BEHEER_SCHEMA}.wissel SET status = $2, afgerond_op = now(), inhoudshash = $3 "
        "WHERE id = $1 AND status = 'aangevraagd'",
        vid, status, inhoudshash,
    )


async def wissel_schemas(conn: asyncpg.Connection, vid: int, nieuw: str, oud: str,
                         inhoudshash: str | None = None,
                         bevroren: dict[tuple[str, int], int] | None = None) -> None:
    """The switch, in one transaction, run while ``conn`` holds LIVE_LOCK exclusively.

    The count stream: ``gepubliceerd`` says what the compacted count topic carries. The new schema's
    own table is empty (a rebuild publishes nothing) or stale (a rollback), so the live one is copied
    over, and every published (indicator, periode) table goes into the outbox once. The publisher then
    recomputes every table and sends exactly the cells whose published form differs from what the
    topic carries. For a rebuild with an equal hash that is none, apart from changes the old publisher
    had not sent yet when it stopped. The alternative, an empty ``gepubliceerd``, would republish every
    cell once. The compacted topic would absorb that, but every consumer would see a burst of
    unchanged values.

    ``bevroren``: the live positions the caller compared against. They are checked again under a
    table lock, so a live instance that does not honour LIVE_LOCK (one without the watcher) makes the
    switch fail instead of losing its latest batches in the old schema.
    """
    async with conn.transaction():
        await conn.execute("SET LOCAL lock_timeout = '10s'")
        status = await conn.fetchval(f"SELECT status FROM {BEHEER_SCHEMA}.wissel WHERE id = $1 FOR UPDATE", vid)
        if status != "aangevraagd":
            raise RuntimeError(f"wisselverzoek {vid} is niet meer open ({status})")
        if bevroren is not None:
            await conn.execute("LOCK TABLE public.checkpoint IN EXCLUSIVE MODE")
            nu = {(r["topic"], r["partition"]): int(r["next_offset"]) for r in await conn.fetch(
                "SELECT topic, partition, next_offset FROM public.checkpoint WHERE projection = $1", PROJECTIE)}
            if {k: v for k, v in nu.items() if v} != {k: v for k, v in bevroren.items() if v}:
                raise RuntimeError("de live cijfers veranderden tijdens de wissel (een telling-dienst zonder "
                                   "wisselwachter?); niet gewisseld")
        await conn.execute(f'ALTER SCHEMA public RENAME TO "{oud}"')
        await conn.execute(f'ALTER SCHEMA "{nieuw}" RENAME TO public')
        await conn.execute("DELETE FROM public.gepubliceerd")
        await conn.execute(
            "INSERT INTO public.gepubliceerd (cel_sleutel, indicator, periode, waarde, onderdrukt, bijgewerkt_op) "
            f'SELECT cel_sleutel, indicator, periode, waarde, onderdrukt, bijgewerkt_op FROM "{oud}".gepubliceerd'
        )
        paren = sorted(
            (r["indicator"], r["periode"])
            for r in await conn.fetch("SELECT DISTINCT indicator, periode FROM public.cijfer")
            if r["indicator"] in INDICATOREN and INDICATOREN[r["indicator"]].gepubliceerd
        )
        await conn.execute("DELETE FROM public.cijfer_gewijzigd")
        await conn.execute(
            "INSERT INTO public.cijfer_gewijzigd (indicator, periode) SELECT * FROM unnest($1::text[], $2::text[])",
            [p[0] for p in paren], [p[1] for p in paren],
        )
        await conn.execute(
            f"UPDATE {BEHEER_SCHEMA}.wissel SET status = 'gewisseld', oud_schema = $2, afgerond_op = now(), "
            "inhoudshash = $3 WHERE id = $1",
            vid, oud, inhoudshash,
        )
