"""The count stream: ``CijferBijgewerkt`` on ``leerrecht.telling.cijfers`` for every published cell that
changed, with disclosure control applied and the as-of position (domain.md C).

Why an outbox and not the runner's ``on_applied`` hook alone: ``on_applied`` runs *after* the database
commit, so a crash in between would lose the change for good (the batch is never applied again). The
projection therefore writes the touched (indicator, periode) tables into ``cijfer_gewijzigd`` in the
batch's own transaction; this publisher drains that outbox. ``on_applied`` only wakes it up early.

Delivery is at least once: rows leave the outbox only after the broker acknowledged (``acks=all``,
idempotent producer). A crash between the ack and the delete republishes the same latest values,
which is harmless on a compacted topic keyed by cell. Only one publisher works at a time (a
PostgreSQL advisory lock), so an older snapshot can never overwrite a newer value on the topic.

Secondary suppression makes a cell's published form depend on its neighbours, so the publisher
recomputes the whole table (the areas and their breakdowns by school type and age band, suppressed
together: :func:`~telling.domain.disclosure.publiceer_uitsplitsingen`) and sends every cell whose
*published* form (value or suppression) changed, compared with ``gepubliceerd``. No pseudonym can
appear: a message is built only from cell keys, published values and offsets.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable, Sequence

import asyncpg

from contracts.catalogue import EnvelopeRuleError, to_envelope
from contracts.envelope import Envelope, utcnow, uuid7
from contracts.topics import COUNT_TOPIC
from leerrecht.kafka import EventPublisher, OutgoingEvent
from leerrecht.logging import get_logger
from leerrecht.projection import GC_PAUZE, Delivered
from telling.domain.disclosure import Gepubliceerd
from telling.tabellen import (
    PROJECTIE,
    Tabel,
    Uitsplitsingen,
    beveilig,
    beveilig_uitsplitsingen,
    cel_sleutel,
    cijfer_event,
    lees_tabellen,
    lees_uitsplitsingen,
    positie,
)

log = get_logger(__name__)

Cel = tuple[str, str, str, Gepubliceerd]
"""A published cell: (stream key, gebied, uitsplitsing, as published)."""


class Berichten:
    """The records of one round, all at the same as-of position ``pos``.

    Why not :func:`~telling.tabellen.cijfer_event` and :func:`~contracts.catalogue.to_envelope` per
    cell: ``positie`` has an entry per topic partition (120 in production), and the contract checks
    every entry of it in every event and copies it into every envelope: 70 of ~80 µs a record. Here
    the first record of a round is built exactly that way (``pos`` is checked as the contract checks
    it, once), and every other record is built and checked with a one-entry stand-in taken from
    ``pos`` (all its other fields pass the contract's validation as before), then given the same
    checked ``pos`` (tests/telling/test_telling_stroom.py: the records are equal).

    The envelope of every later record is the first one's with what differs per record put in
    (``id``, ``time``, ``recordedtime``, ``correlationid``, ``subject``, ``data``). Why: what
    :func:`~contracts.catalogue.to_envelope` checks beyond the payload is the same for every record
    of a round (the type is registered, not regional, the source is set) but the subject, which is
    checked here as it checks it (the cell key of the event); the rest was ~half of a record's CPU,
    twice the payload's own validation (issue 16, tenth round)."""

    SOURCE = "urn:nl:leerrecht:telling"

    def __init__(self, topic: str, pos: dict[str, int]) -> None:
        self.topic = topic
        self.pos = pos
        eerste = next(iter(pos))
        self._plaatsvervanger = {eerste: pos[eerste]}
        self._sjabloon: Envelope | None = None

    def maak(self, sleutel: str, indicator: str, periode: str, gebied: str, shown: Gepubliceerd,
             uitsplitsing: str) -> OutgoingEvent:
        if self._sjabloon is None:
            ev = cijfer_event(indicator, periode, gebied, shown, self.pos, uitsplitsing)
            env = to_envelope(ev, subject=sleutel, source=self.SOURCE, occurred_at=utcnow(),
                              correlation_id=uuid7())
            self._sjabloon = env
            return OutgoingEvent(self.topic, env)
        ev = cijfer_event(indicator, periode, gebied, shown, self._plaatsvervanger, uitsplitsing)
        if sleutel != ev.cel_sleutel():  # to_envelope's check of a figure's subject
            raise EnvelopeRuleError(f"subject of a figure is its cell key {ev.cel_sleutel()!r}")
        data = ev.to_data()
        data["positie"] = self.pos
        return OutgoingEvent(self.topic, self._sjabloon.model_copy(update={
            "id": uuid7(), "time": utcnow(), "subject": sleutel, "recorded_at": utcnow(),
            "correlation_id": uuid7(), "data": data,
        }))

_PUBLISHER_LOCK = 7_201_843_120  # one publisher per database at a time
_MAX_TABELLEN = 500


class CijferStroom:
    """Publishes the outbox in rounds: at once when the projection is caught up (a quiet system's
    figures reach the stream within a round, the latency benchmark's p99 goal is 1 s), but while it
    is behind (``achter``: more than a fetch waits on its partitions) at most one round per
    ``achterstand_interval`` seconds. Why: a round recomputes every touched table with its disclosure
    control, and under a backlog every batch touches most tables, so a round after every batch took
    ~40 % of the live process's CPU (README, issue 16) for figures that were outdated a batch later.
    Coalesced, the tables of several batches are computed once; every published figure is still final
    and disclosure-controlled at the round's ``positie``, and the round after the backlog publishes
    everything at once."""

    PAUZE_FACTOR = 3.0
    KLEINSTE_PAUZE = 0.05

    def __init__(self, pool: asyncpg.Pool, publisher: EventPublisher, *, topic: str = COUNT_TOPIC,
                 interval: float = 2.0, projectie: str = PROJECTIE, achter: Callable[[], bool] | None = None,
                 achterstand_interval: float = 10.0) -> None:
        self.pool = pool
        self.publisher = publisher
        self.topic = topic
        self.interval = interval
        self.min_gap = min(interval, 1.0)
        self.projectie = projectie
        self.achter = achter or (lambda: False)
        self.achterstand_interval = achterstand_interval
        self.published = 0
        self.rondes = 0
        self._laatste_ronde = -math.inf
        self._laatste_duur = 0.0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    async def on_applied(self, _: Sequence[Delivered]) -> None:
        self._wake.set()

    def wek(self) -> None:
        """Publish soon: the figures changed outside a batch (persons brought up to the klok)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                await self._inhalen_afwachten()
                while await self._ronde() and not self._stopping.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), timeout=self._pauze())
                    await self._inhalen_afwachten()
                attempt = 0
            except Exception as exc:
                attempt += 1
                log.warning("cijferstroom_retry", attempt=attempt, error=type(exc).__name__)
                await asyncio.sleep(min(10.0, 0.2 * 2**attempt))
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
        log.info("cijferstroom_gestopt", gepubliceerd=self.published, rondes=self.rondes)

    def _pauze(self) -> float:
        """The pause after a round that published: ``PAUZE_FACTOR`` times the round's own duration,
        between ``KLEINSTE_PAUZE`` and ``min_gap``. Why: a round recomputes whole tables (secondary
        suppression), so rounds back to back would take the projection's CPU in this process; a pause
        in proportion keeps the stream at most a quarter of it and lets a round take several batches at
        once, while a quiet system's cheap rounds follow each other within tenths of a second (a fixed
        pause of a second was most of the end-to-end p99, README issue 16)."""
        return min(self.min_gap, max(self.KLEINSTE_PAUZE, self.PAUZE_FACTOR * self._laatste_duur))

    async def _ronde(self) -> int:
        begin = time.monotonic()
        n = await self.publish_pending()
        if n:
            self.rondes += 1
            self._laatste_ronde = time.monotonic()
            self._laatste_duur = self._laatste_ronde - begin
        return n

    async def _inhalen_afwachten(self) -> None:
        """While the projection is behind, wait until it caught up or ``achterstand_interval`` passed
        since the last round; every applied batch wakes this to look again, so the round after the
        backlog is not delayed."""
        while not self._stopping.is_set() and self.achter():
            rest = self._laatste_ronde + self.achterstand_interval - time.monotonic()
            if rest <= 0:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=rest)

    async def publish_pending(self) -> int:
        """Publish the changes of the pending tables; returns the number of tables handled (0: idle)."""
        async with self.pool.acquire() as lock:
            if not await lock.fetchval("SELECT pg_try_advisory_lock($1)", _PUBLISHER_LOCK):
                return 0
            try:
                # The round's rows, tables and records all die with it (reference counting), so the cyclic
                # collector has nothing to find in them and only scans and promotes them: paused as the
                # runner pauses it for a fetch (issue 16, eighth round: ~33 -> ~26 µs CPU an event of the
                # stream in benchmarks.telling_cpu --stroom).
                with GC_PAUZE.gepauzeerd():
                    return await self._publish_pending()
            finally:
                await lock.execute("SELECT pg_advisory_unlock($1)", _PUBLISHER_LOCK)

    @staticmethod
    def _cellen(paar: tuple[str, str], tabel: Tabel, uitsplitsingen: Uitsplitsingen) -> list[Cel]:
        """Every cell of one table as the public sees it, with its stream key, in a fixed order.

        (Reusing the last round's result for a table whose cells did not change was measured and left
        out: the outbox only ever named tables with a changed cell, 0 reuses in 1,034 tables.)"""
        indicator, periode = paar
        gebieden = beveilig(tabel)
        cellen = [(gebied, "", shown) for gebied, shown in sorted(gebieden.items())]
        cellen += [(gebied, u, shown) for (gebied, u), shown in sorted(
            beveilig_uitsplitsingen(tabel, gebieden, uitsplitsingen).items())]
        return [(cel_sleutel(indicator, periode, gebied, u), gebied, u, shown) for gebied, u, shown in cellen]

    async def _publish_pending(self) -> int:
        async with self.pool.acquire() as conn:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                pending = await conn.fetch(
                    "SELECT id, indicator, periode FROM cijfer_gewijzigd ORDER BY id LIMIT $1",
                    _MAX_TABELLEN * 20,
                )
                if not pending:
                    return 0
                paren = sorted({(r["indicator"], r["periode"]) for r in pending})[:_MAX_TABELLEN]
                gekozen = set(paren)
                ids = [r["id"] for r in pending if (r["indicator"], r["periode"]) in gekozen]
                pos = await positie(conn, self.projectie)
                if not pos:
                    return 0  # cannot happen (the outbox is written with a checkpoint); never drop work
                tabellen = await lees_tabellen(conn, paren)
                uitsplitsingen = await lees_uitsplitsingen(conn, paren)
                vorige = {
                    r["cel_sleutel"]: (r["waarde"], r["onderdrukt"])
                    for r in await conn.fetch(
                        "SELECT g.cel_sleutel, g.waarde, g.onderdrukt FROM gepubliceerd g "
                        "JOIN unnest($1::text[], $2::text[]) AS t(indicator, periode) "
                        "ON g.indicator = t.indicator AND g.periode = t.periode",
                        [p[0] for p in paren], [p[1] for p in paren],
                    )
                }
            uit: list[OutgoingEvent] = []
            rijen: list[tuple[str, str, str, int | None, bool]] = []
            berichten = Berichten(self.topic, pos)
            for paar, tabel in sorted(tabellen.items()):
                indicator, periode = paar
                for sleutel, gebied, uitsplitsing, shown in self._cellen(paar, tabel, uitsplitsingen[paar]):
                    if vorige.get(sleutel) == (shown.waarde, shown.onderdrukt):
                        continue  # unchanged: no event is even built (most cells of a table)
                    uit.append(berichten.maak(sleutel, indicator, periode, gebied, shown, uitsplitsing))
                    rijen.append((sleutel, indicator, periode, shown.waarde, shown.onderdrukt))
            await self.publisher.publish(uit)
            async with conn.transaction():
                if rijen:
                    await conn.execute(
                        "INSERT INTO gepubliceerd (cel_sleutel, indicator, periode, waarde, onderdrukt) "
                        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bool[]) "
                        "ON CONFLICT (cel_sleutel) DO UPDATE SET waarde = EXCLUDED.waarde, "
                        "onderdrukt = EXCLUDED.onderdrukt, bijgewerkt_op = now()",
                        *[list(c) for c in zip(*rijen, strict=True)],
                    )
                await conn.execute("DELETE FROM cijfer_gewijzigd WHERE id = ANY($1::bigint[])", ids)
        self.published += len(uit)
        if uit:
            log.info("cijfers_gepubliceerd", tabellen=len(paren), cellen=len(uit))
        return len(paren)
